"""Describing the graph for data catalogues: DCAT-AP-NO 2.0 and VoID.

Each programme year is a dataset of its own (the named graph {base}/graph/programme-{year}) and
a version in one DCAT-AP 3 dataset series, {base}/dataset/handlingsprogram: dcat:inSeries,
dcat:version (and owl:versionInfo for DCAT-AP-NO 2.0 readers), dcat:prev / dcat:next between the
years, dcat:first / dcat:last on the series. What became of each item from one year to the next
is the lineage graph ({base}/graph/lineage), a part like the others.

Both descriptions are computed from the dataset as it is now (counts, classes,
named graphs, focus areas, times recorded in the data), so they change when the
data changes. Only the facts about the publisher and the fixed download layout
are written down here.

Controlled-vocabulary values (EU authority tables) carry their `skos:inScheme`,
because Digdir's shapes check the scheme of each value rather than its IRI.
"""

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from rdflib import Dataset, Graph, Literal, Namespace, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, PROV, RDF, SKOS, VOID, XSD

from graph.formats import CSV_TABLE, JSONLD, NQUADS, RDFXML, TRIG, TURTLE, Format, RdfFormat
from graph.namespaces import PREFIXES, RG, VCARD, bind_prefixes

EU = "http://publications.europa.eu/resource/authority/"
DATA_THEME = URIRef(EU + "data-theme")
FILE_TYPE = URIRef(EU + "file-type")
LANGUAGE = URIRef(EU + "language")
ACCESS_RIGHT = URIRef(EU + "access-right")
LICENCE = URIRef(EU + "licence")
COUNTRY = URIRef(EU + "country")
# DCAT 3 terms (dataset series) that rdflib's closed DCAT namespace does not list yet.
DCAT3 = Namespace(str(DCAT))
PROGRAMME_GRAPH = re.compile(r"^programme-(\d{4})$")

# The vocabulary IRI does not move with the data's base (see graph/settings.py).
VOCABULARY = URIRef(str(RG).rstrip("#"))

# -- the publisher: facts we can source, nothing else --------------------------
# Osloregionen has no organisation number of its own that we could verify (its
# secretariat is part of the City of Oslo), so dct:identifier is left out, as is
# an e-mail address for the contact point.
PUBLISHER_KEY = "osloregionen"
PUBLISHER_NAMES = {"nb": "Osloregionen", "en": "Oslo Region Alliance"}
PUBLISHER_HOMEPAGE = URIRef("https://www.osloregionen.no/")
CONTACT_NAMES = {"nb": "Osloregionens sekretariat", "en": "Oslo Region Alliance secretariat"}

LICENSE = (URIRef(EU + "licence/CC_BY_4_0"), "Creative Commons Attribution 4.0 International")
ACCESS_PUBLIC = (URIRef(EU + "access-right/PUBLIC"), {"nb": "Offentlig", "en": "Public"})
LANGUAGES = {
    "NOB": {"nb": "Norsk bokmål", "en": "Norwegian Bokmål"},
    "ENG": {"nb": "Engelsk", "en": "English"},
}
SPATIAL = (URIRef(EU + "country/NOR"), {"nb": "Norge", "en": "Norway"})

# EU data themes. GOVE and REGI always apply (a regional political programme);
# the others are added when a focus area of the data is about them.
THEMES = {
    "GOVE": ({"nb": "Forvaltning og offentlig sektor", "en": "Government and public sector"}, None),
    "REGI": ({"nb": "Regioner og byer", "en": "Regions and cities"}, None),
    "ECON": ({"nb": "Økonomi og finans", "en": "Economy and finance"}, r"nærings|konkurranse|økonomi"),
    "ENVI": ({"nb": "Miljø", "en": "Environment"}, r"klima|miljø|natur|oslofjord|vassdrag|sirkulær"),
    "ENER": ({"nb": "Energi", "en": "Energy"}, r"\bkraft\b|energi"),
    "TRAN": ({"nb": "Transport", "en": "Transport"}, r"transport|mobilitet|samferdsel"),
    "INTR": ({"nb": "Internasjonale temaer", "en": "International issues"}, r"internasjonal"),
}


@dataclass(frozen=True)
class Download:
    stem: str  # the file is download/{stem}.{extension}
    format: Format
    title: dict

    @property
    def key(self) -> str:
        return self.format.name

    @property
    def path(self) -> str:  # under {base}/
        return f"download/{self.stem}.{self.format.extension}"

    @property
    def rdf(self) -> bool:
        """A full dump (void:dataDump) rather than an extract."""
        return isinstance(self.format, RdfFormat)


DOWNLOADS = (
    Download("regiongraf", TURTLE, {"nb": "Hele grafen som Turtle", "en": "The whole graph as Turtle"}),
    Download("regiongraf", TRIG, {"nb": "Hele grafen med navngitte grafer som TriG",
                                  "en": "The whole graph with named graphs as TriG"}),
    Download("regiongraf", NQUADS, {"nb": "Hele grafen med navngitte grafer som N-Quads",
                                    "en": "The whole graph with named graphs as N-Quads"}),
    Download("regiongraf", JSONLD, {"nb": "Hele grafen som JSON-LD", "en": "The whole graph as JSON-LD"}),
    Download("regiongraf", RDFXML, {"nb": "Hele grafen som RDF/XML", "en": "The whole graph as RDF/XML"}),
    Download("tiltak", CSV_TABLE, {"nb": "Tiltakene som CSV-tabell", "en": "The measures as a CSV table"}),
)

SPARQL_PROTOCOL = ("https://www.w3.org/TR/sparql11-protocol/", "SPARQL 1.1 Protocol")
SPARQL_QUERY = ("https://www.w3.org/TR/sparql11-query/", "SPARQL 1.1 Query Language")

# Our classes as the dataset description counts them ("tiltak: 42").
CLASS_NAMES = {
    "Programme": ("handlingsprogram", "programmes"),
    "FocusArea": ("innsatsområder", "focus areas"),
    "Goal": ("overordnede mål", "goals"),
    "SubGoal": ("delmål", "sub-goals"),
    "Challenge": ("utfordringer", "challenges"),
    "Strategy": ("strategier", "strategies"),
    "MeasureGroup": ("tiltaksgrupper", "measure groups"),
    "Measure": ("tiltak", "measures"),
    "ExpertGroup": ("faggrupper", "expert groups"),
    "Organisation": ("organisasjoner", "organisations"),
    "Plan": ("planer", "plans"),
    "Project": ("prosjekter", "projects"),
    "Initiative": ("initiativer fra andre aktører", "initiatives from other actors"),
}

# Titles of the named graphs we know; others are named after their IRI.
GRAPH_TITLES = {
    "curated": ({"nb": "Kuraterte fakta", "en": "Curated facts"},
                {"nb": "Fakta og koblinger lagt inn for hånd.",
                 "en": "Facts and links entered by hand."}),
    "ontology": ({"nb": "Regiongraf-vokabularet", "en": "The regiongraf vocabulary"},
                 {"nb": "Klassene og egenskapene grafen bruker (OWL).",
                  "en": "The classes and properties the graph uses (OWL)."}),
    "meta": ({"nb": "Byggeopplysninger", "en": "Build metadata"},
             {"nb": "Når og fra hvilken kildefil hver graf ble laget (PROV-O).",
              "en": "When and from which source file each graph was made (PROV-O)."}),
    "inferred": ({"nb": "Maskinutledede koblinger", "en": "Machine-inferred links"},
                 {"nb": "Likhets- og overlappskoblinger funnet automatisk, med metode, modell, "
                        "skår og tidspunkt (PROV-O, SSSOM).",
                  "en": "Similarity and overlap links found automatically, with method, model, "
                        "score and time (PROV-O, SSSOM)."}),
    "lineage": ({"nb": "Årganger: hva ble av hvert punkt", "en": "Lineage: what became of each item"},
                {"nb": "Hvert tiltak, hver strategi, hvert delmål, mål og hver utfordring koblet til det de "
                       "erstatter i programmet året før (prov:wasRevisionOf, dct:replaces når flere er slått "
                       "sammen), med status, sikkerhet og begrunnelse (SSSOM, PROV-O). Utledet maskinelt; "
                       "ansattes vurderinger vinner.",
                 "en": "Every measure, strategy, sub-goal, goal and challenge linked to what it replaces in "
                       "the programme of the year before (prov:wasRevisionOf, dct:replaces where several were "
                       "merged), with status, confidence and reason (SSSOM, PROV-O). Machine-derived; staff "
                       "decisions win."}),
    "reviews": ({"nb": "Vurderte par", "en": "Reviewed pairs"},
                {"nb": "Ansattes vurderinger av foreslåtte par: godtatt (skos:closeMatch) eller avvist, med hvem, "
                       "når og hvorfor (SSSOM, manuell kurering).",
                 "en": "Staff decisions on proposed pairs: accepted (skos:closeMatch) or rejected, with who, when "
                       "and why (SSSOM, manual curation)."}),
}


# -- reading the dataset --------------------------------------------------------
@dataclass
class Stats:
    triples: int = 0
    entities: int = 0
    subjects: int = 0
    objects: int = 0
    classes: dict = field(default_factory=dict)  # class IRI -> instances
    properties: dict = field(default_factory=dict)  # property IRI -> triples
    graphs: dict = field(default_factory=dict)  # graph IRI -> (triples, entities)
    times: list = field(default_factory=list)  # datetimes recorded in the data
    programmes: list = field(default_factory=list)  # (iri, label)
    focus_labels: list = field(default_factory=list)
    example: URIRef | None = None


def _int(row, i=0) -> int:
    return int(row[i].toPython()) if row[i] is not None else 0


def _one(dataset: Dataset, query: str) -> int:
    return next((_int(r) for r in dataset.query(query)), 0)


# Every pattern is asked of the default graph and of all named graphs, so the
# answer is the same for an Oxigraph-backed and an in-memory rdflib Dataset.
def _all(pattern: str) -> str:
    return f"{{ {pattern} }} UNION {{ GRAPH ?g {{ {pattern} }} }}"


def _as_datetime(value) -> datetime | None:
    value = value.toPython() if isinstance(value, Literal) else value
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    return None


def read_stats(dataset: Dataset, base: str) -> Stats:
    base = base.rstrip("/")
    id_space = f"{base}/id/"
    st = Stats()
    st.triples = _one(dataset, f"SELECT (COUNT(*) AS ?n) WHERE {{ SELECT DISTINCT ?s ?p ?o WHERE {{ "
                               f"{_all('?s ?p ?o')} }} }}")
    st.subjects = _one(dataset, f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ {_all('?s ?p ?o')} }}")
    st.objects = _one(dataset, f"SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE {{ {_all('?s ?p ?o')} }}")
    st.entities = _one(dataset, f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ {_all('?s ?p ?o')} "
                                f"FILTER(isIRI(?s) && STRSTARTS(STR(?s), \"{id_space}\")) }}")
    for row in dataset.query(f"SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE {{ {_all('?s a ?c')} }} "
                             "GROUP BY ?c"):
        if isinstance(row[0], URIRef):
            st.classes[row[0]] = _int(row, 1)
    for row in dataset.query(f"SELECT ?p (COUNT(*) AS ?n) WHERE {{ SELECT DISTINCT ?s ?p ?o WHERE {{ "
                             f"{_all('?s ?p ?o')} }} }} GROUP BY ?p"):
        st.properties[row[0]] = _int(row, 1)
    graph_entities = {
        row[0]: _int(row, 1)
        for row in dataset.query(
            "SELECT ?g (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } "
            f"FILTER(isIRI(?s) && STRSTARTS(STR(?s), \"{id_space}\")) }} GROUP BY ?g")
    }
    for row in dataset.query("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"):
        if isinstance(row[0], URIRef) and row[0] != DATASET_DEFAULT_GRAPH_ID:
            st.graphs[row[0]] = (_int(row, 1), graph_entities.get(row[0], 0))
    # When the data was made: PROV times anywhere, dct:modified/created of a named graph.
    for row in dataset.query(
        "PREFIX prov: <http://www.w3.org/ns/prov#> PREFIX dct: <http://purl.org/dc/terms/> "
        "SELECT ?x ?p ?t WHERE { "
        + _all("VALUES ?p { prov:generatedAtTime prov:endedAtTime dct:modified dct:created } ?x ?p ?t")
        + " }"
    ):
        if row[1] in (PROV.generatedAtTime, PROV.endedAtTime) or row[0] in st.graphs:
            t = _as_datetime(row[2])
            if t is not None:
                st.times.append(t)
    labels = {}
    for row in dataset.query(
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
        f"SELECT ?x ?l WHERE {{ {_all(f'?x a <{RG.Programme}> OPTIONAL {{ ?x rdfs:label ?l }}')} }}"
    ):
        if row[1] is not None and (row[0] not in labels or getattr(row[1], "language", None) == "nb"):
            labels[row[0]] = str(row[1])
        else:
            labels.setdefault(row[0], str(row[0]).rsplit("/", 1)[-1])
    st.programmes = sorted(labels.items())
    st.example = st.programmes[0][0] if st.programmes else None
    focus = set()
    for row in dataset.query(
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
        f"SELECT ?l WHERE {{ {_all(f'?x a <{RG.FocusArea}> ; skos:prefLabel ?l')} }}"
    ):
        if getattr(row[0], "language", None) in (None, "", "nb", "no"):
            focus.add(str(row[0]).strip())
    st.focus_labels = sorted(focus)
    return st


# -- shared building blocks ------------------------------------------------------
def _iris(base: str) -> dict:
    base = base.rstrip("/")
    dataset = URIRef(f"{base}/dataset/regiongraf")
    return {
        "base": base,
        "catalog": URIRef(f"{base}/catalog"),
        "dataset": dataset,
        "service": URIRef(f"{base}/sparql#service"),
        "endpoint": URIRef(f"{base}/sparql"),
        "publisher": URIRef(f"{base}/id/organisation/{PUBLISHER_KEY}"),
        "contact": URIRef(f"{base}/catalog#contact-point"),
        "home": URIRef(f"{base}/"),
    }


def generation_time(generation: str | None) -> datetime | None:
    """When a store generation ('gen-<nanoseconds>', see graph/store.py) was written."""
    try:
        return datetime.fromtimestamp(int(str(generation).removeprefix("gen-")) / 1e9, UTC)
    except ValueError:
        return None


def _times(stats: Stats, modified: datetime | None) -> tuple[Literal, Literal]:
    """(issued, modified): first and last time the data records, else now."""
    known = stats.times + ([_as_datetime(modified)] if modified else [])
    latest = max(known, default=datetime.now(UTC))
    earliest = min(stats.times, default=latest)
    return (Literal(earliest.replace(microsecond=0), datatype=XSD.dateTime),
            Literal(latest.replace(microsecond=0), datatype=XSD.dateTime))


def _texts(g: Graph, node, prop, texts: dict) -> None:
    for lang, text in texts.items():
        g.add((node, prop, Literal(text, lang=lang)))


def _concept(g: Graph, iri: URIRef, scheme: URIRef, labels: dict | str) -> URIRef:
    g.add((iri, RDF.type, SKOS.Concept))
    g.add((iri, SKOS.inScheme, scheme))
    g.add((scheme, RDF.type, SKOS.ConceptScheme))
    _texts(g, iri, SKOS.prefLabel, labels if isinstance(labels, dict) else {"en": labels})
    return iri


def _standard(g: Graph, spec: tuple[str, str]) -> URIRef:
    iri = URIRef(spec[0])
    g.add((iri, RDF.type, DCTERMS.Standard))
    g.add((iri, DCTERMS.title, Literal(spec[1], lang="en")))
    return iri


def _themes(stats: Stats) -> list[str]:
    text = " ".join(stats.focus_labels).lower()
    return [code for code, (_, pattern) in THEMES.items() if pattern is None or re.search(pattern, text)]


def _graph_name(base: str, graph: URIRef) -> str:
    prefix = f"{base}/graph/"
    return str(graph)[len(prefix):] if str(graph).startswith(prefix) else str(graph)


def _graph_texts(base: str, graph: URIRef, triples: int) -> tuple[dict, dict]:
    name = _graph_name(base, graph)
    if name in GRAPH_TITLES:
        title, desc = GRAPH_TITLES[name]
    elif name.startswith("programme-"):
        year = name.removeprefix("programme-")
        title = {"nb": f"Handlingsprogram {year}", "en": f"Action programme {year}"}
        desc = {"nb": f"Handlingsprogrammet for {year} tolket fra grunnlagsdokumentet: mål, utfordringer, "
                      "delmål, strategier, tiltak og faggrupper.",
                "en": f"The {year} action programme parsed from its source document: goals, challenges, "
                      "sub-goals, strategies, measures and expert groups."}
    elif name.startswith("import/"):
        actor = name.removeprefix("import/")
        title = {"nb": f"Importert fra {actor}", "en": f"Imported from {actor}"}
        desc = {"nb": f"Initiativer importert fra aktøren {actor}.",
                "en": f"Initiatives imported from the actor {actor}."}
    else:
        title = {"nb": f"Graf {name}", "en": f"Graph {name}"}
        desc = {"nb": f"Navngitt graf {name}.", "en": f"Named graph {name}."}
    desc = {
        "nb": f"{desc['nb']} Navngitt graf <{graph}> med {triples} tripler.",
        "en": f"{desc['en']} Named graph <{graph}> with {triples} triples.",
    }
    return title, desc


def _class_summary(stats: Stats) -> tuple[str, str]:
    nb, en = [], []
    for local, (nb_name, en_name) in CLASS_NAMES.items():
        n = stats.classes.get(RG[local], 0)
        if n:
            nb.append(f"{nb_name}: {n}")
            en.append(f"{en_name}: {n}")
    return ", ".join(nb), ", ".join(en)


# -- DCAT-AP-NO -------------------------------------------------------------------
def catalogue(dataset: Dataset, settings, *, modified: datetime | None = None) -> Graph:
    """DCAT-AP-NO 2.0 description of the graph: catalogue, dataset, named-graph parts,
    distributions, the SPARQL service, publisher and contact point.

    `modified` is the store's write time if the caller knows it (the data's own
    PROV times win when they are later); without either, the current time is used.
    """
    stats = read_stats(dataset, settings.base_iri)
    iri = _iris(settings.base_iri)
    issued, mod = _times(stats, modified)
    g = Graph()
    bind_prefixes(g)
    g.bind("foaf", FOAF)
    g.bind("vcard", VCARD)

    # Controlled vocabulary values.
    license_ = _concept(g, LICENSE[0], LICENCE, LICENSE[1])
    g.add((license_, RDF.type, DCTERMS.LicenseDocument))
    public = _concept(g, ACCESS_PUBLIC[0], ACCESS_RIGHT, ACCESS_PUBLIC[1])
    languages = [_concept(g, URIRef(f"{EU}language/{code}"), LANGUAGE, labels)
                 for code, labels in LANGUAGES.items()]
    spatial = _concept(g, SPATIAL[0], COUNTRY, SPATIAL[1])
    g.add((spatial, RDF.type, DCTERMS.Location))
    themes = [_concept(g, URIRef(f"{EU}data-theme/{code}"), DATA_THEME, THEMES[code][0])
              for code in _themes(stats)]

    # Publisher and contact point.
    pub = iri["publisher"]
    g.add((pub, RDF.type, FOAF.Agent))
    _texts(g, pub, FOAF.name, PUBLISHER_NAMES)
    g.add((pub, FOAF.homepage, PUBLISHER_HOMEPAGE))
    contact = iri["contact"]
    g.add((contact, RDF.type, VCARD.Organization))
    _texts(g, contact, VCARD.fn, CONTACT_NAMES)
    g.add((contact, VCARD.hasURL, PUBLISHER_HOMEPAGE))

    def common(node, kind) -> None:
        g.add((node, RDF.type, kind))
        g.add((node, DCTERMS.identifier, Literal(str(node))))
        g.add((node, DCTERMS.publisher, pub))
        g.add((node, DCAT.contactPoint, contact))
        g.add((node, DCTERMS.accessRights, public))
        g.add((node, DCTERMS.license, license_))

    # The dataset.
    ds = iri["dataset"]
    common(ds, DCAT.Dataset)
    _texts(g, ds, DCTERMS.title, {"nb": "Regiongraf: Osloregionens handlingsprogram som kunnskapsgraf",
                                  "en": "Regiongraf: the Oslo Region action programme as a knowledge graph"})
    nb_counts, en_counts = _class_summary(stats)
    programmes = "; ".join(label for _, label in stats.programmes)
    nb_desc = ("Mål, utfordringer, delmål, strategier og foreslåtte tiltak i Osloregionens handlingsprogram, "
               "med faggruppene som foreslo dem og planene, prosjektene og initiativene de knytter seg til. "
               "Kuraterte og maskinutledede koblinger ligger i hver sin navngitte graf.")
    en_desc = ("Goals, challenges, sub-goals, strategies and proposed measures of the Oslo Region action "
               "programme, with the expert groups that proposed them and the plans, projects and "
               "initiatives they relate to. Curated and machine-inferred links are kept in separate "
               "named graphs.")
    if programmes:
        nb_desc += f" Program: {programmes}."
        en_desc += f" Programme: {programmes}."
    if nb_counts:
        nb_desc += f" Innhold: {nb_counts}."
        en_desc += f" Contents: {en_counts}."
    nb_desc += f" I alt {stats.triples} tripler i {len(stats.graphs)} navngitte grafer."
    en_desc += f" In all {stats.triples} triples in {len(stats.graphs)} named graphs."
    _texts(g, ds, DCTERMS.description, {"nb": nb_desc, "en": en_desc})
    for theme in themes:
        g.add((ds, DCAT.theme, theme))
    for word in ["Osloregionen", "handlingsprogram", "tiltak", "regional utvikling", *stats.focus_labels]:
        g.add((ds, DCAT.keyword, Literal(word, lang="nb")))
    for word in ("Oslo region", "action programme", "measures", "regional development"):
        g.add((ds, DCAT.keyword, Literal(word, lang="en")))
    for lang in languages:
        g.add((ds, DCTERMS.language, lang))
    g.add((ds, DCTERMS.spatial, spatial))
    g.add((ds, DCTERMS.issued, issued))
    g.add((ds, DCTERMS.modified, mod))
    g.add((ds, DCAT.landingPage, iri["home"]))
    g.add((ds, DCTERMS.conformsTo, VOCABULARY))
    g.add((VOCABULARY, RDF.type, DCTERMS.Standard))
    _texts(g, VOCABULARY, DCTERMS.title, {"nb": "Regiongraf-vokabularet", "en": "The regiongraf vocabulary"})

    # One part per named graph.
    for graph, (triples, _entities) in sorted(stats.graphs.items()):
        common(graph, DCAT.Dataset)
        title, desc = _graph_texts(iri["base"], graph, triples)
        _texts(g, graph, DCTERMS.title, title)
        _texts(g, graph, DCTERMS.description, desc)
        for theme in themes:
            g.add((graph, DCAT.theme, theme))
        g.add((graph, DCTERMS.isPartOf, ds))
        g.add((ds, DCTERMS.hasPart, graph))

    _series(g, stats, iri, common, themes)

    # Distributions: the downloads and the SPARQL endpoint.
    service = iri["service"]
    for dl in DOWNLOADS:
        dist = URIRef(f"{ds}/distribution/{dl.key}")
        url = URIRef(f"{iri['base']}/{dl.path}")
        g.add((dist, RDF.type, DCAT.Distribution))
        _texts(g, dist, DCTERMS.title, dl.title)
        g.add((dist, DCAT.accessURL, url))
        g.add((dist, DCAT.downloadURL, url))
        fmt = _concept(g, URIRef(f"{EU}file-type/{dl.format.file_type}"), FILE_TYPE, dl.format.label)
        g.add((dist, DCTERMS.format, fmt))
        g.add((dist, DCAT.mediaType, URIRef(dl.format.iana)))
        if dl.format.spec:
            g.add((dist, DCTERMS.conformsTo, _standard(g, dl.format.spec)))
        g.add((dist, DCTERMS.license, license_))
        g.add((dist, DCTERMS.modified, mod))
        g.add((ds, DCAT.distribution, dist))
    sparql_dist = URIRef(f"{ds}/distribution/sparql")
    g.add((sparql_dist, RDF.type, DCAT.Distribution))
    _texts(g, sparql_dist, DCTERMS.title, {"nb": "SPARQL-endepunkt", "en": "SPARQL endpoint"})
    g.add((sparql_dist, DCAT.accessURL, iri["endpoint"]))
    g.add((sparql_dist, DCAT.accessService, service))
    g.add((sparql_dist, DCTERMS.conformsTo, _standard(g, SPARQL_PROTOCOL)))
    g.add((sparql_dist, DCTERMS.license, license_))
    g.add((ds, DCAT.distribution, sparql_dist))

    # The SPARQL data service.
    common(service, DCAT.DataService)
    _texts(g, service, DCTERMS.title,
           {"nb": "Regiongraf SPARQL-endepunkt", "en": "Regiongraf SPARQL endpoint"})
    _texts(g, service, DCTERMS.description, {
        "nb": "Spørringer mot hele grafen, alle navngitte grafer, etter SPARQL 1.1-protokollen.",
        "en": "Queries over the whole graph, all named graphs, following the SPARQL 1.1 Protocol.",
    })
    g.add((service, DCAT.endpointURL, iri["endpoint"]))
    g.add((service, DCAT.servesDataset, ds))
    g.add((service, DCTERMS.conformsTo, _standard(g, SPARQL_PROTOCOL)))
    g.add((service, DCTERMS.conformsTo, _standard(g, SPARQL_QUERY)))
    for theme in themes:
        g.add((service, DCAT.theme, theme))
    g.add((service, DCAT.keyword, Literal("SPARQL", lang="nb")))
    g.add((service, DCAT.keyword, Literal("SPARQL", lang="en")))

    # The catalogue.
    cat = iri["catalog"]
    g.add((cat, RDF.type, DCAT.Catalog))
    g.add((cat, DCTERMS.identifier, Literal(str(cat))))
    g.add((cat, DCTERMS.publisher, pub))
    _texts(g, cat, DCTERMS.title, {"nb": "Regiongraf-katalogen", "en": "The regiongraf catalogue"})
    _texts(g, cat, DCTERMS.description, {
        "nb": "Datasett og datatjenester Osloregionen publiserer fra regiongraf.",
        "en": "Datasets and data services the Oslo Region Alliance publishes from regiongraf.",
    })
    for lang in languages:
        g.add((cat, DCTERMS.language, lang))
    g.add((cat, DCTERMS.license, license_))
    g.add((cat, DCTERMS.spatial, spatial))
    g.add((cat, DCTERMS.issued, issued))
    g.add((cat, DCTERMS.modified, mod))
    g.add((cat, FOAF.homepage, iri["home"]))
    g.add((cat, DCAT.dataset, ds))
    series = URIRef(f"{iri['base']}/dataset/handlingsprogram")
    if (series, RDF.type, DCAT3.DatasetSeries) in g:
        g.add((cat, DCAT.dataset, series))
    g.add((cat, DCAT.service, service))
    return g


def programme_years(base: str, graphs) -> list[tuple[str, URIRef]]:
    """(year, graph) of the programme graphs among `graphs`, oldest first."""
    out = []
    for graph in graphs:
        found = PROGRAMME_GRAPH.match(_graph_name(base, graph))
        if found:
            out.append((found.group(1), graph))
    return sorted(out)


def _series(g: Graph, stats: Stats, iri: dict, common, themes: list[URIRef]) -> None:
    """The programme years as versions in one dataset series (DCAT-AP 3)."""
    members = programme_years(iri["base"], stats.graphs)
    if not members:
        return
    series = URIRef(f"{iri['base']}/dataset/handlingsprogram")
    common(series, DCAT.Dataset)  # a dcat:DatasetSeries is a dcat:Dataset (DCAT 3)
    g.add((series, RDF.type, DCAT3.DatasetSeries))
    years = [y for y, _ in members]
    _texts(g, series, DCTERMS.title, {"nb": "Osloregionens handlingsprogram, alle årganger",
                                      "en": "The Oslo Region action programme, every year"})
    _texts(g, series, DCTERMS.description, {
        "nb": f"Handlingsprogrammet fornyes hvert år; hver årgang er et eget datasett i denne serien "
              f"({', '.join(years)}). Koblingene fra hvert punkt til det det erstatter året før ligger i "
              "årgangsgrafen (prov:wasRevisionOf).",
        "en": f"The action programme is renewed every year; each year is a dataset of its own in this series "
              f"({', '.join(years)}). The links from each item to what it replaces in the year before are in "
              "the lineage graph (prov:wasRevisionOf)."})
    for theme in themes:
        g.add((series, DCAT.theme, theme))
    g.add((series, DCTERMS.isPartOf, iri["dataset"]))
    g.add((series, DCAT3.first, members[0][1]))
    g.add((series, DCAT3.last, members[-1][1]))
    for i, (year, graph) in enumerate(members):
        g.add((graph, DCAT3.inSeries, series))
        g.add((series, DCAT3.seriesMember, graph))
        g.add((graph, DCAT3.version, Literal(year)))
        g.add((graph, OWL.versionInfo, Literal(year)))
        if i > 0:
            g.add((graph, DCAT3.prev, members[i - 1][1]))
        if i + 1 < len(members):
            g.add((graph, DCAT3.next, members[i + 1][1]))


# -- VoID -------------------------------------------------------------------------
def _namespace(term: str) -> str:
    cut = max(term.rfind("#"), term.rfind("/"))
    return term[: cut + 1] if cut > 0 else term


def void(dataset: Dataset, settings, *, modified: datetime | None = None) -> Graph:
    """VoID description: sizes, class and property partitions, one subset per named graph."""
    stats = read_stats(dataset, settings.base_iri)
    iri = _iris(settings.base_iri)
    _issued, mod = _times(stats, modified)
    g = Graph()
    bind_prefixes(g)
    g.bind("foaf", FOAF)
    ds = iri["dataset"]
    doc = URIRef(f"{iri['base']}/.well-known/void")
    g.add((doc, RDF.type, VOID.DatasetDescription))
    g.add((doc, DCTERMS.title, Literal("VoID-beskrivelse av regiongraf", lang="nb")))
    g.add((doc, DCTERMS.title, Literal("VoID description of regiongraf", lang="en")))
    g.add((doc, FOAF.primaryTopic, ds))

    g.add((ds, RDF.type, VOID.Dataset))
    g.add((ds, DCTERMS.title, Literal("Regiongraf", lang="nb")))
    g.add((ds, DCTERMS.publisher, iri["publisher"]))
    g.add((ds, DCTERMS.license, LICENSE[0]))
    g.add((ds, DCTERMS.modified, mod))
    g.add((ds, FOAF.homepage, iri["home"]))
    g.add((ds, VOID.sparqlEndpoint, iri["endpoint"]))
    for dl in DOWNLOADS:
        if dl.rdf:
            g.add((ds, VOID.dataDump, URIRef(f"{iri['base']}/{dl.path}")))
            g.add((ds, VOID.feature, URIRef(dl.format.iri)))
    g.add((ds, VOID.uriSpace, Literal(f"{iri['base']}/id/")))
    if stats.example is not None:
        g.add((ds, VOID.exampleResource, stats.example))
    g.add((ds, VOID.triples, Literal(stats.triples)))
    g.add((ds, VOID.entities, Literal(stats.entities)))
    g.add((ds, VOID.distinctSubjects, Literal(stats.subjects)))
    g.add((ds, VOID.distinctObjects, Literal(stats.objects)))
    g.add((ds, VOID.classes, Literal(len(stats.classes))))
    g.add((ds, VOID.properties, Literal(len(stats.properties))))

    vocabularies = {_namespace(str(t)) for t in [*stats.classes, *stats.properties]}
    for ns in sorted(vocabularies):
        g.add((ds, VOID.vocabulary, URIRef(VOCABULARY if ns == str(RG) else ns)))

    for cls, n in sorted(stats.classes.items()):
        part = URIRef(f"{ds}/class/{_slug_term(cls)}")
        g.add((ds, VOID.classPartition, part))
        g.add((part, VOID["class"], cls))
        g.add((part, VOID.entities, Literal(n)))
    for prop, n in sorted(stats.properties.items()):
        part = URIRef(f"{ds}/property/{_slug_term(prop)}")
        g.add((ds, VOID.propertyPartition, part))
        g.add((part, VOID.property, prop))
        g.add((part, VOID.triples, Literal(n)))

    for graph, (triples, entities) in sorted(stats.graphs.items()):
        g.add((ds, VOID.subset, graph))
        g.add((graph, RDF.type, VOID.Dataset))
        title, _ = _graph_texts(iri["base"], graph, triples)
        _texts(g, graph, DCTERMS.title, title)
        g.add((graph, VOID.triples, Literal(triples)))
        g.add((graph, VOID.entities, Literal(entities)))
        g.add((graph, VOID.sparqlEndpoint, iri["endpoint"]))
    return g


_PREFIX_NAMES = {str(ns): prefix for prefix, ns in PREFIXES.items()}


def _slug_term(term: URIRef) -> str:
    """Readable, unique path segment for a class or property: 'rg-Measure', 'skos-broader'."""
    ns = _namespace(str(term))
    local = str(term)[len(ns):] or "x"
    prefix = _PREFIX_NAMES.get(ns) or re.sub(r"[^a-z0-9]+", "-", ns.lower().split("//", 1)[-1]).strip("-")
    return f"{prefix}-{re.sub(r'[^A-Za-z0-9_.-]+', '-', local)}"
