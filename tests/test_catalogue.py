"""The DCAT-AP-NO catalogue and the VoID description: valid against Digdir's shapes,
and computed from the data rather than written down."""

from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox
import pyshacl
import pytest
from oxrdflib import OxigraphStore
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, PROV, RDF, RDFS, SKOS, VOID, XSD

from graph.namespaces import RG
from graph.publish.catalogue import catalogue, generation_time, read_stats, void
from graph.settings import REPO, Settings

VOCAB = REPO.parent / "shared" / "vocab"
SHAPES = VOCAB / "dcat-ap-no-2.00-shapes.ttl"
ONTOLOGIES = VOCAB / "dcat-ap-no-ontologies.ttl"
SH = "http://www.w3.org/ns/shacl#"
BASE = "https://data.osloregionen.no"
THEME = "http://publications.europa.eu/resource/authority/data-theme/"


def settings_for(tmp_path: Path, base: str = BASE) -> Settings:
    return Settings(home=tmp_path / "home", base=base)


def fill(ds: Dataset, base: str = BASE) -> Dataset:
    """A few typed nodes in two named graphs, with the team's IRIs."""
    programme_graph = ds.graph(URIRef(f"{base}/graph/programme-2025"))
    p = URIRef(f"{base}/id/programme/2025")
    programme_graph.add((p, RDF.type, RG.Programme))
    programme_graph.add((p, RDFS.label, Literal("Osloregionens handlingsprogram 2025", lang="nb")))
    for key, label in (("2025-5.1", "Kraft"), ("2025-4-p1", "Transport og mobilitet")):
        fa = URIRef(f"{base}/id/focus-area/{key}")
        programme_graph.add((fa, RDF.type, RG.FocusArea))
        programme_graph.add((fa, SKOS.prefLabel, Literal(label, lang="nb")))
    for n in (1, 2, 3):
        m = URIRef(f"{base}/id/measure/2025-5.1.1-{n}")
        programme_graph.add((m, RDF.type, RG.Measure))
        programme_graph.add((m, RDF.type, URIRef("https://schema.org/Action")))
        programme_graph.add((m, RG.inProgramme, p))
        programme_graph.add((m, RG.focusArea, URIRef(f"{base}/id/focus-area/2025-5.1")))
    curated = ds.graph(URIRef(f"{base}/graph/curated"))
    org = URIRef(f"{base}/id/organisation/nav")
    curated.add((org, RDF.type, RG.Organisation))
    curated.add((org, RDFS.label, Literal("NAV", lang="nb")))
    curated.add((URIRef(f"{base}/id/measure/2025-5.1.1-1"), RG.mentions, org))
    return ds


@pytest.fixture
def ds() -> Dataset:
    return fill(Dataset())


@pytest.fixture(scope="module")
def shapes() -> tuple[Graph, Graph]:
    if not SHAPES.is_file() or not ONTOLOGIES.is_file():
        pytest.skip(f"Digdir's DCAT-AP-NO shapes are not in {VOCAB} (expected next to the repository)")
    return Graph().parse(SHAPES), Graph().parse(ONTOLOGIES)


def validate(g: Graph, shapes) -> tuple[list, list]:
    """(violations, warnings) as readable strings."""
    shacl, ont = shapes
    _, report, _ = pyshacl.validate(g, shacl_graph=shacl, ont_graph=ont, allow_warnings=True)
    found = {"Violation": [], "Warning": []}
    for result in report.subjects(RDF.type, URIRef(SH + "ValidationResult")):
        severity = str(report.value(result, URIRef(SH + "resultSeverity"))).rsplit("#", 1)[-1]
        line = (f"{report.value(result, URIRef(SH + 'focusNode'))} "
                f"{report.value(result, URIRef(SH + 'resultPath'))}: "
                f"{report.value(result, URIRef(SH + 'resultMessage'))}")
        found.setdefault(severity, []).append(line)
    return found["Violation"], found["Warning"]


def value(g: Graph, s, p):
    v = g.value(s, p)
    return v.toPython() if isinstance(v, Literal) else v


def partitions(vo: Graph, base: str = BASE) -> dict:
    """class -> entities, from the VoID class partitions."""
    d = URIRef(f"{base}/dataset/regiongraf")
    return {vo.value(part, VOID["class"]): value(vo, part, VOID.entities)
            for part in vo.objects(d, VOID.classPartition)}


def by_lang(g: Graph, s, p, lang: str) -> str:
    return next(str(o) for o in g.objects(s, p) if o.language == lang)


# -- DCAT-AP-NO ---------------------------------------------------------------------
@pytest.mark.parametrize("base", [BASE, "https://example.org/regiongraf/"])
def test_catalogue_conforms_to_dcat_ap_no(tmp_path, shapes, base):
    cat = catalogue(fill(Dataset(), base.rstrip("/")), settings_for(tmp_path, base))
    violations, warnings = validate(cat, shapes)
    assert violations == []
    assert warnings == [], f"{len(warnings)} warnings"


def test_catalogue_and_void_together_conform(tmp_path, ds, shapes):
    s = settings_for(tmp_path)
    # One write time for both, as the routes pass the generation's: two "now"s a second apart differ.
    when = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
    violations, warnings = validate(catalogue(ds, s, modified=when) + void(ds, s, modified=when), shapes)
    assert (violations, warnings) == ([], [])


def test_catalogue_has_the_parts_a_partner_needs(tmp_path, ds):
    cat = catalogue(ds, settings_for(tmp_path))
    catalog = URIRef(f"{BASE}/catalog")
    dataset = URIRef(f"{BASE}/dataset/regiongraf")
    service = cat.value(catalog, DCAT.service)
    assert (catalog, DCAT.dataset, dataset) in cat
    assert cat.value(service, DCAT.endpointURL) == URIRef(f"{BASE}/sparql")
    assert (service, DCAT.servesDataset, dataset) in cat
    assert (service, DCTERMS.conformsTo, URIRef("https://www.w3.org/TR/sparql11-protocol/")) in cat
    downloads = {cat.value(d, DCAT.downloadURL) for d in cat.objects(dataset, DCAT.distribution)}
    assert {URIRef(f"{BASE}/download/regiongraf.{ext}") for ext in ("ttl", "trig", "nq", "jsonld", "rdf")} \
        | {URIRef(f"{BASE}/download/tiltak.csv")} <= downloads
    publisher = cat.value(dataset, DCTERMS.publisher)
    assert by_lang(cat, publisher, URIRef("http://xmlns.com/foaf/0.1/name"), "nb") == "Osloregionen"
    assert (cat.value(dataset, DCTERMS.license)
            == URIRef("http://publications.europa.eu/resource/authority/licence/CC_BY_4_0"))
    assert (cat.value(dataset, DCTERMS.accessRights)
            == URIRef("http://publications.europa.eu/resource/authority/access-right/PUBLIC"))
    assert by_lang(cat, dataset, DCTERMS.title, "en") and by_lang(cat, dataset, DCTERMS.title, "nb")
    # one dcat:Dataset part per named graph
    assert set(cat.objects(dataset, DCTERMS.hasPart)) == {
        URIRef(f"{BASE}/graph/programme-2025"), URIRef(f"{BASE}/graph/curated")}


def test_catalogue_is_generated_from_the_data(tmp_path, ds):
    s = settings_for(tmp_path)
    dataset = URIRef(f"{BASE}/dataset/regiongraf")
    before = catalogue(ds, s)
    assert "tiltak: 3" in by_lang(before, dataset, DCTERMS.description, "nb")
    themes = set(before.objects(dataset, DCAT.theme))
    assert themes == {URIRef(THEME + c) for c in ("GOVE", "REGI", "ENER", "TRAN")}
    assert Literal("Kraft", lang="nb") in set(before.objects(dataset, DCAT.keyword))

    imported = ds.graph(URIRef(f"{BASE}/graph/import/akershus"))
    fa = URIRef(f"{BASE}/id/focus-area/2025-5.5")
    imported.add((fa, RDF.type, RG.FocusArea))
    imported.add((fa, SKOS.prefLabel, Literal("Internasjonal profilering", lang="nb")))
    m = URIRef(f"{BASE}/id/measure/2025-5.5.1-1")
    imported.add((m, RDF.type, RG.Measure))
    after = catalogue(ds, s)
    assert "tiltak: 4" in by_lang(after, dataset, DCTERMS.description, "nb")
    assert URIRef(THEME + "INTR") in set(after.objects(dataset, DCAT.theme))
    assert (dataset, DCTERMS.hasPart, imported.identifier) in after
    assert "1 triples" not in by_lang(after, imported.identifier, DCTERMS.description, "en")
    assert "3 triples" in by_lang(after, imported.identifier, DCTERMS.description, "en")


def test_dates_come_from_the_recorded_times(tmp_path, ds):
    s = settings_for(tmp_path)
    meta = ds.graph(URIRef(f"{BASE}/graph/meta"))
    for name, t in (("programme-2025", "2025-01-02T03:04:05+00:00"), ("curated", "2025-03-01T10:00:00Z")):
        meta.add((URIRef(f"{BASE}/graph/{name}"), PROV.generatedAtTime, Literal(t, datatype=XSD.dateTime)))
    dataset = URIRef(f"{BASE}/dataset/regiongraf")
    cat = catalogue(ds, s)
    assert value(cat, dataset, DCTERMS.issued) == datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert value(cat, dataset, DCTERMS.modified) == datetime(2025, 3, 1, 10, 0, tzinfo=UTC)
    assert cat.value(dataset, DCTERMS.modified).datatype == XSD.dateTime
    later = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
    assert value(catalogue(ds, s, modified=later), dataset, DCTERMS.modified) == later
    assert value(void(ds, s), dataset, DCTERMS.modified) == datetime(2025, 3, 1, 10, 0, tzinfo=UTC)


def test_generation_time():
    assert generation_time("gen-1735787045000000000") == datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert generation_time(None) is None
    assert generation_time("weird") is None


# -- VoID ----------------------------------------------------------------------------
def test_void_counts_match_the_data(tmp_path, ds):
    vo = void(ds, settings_for(tmp_path))
    d = URIRef(f"{BASE}/dataset/regiongraf")
    quads = list(ds.quads((None, None, None, None)))
    assert value(vo, d, VOID.triples) == len(ds) == len({q[:3] for q in quads}) == 21
    assert value(vo, d, VOID.sparqlEndpoint) == URIRef(f"{BASE}/sparql")
    assert value(vo, d, VOID.uriSpace) == f"{BASE}/id/"
    assert URIRef(f"{BASE}/download/regiongraf.ttl") in set(vo.objects(d, VOID.dataDump))
    # the measure mentioned in both graphs is one entity
    assert value(vo, d, VOID.entities) == len({q[0] for q in quads if str(q[0]).startswith(f"{BASE}/id/")})
    assert value(vo, d, VOID.properties) == len({q[1] for q in quads})
    assert value(vo, d, VOID.classes) == len({q[2] for q in quads if q[1] == RDF.type})
    assert partitions(vo) == {
        RG.Programme: 1, RG.FocusArea: 2, RG.Measure: 3, RG.Organisation: 1,
        URIRef("https://schema.org/Action"): 3,
    }
    subsets = {g: value(vo, g, VOID.triples) for g in vo.objects(d, VOID.subset)}
    assert subsets == {g.identifier: len(g) for g in ds.graphs() if len(g)}
    assert URIRef(str(RG).rstrip("#")) in set(vo.objects(d, VOID.vocabulary))
    assert URIRef("http://www.w3.org/2004/02/skos/core#") in set(vo.objects(d, VOID.vocabulary))


def test_void_follows_changes(tmp_path, ds):
    s = settings_for(tmp_path)
    d = URIRef(f"{BASE}/dataset/regiongraf")
    before = void(ds, s)
    m1, m2 = (URIRef(f"{BASE}/id/measure/2025-5.1.1-{n}") for n in (1, 2))
    ds.graph(URIRef(f"{BASE}/graph/inferred")).add((m1, SKOS.closeMatch, m2))
    after = void(ds, s)
    assert value(after, d, VOID.triples) == value(before, d, VOID.triples) + 1 == len(ds)
    assert URIRef(f"{BASE}/graph/inferred") in set(after.objects(d, VOID.subset))
    assert URIRef(f"{BASE}/graph/inferred") not in set(before.objects(d, VOID.subset))


def test_default_graph_triples_are_counted_but_not_a_subset(tmp_path, ds):
    ds.add((URIRef(f"{BASE}/id/plan/x"), RDF.type, RG.Plan))
    st = read_stats(ds, BASE)
    assert st.triples == len(ds)
    assert st.classes[RG.Plan] == 1
    assert all(not str(g).startswith("urn:x-rdflib") for g in st.graphs)


def test_oxigraph_backed_dataset_gives_the_same_description(tmp_path, ds):
    """The store hands out an rdflib Dataset over oxrdflib; SPARQL runs in Oxigraph there."""
    ox_ds = Dataset(store=OxigraphStore(store=ox.Store()))
    for quad in ds.quads((None, None, None, None)):
        ox_ds.add(quad)
    s = settings_for(tmp_path)
    fixed = datetime(2025, 1, 1, tzinfo=UTC)
    assert read_stats(ox_ds, BASE) == read_stats(ds, BASE)
    assert catalogue(ox_ds, s, modified=fixed).isomorphic(catalogue(ds, s, modified=fixed))
    assert void(ox_ds, s, modified=fixed).isomorphic(void(ds, s, modified=fixed))


# -- the real build ------------------------------------------------------------------
@pytest.fixture(scope="module")
def built(built_home):
    from graph.store import open_store

    return built_home, open_store(built_home)


@pytest.mark.slow
def test_catalogue_of_the_real_build_conforms(built, shapes):
    s, store = built
    ds = store.dataset()
    modified = generation_time(store.generation())
    cat = catalogue(ds, s, modified=modified)
    violations, warnings = validate(cat, shapes)
    assert (violations, warnings) == ([], [])
    vo = void(ds, s, modified=modified)
    d = URIRef(f"{s.base_iri}/dataset/regiongraf")
    assert value(vo, d, VOID.triples) == len(ds)
    assert partitions(vo, s.base_iri)[RG.Measure] > 0
    assert value(cat, d, DCTERMS.modified) >= modified.replace(microsecond=0)
