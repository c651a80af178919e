"""The web pages without a browser: marking, the neighbourhood picture, the form token, and the
pages' answers when there is no search index yet (graph only). The browser tests are in tests/e2e."""

import pytest
from fastapi import HTTPException
from fastapi.testclient import TestClient

from api.app import create_app
from api.deps import check_token
from api.pages.highlight import Highlighter
from graph.store import open_store
from graph.views.neighbourhood import neighbourhood
from search.index.normalise import Tokenizer, vocabulary

BASE = "https://data.osloregionen.no"
REFUSED = b"tittel;beskrivelse\nGod rad;Tekst\n;Mangler tittel\n"


@pytest.fixture(scope="module")
def client(built_home):
    app = create_app(built_home.model_copy(update={"token": "t0k3n"}))
    with TestClient(app) as c:
        yield c


def test_highlight_marks_stems_and_compound_parts_and_escapes():
    texts = ["Øke satsingen på sykkel og sykkelparkering", "kollektivtransport og transport"]
    tokenize = Tokenizer(vocabulary(texts))
    mark = Highlighter.for_query(tokenize, "Hva gjør vi for å få flere til å sykle?")
    out = str(mark("Sykkel, sykling og <b>sykkelparkering</b> for alle"))
    assert "<mark>Sykkel</mark>" in out and "<mark>sykling</mark>" in out
    assert "<mark>sykkelparkering</mark>" in out
    assert "&lt;b&gt;" in out and "<b>" not in out
    assert "<mark>for</mark>" not in out  # stopwords are never marked
    assert str(Highlighter.for_query(tokenize, "")("a < b")) == "a &lt; b"


def test_highlight_marks_only_what_the_query_says():
    """Two compounds that only share a part are not a match: "Oslofjord" does not mark "Osloregionen"."""
    texts = ["Osloregionen og Oslofjorden", "ren fjord", "næringstransport og næringslivet", "Oslo kommune"]
    tokenize = Tokenizer(vocabulary(texts + ["oslo region fjord næring transport liv"]))
    mark = Highlighter.for_query(tokenize, "ren Oslofjord")
    assert mark.words("Osloregionen vil ha en ren Oslofjorden og en fjord") == ["ren", "oslofjorden", "fjord"]
    assert Highlighter.for_query(tokenize, "grønn næringstransport").words("næringslivet og transport") == [
        "transport"]
    assert Highlighter.for_query(tokenize, "samarbeid i regionen").words("Osloregionen") == ["osloregionen"]
    # Words the search added (a typo correction, a translation) are marked like the query's own.
    assert Highlighter.for_query(tokenize, "nuclear power", extra=["kommun"]).words("Oslo kommune") == ["kommune"]


def test_check_token_is_the_same_rule_as_the_bearer_header(built_home):
    settings = built_home.model_copy(update={"token": "riktig"})
    check_token(settings, " riktig ")
    for given, status in (("feil", 403), ("", 401), (None, 401)):
        with pytest.raises(HTTPException) as err:
            check_token(settings, given)
        assert err.value.status_code == status
    with pytest.raises(HTTPException) as err:
        check_token(built_home.model_copy(update={"token": None}), "riktig")
    assert err.value.status_code == 403 and "slått av" in err.value.detail


def test_neighbourhood_walks_the_chain_without_turning_back(built_home):
    reader = open_store(built_home).reader()
    hood = neighbourhood(reader, f"{BASE}/id/strategy/2025-4-p1-3")
    types = {n["type"] for n in hood.nodes.values()}
    assert {"Strategy", "SubGoal", "Challenge"} <= types
    # Only what this strategy serves, not the sibling strategies of its sub-goal.
    assert [n for n in hood.nodes.values() if n["type"] == "Strategy"] == [hood.nodes[hood.centre]]
    layers = {n["layer"] for n in hood.nodes.values()}
    assert all(e.left in hood.nodes and e.right in hood.nodes for e in hood.edges)
    assert all(hood.nodes[e.left]["layer"] < hood.nodes[e.right]["layer"] for e in hood.edges if not e.inferred)
    assert {0, 1, 2} <= layers
    assert neighbourhood(reader, f"{BASE}/id/programme/2025") is None
    area = neighbourhood(reader, f"{BASE}/id/focus-area/2025-5.1")
    assert area is not None and any(n["type"] == "Measure" for n in area.nodes.values())


def test_node_page_has_a_clickable_neighbourhood_picture(client):
    """Drawn in Python: no external program, so every node with a neighbourhood has its picture."""
    r = client.get("/doc/strategy/2025-4-p1-3", headers={"Accept": "text/html"})
    assert r.status_code == 200
    page = r.text
    assert 'id="nabolag"' in page and "<svg" in page and 'aria-label="Nabolaget til' in page
    assert '<a href="/doc/sub-goal/2025-4-p1-1" class="box">' in page
    assert "<title>Nabolaget til" in page and "<desc>" in page
    assert "<?xml" not in page


def test_picture_layout_keeps_columns_in_chain_order_and_escapes(built_home):
    from api.pages.picture import BOX_W, GAP_X, PAD, neighbourhood_svg

    reader = open_store(built_home).reader()
    hood = neighbourhood(reader, f"{BASE}/id/strategy/2025-4-p1-3")
    hood.nodes[hood.centre]["label"] = "<script>alert(1)</script> & mer"
    svg = neighbourhood_svg(hood, lambda iri: "/doc/" + iri.rsplit("/id/", 1)[-1], "Nabolaget til <x>")
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "&lt;x&gt;" in svg
    # Each box sits in the column of its layer: challenge left of goal left of strategy.
    import re

    xs = {}
    for m in re.finditer(r'<rect x="([\d.]+)".*?</text>', svg):
        xs.setdefault(float(m.group(1)), 0)
    columns = sorted(xs)
    assert columns[0] == PAD and all(b - a == BOX_W + GAP_X for a, b in zip(columns, columns[1:], strict=False))
    assert len(columns) == len(hood.layers)
    # The centre is not a link to itself; the others are.
    assert svg.count('<a href="/doc/') == len(hood.nodes) - 1
    assert neighbourhood_svg(None, str, "x") is None


def test_pages_without_a_search_index_say_what_to_do(client):
    front = client.get("/")
    assert front.status_code == 200 and 'name="q"' in front.text and "Alle temaer" in front.text
    for path in ("/?q=sykkel", "/overlapp", "/hull"):
        r = client.get(path)
        assert r.status_code == 503, path
        assert "regiongraf build" in r.text, path


def test_import_form_checks_the_token_and_shows_the_refusal(client, built_home):
    generation = open_store(built_home).generation()
    files = {"file": ("liste.csv", REFUSED, "text/csv")}
    r = client.post("/import", data={"actor": "Testkommune", "token": "feil"}, files=files)
    assert r.status_code == 403 and "Feil token" in r.text
    r = client.post("/import", data={"actor": "Testkommune"}, files=files)
    assert r.status_code == 401
    r = client.post("/import", data={"actor": "Testkommune", "token": "t0k3n"}, files=files)
    assert r.status_code == 400
    assert "ble avvist" in r.text and "liste.csv, linje 3" in r.text and "title" in r.text
    assert 'value="Testkommune"' in r.text  # the form keeps what was typed
    assert open_store(built_home).generation() == generation  # a refused list changes nothing
