"""Importing another actor's list: CSV, JSON, Turtle; searchable at once; replace; refuse broken files."""

import json

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from graph.settings import get_settings
from graph.store import open_store
from tests.conftest import copy_home, import_list

RG = "https://data.osloregionen.no/def/regiongraf#"
QUIET = lambda *_: None  # noqa: E731

CSV = (
    "id;title;description;theme\n"
    "v1;Sykkelhotell ved Lillestrøm stasjon;Bygge et sykkelhotell med lading av elsykler ved Lillestrøm stasjon.;"
    "Transport og mobilitet\n"
    "v2;Varmepumper i kommunale bygg;Erstatte oljefyr med varmepumper i skoler og sykehjem.;5.1\n"
    "v3;Lokal matfestival;Arrangere en årlig matfestival for lokale produsenter.;\n"
).encode()


@pytest.fixture
def home(indexed_home, tmp_path):
    return copy_home(indexed_home, tmp_path / "home")


def initiatives(settings) -> set[str]:
    store = open_store(settings).reader()
    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    return {q.subject.value for q in store.quads_for_pattern(None, rdf_type, ox.NamedNode(RG + "Initiative"), None)}


def test_csv_import_is_searchable_at_once_and_reimport_replaces(home, embedder):
    from search.searcher import Searcher

    result = import_list(home, CSV, "viken.csv", "Viken fylkeskommune", embedder)
    assert (result["count"], result["replaced"], result["format"]) == (3, 0, "csv")
    assert result["indexed"] and result["inferred"] and not result["warnings"]
    base = home.base_iri
    assert result["graph"] == f"{base}/graph/import/viken-fylkeskommune"
    assert f"{base}/id/initiative/viken-fylkeskommune-v1" in result["ids"]

    hits = Searcher.load(home, embedder).search("sykkelhotell ved stasjonen", k=3)
    assert hits[0]["id"] == f"{base}/id/initiative/viken-fylkeskommune-v1"
    store = open_store(home).reader()
    v2 = ox.NamedNode(f"{base}/id/initiative/viken-fylkeskommune-v2")
    assert ox.NamedNode(f"{base}/id/focus-area/2025-5.1") in {
        q.object for q in store.quads_for_pattern(v2, ox.NamedNode(RG + "focusArea"), None, None)}

    again = import_list(home, CSV, "viken.csv", "Viken fylkeskommune", embedder)
    assert (again["count"], again["replaced"]) == (3, 3)
    assert len(initiatives(home)) == 3
    shorter = b"\n".join(CSV.splitlines()[:3])  # v3 dropped from the list
    third = import_list(home, shorter, "viken.csv", "Viken fylkeskommune", embedder)
    assert (third["count"], third["replaced"]) == (2, 3)
    assert f"{base}/id/initiative/viken-fylkeskommune-v3" not in initiatives(home)
    ids = {h["id"] for h in Searcher.load(home, embedder).search("matfestival", k=5)}
    assert f"{base}/id/initiative/viken-fylkeskommune-v3" not in ids


def test_json_and_turtle_imports_and_curated_actor(home, embedder):
    data = json.dumps([
        {"title": "Jobbsjansen", "description": "Kvalifisering av innvandrere utenfor arbeidslivet.", "id": 7},
        {"title": "Sommerjobb for ungdom", "url": "https://www.nav.no/sommerjobb"},
    ]).encode()
    result = import_list(home, data, "nav.json", "NAV", embedder)
    base = home.base_iri
    assert result["format"] == "json" and result["count"] == 2
    assert result["actor_id"] == f"{base}/id/organisation/nav"  # the curated organisation, not a new one
    assert f"{base}/id/initiative/nav-7" in result["ids"] and f"{base}/id/initiative/nav-2" in result["ids"]

    ttl = (
        b"@prefix rg: <https://data.osloregionen.no/def/regiongraf#> .\n"
        b"@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        b"<id/initiative/ruter-1> a rg:Initiative ; rdfs:label \"Nattbuss\"@nb ;\n"
        b"  rg:text \"Flere nattbusser mellom Oslo og nabokommunene i helgene.\"@nb .\n"
    )
    ruter = import_list(home, ttl, "ruter.ttl", "Ruter", embedder)
    assert ruter["format"] == "turtle" and ruter["ids"] == [f"{base}/id/initiative/ruter-1"]
    store = open_store(home).reader()
    owner = {q.object.value for q in store.quads_for_pattern(
        ox.NamedNode(ruter["ids"][0]), ox.NamedNode(RG + "proposedBy"), None, None)}
    assert owner == {f"{base}/id/organisation/ruter"}
    assert len(initiatives(home)) == 3


MALFORMED = {
    "empty": ("tom.csv", b"", "filen er tom"),
    "missing title column": ("a.csv", b"overskrift,beskrivelse\nx,y\n",
                             "linje 1: overskriften mangler kolonnen «title»"),
    "empty title": ("a.csv", b"title,description\nA,B\n,C\n", "linje 3, felt «title»: tittel mangler"),
    "latin-1": ("a.csv", "title\nA\nSkøyen\n".encode("latin-1"), "linje 3: teksten er ikke gyldig UTF-8"),
    "wrong delimiter": ("a.csv", b"title,description\nA;B\nC;D\n", "linje 2: 1 felt, men overskriften har 2"),
    "single column, semicolons": ("a.csv", b"title\nA;b\nC;d\n", "feil skilletegn"),
    "broken JSON": ("a.json", b'[{"title": "A"},\n {"title": "B",}]', "linje 2, kolonne 16: ugyldig JSON"),
    "JSON without title": ("a.json", b'[{"title": "A"}, {"description": "B"}]',
                           "element nr. 2 (indeks 1), felt «title»"),
    "JSON not a list": ("a.json", b'{"title": "A"}', "forventet en JSON-liste"),
    "duplicate id": ("a.csv", b"id,title\n1,A\n1,B\n", "linje 3, felt «id»"),
    "bad url": ("a.csv", b"title,url\nA,javascript:alert(1)\n", "linje 2, felt «url»"),
    "Turtle syntax": ("a.ttl", b"<a> <b> \"x .\n", "linje 1: ugyldig Turtle"),
    "Turtle without initiatives": ("a.ttl", b"<a> <b> <c> .\n", "fant ingen noder av typen rg:Initiative"),
    "Turtle touching the programme": (
        "a.ttl",
        b"@prefix rg: <https://data.osloregionen.no/def/regiongraf#> .\n"
        b"<id/initiative/x-1> a rg:Initiative ; <http://www.w3.org/2000/01/rdf-schema#label> \"X\"@nb ;"
        b" rg:text \"X\"@nb .\n<id/measure/2025-2.1-1> <http://www.w3.org/2000/01/rdf-schema#label> \"!\"@nb .\n",
        "er ikke et rg:Initiative i filen"),
    "Turtle failing SHACL": (
        "a.ttl",
        b"@prefix rg: <https://data.osloregionen.no/def/regiongraf#> .\n<id/initiative/x-1> a rg:Initiative .\n",
        "felt «title»"),
}


@pytest.fixture(scope="module")
def scratch_home(indexed_home, tmp_path_factory):
    return copy_home(indexed_home, tmp_path_factory.mktemp("malformed") / "home")


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_files_are_refused_whole_and_nothing_is_lost(scratch_home, case):
    from graph.imports.tabular import ImportRefused

    filename, data, message = MALFORMED[case]
    store = open_store(scratch_home)
    before = store.generation()
    with pytest.raises(ImportRefused) as err:
        import_list(scratch_home, data, filename, "Test", refresh=False)
    assert message in str(err.value)
    assert str(err.value).startswith(filename)
    assert store.generation() == before  # no new generation: nothing half-imported, nothing lost


def test_cli_import_refuses_with_line_and_field(scratch_home, tmp_path, monkeypatch):
    from cli.main import main

    bad = tmp_path / "liste.csv"
    bad.write_bytes(b"title,description\nA,B\n,uten tittel\n")
    monkeypatch.setenv("REGIONGRAF_HOME", str(scratch_home.home))
    get_settings.cache_clear()
    try:
        out = CliRunner().invoke(main, ["import", str(bad), "--actor", "Test", "--no-refresh"])
    finally:
        get_settings.cache_clear()
    assert out.exit_code == 1
    assert "liste.csv, linje 3, felt «title»" in out.output


def test_an_iri_another_list_already_uses_is_refused(scratch_home):
    from graph.imports.tabular import ImportRefused

    import_list(scratch_home, b"id,title\nb-1,Sykkelveier\n", "a.csv", "A", refresh=False)
    before = open_store(scratch_home).generation()
    with pytest.raises(ImportRefused, match="finnes allerede i .*/graph/import/a;"):
        import_list(scratch_home, b"id,title\n1,Gangveier\n", "ab.csv", "A B", refresh=False)
    assert open_store(scratch_home).generation() == before


def test_reimporting_a_list_that_has_inferred_links_replaces_it(partner_home, tmp_path):
    from graph.settings import REPO

    settings = copy_home(partner_home, tmp_path / "home")
    partner = REPO / "data" / "partners" / "eksempel-fylke.csv"
    again = import_list(settings, partner.read_bytes(), partner.name, "Eksempel fylkeskommune",
                        refresh=False)
    assert again["count"] == again["replaced"] == 22


# -- issue 13, defect 2: actors must not overwrite each other ---------------------------------
@pytest.mark.parametrize("first,second", [
    ("A/B", "A B"), ("Østfold", "Ostfold"), ("Åsgard", "Asgard"), ("Viken fylke", "Viken-fylke"),
])
def test_defect2_actor_identity_a_different_name_never_takes_an_existing_key(indexed_home, tmp_path, first, second):
    from graph.imports.tabular import ImportConflict

    home = copy_home(indexed_home, tmp_path / "home")
    one = import_list(home, b"id,title\n1,Sykkelveier langs fjorden\n", "a.csv", first, refresh=False)
    before = open_store(home).generation()
    with pytest.raises(ImportConflict) as err:
        import_list(home, b"id,title\n1,Gangveier i sentrum\n", "b.csv", second, refresh=False)
    assert f"«{first}»" in str(err.value) and "--key" in str(err.value)
    assert open_store(home).generation() == before  # the first list is untouched
    two = import_list(home, b"id,title\n1,Gangveier i sentrum\n", "b.csv", second, refresh=False,
                      key=one["graph"].rsplit("/", 1)[-1] + "-2")
    assert two["graph"] != one["graph"] and len(initiatives(home)) == 2
    again = import_list(home, b"id,title\n1,Sykkelveier langs fjorden\n", "a.csv", first.upper(), refresh=False)
    assert again["graph"] == one["graph"] and again["replaced"] == 1  # the same name is the same actor


def test_defect2_actor_identity_non_latin_names_get_real_keys_and_punctuation_is_refused(indexed_home, tmp_path):
    from graph.imports.tabular import ImportRefused

    home = copy_home(indexed_home, tmp_path / "home")
    moscow = import_list(home, b"id,title\n1,Metro\n", "m.csv", "Москва", refresh=False)
    tokyo = import_list(home, b"id,title\n1,Tog\n", "t.csv", "東京", refresh=False)
    assert moscow["graph"].endswith("/import/москва") and tokyo["graph"].endswith("/import/東京")
    assert moscow["actor"] == "Москва" and len(initiatives(home)) == 2
    with pytest.raises(ImportRefused, match="--key"):
        import_list(home, b"id,title\n1,Noe\n", "x.csv", "!!!", refresh=False)
