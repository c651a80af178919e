"""The vocabulary, the SHACL shapes, the JSON-LD context and the curated facts in ontology/ and data/."""

import json
import re

import pytest
from pyshacl import validate
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, ORG, OWL, PROV, RDF, RDFS, SKOS, XSD

from graph.iri import KINDS
from graph.namespaces import FIBO_GAO, RG, SCHEMA, SH
from graph.settings import REPO

VOCABULARY = REPO / "ontology" / "regiongraf.ttl"
SHAPES = REPO / "ontology" / "shapes.ttl"
CONTEXT = REPO / "ontology" / "context.jsonld"
CURATED = REPO / "data" / "curated.ttl"
DOCUMENT = REPO / "data" / "handlingsprogram-2025.txt"

# Not the default base: nothing may depend on https://data.osloregionen.no.
BASE = "https://example.org/rg"
ONTOLOGY_IRI = URIRef("https://data.osloregionen.no/def/regiongraf")

# Properties the team notes' Vocabulary section names.
NOTES_PROPERTIES = [
    "text", "sectionNumber", "position", "sourceLine", "inProgramme", "focusArea", "inGroup",
    "proposedBy", "motivates", "supports", "implements", "mentions",
]

# Alignment from the design notes' domain-model table.
CLASS_ALIGNMENT = {
    "Programme": {PROV.Plan, DCTERMS.BibliographicResource},
    "FocusArea": {SKOS.Concept},
    "Goal": {FIBO_GAO.Goal},
    "SubGoal": {FIBO_GAO.Objective},
    "Strategy": {FIBO_GAO.Strategy},
    "MeasureGroup": {SKOS.Collection},
    "Measure": {SCHEMA.Action},
    "ExpertGroup": {ORG.OrganizationalUnit},
    "Organisation": {ORG.Organization},
    "Plan": {PROV.Plan},
    "Project": {SCHEMA.Project},
    "Initiative": {SCHEMA.Action},
}
PROPERTY_ALIGNMENT = {
    "text": SCHEMA.text,
    "inProgramme": DCTERMS.isPartOf,
    "inGroup": DCTERMS.isPartOf,
    "focusArea": DCTERMS.subject,
    "proposedBy": PROV.wasAttributedTo,
    "mentions": DCTERMS.references,
}


def node(kind: str, key: str) -> URIRef:
    return URIRef(f"{BASE}/id/{kind}/{key}")


@pytest.fixture(scope="module")
def vocab() -> Graph:
    return Graph().parse(VOCABULARY, format="turtle")


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return Graph().parse(SHAPES, format="turtle")


@pytest.fixture(scope="module")
def curated() -> Graph:
    return Graph().parse(CURATED, format="turtle", publicID=BASE + "/")


def terms(vocab: Graph, kind) -> set[URIRef]:
    return {t for t in vocab.subjects(RDF.type, kind) if str(t).startswith(str(RG))}


def langs(g: Graph, subject, prop) -> set[str | None]:
    return {o.language for o in g.objects(subject, prop) if isinstance(o, Literal) and str(o).strip()}


def parser_nodes() -> Graph:
    """The nodes the parser makes that the curated facts point to, made by hand."""
    g = Graph()
    programme, scheme = node("programme", "2025"), URIRef(f"{BASE}/scheme/themes-2025")
    g.add((programme, RDF.type, RG.Programme))
    g.add((programme, RDFS.label, Literal("Osloregionens handlingsprogram 2025", lang="nb")))
    g.add((scheme, RDF.type, SKOS.ConceptScheme))
    for number, title in [("5.2", "Sirkulærøkonomi"), ("5.3", "Grønn næringstransport"),
                          ("5.4", "Miljøtilstanden i Oslofjorden, vann og vassdrag")]:
        fa = node("focus-area", f"2025-{number}")
        g.add((fa, RDF.type, RG.FocusArea))
        for p in (RDFS.label, SKOS.prefLabel):
            g.add((fa, p, Literal(title, lang="nb")))
        g.add((fa, SKOS.notation, Literal(number)))
        g.add((fa, SKOS.inScheme, scheme))
        g.add((fa, RG.inProgramme, programme))
    return g


def document_nodes() -> Graph:
    """One correct node of every document class, as the parser would write them."""
    g = parser_nodes()
    programme, fa = node("programme", "2025"), node("focus-area", "2025-5.4")
    expert = node("expert-group", "faggruppene")

    def add(n: URIRef, cls: str, text: str, section: str, position: int, line: int) -> None:
        g.add((n, RDF.type, RG[cls]))
        g.add((n, RDFS.label, Literal(text[:40], lang="nb")))
        g.add((n, RG.inProgramme, programme))
        g.add((n, RG.sectionNumber, Literal(section)))
        g.add((n, RG.position, Literal(position, datatype=XSD.integer)))
        g.add((n, RG.sourceLine, Literal(line, datatype=XSD.integer)))
        if cls != "MeasureGroup":
            g.add((n, RG.text, Literal(text, lang="nb")))
        g.add((n, RG.focusArea, fa))

    challenge, goal, sub_goal = node("challenge", "2025-5.4-1"), node("goal", "2025-5.4-1"), \
        node("sub-goal", "2025-5.4-1")
    strategy, group, measure = node("strategy", "2025-5.4-1"), node("measure-group", "2025-5.4.1-1"), \
        node("measure", "2025-5.4.1-1")
    add(challenge, "Challenge", "Utslipp fra avløp svekker vannmiljøet", "5.4", 1, 10)
    add(goal, "Goal", "Å bli et lavutslippssamfunn mot 2050", "5.4", 1, 11)
    add(sub_goal, "SubGoal", "God miljøtilstand i Oslofjorden", "5.4", 1, 12)
    add(strategy, "Strategy", "Ved å samarbeide med SINTEF Ocean", "5.4", 1, 13)
    add(group, "MeasureGroup", "Vannmiljø", "5.4.1", 1, 14)
    add(measure, "Measure", "Delta i workshops i SEADITO.", "5.4.1", 1, 15)
    g.add((challenge, RG.motivates, sub_goal))
    g.add((strategy, RG.supports, sub_goal))
    g.add((strategy, RG.mentions, node("organisation", "sintef-ocean")))
    g.add((group, SKOS.member, measure))
    g.add((group, RG.proposedBy, expert))
    g.add((measure, RG.inGroup, group))
    g.add((measure, RG.proposedBy, expert))
    g.add((measure, RG.implements, strategy))
    g.add((measure, RG.mentions, node("project", "seadito")))
    initiative = node("initiative", "viken-1")
    g.add((initiative, RDF.type, RG.Initiative))
    g.add((initiative, RDFS.label, Literal("Rensing av avløpsvann", lang="nb")))
    g.add((initiative, RG.text, Literal("Rensing av avløpsvann i alle kommuner.", lang="nb")))
    g.add((initiative, RG.proposedBy, node("organisation", "nav")))
    g.add((initiative, RG.position, Literal(1, datatype=XSD.integer)))
    return g


def shacl(data: Graph, shapes: Graph, vocab: Graph) -> tuple[bool, Graph]:
    conforms, report, _ = validate(
        data, shacl_graph=shapes, ont_graph=vocab, inference="none", advanced=True, allow_warnings=True
    )
    return conforms, report


def results(report: Graph) -> list[tuple[URIRef, URIRef | None, list[Literal], bool]]:
    """(focus node, path, messages, from a SPARQL constraint) for every result."""
    out = []
    for r in report.subjects(RDF.type, SH.ValidationResult):
        sparql = report.value(r, SH.sourceConstraintComponent) == SH.SPARQLConstraintComponent
        messages = list(report.objects(r, SH.resultMessage))
        out.append((report.value(r, SH.focusNode), report.value(r, SH.resultPath), messages, sparql))
    return out


# --- vocabulary -----------------------------------------------------------------------------


def test_ontology_header(vocab):
    assert (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in vocab
    assert langs(vocab, ONTOLOGY_IRI, DCTERMS.title) >= {"nb", "en"}
    assert vocab.value(ONTOLOGY_IRI, OWL.versionInfo) is not None
    assert (ONTOLOGY_IRI, DCTERMS.license, URIRef("https://creativecommons.org/licenses/by/4.0/")) in vocab
    assert vocab.value(ONTOLOGY_IRI, DCTERMS.creator) is not None


def test_classes_are_those_of_the_team_notes(vocab):
    assert {str(c).removeprefix(str(RG)) for c in terms(vocab, OWL.Class)} == set(KINDS)


def test_properties_of_the_team_notes_are_defined(vocab):
    defined = terms(vocab, OWL.ObjectProperty) | terms(vocab, OWL.DatatypeProperty)
    assert {RG[p] for p in NOTES_PROPERTIES} <= defined


def all_terms(vocab: Graph) -> set[URIRef]:
    return terms(vocab, OWL.Class) | terms(vocab, OWL.ObjectProperty) | terms(vocab, OWL.DatatypeProperty)


def test_every_term_has_labels_and_comments_in_bokmal_and_english(vocab):
    for term in all_terms(vocab):
        assert langs(vocab, term, RDFS.label) >= {"nb", "en"}, term
        assert langs(vocab, term, RDFS.comment) >= {"nb", "en"}, term
        assert (term, RDFS.isDefinedBy, ONTOLOGY_IRI) in vocab, term


def test_every_property_has_a_range(vocab):
    for prop in terms(vocab, OWL.ObjectProperty) | terms(vocab, OWL.DatatypeProperty):
        assert vocab.value(prop, RDFS.range) is not None, prop


def test_every_class_is_aligned_with_a_published_vocabulary(vocab):
    for cls in terms(vocab, OWL.Class):
        supers = set(vocab.objects(cls, RDFS.subClassOf))
        assert any(isinstance(s, URIRef) and not str(s).startswith(str(RG)) for s in supers), cls
        # No class is a subclass of another of ours: shapes would then target it twice.
        assert not any(str(s).startswith(str(RG)) for s in supers), cls


@pytest.mark.parametrize("name", sorted(CLASS_ALIGNMENT))
def test_class_alignment_follows_the_design_notes(vocab, name):
    assert CLASS_ALIGNMENT[name] <= set(vocab.objects(RG[name], RDFS.subClassOf))


@pytest.mark.parametrize("name", sorted(PROPERTY_ALIGNMENT))
def test_property_alignment(vocab, name):
    assert (RG[name], RDFS.subPropertyOf, PROPERTY_ALIGNMENT[name]) in vocab


def test_fibo_terms_use_the_fibo_goals_and_objectives_namespace(vocab):
    fibo = {o for o in vocab.objects(None, RDFS.subClassOf) if "edmcouncil" in str(o)}
    assert fibo == {FIBO_GAO.Goal, FIBO_GAO.Objective, FIBO_GAO.Strategy}
    assert str(FIBO_GAO) == "https://spec.edmcouncil.org/fibo/ontology/FND/GoalsAndObjectives/Objectives/"


# --- shapes ---------------------------------------------------------------------------------


def test_every_class_has_a_node_shape(vocab, shapes):
    targeted = {c for s in shapes.subjects(RDF.type, SH.NodeShape) for c in shapes.objects(s, SH.targetClass)}
    assert terms(vocab, OWL.Class) <= targeted


def test_every_message_and_name_is_in_bokmal(shapes):
    messages = list(shapes.objects(None, SH.message))
    assert len(messages) > 40
    assert all(m.language == "nb" for m in messages)
    for shape in shapes.subjects(RDF.type, SH.NodeShape):
        assert "nb" in langs(shapes, shape, SH.name), shape
    for prop_shape in shapes.objects(None, SH.property):
        assert "nb" in langs(shapes, prop_shape, SH.message), prop_shape


def test_correct_document_nodes_and_curated_facts_conform(vocab, shapes, curated):
    conforms, report = shacl(document_nodes() + curated, shapes, vocab)
    assert conforms, report.serialize(format="turtle")


def break_(g: Graph, remove=(), add=()) -> Graph:
    g = g + Graph()
    for triple in remove:
        g.remove(triple)
    for triple in add:
        g.add(triple)
    return g


def measure() -> URIRef:
    return node("measure", "2025-5.4.1-1")


PHASE2, NAV = node("project", "energistasjoner-fase-2"), node("organisation", "nav")

BROKEN = {
    "measure without label": ({"remove": [(measure(), RDFS.label, None)]}, measure(), RDFS.label),
    "measure with English label only": (
        {"remove": [(measure(), RDFS.label, None)],
         "add": [(measure(), RDFS.label, Literal("Take part", lang="en"))]},
        measure(), RDFS.label,
    ),
    "measure without text": ({"remove": [(measure(), RG.text, None)]}, measure(), RG.text),
    "measure with blank text": (
        {"remove": [(measure(), RG.text, None)], "add": [(measure(), RG.text, Literal("  ", lang="nb"))]},
        measure(), RG.text,
    ),
    "measure from two expert groups": (
        {"add": [(measure(), RG.proposedBy, node("expert-group", "atp"))]}, measure(), RG.proposedBy,
    ),
    "measure proposed by an organisation": (
        {"remove": [(measure(), RG.proposedBy, None)],
         "add": [(measure(), RG.proposedBy, node("organisation", "nav"))]},
        measure(), RG.proposedBy,
    ),
    "measure without focus area": ({"remove": [(measure(), RG.focusArea, None)]}, measure(), RG.focusArea),
    "measure without programme": ({"remove": [(measure(), RG.inProgramme, None)]}, measure(), RG.inProgramme),
    "measure in two groups": (
        {"add": [(measure(), RG.inGroup, node("measure-group", "2025-5.4.1-2"))]}, measure(), RG.inGroup,
    ),
    "position zero": (
        {"remove": [(measure(), RG.position, None)], "add": [(measure(), RG.position, Literal(0))]},
        measure(), RG.position,
    ),
    "position as text": (
        {"remove": [(measure(), RG.position, None)], "add": [(measure(), RG.position, Literal("1"))]},
        measure(), RG.position,
    ),
    "malformed section number": (
        {"remove": [(measure(), RG.sectionNumber, None)],
         "add": [(measure(), RG.sectionNumber, Literal("5.4.x"))]},
        measure(), RG.sectionNumber,
    ),
    "mention of a goal": (
        {"add": [(measure(), RG.mentions, node("goal", "2025-5.4-1"))]}, measure(), RG.mentions,
    ),
    "group does not list its measure": (
        {"remove": [(node("measure-group", "2025-5.4.1-1"), SKOS.member, measure())]}, measure(), None,
    ),
    "strategy without focus area": (
        {"remove": [(node("strategy", "2025-5.4-1"), RG.focusArea, None)]}, node("strategy", "2025-5.4-1"),
        RG.focusArea,
    ),
    "focus area without notation": (
        {"remove": [(node("focus-area", "2025-5.4"), SKOS.notation, None)]}, node("focus-area", "2025-5.4"),
        SKOS.notation,
    ),
    "initiative without actor": (
        {"remove": [(node("initiative", "viken-1"), RG.proposedBy, None)]}, node("initiative", "viken-1"),
        RG.proposedBy,
    ),
    "plan published by a measure": (
        {"add": [(node("plan", "oslofjord-plan-2021"), DCTERMS.publisher, measure())]},
        node("plan", "oslofjord-plan-2021"), DCTERMS.publisher,
    ),
    "project ends before it starts": (
        {"remove": [(PHASE2, SCHEMA.endDate, None)],
         "add": [(PHASE2, SCHEMA.endDate, Literal("2024", datatype=XSD.gYear))]},
        PHASE2, None,
    ),
    "project ends in the year before it starts": (
        {"add": [(node("project", "seadito"), SCHEMA.endDate, Literal("2024-08", datatype=XSD.gYearMonth))]},
        node("project", "seadito"), None,
    ),
    "organisation without label": ({"remove": [(NAV, RDFS.label, None)]}, NAV, RDFS.label),
    "challenge motivates a goal of another section": (
        {"add": [(node("challenge", "2025-5.4-1"), RG.motivates, node("goal", "2025-1-1")),
                 (node("goal", "2025-1-1"), RDF.type, RG.Goal), (node("goal", "2025-1-1"), RG.sectionNumber,
                                                                 Literal("1"))]},
        node("challenge", "2025-5.4-1"), None,
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_data_gives_a_norwegian_violation(vocab, shapes, curated, case):
    change, focus, path = BROKEN[case]
    conforms, report = shacl(break_(document_nodes() + curated, **change), shapes, vocab)
    assert not conforms
    hits = [r for r in results(report) if r[0] == focus and (path is None or r[1] == path)]
    assert hits, [(f, p) for f, p, _, _ in results(report)]
    for _, _, messages, sparql in hits:
        assert messages
        # pySHACL drops the language tag when it fills in a SPARQL message template.
        assert all(m.language == ("nb" if not sparql else None) for m in messages)


def test_measure_without_label_is_reported_in_norwegian(vocab, shapes, curated):
    data = break_(document_nodes() + curated, remove=[(measure(), RDFS.label, None)])
    _, report = shacl(data, shapes, vocab)
    text = " ".join(str(m) for _, _, ms, _ in results(report) for m in ms)
    assert "Mangler etikett" in text


def test_parsed_document_and_curated_facts_conform(vocab, shapes, curated):
    from graph.programme.parser import parse_file
    from graph.programme.to_rdf import programme_graph

    doc = programme_graph(parse_file(DOCUMENT), BASE)
    conforms, report = shacl(doc + curated, shapes, vocab)
    assert conforms, report.serialize(format="turtle")[:3000]


# --- curated facts --------------------------------------------------------------------------


def test_curated_iris_follow_the_base(curated):
    ours = {t for triple in curated for t in triple if isinstance(t, URIRef) and "/id/" in str(t)}
    assert ours and all(str(t).startswith(BASE + "/id/") for t in ours)
    directives = re.findall(r"^\s*(@base|BASE)\b", CURATED.read_text(encoding="utf-8"), re.MULTILINE | re.I)
    assert not directives


def test_every_curated_resource_has_a_type_a_bokmal_label_and_a_source(curated):
    typed = set(curated.subjects(RDF.type, None))
    assert len(typed) >= 20
    for s in typed:
        assert "nb" in langs(curated, s, RDFS.label), s
        assert curated.value(s, DCTERMS.source) is not None, s
        assert not isinstance(s, BNode)


def test_curated_keys_are_as_agreed(curated):
    for kind, key in [
        ("plan", "oslofjord-plan-2021"), ("project", "seadito"),
        ("project", "energistasjoner-for-gronn-naeringstransport"), ("project", "energistasjoner-fase-2"),
        ("organisation", "osloregionen"), ("organisation", "nav"), ("organisation", "sintef"),
        ("organisation", "sintef-digital"), ("organisation", "sintef-ocean"), ("organisation", "kraftloftet"),
        ("organisation", "energikontor-vast"), ("organisation", "klimasats"), ("organisation", "regjeringen"),
        ("expert-group", "naerings-samarbeid"), ("expert-group", "klima-og-miljo"), ("expert-group", "atp"),
        ("expert-group", "kraftgruppen"), ("expert-group", "faggruppene"),
    ]:
        assert (node(kind, key), RDF.type, None) in curated, (kind, key)


def test_curated_facts_say_what_the_document_says(curated):
    plan, seadito = node("plan", "oslofjord-plan-2021"), node("project", "seadito")
    phase2 = node("project", "energistasjoner-fase-2")
    assert curated.value(plan, RG.measureCount).toPython() == 63
    assert curated.value(plan, RG.knowledgePointCount).toPython() == 19
    assert str(curated.value(plan, DCTERMS.issued)) == "2021-03"
    assert curated.value(plan, DCTERMS.publisher) == node("organisation", "regjeringen")
    assert len(set(curated.objects(plan, RG.priorityArea))) == 3
    circular = node("plan", "handlingsplan-sirkulaer-okonomi-2024")
    assert str(curated.value(circular, DCTERMS.issued)) == "2024-03"
    assert str(curated.value(seadito, SCHEMA.startDate)) == "2024-09-01"
    assert str(curated.value(seadito, SCHEMA.duration)) == "P3Y"
    assert curated.value(seadito, RG.caseCount).toPython() == 6
    assert set(curated.objects(seadito, RG.leadPartner)) == {
        node("organisation", "sintef-digital"), node("organisation", "sintef-ocean")}
    assert (seadito, SCHEMA.member, node("organisation", "osloregionen")) in curated
    assert (seadito, DCTERMS.isPartOf, node("plan", "eu-mission-restore-our-ocean-and-waters")) in curated
    assert (phase2, SCHEMA.funder, node("organisation", "klimasats")) in curated
    first = node("project", "energistasjoner-for-gronn-naeringstransport")
    assert (phase2, DCTERMS.isPartOf, first) in curated
    assert [str(curated.value(phase2, p)) for p in (SCHEMA.startDate, SCHEMA.endDate)] == ["2025", "2026"]
    sintef = node("organisation", "sintef")
    assert (node("organisation", "sintef-ocean"), ORG.subOrganizationOf, sintef) in curated
    for group in curated.subjects(RDF.type, RG.ExpertGroup):
        assert (group, ORG.unitOf, node("organisation", "osloregionen")) in curated


def test_names_the_linker_needs_appear_in_the_document(curated):
    text = DOCUMENT.read_text(encoding="utf-8")
    names = {str(o) for p in (RDFS.label, SKOS.altLabel) for o in curated.objects(None, p)}
    for name in ["Sintef Digital", "Sintef Ocean", "SEADITO", "Energistasjoner fase II", "Kraftløftet", "NAV",
                 "Klimasats", "FN's bærekraftsmål", "Handlingsplan for sirkulær økonomi", "Energikontor Väst",
                 "Helhetlig tiltaksplan for en ren og rik Oslofjord med et aktivt friluftsliv",
                 "Energistasjoner for grønn næringstransport", "Restore our Ocean and Waters"]:
        assert name in names, name
        flags = 0 if name.isupper() else re.IGNORECASE
        assert re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text, flags), name


# --- JSON-LD context ------------------------------------------------------------------------


def test_context_maps_every_term_of_the_vocabulary(vocab):
    ctx = json.loads(CONTEXT.read_text(encoding="utf-8"))["@context"]
    assert ctx["@version"] == 1.1
    for prefix in ("rg", "skos", "dct", "prov", "org", "schema", "xsd"):
        assert prefix in ctx
    mapped = {v["@id"] if isinstance(v, dict) else v for v in ctx.values() if not isinstance(v, float)}
    for term in all_terms(vocab):
        assert "rg:" + str(term).removeprefix(str(RG)) in mapped, term
    for prop in terms(vocab, OWL.ObjectProperty):
        assert ctx[str(prop).removeprefix(str(RG))]["@type"] == "@id", prop


def test_context_round_trips_the_curated_facts(curated):
    ctx = json.loads(CONTEXT.read_text(encoding="utf-8"))["@context"]
    out = curated.serialize(format="json-ld", context=ctx, auto_compact=True)
    assert isomorphic(Graph().parse(data=out, format="json-ld"), curated)
    doc = {"@context": ctx, "id": str(measure()), "type": "Measure", "label": "Tiltak", "position": 2,
           "inGroup": str(node("measure-group", "2025-5.4.1-1"))}
    g = Graph().parse(data=json.dumps(doc), format="json-ld")
    assert (measure(), RDFS.label, Literal("Tiltak", lang="nb")) in g
    assert (measure(), RG.position, Literal(2, datatype=XSD.integer)) in g
    assert (measure(), RG.inGroup, node("measure-group", "2025-5.4.1-1")) in g
