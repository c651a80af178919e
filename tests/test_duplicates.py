"""Duplicates, overlaps, clusters, similar nodes and the inferred graph, on the real document and
the partner list (real store, real model, real FAISS): the overlap model of issue 9."""

import json

import numpy as np
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
    # The literal duplicate (the same bullet under two headings) stays among the top 3 pairs
    # within the programme (the partner's copies of measures are as literal, and may come first).
    literal = {node(partner_home, "measure/2025-5.1.1-8"), node(partner_home, "measure/2025-5.1.1-27")}
    programme = [{p["a"]["id"], p["b"]["id"]} for p in pairs if p["a"]["type"] == p["b"]["type"] == "Measure"]
    assert literal in programme[:3]
    scores = [p["score"] for p in pairs]
    assert scores == sorted(scores, reverse=True)
    keys = [frozenset((p["a"]["id"], p["b"]["id"])) for p in pairs]
    assert len(keys) == len(set(keys))
    for p in pairs:  # the NODE and pair contract
        assert {"a", "b", "score", "kind"} <= set(p) and p["score"] == p["confidence"]
        for side in (p["a"], p["b"]):
            assert {"id", "type", "label", "text", "actor"} <= set(side)
            assert side["actor"] or side["type"] not in ("Measure", "Initiative")


def test_the_literal_duplicate_is_a_top_pair_of_the_programme_alone(indexed_home):
    from matching.matcher import Matcher

    pairs = Matcher(indexed_home).duplicates(limit=3)
    literal = {node(indexed_home, "measure/2025-5.1.1-8"), node(indexed_home, "measure/2025-5.1.1-27")}
    assert literal in [{p["a"]["id"], p["b"]["id"]} for p in pairs]


def test_a_partner_item_in_other_words_finds_its_strategy_plan_or_project(matcher, partner_home):
    """Every kind of commitment is a candidate: a partner's item meets the plan, project or
    strategy it serves, not only measures."""
    pairs = matcher.duplicates(across_actors=True)
    cut = matcher.com.cuts["overlap"]
    for item, counterpart in (("ef-11", "plan/oslofjord-plan-2021"),  # sewage -> the Oslofjord plan
                              ("ef-10", "project/energistasjoner-for-gronn-naeringstransport"),  # truck charging
                              ("ef-07", "strategy/2025-3-1")):  # climate budget -> climate leadership
        pair = find(pairs, node(partner_home, f"initiative/eksempel-fylkeskommune-{item}"),
                    node(partner_home, counterpart))
        assert pair is not None, (item, counterpart)
        assert pair["kind"] == "overlap" and not pair["weak"] and pair["confidence"] >= cut
        assert pair["why"]["evidence"] and pair["why"]["evidence"][0]["push"] > 0


def test_a_partner_paraphrase_is_an_overlap_across_actors_with_reasons(matcher, partner_home):
    pairs = matcher.duplicates(across_actors=True)
    assert all(p["a"]["actor"] != p["b"]["actor"] for p in pairs)
    pair = find(pairs, node(partner_home, "measure/2025-5.1.1-15"),
                node(partner_home, "initiative/eksempel-fylkeskommune-ef-03"))
    assert pair is not None and pair["kind"] == "overlap"
    assert "energikontor" in pair["why"]["shared_terms"]
    relations = {(c["relation"], c["label"]) for c in pair["why"]["shared_context"]}
    assert ("both_mention", "Energikontor Väst") in relations
    # A copied measure is a duplicate across actors too.
    copied = find(pairs, node(partner_home, "measure/2025-2.1-1"),
                  node(partner_home, "initiative/eksempel-fylkeskommune-ef-09"))
    assert copied is not None and copied["kind"] == "duplicate"


def test_an_unrelated_item_gets_no_strong_pair(matcher, partner_home):
    dental = node(partner_home, "initiative/eksempel-fylkeskommune-ef-16")  # free dental care
    assert not any(dental in (p["a"]["id"], p["b"]["id"]) for p in matcher.duplicates())
    weak = matcher.duplicates(min_score=0.0)
    assert any(dental in (p["a"]["id"], p["b"]["id"]) for p in weak)  # it has candidates, all weak
    assert all(p["weak"] and p["kind"] == "related" for p in weak if dental in (p["a"]["id"], p["b"]["id"]))
    assert all(s["weak"] for s in matcher.similar("initiative/eksempel-fylkeskommune-ef-16", k=5)["similar"])


def test_confidence_is_a_probability_and_grows_with_evidence(matcher):
    from matching.features import EVIDENCE, NAMES

    pairs = matcher.duplicates(min_score=0.0, explain=False)
    assert len(pairs) > 100 and all(0.0 <= p["confidence"] <= 1.0 for p in pairs)
    cal = matcher.com.calibrator
    assert all(w >= 0 for n, w in zip(cal.names, cal.weights, strict=True) if n in EVIDENCE)
    X = np.array([[p["features"][n] for n in NAMES] for p in pairs])
    base = cal.predict(X)
    for name in EVIDENCE:  # more of any evidence never lowers the confidence
        more = X.copy()
        more[:, NAMES.index(name)] += 0.2
        assert (cal.predict(more) >= base - 1e-12).all(), name
    # and the strongest evidence is what the confident pairs have: they lead the list
    assert pairs[0]["features"]["semantic"] > np.median([p["features"]["semantic"] for p in pairs])


def test_similar_never_calls_a_weak_neighbour_related_without_saying_so(matcher):
    cut = matcher.com.cuts["overlap"]
    seen_weak = seen_strong = False
    for key in ("initiative/eksempel-fylkeskommune-ef-03", "measure/2025-4.1-3", "strategy/2025-4-p1-2",
                "focus-area/2025-5.4", "plan/oslofjord-plan-2021"):
        for s in matcher.similar(key, k=8)["similar"]:
            assert s["weak"] == (s["confidence"] < cut) == (s["kind"] == "related"), (key, s["id"])
            seen_weak |= s["weak"]
            seen_strong |= not s["weak"]
    assert seen_weak and seen_strong


def test_batch_retrieval_is_the_search_retrieval(partner_home):
    """Overlap candidates come from the same hybrid retrieval as search: for every unit's own
    text (with its stored vector as the dense query), the batch fuses to Searcher.rank's scores."""
    from search.batch import BatchRetriever
    from search.index.version import SearchIndex
    from search.searcher import Searcher, _boost_rows

    index = SearchIndex.load(partner_home.index_dir)

    class StoredVector:  # "embeds" the query as the unit's stored passage vector
        name, dim, vector = index.model, index.vectors.shape[1], None

        def embed_queries(self, texts):
            return self.vector[None, :]

    embedder = StoredVector()
    searcher = Searcher(partner_home, embedder, index)
    owner = np.array([hash(tuple(u.actors)) if u.actors else hash(u.graph) for u in index.units])

    def allowed(queries, columns):
        return owner[queries][:, None] != owner[columns][None, :]

    batch = BatchRetriever(index)
    rows = np.arange(0, len(index.units), 7)
    got = batch.rank(rows, allowed)
    everything = np.arange(len(index.units))
    for i, row in enumerate(rows.tolist()):
        embedder.vector = index.vectors[row]
        mask = allowed(np.array([row]), everything)[0]
        mask[row] = False
        found = index.detector.detect(index.units[row].index_text)
        ref = searcher.rank(index, found.retrieval_query, mask, _boost_rows(index, found, mask))[:batch.keep]
        want = {r: s["score"] for r, s in ref}
        mine = {int(r): f for r, f in zip(got.rows[i], got.fused[i], strict=True) if r >= 0}
        common = set(want) & set(mine)
        assert len(common) >= len(want) - 2  # rows tied at the edge of the list may differ
        # Equal scores (identical texts, equal BM25 sums) are ordered by row here and by arrival in
        # search, which moves a fused score by a rank or two; everything else is the same number.
        diffs = np.array([abs(want[r] - mine[r]) for r in common])
        assert np.median(diffs) < 1e-6 and diffs.max() < 0.03
        assert sorted(want[r] for r, _ in ref[:3]) == pytest.approx(
            sorted(mine[int(r)] for r in got.rows[i][:3]), abs=0.03)


def test_actor_filter_and_min_score(matcher):
    pairs = matcher.duplicates(actor="Kraftgruppen")
    assert pairs and all("Kraftgruppen" in (p["a"]["actor"], p["b"]["actor"]) for p in pairs)
    cross = matcher.duplicates(actor="kraftgruppen", across_actors=True)
    assert cross and all("Kraftgruppen" in (p["a"]["actor"], p["b"]["actor"]) for p in cross)
    assert all(p["a"]["actor"] != p["b"]["actor"] for p in cross)
    assert any("Eksempel fylkeskommune" in (p["a"]["actor"], p["b"]["actor"]) for p in cross)
    strict = matcher.duplicates(min_score=0.95)
    assert strict and all(p["score"] >= 0.95 for p in strict)
    assert len(matcher.duplicates(min_score=0.1)) > len(matcher.duplicates())
    assert all(p["weak"] == (p["kind"] == "related") for p in matcher.duplicates(min_score=0.1))
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
    confidences = [s["confidence"] for s in got["similar"]]
    assert confidences == sorted(confidences, reverse=True)
    with pytest.raises(NodeNotFound):
        matcher.similar("measure/2025-99-1")


def test_inferred_implements_only_above_the_confident_cut(partner_home, matcher):
    """A measure rg:implements a strategy only when the calibrated confidence reaches the
    implements cut, and SSSOM's confidence is that calibrated value (the cycling measure does
    not implement the freight strategy)."""
    from matching.strategy_links import implements_cut

    store = open_store(partner_home)
    inferred = f"{partner_home.base_iri}/graph/inferred"
    rows = list(store.reader().query(f"""
        SELECT ?m ?s ?conf WHERE {{ GRAPH <{inferred}> {{
          ?m <https://data.osloregionen.no/def/regiongraf#implements> ?s .
          ?map <{SSSOM}subject_id> ?m ; <{SSSOM}object_id> ?s ; <{SSSOM}confidence> ?conf }} }}"""))
    assert rows
    cut = implements_cut(matcher.com)
    assert all(float(r["conf"].value) >= cut - 1e-4 for r in rows)
    links = {(r["m"].value, r["s"].value) for r in rows}
    assert (node(partner_home, "measure/2025-4.1-3"), node(partner_home, "strategy/2025-4-p1-2")) not in links
    # the overlap mappings carry the same calibrated confidence as the pairs
    pair = find(matcher.duplicates(), node(partner_home, "measure/2025-5.1.1-8"),
                node(partner_home, "measure/2025-5.1.1-27"))
    conf = list(store.reader().query(f"""SELECT ?c WHERE {{ GRAPH <{inferred}> {{
        ?m <{SSSOM}subject_id> <{node(partner_home, 'measure/2025-5.1.1-27')}> ;
           <{SSSOM}object_id> <{node(partner_home, 'measure/2025-5.1.1-8')}> ; <{SSSOM}confidence> ?c }} }}"""))
    assert conf and float(conf[0]["c"].value) == pytest.approx(pair["confidence"], abs=1e-4)


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


def test_a_home_can_refit_the_calibrator_with_more_judged_pairs(partner_home, matcher, tmp_path):
    """What `regiongraf calibrate` does with staff reviews: examples from the home's judged pairs,
    a refit on top of the shipped examples, saved in the home, and used from then on."""
    from matching.confidence import (
        examples_from_judgments,
        fit_overlap_calibrator,
        home_calibrator_path,
        load_calibrator,
    )
    from matching.matcher import Matcher

    pairs = matcher.duplicates(min_score=0.0, explain=False)
    reviews = {frozenset((p["a"]["id"], p["b"]["id"])): ("overlap" if p["kind"] != "related" else "none")
               for p in pairs[:40]}
    extra = examples_from_judgments(matcher.com, reviews, group="reviews")
    assert len(extra) == len(reviews)
    cal = fit_overlap_calibrator(extra, note="test")
    assert cal.meta["groups"]["reviews"] == len(reviews) and 0 < cal.cuts["overlap"] <= 1
    home = copy_home(partner_home, tmp_path / "home")
    cal.cuts["overlap"] = 0.999  # a home that wants only the surest pairs
    cal.save(home_calibrator_path(home))
    assert load_calibrator(home).cuts["overlap"] == 0.999
    surest = Matcher(home).duplicates(explain=False)
    assert all(p["confidence"] >= 0.999 for p in surest) and len(surest) < len(matcher.duplicates(explain=False))
