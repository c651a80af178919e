"""The build: a validated graph in a new store generation, or nothing changed at all."""

import pytest
from rdflib import Dataset, Graph, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, RDFS

from graph.errors import FormatError, ValidationFailed
from graph.iri import graph_iri
from graph.namespaces import RG, SCHEMA
from graph.settings import REPO
from graph.store import open_store
from service.application import Application
from tests.conftest import make_settings

DOC = REPO / "data" / "handlingsprogram-2025.txt"


def programme_graph(settings) -> Graph:
    ds = open_store(settings).dataset()
    out = Graph()
    for t in Graph(store=ds.store, identifier=graph_iri(settings.base_iri, "programme-2025")):
        out.add(t)
    return out


def test_two_builds_of_the_same_document_are_isomorphic(built_home, tmp_path):
    other = make_settings(tmp_path)
    Application(other).build(refresh=False)
    assert isomorphic(programme_graph(built_home), programme_graph(other))


def test_keys_do_not_depend_on_wording(tmp_path):
    edited = tmp_path / "edited.txt"
    edited.write_text(
        DOC.read_text().replace("Felles soneinndeling for kollektivtransport", "Felles takst- og sonesystem"),
        encoding="utf-8",
    )
    settings = make_settings(tmp_path / "home")
    Application(settings).build([edited], refresh=False)
    node = URIRef(f"{settings.base_iri}/id/measure/2025-4.1-2")
    text = str(programme_graph(settings).value(node, RG.text))
    assert text.startswith("Felles takst- og sonesystem")


def test_measures_are_linked_to_group_focus_area_actor_and_aligned(built_home):
    g = programme_graph(built_home)
    base = built_home.base_iri
    m = URIRef(f"{base}/id/measure/2025-4.1-3")
    assert (m, RDF.type, RG.Measure) in g
    assert (m, RDF.type, SCHEMA.Action) in g  # materialised alignment
    assert g.value(m, RG.focusArea) == URIRef(f"{base}/id/focus-area/2025-4")
    assert g.value(m, RG.proposedBy) == URIRef(f"{base}/id/expert-group/atp")
    assert str(g.value(g.value(m, RG.inGroup), RDFS.label)) == "Transport og mobilitet"
    strategy = URIRef(f"{base}/id/strategy/2025-4-p1-3")
    assert (strategy, RG.supports, URIRef(f"{base}/id/sub-goal/2025-4-p1-1")) in g
    assert (URIRef(f"{base}/id/challenge/2025-1-1"), RG.motivates, URIRef(f"{base}/id/goal/2025-1-1")) in g


def test_text_mentions_link_to_curated_nodes(built_home):
    g = programme_graph(built_home)
    base = built_home.base_iri
    nav_measure = URIRef(f"{base}/id/measure/2025-2.1-8")
    assert (nav_measure, RG.mentions, URIRef(f"{base}/id/organisation/nav")) in g
    seadito = URIRef(f"{base}/id/project/seadito")
    assert (seadito, RG.mentions, URIRef(f"{base}/id/organisation/sintef-ocean")) in g
    assert (seadito, RG.mentions, URIRef(f"{base}/id/organisation/sintef")) not in g  # longest name wins
    fa54 = URIRef(f"{base}/id/focus-area/2025-5.4")
    assert (fa54, RG.mentions, URIRef(f"{base}/id/plan/oslofjord-plan-2021")) in g


def test_a_failing_build_leaves_the_previous_store_intact(tmp_path):
    settings = make_settings(tmp_path / "home")
    Application(settings).build(refresh=False)
    store = open_store(settings)
    before = store.generation()
    triples = len(store.dataset())

    broken = tmp_path / "broken.txt"
    broken.write_text(DOC.read_text().replace("3. Klima, miljø og natur", "7. Klima, miljø og natur"))
    with pytest.raises(FormatError) as err:
        Application(settings).build([broken], refresh=False)
    assert "linje" in str(err.value)
    assert store.generation() == before

    bad_curated = tmp_path / "curated.ttl"
    unlabelled = "\n<id/project/x> a <https://data.osloregionen.no/def/regiongraf#Project> .\n"
    bad_curated.write_text((REPO / "data" / "curated.ttl").read_text() + unlabelled)
    with pytest.raises(ValidationFailed) as err:
        Application(make_settings(settings.home, curated=bad_curated)).build(refresh=False)
    assert "project/x" in str(err.value)
    assert store.generation() == before
    assert len(store.dataset()) == triples
    assert settings.remote or not [p for p in (settings.home / "store").glob("gen-*") if p.name != before]


def test_base_is_configurable(tmp_path):
    settings = make_settings(tmp_path, base="https://example.org/rg/")
    Application(settings).build(refresh=False)
    ds: Dataset = open_store(settings).dataset()
    node = URIRef("https://example.org/rg/id/measure/2025-5.1.1-1")
    assert any(ds.quads((node, RDF.type, RG.Measure, None)))
    # Curated facts follow the base too.
    assert any(ds.quads((URIRef("https://example.org/rg/id/project/seadito"), None, None, None)))
