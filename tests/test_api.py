"""The JSON API: shapes, errors a person can act on, tokens for writes, upload limits."""

import json

import pytest
from fastapi.testclient import TestClient
from rdflib import Graph
from rdflib.namespace import DCAT, RDF, VOID

from api.app import create_app
from graph.settings import REPO
from graph.store import open_store
from graph.views.stats import stats
from tests.conftest import make_settings

PARTNER_CSV = REPO / "data" / "partners" / "eksempel-fylke.csv"
TOKEN = "s3cret-token"


@pytest.fixture(scope="module")
def client(built_home):
    with TestClient(create_app(built_home)) as c:
        yield c


def writer_client(settings, **overrides):
    return TestClient(create_app(settings.model_copy(update=overrides)))


# -- reading --------------------------------------------------------------------------
def test_stats_is_the_cli_json(client, built_home):
    r = client.get("/api/stats")
    assert r.status_code == 200
    assert r.json() == json.loads(json.dumps(stats(open_store(built_home))))
    assert r.json()["classes"]["Measure"] == 61


def test_node_by_iri_and_by_key(client, built_home):
    iri = f"{built_home.base_iri}/id/measure/2025-5.1.1-7"
    a = client.get("/api/node", params={"id": iri}).json()
    b = client.get("/api/nodes/measure/2025-5.1.1-7").json()
    c = client.get("/api/node", params={"id": "measure/2025-5.1.1-7"}).json()
    assert a == b == c
    assert a["id"] == iri and a["type"] == "Measure" and a["text"]
    assert a["context"]["expert_group"]["label"] == "Kraftgruppen"
    assert a["context"]["focus_area"]["label"] == "Kraft"
    assert a["doc"] == "/doc/measure/2025-5.1.1-7"
    props = {g["property"].rsplit("#", 1)[-1] for g in a["links"]}
    assert {"proposedBy", "inGroup", "focusArea"} <= props
    # dct:subject only repeats rg:focusArea; it stays in the RDF but not in the summary.
    assert not any(g["property"].endswith("/subject") for g in a["links"])


def test_node_errors(client):
    r = client.get("/api/nodes/measure/2025-9-999")
    assert r.status_code == 404 and "Fant ingen node" in r.json()["error"]
    r = client.get("/api/node", params={"id": "hva som helst"})
    assert r.status_code == 400 and "measure/2025-5.1.1-7" in r.json()["error"]
    r = client.get("/api/node", params={"id": "https://example.org/id/measure/1"})
    assert r.status_code == 404
    r = client.get("/api/node")
    assert r.status_code == 422 and "«id» mangler" in r.json()["error"]


def test_errors_are_json_in_norwegian(client):
    r = client.get("/api/finnes-ikke")
    assert r.status_code == 404 and r.json()["error"].startswith("Fant ikke")
    r = client.delete("/api/stats")
    assert r.status_code == 405 and "Metoden" in r.json()["error"]


def test_no_graph_yet_is_503_not_500(tmp_path):
    with TestClient(create_app(make_settings(tmp_path))) as c:
        r = c.get("/api/stats")
        assert r.status_code == 503 and "regiongraf build" in r.json()["error"]
        assert c.get("/doc/measure/2025-5.1.1-7").status_code == 503


def test_openapi_docs(client):
    """/docs and /redoc load their scripts from this server (the fastapi-offline package), never a CDN."""
    assets = {"/docs": "/static/openapi/swagger-ui-bundle.js", "/redoc": "/static/openapi/redoc.standalone.js"}
    for path, asset in assets.items():
        page = client.get(path)
        assert page.status_code == 200 and asset in page.text, path
        assert "cdn." not in page.text and "fonts.googleapis" not in page.text, path
        js = client.get(asset)
        assert js.status_code == 200 and len(js.content) > 100_000, asset
    assert client.get("/static/openapi/swagger-ui.css").status_code == 200
    spec = client.get("/openapi.json").json()
    for path in ("/api/stats", "/api/node", "/api/import", "/doc/{kind}/{name}", "/download/{filename}"):
        assert path in spec["paths"]
    body = spec["paths"]["/api/import"]["post"]["requestBody"]["content"]["multipart/form-data"]
    assert set(body["schema"]["required"]) == {"file", "actor"}


def test_favicon_and_the_data_line_under_every_page(client):
    r = client.get("/favicon.ico")
    assert r.status_code == 200 and r.headers["content-type"] == "image/vnd.microsoft.icon"
    assert r.content[:4] == b"\0\0\1\0"  # an ICO file
    assert client.get("/static/favicon.svg").status_code == 200
    for path in ("/", "/data", "/sparql", "/import", "/doc/measure/2025-5.1.1-7", "/finnes-ikke"):
        page = client.get(path, headers={"Accept": "text/html"}).text
        assert 'rel="icon"' in page, path
        footer = page[page.index("<footer>"):]
        assert "handlingsprogram-2025.txt" in footer and "lest inn" in footer, path
        assert "ingen importerte lister" in footer and "regiongraf 0.1" in footer and "sist endret" in footer, path
    data = client.get("/data").text
    assert "Kontrollsum" in data and "Sist bygget" in data


def test_catalogue_and_void(client, built_home):
    r = client.get("/catalog", headers={"Accept": "text/turtle"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/turtle")
    g = Graph().parse(data=r.text, format="turtle")
    assert any(g.triples((None, RDF.type, DCAT.Catalog)))
    g = Graph().parse(data=client.get("/catalog.jsonld").text, format="json-ld")
    assert any(g.triples((None, RDF.type, DCAT.Dataset)))
    for path in ("/.well-known/void", "/void"):
        g = Graph().parse(data=client.get(path, headers={"Accept": "text/turtle"}).text, format="turtle")
        assert any(g.triples((None, RDF.type, VOID.Dataset)))
    assert client.get("/catalog", headers={"Accept": "text/html"}).headers["content-type"].startswith("text/html")


@pytest.mark.parametrize("path,which", [("/catalog.ttl", "catalogue"), ("/.well-known/void.ttl", "void")])
def test_catalogue_routes_serve_the_live_description(client, built_home, path, which):
    """The routes add nothing and lose nothing: the same graph graph/catalogue.py makes."""
    from rdflib.compare import isomorphic

    from graph.publish import catalogue as cat

    store = open_store(built_home)
    expected = getattr(cat, which)(store.dataset(), built_home, modified=cat.generation_time(store.generation()))
    served = Graph().parse(data=client.get(path).text, format="turtle")
    assert isomorphic(served, expected)


# -- writing needs the token ----------------------------------------------------------
def upload(c, data: bytes = b"id,title\n1,Noe\n", actor="Eksempel fylke", headers=None):
    return c.post("/api/import", files={"file": ("liste.csv", data, "text/csv")}, data={"actor": actor},
                  headers=headers or {})


def test_import_without_token_configured_is_403(built_home):
    with writer_client(built_home, token=None) as c:
        r = upload(c, headers={"Authorization": f"Bearer {TOKEN}"})
        assert r.status_code == 403 and "REGIONGRAF_TOKEN" in r.json()["error"]


def test_import_without_token_is_401(built_home):
    with writer_client(built_home, token=TOKEN) as c:
        r = upload(c)
        assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
        assert upload(c, headers={"Authorization": "Basic dXNlcjpwdw=="}).status_code == 401


def test_import_with_wrong_token_is_403(built_home):
    with writer_client(built_home, token=TOKEN) as c:
        assert upload(c, headers={"Authorization": "Bearer feil"}).status_code == 403


def test_rebuild_needs_the_token(built_home):
    with writer_client(built_home, token=TOKEN) as c:
        assert c.post("/api/rebuild").status_code == 401
        assert c.post("/api/rebuild", headers={"Authorization": "Bearer feil"}).status_code == 403


def test_import_too_large_is_413(built_home):
    auth = {"Authorization": f"Bearer {TOKEN}"}
    with writer_client(built_home, token=TOKEN, max_upload_bytes=1000) as c:
        r = upload(c, data=b"x" * 5000, headers=auth)  # the file itself is over the limit
        assert r.status_code == 413 and "1000 byte" in r.json()["error"]
        r = upload(c, data=b"x" * 200_000, headers=auth)  # refused on Content-Length
        assert r.status_code == 413


def test_import_too_large_without_content_length_is_413(built_home):
    """A chunked body is counted as it arrives."""
    auth = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "multipart/form-data; boundary=b"}

    def chunks():
        yield b"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n\r\n"
        for _ in range(200):
            yield b"x" * 1024

    with writer_client(built_home, token=TOKEN, max_upload_bytes=1000) as c:
        r = c.post("/api/import", content=chunks(), headers=auth)
        assert r.status_code == 413


def test_import_bad_requests(built_home):
    auth = {"Authorization": f"Bearer {TOKEN}"}
    with writer_client(built_home, token=TOKEN) as c:
        r = c.post("/api/import", data={"actor": "X"}, headers=auth)  # urlencoded, no file
        assert r.status_code == 415
        r = c.post("/api/import", files={"file": ("a.csv", b"id,title\n1,x\n", "text/csv")}, headers=auth)
        assert r.status_code == 422 and "actor" in r.json()["error"]
        r = upload(c, data=b"   ", headers=auth)
        assert r.status_code == 400 and "tom" in r.json()["error"]
        r = upload(c, data="\u00ff\u00fe garbage".encode("utf-16"), headers=auth)
        assert 400 <= r.status_code < 500


def test_import_writes_the_list(tmp_path):
    """The whole route with the real importer (no search index here: the refresh warns, the import stands)."""
    from service.application import Application

    settings = make_settings(tmp_path, token=TOKEN)
    Application(settings).build(refresh=False)
    with TestClient(create_app(settings)) as c:
        r = c.post("/api/import", files={"file": (PARTNER_CSV.name, PARTNER_CSV.read_bytes(), "text/csv")},
                   data={"actor": "Eksempel fylke"}, headers={"Authorization": f"Bearer {TOKEN}"})
        assert r.status_code == 200, r.text
        result = r.json()
        assert result["count"] >= 4 and result["graph"].endswith("/graph/import/eksempel-fylke")
        assert c.get("/api/stats").json()["classes"]["Initiative"] == result["count"]
        page = c.get(result["ids"][0].replace(settings.base_iri, ""), headers={"Accept": "text/html"})
        assert page.status_code == 200 and "Eksempel fylke" in page.text


# -- search -------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def search_client(tmp_path_factory, embedder):
    """A home of its own with search indexes, and the session's model (loaded once)."""
    from service.application import Application

    settings = make_settings(tmp_path_factory.mktemp("search-home"))
    Application(settings, embedder).build()
    app = create_app(settings, embedder)
    with TestClient(app) as c:
        yield c


def test_search_hits_have_the_contract_fields(search_client):
    r = search_client.get("/api/search", params={"q": "Hva gjør vi for å få flere til å sykle?", "k": 5})
    assert r.status_code == 200, r.text
    hits = r.json()
    assert isinstance(hits, list) and len(hits) == 5  # the same shape as `regiongraf search --json`
    for hit in hits:
        assert {"id", "type", "label", "text", "score", "context"} <= set(hit)
    assert any("sykkel" in (h["text"] or "").lower() for h in hits)


def test_search_filters(search_client):
    hits = search_client.get("/api/search", params={"q": "kraft", "type": "measure", "k": 10}).json()
    assert hits and {h["type"] for h in hits} == {"Measure"}
    r = search_client.get("/api/search", params={"q": "kraft", "actor": "Kraftgruppen"})
    assert r.status_code == 200 and r.json()
    assert all(h["context"]["actor"]["label"] == "Kraftgruppen" for h in r.json())


@pytest.mark.parametrize("params,status", [
    ({"q": "kraft", "type": "bil"}, 400),
    ({"q": "kraft", "actor": "Ingen slik aktør"}, 400),
    ({"q": "   "}, 400),
    ({"q": "kraft", "k": 0}, 422),
    ({"q": "kraft", "k": "mange"}, 422),
    ({}, 422),
])
def test_search_bad_input(search_client, params, status):
    r = search_client.get("/api/search", params=params)
    assert r.status_code == status and r.json()["error"]


def test_search_without_index_is_503(tmp_path):
    with TestClient(create_app(make_settings(tmp_path))) as c:
        r = c.get("/api/search", params={"q": "kraft"})
        assert r.status_code == 503 and "build" in r.json()["error"]
