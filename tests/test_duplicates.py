"""Duplicates, overlaps, clusters, similar nodes and the inferred graph, on the real document and
the partner list (real store, real model, real FAISS)."""

import json

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from graph.publish.export import export
from graph.settings import get_settings
from graph.store import open_store
from service.application import Application
from tests.conftest import copy_home

SKOS = "http://www.w3.org/2004/02/skos/core#"
SSSOM = "https://w3id.org/sssom/"


@pytest.fixture(scope="module")
def matcher(partner_home):
    from matching.matcher import Matcher

    return Matcher(partner_home)


def node(settings, key: str) -> str:
    return f"{settings.base_iri}/id/{key}"


def find(pairs, a: str, b: str) -> dict | None:
    return next((p for p in pairs if {p["a"]["id"], p["b"]["id"]} == {a, b}), None)


def test_the_documents_repeated_proposals_are_duplicates(matcher, partner_home):
    pairs = matcher.duplicates()
    for a, b in (("measure/2025-5.1.1-8", "measure/2025-5.1.1-27"),
                 ("measure/2025-5.1.1-3", "measure/2025-5.1.1-4")):
        pair = find(pairs, node(partner_home, a), node(partner_home, b))
        assert pair is not None and pair["kind"] == "duplicate", (a, b)
        assert "kraftsystemet" in pair["why"]["shared_terms"] or "energieffektivisering" in pair["why"]["shared_terms"]
    scores = [p["score"] for p in pairs]
    assert scores == sorted(scores, reverse=True)
    keys = [frozenset((p["a"]["id"], p["b"]["id"])) for p in pairs]
    assert len(keys) == len(set(keys))
    for p in pairs:  # the NODE contract
        for side in (p["a"], p["b"]):
            assert {"id", "type", "label", "text", "actor"} <= set(side) and side["actor"]


def test_a_partner_paraphrase_is_an_overlap_across_actors_with_reasons(matcher, partner_home):
    pairs = matcher.duplicates(across_actors=True)
    assert all(p["a"]["actor"] != p["b"]["actor"] for p in pairs)
    pair = find(pairs, node(partner_home, "measure/2025-5.1.1-15"),
                node(partner_home, "initiative/eksempel-fylkeskommune-ef-03"))
    assert pair is not None and pair["kind"] == "overlap"
    assert "energikontor" in pair["why"]["shared_terms"]
    relations = {(c["relation"], c["label"]) for c in pair["why"]["shared_context"]}
    assert ("both_mention", "Energikontor Väst") in relations
    assert ("same_focus_area", "Kraft") in relations
    # A copied measure is a duplicate across actors too.
    copied = find(pairs, node(partner_home, "measure/2025-2.1-1"),
                  node(partner_home, "initiative/eksempel-fylkeskommune-ef-09"))
    assert copied is not None and copied["kind"] == "duplicate"
    # Unrelated partner items (dental care) are not paired with anything.
    dental = node(partner_home, "initiative/eksempel-fylkeskommune-ef-16")
    assert not any(dental in (p["a"]["id"], p["b"]["id"]) for p in pairs)


def test_actor_filter_and_min_score(matcher):
    pairs = matcher.duplicates(actor="Kraftgruppen")
    assert pairs and all("Kraftgruppen" in (p["a"]["actor"], p["b"]["actor"]) for p in pairs)
    cross = matcher.duplicates(actor="kraftgruppen", across_actors=True)
    assert cross and all("Kraftgruppen" in (p["a"]["actor"], p["b"]["actor"]) for p in cross)
    assert all(p["a"]["actor"] != p["b"]["actor"] for p in cross)
    assert any("Eksempel fylkeskommune" in (p["a"]["actor"], p["b"]["actor"]) for p in cross)
    strict = matcher.duplicates(min_score=0.6)
    assert strict and all(p["score"] >= 0.6 for p in strict)
    assert len(matcher.duplicates(min_score=0.1)) > len(matcher.duplicates())
    with pytest.raises(Exception, match="Ukjent aktør"):
        matcher.duplicates(actor="Ingen slik aktør")


def test_clusters_group_proposals_that_say_the_same(matcher, partner_home):
    clusters = matcher.clusters()
    ids = [{m["id"] for m in c["members"]} for c in clusters]
    power = {node(partner_home, k) for k in ("measure/2025-5.1.1-3", "measure/2025-5.1.1-4",
                                              "initiative/eksempel-fylkeskommune-ef-04")}
    cluster = next(c for c, members in zip(clusters, ids, strict=True) if power <= members)
    assert cluster["kind"] == "duplicate" and cluster["size"] == 3
    pairs = {frozenset((p["a"]["id"], p["b"]["id"])) for p in matcher.duplicates()}
    for members in ids:  # every cluster is a clique of accepted pairs: all say roughly the same
        assert all(frozenset((x, y)) in pairs for x in members for y in members if x < y)
    assert sum(len(m) for m in ids) == len(set().union(*ids))  # no node in two clusters


def test_similar_lists_other_actors_and_unknown_is_not_found(matcher, partner_home):
    from matching.matcher import NodeNotFound

    got = matcher.similar("initiative/eksempel-fylkeskommune-ef-03", k=5)
    assert got["node"]["actor"] == "Eksempel fylkeskommune"
    assert got["similar"][0]["id"] == node(partner_home, "measure/2025-5.1.1-15")
    assert all(s["actor"] != "Eksempel fylkeskommune" for s in got["similar"])
    assert len(got["similar"]) == 5
    with pytest.raises(NodeNotFound):
        matcher.similar("measure/2025-99-1")


def test_inferred_graph_has_links_with_provenance_and_is_replaced_on_rebuild(partner_home, tmp_path):
    settings = copy_home(partner_home, tmp_path / "home")
    store = open_store(settings)
    inferred = ox.NamedNode(f"{settings.base_iri}/graph/inferred")

    def mappings():
        return list(store.reader().query(f"""
            SELECT ?m ?conf ?pred ?act WHERE {{ GRAPH <{inferred.value}> {{
              ?m <{SSSOM}subject_id> <{node(settings, 'measure/2025-5.1.1-27')}> ;
                 <{SSSOM}object_id> <{node(settings, 'measure/2025-5.1.1-8')}> ;
                 <{SSSOM}predicate_id> ?pred ; <{SSSOM}confidence> ?conf ;
                 <http://www.w3.org/ns/prov#wasGeneratedBy> ?act }} }}"""))

    found = mappings()
    assert len(found) == 1 and found[0]["pred"].value == f"{SKOS}closeMatch"
    assert 0.0 < float(found[0]["conf"].value) <= 1.0
    close = ox.NamedNode(f"{SKOS}closeMatch")
    a, b = (ox.NamedNode(node(settings, k)) for k in ("measure/2025-5.1.1-8", "measure/2025-5.1.1-27"))
    assert list(store.reader().quads_for_pattern(a, close, b, inferred))  # the plain triple, both ways
    assert list(store.reader().quads_for_pattern(b, close, a, inferred))
    size = sum(1 for _ in store.reader().quads_for_pattern(None, None, None, inferred))
    before = store.generation()

    result = Application(settings).refresh().refresh.inferred
    assert store.generation() != before and result["duplicates"] >= 2 and result["strategy_links"] > 0
    assert sum(1 for _ in store.reader().quads_for_pattern(None, None, None, inferred)) == size
    activities = {q.subject for q in store.reader().quads_for_pattern(
        None, ox.NamedNode("http://www.w3.org/ns/prov#startedAtTime"), None, inferred)}
    assert len(activities) == 1 and len(mappings()) == 1  # replaced, not added to

    with_links = export(store, settings.base_iri, "nquads", inferred=True).decode()
    without = export(store, settings.base_iri, "nquads", inferred=False).decode()
    assert inferred.value in with_links and f"{SKOS}closeMatch" in with_links
    assert inferred.value not in without and f"{SKOS}closeMatch" not in without


def test_cli_and_api_give_the_same_pairs(partner_home, monkeypatch):
    from fastapi.testclient import TestClient

    from api.app import create_app
    from cli.main import main

    monkeypatch.setenv("REGIONGRAF_HOME", str(partner_home.home))
    monkeypatch.setenv("REGIONGRAF_MODELS", str(partner_home.models_dir))
    get_settings.cache_clear()
    try:
        out = CliRunner().invoke(main, ["duplicates", "--across-actors", "--json", "--limit", "5"])
        clusters = CliRunner().invoke(main, ["duplicates", "--clusters", "--json"])
    finally:
        get_settings.cache_clear()
    assert out.exit_code == 0, out.output
    cli_pairs = json.loads(out.output)
    assert len(cli_pairs) == 5 and all(p["kind"] in ("duplicate", "overlap") for p in cli_pairs)
    assert json.loads(clusters.output)[0]["members"]

    client = TestClient(create_app(partner_home))
    api = client.get("/api/duplicates", params={"across_actors": "true", "limit": 5}).json()
    assert [(p["a"]["id"], p["b"]["id"], p["kind"]) for p in api] == \
        [(p["a"]["id"], p["b"]["id"], p["kind"]) for p in cli_pairs]
    assert client.get("/api/duplicates", params={"clusters": "true"}).json()[0]["size"] >= 2
    similar = client.get("/api/similar", params={"id": "measure/2025-4.1-3", "k": 3})
    assert similar.status_code == 200 and len(similar.json()["similar"]) == 3
    assert client.get("/api/similar", params={"id": "measure/finnes-ikke"}).status_code == 404
    assert client.get("/api/duplicates", params={"actor": "ukjent"}).status_code == 400
