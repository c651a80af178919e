"""Issue 13: hostile imports. Each test reproduces an attack that once got through (or gave a 500).

Defect 3: `javascript:` links from a Turtle import appeared as links on the node page.
Defect 4: a Turtle import added an rg:Measure to programme 2025 (61 -> 62 measures).
Defect 6: NUL and other control characters reached RDF/XML downloads, which then did not parse.
Defect 7: JSON nested 1000 deep and a 1 MB CSV line gave 500 over HTTP and a traceback in the CLI.
"""

import json

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from rdflib import Graph

from api.app import create_app
from graph.imports.tabular import ImportRefused
from graph.settings import get_settings
from graph.store import open_store
from graph.views.stats import stats
from tests.conftest import copy_home, import_list

TOKEN = "t0ken"
PREFIXES = (b"@prefix rg: <https://data.osloregionen.no/def/regiongraf#> .\n"
            b"@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
            b"@prefix schema: <https://schema.org/> .\n")


@pytest.fixture(scope="module")
def home(built_home, tmp_path_factory):
    return copy_home(built_home, tmp_path_factory.mktemp("hostile") / "home").model_copy(update={"token": TOKEN})


@pytest.fixture(scope="module")
def client(home):
    with TestClient(create_app(home)) as c:
        yield c


def upload(client, name: str, data: bytes, actor: str = "Fiendtlig aktør"):
    return client.post("/api/import", files={"file": (name, data, "application/octet-stream")},
                       data={"actor": actor}, headers={"Authorization": f"Bearer {TOKEN}"})


def cli_import(home, tmp_path, monkeypatch, name: str, data: bytes):
    from cli.main import main

    path = tmp_path / name
    path.write_bytes(data)
    monkeypatch.setenv("REGIONGRAF_HOME", str(home.home))
    get_settings.cache_clear()
    try:
        return CliRunner().invoke(main, ["import", str(path), "--actor", "Fiendtlig aktør", "--no-refresh"])
    finally:
        get_settings.cache_clear()


# -- defect 7 ---------------------------------------------------------------------------------
DEEP_JSON = ("[" * 1000 + "]" * 1000).encode()
DEEP_JSON_LD = (b'{"@context": {}, "@graph": ' + b"[" * 1000 + b"]" * 1000 + b"}")
HUGE_CSV = b"title,description\n" + b"Stor rad," + b"x" * 1_000_000 + b"\n"
HUGE_HEADER = b"title" + b"y" * 1_000_000 + b"\nA\n"


@pytest.mark.parametrize("name,data,expected", [
    ("dyp.json", DEEP_JSON, "nøstet"), ("dyp.jsonld", DEEP_JSON_LD, "nøstet"),
    ("stor.csv", HUGE_CSV, "linje 2"), ("stor-overskrift.csv", HUGE_HEADER, "linje 1"),
])
def test_defect7_hostile_files_get_a_clear_400_not_a_500(client, home, name, data, expected):
    before = open_store(home).generation()
    r = upload(client, name, data)
    assert r.status_code == 400, r.text
    assert expected in r.json()["error"] and name in r.json()["error"]
    assert open_store(home).generation() == before


def test_defect7_the_cli_says_what_is_wrong_without_a_traceback(home, tmp_path, monkeypatch):
    for name, data in (("dyp.json", DEEP_JSON), ("stor.csv", HUGE_CSV)):
        out = cli_import(home, tmp_path, monkeypatch, name, data)
        assert out.exit_code == 1 and f"Feil: {name}" in out.output, out.output
        assert "Traceback" not in out.output


# -- defect 6 ---------------------------------------------------------------------------------
@pytest.mark.parametrize("name,data", [
    ("nul.json", json.dumps([{"title": "Tiltak\u0000med NUL"}]).encode()),
    ("bell.json", json.dumps([{"title": "OK", "description": "Ringe\u0007klokke"}]).encode()),
    ("ctrl.csv", b"title,description\nTiltak,Tekst med \x01 kontrolltegn\n"),
    ("ctrl.ttl", PREFIXES + b'<id/initiative/x-1> a rg:Initiative ; rdfs:label "Null\\u0000tegn"@nb .\n'),
    ("ctrl.jsonld", json.dumps({"@id": "id/initiative/x-2", "@type": "rg:Initiative",
                                "rdfs:label": "Escape\u001b"}).encode()),
])
def test_defect6_control_characters_are_refused_in_every_import_format(home, name, data):
    with pytest.raises(ImportRefused, match="kontrolltegnet U\\+00"):
        import_list(home, data, name, "Fiendtlig aktør", refresh=False)


def test_defect6_downloads_stay_parseable_xml(client):
    r = client.get("/download/regiongraf.rdf")
    assert r.status_code == 200
    Graph().parse(data=r.text, format="xml")


# -- defect 4 ---------------------------------------------------------------------------------
@pytest.mark.parametrize("ttl", [
    b'<id/initiative/x-1> a rg:Initiative , rg:Measure ; rdfs:label "Snikende tiltak"@nb .\n',
    b'<id/initiative/x-1> a rg:Initiative ; rdfs:label "Med blank node"@nb ; rg:mentions [ a rg:Measure ] .\n',
    b'<id/initiative/x-1> a rg:Initiative ; rdfs:label "Inn i en gruppe"@nb ;'
    b' rg:inGroup <id/measure-group/2025-4.1-1> .\n',
    # The attack that worked: a complete measure typed as both, its actor declared an expert group.
    b'<id/initiative/x-1> a rg:Initiative , rg:Measure ; rdfs:label "Snikende tiltak"@nb ;'
    b' rg:text "Snikende tiltak"@nb ; rg:inProgramme <id/programme/2025> ; rg:focusArea <id/focus-area/2025-4> ;'
    b' rg:position 99 ; rg:sectionNumber "4.1" ; rg:sourceLine 999 .\n'
    b'<id/organisation/fiendtlig-aktor> a rg:ExpertGroup .\n',
])
def test_defect4_an_import_cannot_add_to_the_programme(client, home, ttl):
    measures = stats(open_store(home))["classes"]["Measure"]
    r = upload(client, "snik.ttl", PREFIXES + ttl)
    assert r.status_code == 400, r.text
    assert stats(open_store(home))["classes"]["Measure"] == measures == 61


# -- defect 3 ---------------------------------------------------------------------------------
def test_defect3_javascript_links_are_refused_on_import(client):
    ttl = PREFIXES + (b'<id/initiative/x-1> a rg:Initiative ; rdfs:label "Lenke"@nb ;'
                      b' schema:url <javascript:alert(1)> .\n')
    r = upload(client, "lenke.ttl", ttl)
    assert r.status_code == 400 and "http(s)-adresse" in r.json()["error"]


def test_defect3_a_javascript_iri_in_the_store_is_never_rendered_as_a_link(home, tmp_path):
    """Whatever got into the store (an update, an old import), pages link only http(s)."""
    settings = copy_home(home, tmp_path / "home")
    measure = ox.NamedNode(f"{settings.base_iri}/id/measure/2025-5.1.1-7")
    with open_store(settings).writer() as w:
        w.add(ox.Quad(measure, ox.NamedNode("https://schema.org/url"), ox.NamedNode("javascript:alert(1)"),
                      ox.NamedNode(f"{settings.base_iri}/graph/curated")))
    with TestClient(create_app(settings)) as c:
        page = c.get("/doc/measure/2025-5.1.1-7", headers={"Accept": "text/html"})
        assert page.status_code == 200 and "javascript:alert(1)" in page.text  # shown as text ...
        assert 'href="javascript:' not in page.text.lower()  # ... never as a link
        sparql = c.get("/sparql", params={"query": 'SELECT (IRI("javascript:alert(2)") AS ?x) {}'},
                       headers={"Accept": "text/html"})
        assert 'href="javascript:' not in sparql.text.lower()
