"""The review loop: staff accept or reject proposed pairs, and the decisions beat the model
everywhere (duplicates, similar, the inferred graph, exports), survive rebuilds and
re-imports, and go dormant (not lost) when a node disappears. Real store, real model."""

import json

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from api.app import create_app
from graph.errors import NotFound, UserError
from graph.settings import REPO, get_settings
from graph.store import open_store
from service.application import Application
from tests.conftest import copy_home

SKOS = "http://www.w3.org/2004/02/skos/core#"
SSSOM = "https://w3id.org/sssom/"
PARTNER = REPO / "data" / "partners" / "eksempel-fylke.csv"
ACTOR = "Eksempel fylkeskommune"
TOKEN = "vurder-token"

# An overlap the model proposes (tests/test_duplicates.py), to be rejected.
OVERLAP = ("measure/2025-5.1.1-15", "initiative/eksempel-fylkeskommune-ef-03")
# A duplicate the model proposes, to be accepted.
DUPLICATE = ("measure/2025-2.1-1", "initiative/eksempel-fylkeskommune-ef-09")
# A pair the model would never propose (dental care and a transport measure), to be accepted.
UNPROPOSED = ("initiative/eksempel-fylkeskommune-ef-16", "measure/2025-4.1-3")


def iri(settings, short: str) -> str:
    return f"{settings.base_iri}/id/{short}"


def find(pairs, settings, a: str, b: str) -> dict | None:
    want = {iri(settings, a), iri(settings, b)}
    return next((p for p in pairs if {p["a"]["id"], p["b"]["id"]} == want), None)


def graph_has(settings, graph: str, s: str, p: str, o: str) -> bool:
    reader = open_store(settings).reader()
    g = ox.NamedNode(f"{settings.base_iri}/graph/{graph}")
    return any(True for _ in reader.quads_for_pattern(ox.NamedNode(s), ox.NamedNode(p), ox.NamedNode(o), g))


def inferred_links_between(settings, a: str, b: str) -> list:
    reader = open_store(settings).reader()
    g = ox.NamedNode(f"{settings.base_iri}/graph/inferred")
    x, y = ox.NamedNode(a), ox.NamedNode(b)
    return [q for s, o in ((x, y), (y, x)) for q in reader.quads_for_pattern(s, None, o, g)]


def cli(settings, monkeypatch, *args):
    from cli.main import main

    monkeypatch.setenv("REGIONGRAF_HOME", str(settings.home))
    monkeypatch.setenv("REGIONGRAF_MODELS", str(settings.models_dir))
    get_settings.cache_clear()
    try:
        return CliRunner().invoke(main, list(args))
    finally:
        get_settings.cache_clear()


@pytest.fixture(scope="module")
def reviewed(partner_home, embedder, tmp_path_factory):
    """A copy of partner_home with three decisions: the overlap rejected, the duplicate and an
    unproposed pair accepted. Read-only for the tests below."""
    settings = copy_home(partner_home, tmp_path_factory.mktemp("reviewed") / "home")
    before = Application(settings, embedder).matcher().duplicates(across_actors=True)
    assert find(before, settings, *OVERLAP)["kind"] == "overlap"
    assert find(before, settings, *UNPROPOSED) is None
    assert inferred_links_between(settings, iri(settings, OVERLAP[0]), iri(settings, OVERLAP[1]))
    app = Application(settings, embedder)
    app.review(*OVERLAP, "reject", note="Ulike kontorer", by="Kari")
    app.review(*DUPLICATE, "accept", by="Ola")
    app.review(*UNPROPOSED, "accept", note="Test av bekreftet par")
    return settings


def test_a_rejected_pair_is_never_proposed_again_unless_asked(reviewed, monkeypatch):
    matcher = Application(reviewed).matcher()
    assert find(matcher.duplicates(across_actors=True), reviewed, *OVERLAP) is None
    assert find(matcher.duplicates(), reviewed, *OVERLAP) is None
    again = find(matcher.duplicates(across_actors=True, include_rejected=True), reviewed, *OVERLAP)
    assert again is not None and again["kind"] == "overlap"
    assert again["review"]["decision"] == "reject" and again["review"]["by"] == "Kari"
    similar = [s["id"] for s in matcher.similar(OVERLAP[1], k=5)["similar"]]
    assert iri(reviewed, OVERLAP[0]) not in similar and len(similar) == 5
    assert iri(reviewed, OVERLAP[0]) in [s["id"] for s in matcher.similar(OVERLAP[1], k=5,
                                                                          include_rejected=True)["similar"]]
    # ... nor by the inferred graph, which the review's refresh rewrote
    assert inferred_links_between(reviewed, iri(reviewed, OVERLAP[0]), iri(reviewed, OVERLAP[1])) == []
    # The limit still holds after rejection removed a pair.
    assert len(matcher.duplicates(across_actors=True, actor=ACTOR, limit=4)) == 4
    # The CLI and the API say the same.
    out = cli(reviewed, monkeypatch, "duplicates", "--across-actors", "--json")
    assert out.exit_code == 0, out.output
    assert find(json.loads(out.output), reviewed, *OVERLAP) is None
    out = cli(reviewed, monkeypatch, "duplicates", "--across-actors", "--json", "--include-rejected")
    assert find(json.loads(out.output), reviewed, *OVERLAP)["review"]["note"] == "Ulike kontorer"
    client = TestClient(create_app(reviewed))
    assert find(client.get("/api/duplicates", params={"across_actors": "true"}).json(), reviewed, *OVERLAP) is None
    api = client.get("/api/duplicates", params={"across_actors": "true", "include_rejected": "true"}).json()
    assert find(api, reviewed, *OVERLAP) is not None
    assert iri(reviewed, OVERLAP[0]) not in [s["id"] for s in client.get(
        "/api/similar", params={"id": OVERLAP[1], "k": 5}).json()["similar"]]


def test_an_accepted_pair_is_confirmed_with_confidence_1_and_listed_first(reviewed):
    pairs = Application(reviewed).matcher().duplicates(across_actors=True)
    confirmed = [p for p in pairs if p["kind"] == "confirmed"]
    assert len(confirmed) == 2 and pairs[:2] == confirmed
    dup = find(pairs, reviewed, *DUPLICATE)
    assert dup["kind"] == "confirmed" and dup["confidence"] == 1.0 and dup["model_kind"] == "duplicate"
    assert dup["review"]["by"] == "Ola"
    # Listed although the model never proposed it: decisions beat the model.
    unproposed = find(pairs, reviewed, *UNPROPOSED)
    assert unproposed["kind"] == "confirmed" and unproposed["model_kind"] == "related"
    assert {"id", "type", "label", "text", "actor"} <= set(unproposed["a"]) and unproposed["why"]["summary"]
    # ... also for one actor, and in the similar list of either node.
    assert find(Application(reviewed).matcher().duplicates(actor="kraftgruppen"), reviewed, *UNPROPOSED) is None
    similar = Application(reviewed).matcher().similar(UNPROPOSED[0], k=3)["similar"]
    assert similar[0]["id"] == iri(reviewed, UNPROPOSED[1]) and similar[0]["kind"] == "confirmed"
    assert len(similar) == 3


def test_accepted_pairs_are_curated_close_matches_in_the_exports(reviewed):
    a, b = iri(reviewed, DUPLICATE[0]), iri(reviewed, DUPLICATE[1])
    reviews_graph = f"{reviewed.base_iri}/graph/reviews"
    with TestClient(create_app(reviewed)) as client:
        for inferred in ("true", "false"):  # curated, not inferred: there even without the inferred graph
            nq = client.get("/download/regiongraf.nq", params={"inferred": inferred}).text
            assert f"<{a}> <{SKOS}closeMatch> <{b}> <{reviews_graph}> ." in nq
            assert f"<{b}> <{SKOS}closeMatch> <{a}> <{reviews_graph}> ." in nq
            rejected_a, rejected_b = iri(reviewed, OVERLAP[0]), iri(reviewed, OVERLAP[1])
            assert f"<{rejected_a}> <{SKOS}closeMatch> <{rejected_b}>" not in nq
        # The accepted duplicate is no longer an inferred link: the curated one replaces it.
        assert inferred_links_between(reviewed, a, b) == []
        # Each decision is an SSSOM mapping record by manual curation; a rejection is a negated mapping.
        rows = list(open_store(reviewed).reader().query(f"""
            SELECT ?m ?mod ?by ?date ?note WHERE {{ GRAPH <{reviews_graph}> {{
              ?m a <{SSSOM}Mapping> ; <{SSSOM}subject_id> <{iri(reviewed, OVERLAP[0])}> ;
                 <{SSSOM}object_id> <{iri(reviewed, OVERLAP[1])}> ; <{SSSOM}predicate_id> <{SKOS}closeMatch> ;
                 <{SSSOM}mapping_justification> <https://w3id.org/semapv/vocab/ManualMappingCuration> ;
                 <{SSSOM}predicate_modifier> ?mod ; <{SSSOM}author_label> ?by ; <{SSSOM}mapping_date> ?date ;
                 <{SSSOM}comment> ?note ; <http://purl.org/dc/terms/creator> ?agent }} }}"""))
        assert len(rows) == 1 and rows[0]["mod"].value == "Not" and rows[0]["by"].value == "Kari"
        assert rows[0]["date"].datatype.value.endswith("#date")
        # The node page shows the confirmed pair once, without calling it machine-made.
        page = client.get(f"/doc/{DUPLICATE[0]}").text
        assert "bekreftet" in page.lower() and page.count(f'href="/doc/{DUPLICATE[1]}"') >= 1
        section = 'id="maskinutledet"'
        machine = page.split(section, 1)[1].split("</section>", 1)[0] if section in page else ""
        assert f"/doc/{DUPLICATE[1]}" not in machine
        # The catalogue names the graph.
        assert "Vurderte par" in client.get("/catalog.ttl").text


def test_reviews_json_lists_every_decision(reviewed, monkeypatch):
    out = cli(reviewed, monkeypatch, "reviews", "--json")
    assert out.exit_code == 0, out.output
    got = json.loads(out.output)
    assert [(r["decision"], r["active"]) for r in got] == [("reject", True), ("accept", True), ("accept", True)]
    assert {"a", "b", "decision", "note", "by", "date", "active"} <= set(got[0])
    assert got[0]["a"] == iri(reviewed, OVERLAP[0]) and got[0]["note"] == "Ulike kontorer"
    assert TestClient(create_app(reviewed)).get("/api/reviews").json() == got


def test_a_later_decision_replaces_the_earlier_one(partner_home, embedder, tmp_path):
    settings = copy_home(partner_home, tmp_path / "home")
    app = Application(settings, embedder)
    first = app.review(*DUPLICATE, "accept", note="Ja").to_dict()
    assert first["action"] == "review" and first["replaced"] is None and first["indexed"] and first["inferred"]
    second = app.review(DUPLICATE[1], iri(settings, DUPLICATE[0]), "reject", note="Likevel ikke").to_dict()
    assert second["replaced"]["decision"] == "accept" and second["replaced"]["note"] == "Ja"
    reviews = app.reviews()
    assert len(reviews) == 1 and reviews[0].decision == "reject" and reviews[0].note == "Likevel ikke"
    a, b = iri(settings, DUPLICATE[0]), iri(settings, DUPLICATE[1])
    assert not graph_has(settings, "reviews", a, f"{SKOS}closeMatch", b)
    assert find(app.matcher().duplicates(), settings, *DUPLICATE) is None


def test_bad_reviews_name_the_field_and_write_nothing(built_home):
    app = Application(built_home)
    generation = app.store.generation()
    with pytest.raises(NotFound, match="«b»"):
        app.review("measure/2025-4.1-3", "measure/2025-99-1", "accept")
    with pytest.raises(UserError, match="«a»"):
        app.review("tiltak 3", "measure/2025-4.1-3", "accept")
    with pytest.raises(UserError, match="«decision»"):
        app.review("measure/2025-4.1-3", "measure/2025-4.1-4", "kanskje")
    with pytest.raises(UserError, match="samme node"):
        app.review("measure/2025-4.1-3", f"{built_home.base_iri}/id/measure/2025-4.1-3", "reject")
    with pytest.raises(UserError, match="«note»"):
        app.review("measure/2025-4.1-3", "measure/2025-4.1-4", "reject", note="x" * 3000)
    assert app.store.generation() == generation


def test_post_reviews_needs_the_token_and_valid_json(built_home, tmp_path):
    settings = copy_home(built_home, tmp_path / "home").model_copy(update={"token": TOKEN})
    good = {"a": "measure/2025-4.1-3", "b": "measure/2025-4.1-4", "decision": "reject", "note": "Ulike ting"}
    with TestClient(create_app(settings)) as client:
        assert client.post("/api/reviews", json=good).status_code == 401
        assert client.post("/api/reviews", json=good, headers={"Authorization": "Bearer feil"}).status_code == 403
        auth = {"Authorization": f"Bearer {TOKEN}"}
        for body, field in (({**good, "decision": "kanskje"}, "«decision»"), ({"a": good["a"], "decision": "accept"},
                                                                             "«b»"),
                            ({**good, "a": 7}, "«a»"), ({**good, "note": "x" * 3000}, "«note»")):
            r = client.post("/api/reviews", json=body, headers=auth)
            assert r.status_code == 422 and field in r.json()["error"], (body, r.json())
        r = client.post("/api/reviews", content=b"{ikke json", headers=auth | {"content-type": "application/json"})
        assert r.status_code == 422 and "JSON" in r.json()["error"]
        r = client.post("/api/reviews", json={**good, "b": good["a"]}, headers=auth)
        assert r.status_code == 400 and "«b»" in r.json()["error"]
        r = client.post("/api/reviews", json={**good, "b": "measure/2025-99-1"}, headers=auth)
        assert r.status_code == 404 and "«b»" in r.json()["error"]
        r = client.post("/api/reviews", json={**good, "b": "noe-rart"}, headers=auth)
        assert r.status_code == 400 and "«b»" in r.json()["error"]
        r = client.post("/api/reviews", json=good, headers=auth)
        assert r.status_code == 200, r.json()
        body = r.json()
        assert body["action"] == "review" and body["review"]["decision"] == "reject" and body["generation"]
        assert body["review"]["by"] is None and body["indexed"] is False  # graph only: no index to refresh
        assert [x["b"] for x in client.get("/api/reviews").json()] == [f"{settings.base_iri}/id/measure/2025-4.1-4"]


def test_reviews_survive_rebuilds_and_reimports_and_sleep_while_a_node_is_gone(partner_home, embedder, tmp_path,
                                                                              monkeypatch):
    settings = copy_home(partner_home, tmp_path / "home")
    app = Application(settings, embedder)
    app.review(*OVERLAP, "reject")
    app.review(*DUPLICATE, "accept")
    a, b = iri(settings, DUPLICATE[0]), iri(settings, DUPLICATE[1])

    def state():
        return {(r.decision, r.active) for r in app.reviews()}

    app.build()  # a rebuild keeps the reviews graph: it is a source, not a programme graph
    assert state() == {("reject", True), ("accept", True)}
    assert graph_has(settings, "reviews", a, f"{SKOS}closeMatch", b)
    assert find(app.matcher().duplicates(across_actors=True), settings, *OVERLAP) is None

    app.import_list(PARTNER.read_bytes(), PARTNER.name, ACTOR)  # the same list again: the same IRIs
    assert state() == {("reject", True), ("accept", True)}
    assert find(app.matcher().duplicates(across_actors=True), settings, *DUPLICATE)["kind"] == "confirmed"

    app.remove_import(ACTOR)  # the initiatives vanish: decisions kept, not applied, no dangling link
    assert state() == {("reject", False), ("accept", False)}
    assert not graph_has(settings, "reviews", a, f"{SKOS}closeMatch", b)
    out = cli(settings, monkeypatch, "reviews", "--json")
    listed = json.loads(out.output)
    assert [r["active"] for r in listed] == [False, False] and listed[1]["missing"] == [b]

    app.import_list(PARTNER.read_bytes(), PARTNER.name, ACTOR)  # back again: the decisions apply again
    assert state() == {("reject", True), ("accept", True)}
    assert graph_has(settings, "reviews", a, f"{SKOS}closeMatch", b)
    pairs = app.matcher().duplicates(across_actors=True)
    assert find(pairs, settings, *DUPLICATE)["kind"] == "confirmed" and find(pairs, settings, *OVERLAP) is None
    assert inferred_links_between(settings, iri(settings, OVERLAP[0]), iri(settings, OVERLAP[1])) == []


def test_cli_review_verb(partner_home, tmp_path, monkeypatch):
    settings = copy_home(partner_home, tmp_path / "home")
    out = cli(settings, monkeypatch, "review", *OVERLAP)
    assert out.exit_code != 0 and "--accept" in out.output
    out = cli(settings, monkeypatch, "review", OVERLAP[0], "measure/2025-99-1", "--reject")
    assert out.exit_code == 1 and "«b»" in out.output
    out = cli(settings, monkeypatch, "review", *OVERLAP, "--reject", "--note", "Nei", "--by", "Kari", "--json")
    assert out.exit_code == 0, out.output
    result = json.loads(out.output[out.output.index("{"):])
    assert result["review"]["decision"] == "reject" and result["review"]["by"] == "Kari"
    out = cli(settings, monkeypatch, "reviews")
    assert "avvist av Kari" in out.output and "Merknad: Nei" in out.output


def test_calibrate_refits_with_the_reviewed_pairs(reviewed, monkeypatch, tmp_path):
    """Defect: `calibrate` answered "the scorer has no fitting function" and changed nothing. Now it
    refits with the three decisions, prints figures before and after, and the saved calibrator is
    the one the home uses from then on."""
    from matching.confidence import home_calibrator_path, load_calibrator

    out = cli(reviewed, monkeypatch, "calibrate", "--dry-run")
    assert out.exit_code == 0, out.output
    assert "3 (2 godtatt, 1 avvist)" in out.output and "Ikke lagret" in out.output
    assert "personalets par: presisjon" in out.output and "de vurderte partnerlistene: dekning" in out.output
    assert not (reviewed.home / "calibration").exists()

    home = copy_home(reviewed, tmp_path / "home")
    out = cli(home, monkeypatch, "calibrate", "--json")
    assert out.exit_code == 0, out.output
    summary = json.loads(out.output[out.output.index("{"):])
    assert (summary["reviewed_pairs"], summary["accepted"], summary["rejected"]) == (3, 2, 1)
    assert set(summary["figures"]["before"]) == set(summary["figures"]["after"])
    assert all(0 <= v <= 1 for part in summary["figures"].values() for v in part.values())
    saved = load_calibrator(home)
    assert summary["saved"] == str(home_calibrator_path(home)) and saved.meta["groups"]["reviews"] == 3
    assert 0 < saved.cuts["overlap"] < 1


def test_calibrate_without_decisions_says_so_and_changes_nothing(partner_home, monkeypatch, tmp_path):
    home = copy_home(partner_home, tmp_path / "home")
    out = cli(home, monkeypatch, "calibrate")
    assert out.exit_code == 1 and "Ingen vurderte par" in out.output and "regiongraf review" in out.output
    assert "Traceback" not in out.output and not (home.home / "calibration").exists()
