"""The overlap report of an imported list (CLI, API, page), the one CSV writer with its
formula neutralising, the import page's link to the report, and the review form on the
overlap page (without a browser). Real store, real model."""

import csv
import io
import json

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from api.app import create_app
from graph.settings import get_settings
from graph.views.spreadsheet import csv_bytes, safe_cell
from service.application import Application
from tests.conftest import copy_home

ACTOR = "Eksempel fylkeskommune"
TOKEN = "rapport-token"
# A partner list whose titles a spreadsheet would run as formulas.
HOSTILE = (
    'id,title,description\n'
    'X-1,"=HYPERLINK(""http://example.org/"",""klikk"")",Etablere ladestasjoner for tungtransport langs E6\n'
    'X-2,+47 kommuner om sykkelparkering,Bygge trygg sykkelparkering ved jernbanestasjonene\n'
    'X-3,-Kantsoner langs bekker,Restaurere kantsoner langs bekker og elver for bedre vannmiljø\n'
    'X-4,@SUM(A1:A9) tannhelse,Gratis tannbehandling for unge voksne\n'
).encode()


def rows_of(data: bytes) -> list[dict]:
    assert data.startswith("\ufeff".encode()), "UTF-8 with BOM, for Excel"
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def test_defect5_safe_cell_neutralises_formulas_and_keeps_numbers():
    for text in ("=1+1", "+47", "-x", "@SUM(A1)", "\tx", "\rx"):
        assert safe_cell(text) == "'" + text
    assert safe_cell("Sykkel = bra") == "Sykkel = bra" and safe_cell("") == "" and safe_cell(None) == ""
    assert safe_cell(-0.25) == -0.25 and safe_cell(3) == 3
    data = csv_bytes(["a", "b"], [{"a": "=cmd|' /C calc'!A0", "b": -1.5}, {"a": "æøå, \"sitat\""}])
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
    assert rows_of(data) == [{"a": "'=cmd|' /C calc'!A0", "b": "-1.5"}, {"a": 'æøå, "sitat"', "b": ""}]


@pytest.fixture(scope="module")
def report(partner_home):
    from matching.report import overlap_report

    return overlap_report(Application(partner_home).matcher(), ACTOR)


def test_one_row_per_item_with_counterparts_and_where_they_sit(report, partner_home):
    assert report["actor"] == ACTOR and report["counts"]["items"] == 22
    keys = [e["item"]["id"].rsplit("-", 1)[-1] for e in report["items"]]
    assert keys == [f"{n:02d}" for n in range(1, 23)]  # list order
    by_key = {e["item"]["id"].rsplit("/", 1)[-1]: e for e in report["items"]}
    dental = by_key["eksempel-fylkeskommune-ef-16"]
    assert dental["matched"] is False and dental["matches"] == []
    office = by_key["eksempel-fylkeskommune-ef-03"]
    best = office["matches"][0]
    assert best["id"] == f"{partner_home.base_iri}/id/measure/2025-5.1.1-15" and best["kind"] == "overlap"
    assert "confidence" in best and best["score"] > 0 and "energikontor" in best["reason"].lower()
    assert best["where"]["focus_area"]["label"] == "Kraft"
    assert best["where"]["expert_group"]["label"] == "Kraftgruppen" and best["where"]["measure_group"]["label"]
    assert all(len(e["matches"]) <= 3 for e in report["items"])
    assert report["counts"]["matched"] + report["counts"]["unmatched"] == 22 and report["counts"]["unmatched"] >= 1


def test_cli_and_api_give_the_same_report(report, partner_home, monkeypatch):
    from cli.main import main

    monkeypatch.setenv("REGIONGRAF_HOME", str(partner_home.home))
    monkeypatch.setenv("REGIONGRAF_MODELS", str(partner_home.models_dir))
    get_settings.cache_clear()
    try:
        as_json = CliRunner().invoke(main, ["overlap-report", "--actor", "eksempel-fylkeskommune", "--json"])
        as_text = CliRunner().invoke(main, ["overlap-report", "--actor", ACTOR])
        as_csv = CliRunner().invoke(main, ["overlap-report", "--actor", ACTOR, "--csv"])
        unknown = CliRunner().invoke(main, ["overlap-report", "--actor", "Ingen slik"])
    finally:
        get_settings.cache_clear()
    assert as_json.exit_code == 0, as_json.output
    assert json.loads(as_json.output) == json.loads(json.dumps(report))
    assert "22 elementer" in as_text.output and "ingen match" in as_text.output and "Kraft" in as_text.output
    assert unknown.exit_code == 1 and "Ukjent aktør" in unknown.output
    client = TestClient(create_app(partner_home))
    assert client.get("/api/overlap-report", params={"actor": ACTOR}).json() == json.loads(as_json.output)
    r = client.get("/api/overlap-report", params={"actor": ACTOR, "format": "csv"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    assert r.content == as_csv.stdout_bytes
    rows = rows_of(r.content)
    assert len(rows) == 22 and [row["nr"] for row in rows] == [str(n) for n in range(1, 23)]
    office = next(row for row in rows if row["element_id"].endswith("-ef-03"))
    assert office["status"] == "match" and office["innsatsområde"].endswith("Kraft")
    assert office["faggruppe"] == "Kraftgruppen" and float(office["skår"]) > 0
    assert next(row for row in rows if row["element_id"].endswith("-ef-16"))["status"] == "ingen match"
    assert client.get("/api/overlap-report", params={"actor": "ukjent"}).status_code == 400
    assert client.get("/api/overlap-report", params={"actor": ACTOR, "format": "xls"}).status_code == 422
    page = client.get("/overlapp/rapport", params={"actor": "eksempel-fylkeskommune"})
    assert page.status_code == 200 and page.text.count("<tr>") == 23 and "ingen match" in page.text
    assert "format=csv" in page.text


def test_defect5_import_page_links_to_the_report_whose_csv_neutralises_formulas(indexed_home, tmp_path):
    settings = copy_home(indexed_home, tmp_path / "home").model_copy(update={"token": TOKEN})
    with TestClient(create_app(settings)) as client:
        r = client.post("/import", data={"actor": "Fiendtlig kommune", "token": TOKEN},
                        files={"file": ("liste.csv", HOSTILE, "text/csv")})
        assert r.status_code == 200, r.text
        link = '/overlapp/rapport?actor=fiendtlig-kommune'
        assert f'href="{link}"' in r.text and "Overlapprapport for Fiendtlig kommune" in r.text
        page = client.get(link)
        assert page.status_code == 200 and "=HYPERLINK" in page.text  # shown as text on the page
        data = client.get("/api/overlap-report", params={"actor": "fiendtlig-kommune", "format": "csv"}).content
    rows = rows_of(data)
    titles = [row["element"] for row in rows]
    assert titles == ["'=HYPERLINK(\"http://example.org/\",\"klikk\")", "'+47 kommuner om sykkelparkering",
                      "'-Kantsoner langs bekker", "'@SUM(A1:A9) tannhelse"]
    assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for row in rows for cell in row.values())


def test_review_buttons_on_the_overlap_page(partner_home, tmp_path):
    settings = copy_home(partner_home, tmp_path / "home").model_copy(update={"token": TOKEN})
    a = f"{settings.base_iri}/id/measure/2025-5.1.1-15"
    b = f"{settings.base_iri}/id/initiative/eksempel-fylkeskommune-ef-03"
    with TestClient(create_app(settings)) as client:
        page = client.get("/overlapp", params={"actor": "eksempel-fylkeskommune", "across": "true"})
        assert page.text.count('action="/vurdering"') >= 5 and 'name="token"' in page.text
        form = {"a": a, "b": b, "decision": "accept", "note": "Samme kontor",
                "next": "/overlapp?actor=eksempel-fylkeskommune&across=true"}
        r = client.post("/vurdering", data=form | {"token": "feil"}, follow_redirects=False)
        assert r.status_code == 403 and "Feil token" in r.text and 'href="/overlapp?actor=' in r.text
        r = client.post("/vurdering", data=form | {"token": TOKEN, "next": "https://example.org/"},
                        follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/overlapp?vurdert=accept#vurdert"
        r = client.post("/vurdering", data=form | {"token": TOKEN}, follow_redirects=False)
        assert r.status_code == 303
        assert r.headers["location"] == "/overlapp?actor=eksempel-fylkeskommune&across=true&vurdert=accept#vurdert"
        page = client.get(r.headers["location"])
        assert "paret er godtatt" in page.text
        office = 'href="/doc/initiative/eksempel-fylkeskommune-ef-03"'
        first = page.text.index('class="card pair-card confirmed"')
        assert first < page.text.index(office) and "Samme kontor" in page.text
        r = client.post("/vurdering", data=form | {"token": TOKEN, "decision": "reject"}, follow_redirects=False)
        page = client.get(r.headers["location"])
        assert "paret er avvist" in page.text and office not in page.text
        shown = client.get("/overlapp", params={"actor": "eksempel-fylkeskommune", "across": "true",
                                                "rejected": "true"})
        assert office in shown.text and "Avvist" in shown.text
        node = client.get("/doc/initiative/eksempel-fylkeskommune-ef-03").text
        assert 'action="/vurdering"' in node and "Energiutfordring, se helheten" not in node
    without_token = TestClient(create_app(partner_home)).get("/overlapp")
    assert 'action="/vurdering"' not in without_token.text
