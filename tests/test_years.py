"""The programme across years (issue 15): several years in one graph, defaults to the newest,
lineage as linked data with confidence and reason, reviewable, the diff (CLI, API, page), node
pages that name their year, and the years as a DCAT dataset series. Real store and model; the
two-year home is the 2025 document with hand-made edition A of 2026 (bench/editions/)."""

import json

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from api.app import create_app
from graph.errors import UserError
from graph.iri import graph_iri
from graph.names import Names
from graph.publish.catalogue import DCAT3 as DCAT
from graph.reviews import REVISION, read_reviews
from graph.settings import REPO, get_settings
from graph.store import open_store
from graph.years import UnknownYear, lineage_of, newest, resolve_year, year_of, years
from matching.reviews import Decisions
from service.application import Application
from tests.conftest import copy_home, make_settings

DOC = REPO / "data" / "handlingsprogram-2025.txt"
EDITION = REPO / "bench" / "editions" / "handlingsprogram-2026-a.txt"
PROV = "http://www.w3.org/ns/prov#"
DCT = "http://purl.org/dc/terms/"
SSSOM = "https://w3id.org/sssom/"
RG = "https://data.osloregionen.no/def/regiongraf#"
TOKEN = "aar-token"


def iri(settings, short: str) -> str:
    return f"{settings.base_iri}/id/{short}"


def quads(settings, s=None, p=None, o=None, g=None) -> list[ox.Quad]:
    node = lambda x: ox.NamedNode(x) if isinstance(x, str) else x  # noqa: E731
    return list(open_store(settings).reader().quads_for_pattern(node(s), node(p), node(o), node(g)))


@pytest.fixture(scope="session")
def years_home(tmp_path_factory, indexed_home, embedder):
    """2025 and edition A of 2026 in one graph, indexed, with inferred links and lineage."""
    settings = copy_home(indexed_home, tmp_path_factory.mktemp("years") / "home")
    result = Application(settings, embedder).build([DOC, EDITION])
    assert result.refresh.indexed and result.refresh.linked and result.refresh.lineage, result.warnings
    return settings


@pytest.fixture
def cli(years_home, monkeypatch):
    monkeypatch.setenv("REGIONGRAF_HOME", str(years_home.home))
    monkeypatch.setenv("REGIONGRAF_MODELS", str(years_home.models))
    get_settings.cache_clear()
    from cli.main import main

    yield lambda *args: CliRunner().invoke(main, list(args), catch_exceptions=False)
    get_settings.cache_clear()


# -- any year builds alone and together (graph only) ---------------------------------------------
def test_a_next_year_document_builds_alone_with_the_default_curated_facts(tmp_path):
    settings = make_settings(tmp_path / "home")
    Application(settings).build([EDITION], refresh=False)
    reader = open_store(settings).reader()
    assert years(reader) == ["2026"]
    plan = iri(settings, "plan/oslofjord-plan-2021")
    assert {q.object.value for q in quads(settings, plan, RG + "focusArea")} == {iri(settings, "focus-area/2026-5.4")}
    assert not quads(settings, iri(settings, "programme/2025"))  # no node of a year not built
    publisher = iri(settings, "organisation/osloregionen")
    assert quads(settings, iri(settings, "programme/2026"), DCT + "publisher", publisher)


def test_two_years_build_together_and_curated_facts_hold_for_both(tmp_path):
    settings = make_settings(tmp_path / "home")
    Application(settings).build([DOC, EDITION], refresh=False)
    reader = open_store(settings).reader()
    assert years(reader) == ["2025", "2026"] and newest(reader) == "2026"
    names = {q.graph_name.value for q in reader.quads_for_pattern(None, None, None, None)}
    assert {str(graph_iri(settings.base_iri, f"programme-{y}")) for y in ("2025", "2026")} <= names
    seadito = iri(settings, "project/seadito")
    assert {q.object.value for q in quads(settings, seadito, RG + "focusArea")} == {
        iri(settings, "focus-area/2025-5.4"), iri(settings, "focus-area/2026-5.4")}


def test_a_focus_area_number_no_year_has_is_refused_with_what_there_is(tmp_path):
    curated = tmp_path / "curated.ttl"
    curated.write_text((REPO / "data" / "curated.ttl").read_text(encoding="utf-8")
                       .replace('rg:focusAreaNumber "5.3"', 'rg:focusAreaNumber "5.9"', 1), encoding="utf-8")
    settings = make_settings(tmp_path / "home", curated=curated)
    with pytest.raises(UserError, match=r"innsatsområde 5\.9 .* dokumentet for 2026 .* 5\.4, 5\.5"):
        Application(settings).build([EDITION], refresh=False)
    assert open_store(settings).generation() is None  # nothing written


def test_years_are_read_off_the_graph_and_iris(built_home):
    reader = open_store(built_home).reader()
    assert resolve_year(reader, None) == "2025" == resolve_year(reader, " 2025 ")
    with pytest.raises(UnknownYear, match="Årene i grafen: 2025"):
        resolve_year(reader, "2024")
    base = built_home.base_iri
    assert year_of(base, iri(built_home, "measure/2025-4.1-3")) == "2025"
    assert year_of(base, iri(built_home, "focus-area/2026-4-p1")) == "2026"
    assert year_of(base, iri(built_home, "plan/oslofjord-plan-2021")) is None


# -- defaults to the newest year ---------------------------------------------------------------
def test_a_theme_number_means_the_newest_year_unless_a_year_is_given(years_home):
    names = Names.of(open_store(years_home))
    assert names.focus_area("5.4").id == iri(years_home, "focus-area/2026-5.4")
    assert names.focus_area("5.4", "2025").id == iri(years_home, "focus-area/2025-5.4")
    assert names.focus_area("focus-area/2025-5.4".rsplit("/", 1)[-1]).id.endswith("2025-5.4")


def test_search_defaults_to_the_newest_year_and_takes_another(years_home, embedder):
    searcher = Application(years_home, embedder).searcher()
    found = searcher.search_with_meta("sykkel og gange", k=10)
    measures = [h for h in found["hits"] if h["type"] == "Measure"]
    assert measures and all("/2026-" in h["id"] for h in measures)
    assert all(h["programme"] in ("2026", None) for h in found["hits"])
    assert found["applied"][0]["what"] == "programme" and "2026" in found["applied"][0]["message"]
    older = searcher.search("sykkel og gange", k=10, programme="2025", focus_area="4")
    assert older and all("/2025-" in h["id"] for h in older if h["type"] == "Measure")
    with pytest.raises(UnknownYear):
        searcher.search("sykkel", programme="1999")


def test_duplicates_never_pair_a_measure_with_its_own_predecessor(years_home, embedder):
    matcher = Application(years_home, embedder).matcher()
    for year in ("2025", "2026"):
        pairs = matcher.duplicates(programme=year)
        assert pairs, year
        for p in pairs:
            ya, yb = year_of(years_home.base_iri, p["a"]["id"]), year_of(years_home.base_iri, p["b"]["id"])
            assert ya in (year, None) and yb in (year, None), p
    assert all("/2026-" in p["a"]["id"] for p in matcher.duplicates() if p["a"]["type"] == "Measure")
    inferred = str(graph_iri(years_home.base_iri, "inferred"))
    skos = "http://www.w3.org/2004/02/skos/core#"
    for predicate in (f"{skos}closeMatch", f"{skos}relatedMatch", f"{RG}implements"):  # overlaps, strategies
        for q in quads(years_home, None, predicate, None, inferred):
            ys = {year_of(years_home.base_iri, q.subject.value), year_of(years_home.base_iri, q.object.value)}
            assert len(ys - {None}) <= 1, q


def test_a_years_candidates_and_similar_items_are_of_that_year_or_none(years_home, embedder):
    matcher = Application(years_home, embedder).matcher()
    units, base = matcher.index.units, years_home.base_iri
    com = matcher.commitments("2025")
    assert com is not matcher.commitments("2026") and com.lists.retriever is matcher.com.lists.retriever
    a, b = com.candidate_pairs()
    assert len(a)
    assert all(year_of(base, units[r].id) in ("2025", None) for r in set(a.tolist()) | set(b.tolist()))
    found = matcher.similar(iri(years_home, "measure/2025-4.1-3"), k=20)["similar"]
    assert found and all(year_of(base, s["id"]) in ("2025", None) for s in found)


# -- lineage as linked data ----------------------------------------------------------------------
def test_lineage_is_a_derived_graph_with_revisions_replacements_confidence_and_reasons(years_home):
    g = str(graph_iri(years_home.base_iri, "lineage"))
    new, old = iri(years_home, "measure/2026-2.1-9"), iri(years_home, "measure/2025-2.1-10")
    assert quads(years_home, new, PROV + "wasRevisionOf", old, g)  # unchanged, key shifted
    merged = iri(years_home, "measure/2026-4.1-7")
    replaced = {q.object.value for q in quads(years_home, merged, DCT + "replaces", None, g)}
    assert replaced == {iri(years_home, "measure/2025-4.1-6"), iri(years_home, "measure/2025-4.1-7")}
    records = quads(years_home, None, SSSOM + "subject_id", merged, g)
    assert len(records) == 2
    for r in records:
        props = {q.predicate.value: q.object.value for q in quads(years_home, r.subject, None, None, g)}
        assert props[RG + "changeStatus"] == "merged" and props[SSSOM + "mapping_cardinality"] == "n:1"
        assert 0.0 <= float(props[SSSOM + "confidence"]) <= 1.0 and props[SSSOM + "comment"].startswith("Slått sammen")
    trap = iri(years_home, "measure/2026-5.2.1-2")  # new, on the key of a dropped measure
    assert not quads(years_home, trap, PROV + "wasRevisionOf", None, g)
    reader = open_store(years_home).reader()
    assert Application(years_home).lagging() is None
    from graph.revision import derived_revision, source_revision
    assert derived_revision(reader, years_home.base_iri, "lineage") == source_revision(reader, years_home.base_iri)


def test_a_lineage_graph_that_lags_is_caught_up(years_home, embedder, tmp_path):
    settings = copy_home(years_home, tmp_path / "home")
    store = open_store(settings)
    with store.writer(copy_current=True, action="test") as w:
        w.remove_graph(ox.NamedNode(str(graph_iri(settings.base_iri, "lineage"))))
    app = Application(settings, embedder)
    assert app.lagging() == "årgangskoblingene henger etter grafen"
    assert app.catch_up().refresh.lineage["links"] > 0 and app.lagging() is None


def test_staff_accept_and_reject_lineage_links_and_decisions_win(years_home, embedder, tmp_path):
    settings = copy_home(years_home, tmp_path / "home")
    app = Application(settings, embedder)
    dropped, trap = "measure/2025-5.2.1-2", "measure/2026-5.2.1-2"  # the model keeps them apart
    result = app.review(dropped, trap, "accept", "Samme sak, nye ord", "Kari")  # older first: normalised
    rev = result.details["review"]
    assert rev["predicate"] == REVISION and rev["a"] == iri(settings, trap) and rev["b"] == iri(settings, dropped)
    reviewed = str(graph_iri(settings.base_iri, "reviews"))
    assert quads(settings, iri(settings, trap), PROV + "wasRevisionOf", iri(settings, dropped), reviewed)
    reworded = ("measure/2025-2.1-3", "measure/2026-2.1-3")  # the model links them
    app.review(reworded[1], reworded[0], "reject", "Ikke samme tiltak", "Ola")
    changes = {(tuple(n["id"] for n in c["from"]), tuple(n["id"] for n in c["to"])): c
               for c in app.diff().to_json()["changes"]}
    confirmed = changes[((iri(settings, dropped),), (iri(settings, trap),))]
    assert confirmed["confidence"] == 1.0 and "bekreftet av Kari" in confirmed["why"]
    assert changes[((iri(settings, reworded[0]),), ())]["status"] == "dropped"
    assert changes[((), (iri(settings, reworded[1]),))]["status"] == "new"
    lineage = str(graph_iri(settings.base_iri, "lineage"))
    assert not quads(settings, iri(settings, reworded[1]), PROV + "wasRevisionOf", None, lineage)
    # Lineage decisions are not decisions on duplicate pairs.
    every = read_reviews(open_store(settings).reader(), settings.base_iri)
    assert len(Decisions(every)) == 0 and len(Decisions(every, lineage=True)) == 2


# -- the diff: CLI, API, page ------------------------------------------------------------------------
def test_cli_diff_json_has_the_contract(cli, years_home):
    out = cli("diff", "2025", "2026", "--json")
    assert out.exit_code == 0, out.output
    d = json.loads(out.output)
    assert (d["from"], d["to"]) == ("2025", "2026")
    statuses = {c["status"] for c in d["changes"]}
    assert statuses <= {"unchanged", "reworded", "moved", "merged", "split", "dropped", "new"}
    assert {"unchanged", "reworded", "moved", "merged", "split", "dropped", "new"} <= statuses
    for c in d["changes"]:
        assert 0.0 <= c["confidence"] <= 1.0 and c["why"]
        assert all({"id", "text", "section"} <= set(n) for n in c["from"] + c["to"])
        assert (c["from"] == []) == (c["status"] == "new") and (c["to"] == []) == (c["status"] == "dropped")
    olds = [n["id"] for c in d["changes"] for n in c["from"]]
    assert len(olds) == len(set(olds)) == 61  # every 2025 measure exactly once
    assert {t["notation"] for t in d["themes"]["gained"]} == {"5.3", "5.4", "5.5"}
    assert any(c["type"] == "Strategy" and c["status"] == "dropped" for c in d["lineage"])


def test_cli_diff_text_and_csv(cli, tmp_path):
    text = cli("diff")
    assert text.exit_code == 0 and "Endringer i handlingsprogrammet fra 2025 til 2026" in text.output
    assert "[slått sammen]" in text.output and "uendret; --all viser dem" in text.output
    target = tmp_path / "endringer.csv"
    assert cli("diff", "2025", "2026", "--csv", "-o", str(target)).exit_code == 0
    rows = target.read_bytes().decode("utf-8-sig").splitlines()
    assert rows[0].startswith("status,endring,type,fra_id") and len(rows) > 61
    unknown = cli("diff", "2026", "2027")
    assert unknown.exit_code == 1 and "Ukjent programår «2027»" in unknown.output


def test_a_diff_needs_two_years(built_home):
    with pytest.raises(UserError, match="bare ett programår \\(2025\\)"):
        Application(built_home).diff()
    with TestClient(create_app(built_home)) as client:
        page = client.get("/endringer")
        assert page.status_code == 200 and "bare ett programår" in page.text
        assert client.get("/endringer?fra=2024").status_code == 400
        assert client.get("/api/diff").status_code == 400


def test_api_and_page_show_the_diff_and_years(years_home, embedder):
    with TestClient(create_app(years_home.model_copy(update={"token": TOKEN}), embedder)) as client:
        d = client.get("/api/diff", params={"from": "2025", "to": "2026"}).json()
        assert d["counts"]["merged"] == 2 and d["counts"]["split"] == 2
        assert client.get("/api/diff?format=csv").headers["content-type"].startswith("text/csv")
        assert client.get("/api/diff", params={"from": "2026", "to": "2025"}).status_code == 400
        page = client.get("/endringer", params={"status": "reworded"})
        assert page.status_code == 200 and "<del class=\"changed\">" in page.text and "Vurder koblingen" in page.text
        hits = client.get("/api/search", params={"q": "sykkel", "programme": "2025"}).json()
        assert all("/2026-" not in h["id"] for h in hits)
        node = client.get("/doc/measure/2025-2.1-10")
        assert "handlingsprogrammet 2025" in node.text and "det nyeste er 2026" in node.text
        assert "/doc/measure/2026-2.1-9" in node.text  # its successor, named on the page
        ttl = client.get("/doc/measure/2026-4.1-7.ttl").text
        rdf = Graph().parse(data=ttl, format="turtle")
        assert (URIRef(iri(years_home, "measure/2026-4.1-7")), URIRef(DCT + "replaces"),
                URIRef(iri(years_home, "measure/2025-4.1-6"))) in rdf
        assert any(str(o) == "merged" for o in rdf.objects(None, URIRef(RG + "changeStatus")))


# -- versions as published data --------------------------------------------------------------------
def test_the_catalogue_describes_the_years_as_a_dataset_series(years_home, embedder):
    from tests.test_catalogue import ONTOLOGIES, SHAPES, validate

    if not SHAPES.is_file():
        pytest.skip("Digdir's shapes are not next to the repository")
    with TestClient(create_app(years_home, embedder)) as client:
        cat = Graph().parse(data=client.get("/catalog", headers={"accept": "text/turtle"}).text, format="turtle")
    base = years_home.base_iri
    series = URIRef(f"{base}/dataset/handlingsprogram")
    y25, y26 = (URIRef(str(graph_iri(base, f"programme-{y}"))) for y in ("2025", "2026"))
    assert (series, RDF.type, DCAT.DatasetSeries) in cat
    assert (y25, DCAT.inSeries, series) in cat and (y26, DCAT.inSeries, series) in cat
    assert (y26, DCAT.prev, y25) in cat and (y25, DCAT.next, y26) in cat
    assert (series, DCAT.first, y25) in cat and (series, DCAT.last, y26) in cat
    assert str(cat.value(y26, DCAT.version)) == "2026"
    assert (URIRef(f"{base}/catalog"), DCAT.dataset, series) in cat
    violations, warnings = validate(cat, (Graph().parse(SHAPES), Graph().parse(ONTOLOGIES)))
    assert (violations, warnings) == ([], [])


def test_lineage_of_reads_both_directions(years_home):
    reader = open_store(years_home).reader()
    after = lineage_of(reader, years_home.base_iri, iri(years_home, "measure/2025-4.1-3"))["after"]
    assert {x["id"] for x in after} == {iri(years_home, "measure/2026-4.1-3"), iri(years_home, "measure/2026-4.1-4")}
    assert {x["status"] for x in after} == {"split"} and all(0 < x["confidence"] <= 1 for x in after)


def test_the_sparql_page_offers_lineage_examples_that_answer(years_home):
    from api.pages.sparql_page import examples

    reader = open_store(years_home).reader()
    extra = examples(years_home.base_iri, several_years=True)[len(examples(years_home.base_iri)):]
    assert len(extra) == 2
    for title, query in extra:
        assert list(reader.query(query, use_default_graph_as_union=True)), title
