"""Search as a user meets it: the right measures for plain questions, filters, names in the query,
context on every hit, clear errors, and indexes that load and update without re-embedding."""

import json
import shutil

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from graph.errors import UserError
from graph.namespaces import RG
from graph.settings import get_settings
from graph.store import open_store

BASE = "https://data.osloregionen.no/id/"
BIKE = BASE + "measure/2025-4.1-3"


class Counting:
    """The real embedder, counting how many texts it embeds."""

    def __init__(self, real):
        self.real, self.name, self.dim = real, real.name, real.dim
        self.passages = self.queries = 0

    def embed_passages(self, texts, batch_size=32, show_progress=False):
        self.passages += len(texts)
        return self.real.embed_passages(texts, batch_size=batch_size, show_progress=show_progress)

    def embed_queries(self, texts):
        self.queries += len(texts)
        return self.real.embed_queries(texts)


@pytest.fixture(scope="module")
def counting(embedder):
    return Counting(embedder)


@pytest.fixture(scope="module")
def searcher(indexed_home, counting):
    from search.searcher import Searcher

    return Searcher.load(indexed_home, embedder=counting)


def ids(hits):
    return [h["id"].removeprefix(BASE) for h in hits]


def copy_home(src, tmp_path):
    from tests.conftest import make_settings

    shutil.copytree(src.home, tmp_path / "home")
    return make_settings(tmp_path / "home")


# -- finding things -----------------------------------------------------------------------
def test_bike_question_finds_the_bike_measure(searcher):
    hits = searcher.search("Hva gjør vi for å få flere til å sykle?", k=5)
    assert "measure/2025-4.1-3" in ids(hits)


def test_english_query_finds_the_nuclear_measure(searcher):
    assert "measure/2025-5.1.1-19" in ids(searcher.search("nuclear power", k=5))


def test_compound_words_meet_their_parts(searcher):
    index = searcher.refresh()
    tokens = index.lexical.tokenizer("kollektivtransport sykkelparkering")
    assert {"kollektiv", "transport", "sykkel", "parkering"} <= set(tokens)
    # BM25 alone: "kollektiv" reaches measures that only say "kollektivtransport" / "kollektivreiser".
    top = [index.units[r].id for r, _ in searcher.rank(index, "kollektiv", None, {}, mode="bm25")[:10]]
    assert BASE + "measure/2025-4.1-2" in top and BASE + "measure/2025-4.1-1" in top


def test_every_hit_has_the_contract_fields_and_context(searcher):
    hits = searcher.search("sykkel", k=10)
    assert len(hits) == 10
    json.dumps(hits)
    for h in hits:
        assert {"id", "type", "label", "text", "score", "context"} <= set(h)
    bike = next(h for h in hits if h["id"] == BIKE)
    ctx = bike["context"]
    assert ctx["focus_area"]["label"] == "Transport og mobilitet & By- og regionutvikling"
    assert ctx["expert_group"]["label"] == "Faggruppe ATP"
    assert ctx["measure_group"]["label"] == "Transport og mobilitet"
    assert any(g["id"].endswith("sub-goal/2025-4-p1-1") for g in ctx["goals"])


def test_strategy_context_names_the_goal_it_supports(searcher):
    hit = searcher.search("forbedre kollektivtilbudet og fremme økt bruk av sykkel", k=10, types=["Strategy"])[0]
    assert hit["id"].endswith("strategy/2025-4-p1-3")
    goals = {g["id"].removeprefix(BASE): g for g in hit["context"]["goals"]}
    assert goals["sub-goal/2025-4-p1-1"]["relation"] == "supports"
    assert hit["context"]["focus_area"]["notation"] == "4-p1"
    goal = searcher.search("effektivt transportsystem for en bærekraftig region", k=3, types=["SubGoal"])[0]
    assert {c["relation"] for c in goal["context"]["challenges"]} == {"motivated_by"}
    assert any(s["id"] == hit["id"] for s in goal["context"]["strategies"])


# -- filters and names in the query -------------------------------------------------------
def test_filters_by_type_focus_area_and_actor(searcher):
    assert {h["type"] for h in searcher.search("kraft", k=10, types=["measure"])} == {"Measure"}
    hits = searcher.search("samarbeid", k=10, actor="ATP")
    assert hits and all(h["context"]["actor"]["label"] == "Faggruppe ATP" for h in hits)
    hits = searcher.search("samarbeid", k=10, focus_area="5.1")
    assert hits and all(h["context"]["focus_area"]["notation"] in ("5.1", "5") for h in hits)
    assert searcher.search("sykkel", k=5, types=["Plan"], actor="Kraftgruppen") == []


def test_query_naming_an_expert_group_uses_it_and_says_so(searcher):
    result = searcher.search_with_meta("faggruppe ATP", k=10)
    assert {h["context"]["actor"]["label"] for h in result["hits"]} == {"Faggruppe ATP"}
    assert result["applied"][0]["label"] == "Faggruppe ATP" and "ATP" in result["applied"][0]["message"]
    # With more words the group is a boost: its bike measure first, and the hit says why.
    hit = searcher.search("faggruppe ATP sykkel", k=5)[0]
    assert hit["id"] == BIKE and hit["match"]["boosted_by"] == ["Faggruppe ATP"]
    assert hit["applied"][0]["kind"] == "boost"
    kraft = searcher.search_with_meta("kraftgruppen kjernekraft", k=5)
    assert kraft["applied"][0]["id"].endswith("expert-group/kraftgruppen")
    assert ids(kraft["hits"])[0] == "measure/2025-5.1.1-19"


def test_theme_name_in_query(searcher):
    result = searcher.search_with_meta("Oslofjorden", k=10)
    assert result["applied"][0]["id"].endswith("focus-area/2025-5.4")
    assert {"focus-area/2025-5.4", "project/seadito", "plan/oslofjord-plan-2021"} <= set(ids(result["hits"]))
    # "nav" the word is not NAV the agency.
    assert not searcher.search_with_meta("et nav i transportsystemet", k=3)["applied"]


# -- bad input ------------------------------------------------------------------------------
@pytest.mark.parametrize("query", ["", "   ", "\x00\x01\n", "?!"])
def test_empty_query_is_a_clear_error(searcher, query):
    with pytest.raises(UserError, match="Tomt søk"):
        searcher.search(query)


def test_long_query_and_control_characters(searcher):
    with pytest.raises(UserError, match="for langt"):
        searcher.search("sykkel " * 2000)
    assert ids(searcher.search("syk\x00kel\x1b[31m", k=3)) == ids(searcher.search("syk kel [31m", k=3))


def test_unknown_type_actor_focus_area_and_k(searcher):
    with pytest.raises(UserError, match="Kjente typer: Measure"):
        searcher.search("sykkel", types=["Banana"])
    with pytest.raises(UserError, match="Kraftgruppen"):
        searcher.search("sykkel", actor="Ingen slik gruppe")
    with pytest.raises(UserError, match="innsatsområde"):
        searcher.search("sykkel", focus_area="9.9")
    with pytest.raises(UserError, match="heltall"):
        searcher.search("sykkel", k=0)


# -- indexes: load without embedding, update only what changed -----------------------------
def test_loading_the_index_embeds_nothing(indexed_home, embedder):
    from search.searcher import Searcher

    counter = Counting(embedder)
    s = Searcher.load(indexed_home, embedder=counter)
    assert s.search("kjernekraft", k=3)
    assert counter.passages == 0 and counter.queries == 1


def test_update_embeds_only_changed_units(indexed_home, embedder, tmp_path):
    from search.index.update import update_index
    from search.searcher import Searcher

    settings = copy_home(indexed_home, tmp_path)
    edited, gone = ox.NamedNode(BASE + "measure/2025-5.1.1-19"), ox.NamedNode(BASE + "measure/2025-5.2.1-2")
    new = ox.NamedNode(BASE + "initiative/testaktor-1")
    org = ox.NamedNode(BASE + "organisation/testaktor")
    g = ox.NamedNode("https://data.osloregionen.no/graph/import/testaktor")
    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    label = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    text = ox.NamedNode(str(RG.text))
    with open_store(settings).writer() as w:
        for q in list(w.quads_for_pattern(edited, text, None, None)):
            w.remove(q)
            w.add(ox.Quad(edited, text, ox.Literal("Utrede små modulære reaktorer i regionen.", language="nb"),
                          q.graph_name))
        for q in list(w.quads_for_pattern(gone, None, None, None)) + list(w.quads_for_pattern(None, None, gone)):
            w.remove(q)
        w.extend([
            ox.Quad(org, rdf_type, ox.NamedNode(str(RG.Organisation)), g),
            ox.Quad(org, label, ox.Literal("Testaktør", language="nb"), g),
            ox.Quad(new, rdf_type, ox.NamedNode(str(RG.Initiative)), g),
            ox.Quad(new, label, ox.Literal("Selvkjørende ferger i Drøbaksundet", language="nb"), g),
            ox.Quad(new, text, ox.Literal("Prøve ut selvkjørende ferger i Drøbaksundet.", language="nb"), g),
            ox.Quad(new, ox.NamedNode(str(RG.proposedBy)), org, g),
        ])
    counter = Counting(embedder)
    result = update_index(settings, progress=None, embedder=counter)
    assert (result.embedded, result.removed, counter.passages) == (2, 1, 2)
    assert result.reused == result.units - 2
    s = Searcher.load(settings, embedder=embedder)
    hit = s.search("selvkjørende ferge", k=1)[0]
    assert hit["id"] == new.value and hit["type"] == "Initiative"
    assert hit["context"]["actor"]["label"] == "Testaktør"
    assert s.search("kjernekraft", k=10, actor="Testaktør")[0]["id"] == new.value
    assert gone.value not in [h["id"] for h in s.search("Sirkulærøkonomi være sentralt tema", k=20)]
    assert s.search("modulære reaktorer", k=1)[0]["id"] == edited.value
    # Nothing changed since: nothing embedded, the version stays.
    again = update_index(settings, progress=None, embedder=counter)
    assert again.embedded == 0 and again.version == result.version


def test_approximate_index_above_the_threshold_updates_in_place(indexed_home, embedder, tmp_path, monkeypatch):
    from search import searcher as searcher_module
    from search.index import dense
    from search.index.update import update_index
    from search.index.version import SearchIndex
    from search.searcher import Searcher

    monkeypatch.setattr(dense, "APPROX_THRESHOLD", 50)
    settings = copy_home(indexed_home, tmp_path)
    counter = Counting(embedder)
    result = update_index(settings, progress=None, embedder=counter)
    assert result.kind == "ivf" and counter.passages == 0  # switched index kind, vectors reused
    s = Searcher.load(settings, embedder=embedder)
    assert BIKE in [h["id"] for h in s.search("Hva gjør vi for å få flere til å sykle?", k=5)]
    # A filter on an IVF index: searched with more probes (or exactly, for few units).
    for exact_subset in (0, 5000):
        monkeypatch.setattr(searcher_module, "EXACT_SUBSET", exact_subset)
        hits = s.search("grønn mobilitet med sykkel og gange", k=5, actor="ATP")
        assert hits[0]["id"] == BIKE and all(h["context"]["actor"]["label"] == "Faggruppe ATP" for h in hits)
    node = ox.NamedNode(BASE + "measure/2025-2.1-8")
    with open_store(settings).writer() as w:
        for q in list(w.quads_for_pattern(node, ox.NamedNode(str(RG.text)), None, None)):
            w.remove(q)
            w.add(ox.Quad(node, q.predicate, ox.Literal("Lage en felles jobbmesse med NAV.", language="nb"),
                          q.graph_name))
    result = update_index(settings, progress=None, embedder=counter)
    assert result.kind == "ivf" and result.embedded == 1
    index = SearchIndex.load(settings.index_dir)
    assert index.dense.size == len(index.units)
    assert s.search("jobbmesse", k=1)[0]["id"] == node.value  # the searcher noticed the new version


def test_nearest_neighbours_api(searcher):
    index = searcher.refresh()
    # The document states this measure twice, word for word (under two group titles).
    unit, score = index.knn(BASE + "measure/2025-5.1.1-8", k=1)[0]
    assert unit.id == BASE + "measure/2025-5.1.1-27" and score > 0.95
    assert all(u.type == "Strategy" for u, _ in index.knn(index.vector(BIKE), k=3, types={"Strategy"}))


# -- command line ------------------------------------------------------------------------
@pytest.fixture
def cli(indexed_home, embedder, monkeypatch):
    from cli.main import main
    monkeypatch.setenv("REGIONGRAF_HOME", str(indexed_home.home))
    monkeypatch.setenv("REGIONGRAF_MODELS", str(indexed_home.models_dir))
    monkeypatch.setattr("service.application.load_embedder", lambda settings: embedder)
    get_settings.cache_clear()
    yield lambda args, stdin=None: CliRunner().invoke(main, args, input=stdin)
    get_settings.cache_clear()


def test_cli_search_json(cli):
    result = cli(["search", "kjernekraft", "--k", "3", "--type", "Measure", "--json"])
    assert result.exit_code == 0, result.output
    hits = json.loads(result.stdout)
    assert len(hits) == 3 and hits[0]["id"].endswith("measure/2025-5.1.1-19")


def test_cli_batch_mode_prints_one_array_per_line(cli):
    result = cli(["search", "-", "--json", "--k", "2"], stdin="sykkel\nnuclear power\n\nkraftgruppen\n")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 4
    arrays = [json.loads(line) for line in lines]
    assert [len(a) for a in arrays] == [2, 2, 0, 2]
    assert arrays[1][0]["type"] and "Linje 3" in result.stderr


def test_cli_unknown_type_is_one_line(cli):
    result = cli(["search", "sykkel", "--type", "Banana"])
    assert result.exit_code == 1
    assert result.stderr.startswith("Feil: Ukjent type «Banana»") and "Traceback" not in result.output
