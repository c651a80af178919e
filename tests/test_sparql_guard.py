"""The SPARQL guard: every SERVICE and LOAD Oxigraph would run is refused; strings, comments and names are not.

Oxigraph itself is the oracle. Each query or update is run *without* the guard against a
store with data, its SERVICE / LOAD targets pointing at `CANARY`, a local listener: a
connection there (or "Not supported URL scheme" for an ftp:// target, or an unbound service
variable) means Oxigraph would have fetched from elsewhere, and the guard must have refused
that text. Guarded paths point at `SENTINEL`, which nothing may ever reach.
"""

import gc
import itertools
import random
import string

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph.sparql import guard
from graph.sparql.guard import (
    GraphName,
    QueryRefused,
    QuerySyntaxError,
    check_query,
    check_update,
    refuse_foreign_graphs,
)
from tests.listener import Listener

CANARY = Listener()  # the oracle: Oxigraph run without the guard may call it
SENTINEL = Listener()  # the guarded paths: nothing may ever call it
T = CANARY.url
HEAD = f"PREFIX ex: <ftp://e/> PREFIX : <{T}> SELECT * WHERE {{ BIND(1 AS ?a) BIND(2 AS ?b) BIND(<{T}> AS ?svc) "


def _store() -> ox.Store:
    """Something for every object the test queries use, so that evaluation reaches the SERVICE."""
    store = ox.Store()
    s, p = ox.NamedNode("http://e/s"), ox.NamedNode("http://e/p")
    xsd = "http://www.w3.org/2001/XMLSchema#"
    objects = [
        ox.Literal("o"), ox.Literal("x"), ox.Literal("x", language="en"), ox.Literal('"'), ox.Literal('a""\"'),
        ox.Literal("true", datatype=ox.NamedNode(xsd + "boolean")),
        ox.Literal("1", datatype=ox.NamedNode(xsd + "integer")),
        ox.Literal("1e3", datatype=ox.NamedNode(xsd + "double")),
        ox.Literal("x", datatype=ox.NamedNode("ftp://e/t")),
        ox.NamedNode("ftp://e/a"), ox.NamedNode("ftp://e/a#"), ox.NamedNode("http://e/a"), ox.NamedNode("ftp://x/"),
        ox.NamedNode(T),
    ]
    for o in objects:
        store.add(ox.Quad(s, p, o))
        store.add(ox.Quad(s, p, o, ox.NamedNode("http://e/g")))
    return store


STORE = _store()


@pytest.fixture(scope="module")
def read_only(tmp_path_factory) -> ox.Store:
    """A read-only store: what check_update parses with (the worker uses the served generation)."""
    path = str(tmp_path_factory.mktemp("ro"))
    writable = ox.Store(path)
    writable.add(ox.Quad(ox.NamedNode("http://e/s"), ox.NamedNode("http://e/p"), ox.Literal("o"),
                         ox.NamedNode("http://e/g")))
    del writable
    gc.collect()
    return ox.Store.read_only(path)


@pytest.fixture(scope="module", autouse=True)
def nothing_reaches_the_sentinel():
    yield
    assert SENTINEL.hits == 0, SENTINEL.requests


def oxigraph_calls_service(query: str) -> bool:
    """Would Oxigraph, unguarded, fetch from elsewhere for this query?"""
    before = CANARY.hits
    try:
        results = STORE.query(query, use_default_graph_as_union=True)
        if not isinstance(results, ox.QueryBoolean):
            list(results)
    except SyntaxError:
        return False
    except OSError as err:  # "Not supported URL scheme: ftp", or the canary closing on it
        return True if "scheme" in str(err) else CANARY.hits > before
    except RuntimeError as err:  # SERVICE ?var with ?var unbound
        if "service" in str(err).lower():
            return True
    return CANARY.hits > before


def oxigraph_fetches_in_update(update: str) -> bool:
    before = CANARY.hits
    store = ox.Store()
    store.extend(STORE.quads_for_pattern(None, None, None, None))
    try:
        store.update(update)
    except SyntaxError:
        return False
    except OSError as err:
        return True if "scheme" in str(err) else CANARY.hits > before
    except RuntimeError as err:
        if "service" in str(err).lower():
            return True
    return CANARY.hits > before


def refused(query: str) -> bool:
    try:
        check_query(query)
    except (QueryRefused, QuerySyntaxError):
        return True
    return False


def update_refused(update: str, read_only: ox.Store) -> bool:
    try:
        check_update(update, read_only)
    except (QueryRefused, QuerySyntaxError):
        return True
    return False


# -- issue 13: the reported bypass ------------------------------------------------------------
ISSUE_13 = "BIND(1 AS ?a) BIND(2 AS ?b) FILTER(?a<?b)SERVICE:sparql#>\n{ ?leak ?p ?o } }"


def test_defect1_comment_hidden_service_in_a_query_is_refused():
    """`<?b)SERVICE:sparql#>` is no IRI: Oxigraph reads ?a < ?b, SERVICE :sparql and a comment."""
    query = f"PREFIX : <{T}>\nSELECT * WHERE {{ " + ISSUE_13
    assert oxigraph_calls_service(query)
    with pytest.raises(QueryRefused, match="SERVICE er ikke tillatt"):
        check_query(query)


def test_defect1_comment_hidden_service_in_an_update_is_refused(read_only):
    update = f"PREFIX : <{T}>\nINSERT {{ ?leak ?p ?o }} WHERE {{ " + ISSUE_13
    assert oxigraph_fetches_in_update(update)
    with pytest.raises(QueryRefused, match="SERVICE er ikke tillatt"):
        check_update(update, read_only)


# -- SERVICE / LOAD written every way: all refused -------------------------------------------
SERVICE_VARIANTS = {
    "plain": f"SERVICE <{T}> {{ ?x ?y ?z }}",
    "any case": f"sErViCe <{T}> {{ ?x ?y ?z }}",
    "silent": f"SERVICE SILENT <{T}> {{ ?x ?y ?z }}",
    "silent glued": f"SERVICESILENT<{T}>{{}}",
    "glued to true": f"?s ?p trueSERVICE<{T}>{{}}",
    "glued to a number": "?s ?p 1SERVICE :{}",
    "prefixed target": "SERVICE :sparql { ?x ?y ?z }",
    "prefixed target, no space": "SERVICE:sparql{ ?x ?y ?z }",
    "prefix named like a keyword": "SERVICE ex:x {}",
    "variable target": "SERVICE ?svc { ?x ?y ?z }",
    "unbound variable target": "SERVICE ?nothing { ?x ?y ?z }",
    "after a dot": "?s ?p ?o.SERVICE ?svc {}",
    "after a less-than and a comment": f"?s ?p ?o FILTER(?o<?s||true)#>\nSERVICE <{T}> {{}}",
    "after a carriage-return comment": f"?s ?p ?o # c\rSERVICE <{T}> {{ ?x ?y ?z }}\n",
    "after an escaped hash in a name": f"?s ?p ex:a\\# SERVICE <{T}> {{}}",
    "after a string with an escaped quote": f'?s ?p "\\"" SERVICE <{T}> {{}}',
    "after a long string": f'?s ?p """a""\\"""" SERVICE <{T}> {{}}',
    "between \\u0022 strings": f'?s ?p "\\u0022" . SERVICE <{T}> {{ ?x ?y ?z }} ?s ?p "\\u0022"',
    "behind a \\u000a in a comment": (f'?s ?p # \\u000a """\n?o . SERVICE <{T}> {{}} ?s ?p ?o # """\n, ?o2'),
    "after an IRI with odd characters": f"?s ?p <http://e/a?b=c&d#e%20f> SERVICE <{T}> {{}}",
    "nested groups": f"{{ {{ {{ SERVICE <{T}> {{ ?x ?y ?z }} }} }} }}",
    "in OPTIONAL": f"OPTIONAL {{ SERVICE <{T}> {{ ?x ?y ?z }} }}",
    "in UNION": f"{{ ?s ?p ?o }} UNION {{ SERVICE <{T}> {{ ?x ?y ?z }} }}",
    "in MINUS": f"?s ?p ?o MINUS {{ SERVICE <{T}> {{ ?s ?y ?z }} }}",
    "in FILTER EXISTS": f"?s ?p ?o FILTER EXISTS {{ SERVICE <{T}> {{ ?x ?y ?z }} }}",
    "in a subquery": f"{{ SELECT * WHERE {{ SERVICE <{T}> {{ ?x ?y ?z }} }} }}",
    "in GRAPH": f"GRAPH ?g {{ SERVICE <{T}> {{ ?x ?y ?z }} }}",
    "nested SERVICE": f"SERVICE SILENT <{T}> {{ SERVICE <{T}> {{ ?x ?y ?z }} }}",
}


@pytest.mark.parametrize("body", SERVICE_VARIANTS.values(), ids=SERVICE_VARIANTS.keys())
def test_every_service_call_is_refused(body):
    query = HEAD + body + " }"
    assert oxigraph_calls_service(query)
    assert refused(query)


LOAD_VARIANTS = {
    "load": f"LOAD <{T}d.ttl>",
    "load silent into": f"LOAD SILENT <{T}d.ttl> INTO GRAPH <http://e/g>",
    "load glued": f"load<{T}d.ttl>",
    "load prefixed": f"PREFIX : <{T}> LOAD :d.ttl",
    "load after an insert": f"INSERT DATA {{ <http://a> <http://b> 'c' }} ; LOAD <{T}d.ttl>",
    "load after a carriage-return comment": f"INSERT DATA {{ <http://a> <http://b> 'c' }} # x\r; LOAD <{T}>",
    "service in insert where": f"INSERT {{ ?s ?p ?o }} WHERE {{ SERVICE <{T}> {{ ?s ?p ?o }} }}",
    "service silent in delete where": f"DELETE {{ ?s ?p ?o }} WHERE {{ SERVICE SILENT <{T}> {{ ?s ?p ?o }} }}",
    "service with using": f"INSERT {{ ?s ?p ?o }} USING <http://e/g> WHERE {{ SERVICE <{T}> {{ ?s ?p ?o }} }}",
    "service with": f"WITH <http://e/g> INSERT {{ ?s ?p ?o }} WHERE {{ BIND(<{T}> AS ?svc) SERVICE ?svc {{}} }}",
    "service behind a comment": (f"PREFIX : <{T}> INSERT {{ ?s ?p ?o }} WHERE {{ BIND(1 AS ?a) BIND(2 AS ?b) "
                                 "FILTER(?a<?b)SERVICE:sparql#>\n{ ?s ?p ?o } }"),
}


@pytest.mark.parametrize("update", LOAD_VARIANTS.values(), ids=LOAD_VARIANTS.keys())
def test_every_fetching_update_is_refused(update, read_only):
    assert oxigraph_fetches_in_update(update)
    assert update_refused(update, read_only)


# -- what is allowed -------------------------------------------------------------------------
ALLOWED = {
    "in a string": "?s ?p 'SERVICE <ftp://x/> {}'",
    "in a long string": "?s ?p '''SERVICE\n<x> {}'''",
    "in a comment": f"# SERVICE <{T}> {{}}\n?s ?p ?o",
    "as a variable": "?s ?p ?service",
    "in a local name": "?s ex:serviceType ?o",
    "in an IRI": "?s <http://e/SERVICE> ?o",
    "as a local name": "?s :SERVICE ?o",
    "after an escaped hash": "?s ex:a\\#SERVICE ?o",
    "as a blank node": "?s ?p _:SERVICE",
    "as a language tag": "?s ?p 'x'@service",
    "in a regex": "?s ?p ?o FILTER(REGEX(?o, \"service\", 'i'))",
    "escaped letters in a string": "?s ?p ?o FILTER(?o != '\\u0053ERVICE caf\\u00e9')",
}


@pytest.mark.parametrize("body", ALLOWED.values(), ids=ALLOWED.keys())
def test_service_as_text_or_name_is_allowed(body):
    query = HEAD + body + " }"
    assert not oxigraph_calls_service(query)
    assert not refused(query)


def test_a_prefix_named_service_is_allowed():
    """The old scanner refused `service:`; on a parse tree it is just a prefix."""
    check_query("PREFIX service: <http://e/> PREFIX SERVICE: <http://f/> SELECT * WHERE { ?s service:p SERVICE:o }")


def test_updates_may_mention_load_and_service_in_data(read_only):
    check_update("INSERT DATA { GRAPH <http://e/g> { <http://a> <http://b> 'LOAD <x> SERVICE <y> {}' } }", read_only)
    check_update("PREFIX load: <http://l/> DELETE WHERE { GRAPH <http://e/g> { ?s load:service ?o } }", read_only)


# -- the layers behind the parse tree ----------------------------------------------------------
def test_escapes_that_could_end_a_string_are_refused():
    with pytest.raises(QueryRefused, match=r"\\u0022"):
        check_query(r'SELECT * WHERE { ?s ?p "\u0022" }')
    with pytest.raises(QueryRefused, match=r"\\u000a"):
        check_query("SELECT * WHERE { ?s ?p ?o } # \\u000a")


def test_a_differential_rdflib_misses_is_caught_by_oxigraphs_reading(monkeypatch):
    """rdflib on its own (escapes expanded everywhere, a bare carriage return not ending a comment)
    is fooled by `"\\u0022"` strings and by a comment ended with \\r. With the escape rule and the
    line-break normalisation switched off, Oxigraph's reading still refuses both."""

    def rdflib_alone(text, grammar, *rest):
        return grammar.parse_string(guard._ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text), parse_all=True)

    monkeypatch.setattr(guard, "_rdflib_parse", rdflib_alone)
    for body in (SERVICE_VARIANTS["between \\u0022 strings"], SERVICE_VARIANTS["after a carriage-return comment"]):
        query = HEAD + body + " }"
        assert oxigraph_calls_service(query)
        assert guard._walk_query(rdflib_alone(query, guard._QUERY_GRAMMAR)) == []  # rdflib sees no SERVICE
        with pytest.raises(QueryRefused, match="SERVICE er ikke tillatt"):
            check_query(query)  # Oxigraph does


def test_the_parse_tree_refuses_on_its_own(monkeypatch, read_only):
    """With Oxigraph's respelling check switched off, rdflib's tree (or its refusal to read what it
    cannot) still refuses every variant."""
    monkeypatch.setattr(guard, "_hidden_keyword", lambda *args: False)
    for body in SERVICE_VARIANTS.values():
        with pytest.raises(QueryRefused, match="SERVICE er ikke tillatt|kan ikke lese|klarer ikke|Escape-sekvensen"):
            check_query(HEAD + body + " }")
    for update in LOAD_VARIANTS.values():
        assert update_refused(update, read_only), update


def test_what_rdflib_cannot_read_is_refused_not_let_through():
    with pytest.raises(QueryRefused, match="kan ikke lese"):
        check_query("SELECT * WHERE { ?s ?p << ?a ?b ?c >> }")  # SPARQL 1.2: Oxigraph reads it


def test_deep_nesting_is_refused_before_a_parser_overflows_its_stack(read_only):
    """3000 levels of { } crashed the process (Oxigraph's parser overflowed an 8 MB stack)."""
    with pytest.raises(QueryRefused, match="nestet i mer enn 256 nivåer"):
        check_query("SELECT * WHERE " + "{ " * 3000 + "?s ?p ?o" + " }" * 3000)
    with pytest.raises(QueryRefused, match="nestet i mer enn 256 nivåer"):
        check_update("INSERT DATA { <http://a> <http://b> " + "(" * 5000 + ")" * 5000 + " }", read_only)
    check_query("SELECT * WHERE " + "{ " * 20 + "?s ?p ?o" + " }" * 20)


def test_deep_parses_are_refused_cleanly_where_the_stack_is_small():
    """rdflib recurses per triple pattern and per level of { }: the workers parse on a large stack;
    elsewhere a RecursionError becomes a refusal, never a crash (test_sparql.py runs this query)."""
    with pytest.raises(QueryRefused, match="for mange mønstre"):
        check_query("SELECT * WHERE " + "{ " * 200 + "?s a ?t" + " }" * 200)


def test_malformed_requests_get_oxigraphs_message(read_only):
    with pytest.raises(QuerySyntaxError, match="Ugyldig SPARQL-spørring: error at 1:"):
        check_query("SELECT * WHERE { ?s ?p }")
    with pytest.raises(QuerySyntaxError, match="Ugyldig SPARQL Update: error at 1:"):
        check_update("INSERT DATA { <a> }", read_only)


def test_oxigraph_parses_without_running(read_only):
    """The guard asks Oxigraph to parse; pyoxigraph must never evaluate on the way (a listener says so)."""
    with pytest.raises(SyntaxError):  # it does parse, before it refuses the options
        guard._parse_query_only("SELECT * WHERE {")
    with pytest.raises(SyntaxError):
        guard._parse_update_only("INSERT DATA {", read_only)
    guard._parse_query_only(f"ASK {{ SERVICE <{SENTINEL.url}> {{ ?s ?p ?o }} }}")
    guard._parse_query_only(f"SELECT * WHERE {{ SERVICE SILENT <{SENTINEL.url}> {{ ?s ?p ?o }} }}")
    for update in (f"LOAD <{SENTINEL.url}>",
                   f"INSERT {{ ?s ?p ?o }} WHERE {{ SERVICE <{SENTINEL.url}> {{ ?s ?p ?o }} }}"):
        guard._parse_update_only(update, read_only)
    with pytest.raises(ValueError, match="read-only"):
        check_update("INSERT DATA { <http://a> <http://b> <http://c> }", ox.Store())
    assert SENTINEL.hits == 0


# -- graphs named by FROM, USING, WITH ----------------------------------------------------------
def test_from_clauses_are_resolved():
    found = check_query(
        "BASE <http://a/> PREFIX g: <graph/> SELECT * FROM g:one FROM NAMED <two> "
        "FROM <http://b/x> WHERE { ?s ?p '<FROM <http://c/>' } # FROM <http://d/>"
    ).graphs
    assert found == [GraphName("FROM", "http://a/graph/one"), GraphName("FROM NAMED", "http://a/two"),
                     GraphName("FROM", "http://b/x")]


def test_using_and_with_are_resolved(read_only):
    found = check_update(
        "PREFIX g: <http://e/> WITH g:g DELETE { ?s ?p ?o } INSERT { ?s ?p 1 } "
        "USING <http://e/g> USING NAMED g:h WHERE { ?s ?p ?o } ; "
        "DELETE { ?s ?p ?o } USING g:i WHERE { ?s ?p ?o }", read_only).graphs
    assert found == [GraphName("WITH", "http://e/g"), GraphName("USING", "http://e/g"),
                     GraphName("USING NAMED", "http://e/h"), GraphName("USING", "http://e/i")]


def test_foreign_graphs_are_refused():
    refuse_foreign_graphs([GraphName("USING", "http://e/g")], {"http://e/g"})
    for clause in ("FROM", "FROM NAMED", "USING", "USING NAMED", "WITH"):
        with pytest.raises(QueryRefused, match=rf"<http://x/> er ikke en av grafene i denne tjenesten \({clause}\)"):
            refuse_foreign_graphs([GraphName(clause, "http://x/")], {"http://e/g"})


# -- fuzzing: generated queries against the oracle ---------------------------------------------------
def test_no_glued_service_slips_through():
    """A sample of SERVICE written every way Oxigraph accepts, after every kind of token."""
    before = ["", "?s ?p ?o", "?s ?p ?o.", "?s ?p true", "?s ?p 1", "?s ?p 1e3", "?s ?p 'x'", '?s ?p "x"',
              "?s ?p ex:a", "?s ?p ex:a\\#", "?s ?p <http://e/a>", "# c\n", "# c\r", "?s ?p ?o FILTER(?o<?s)",
              "FILTER(?a<?b)#>\n", "?s ?p 'x'@en", "?s ?p 'x'^^ex:t", "?s ?p _:b", "?s ?p []", "?s ex:p? ?o",
              "{}", "?s ?p :"]
    glue = ["", " ", "\n", "\r"]
    keyword = ["SERVICE", "service", "SERVICE SILENT", "SERVICESILENT"]
    term = [f"<{T}>", ":", "ex:x", "?svc", ":sparql#>\n"]
    combos = list(itertools.product(before, glue, keyword, glue, term, ["{}", "{?s?p?o}"]))
    calls = 0
    for b, g1, kw, g2, t, body in random.Random(7).sample(combos, 1000):
        query = HEAD + b + g1 + kw + g2 + t + body + " }"
        if oxigraph_calls_service(query):
            calls += 1
            assert refused(query), query
    assert calls > 100  # the sample really contains service calls


def test_no_service_hides_between_a_comparison_and_a_comment():
    """Issue 13's family, exhaustively: a `<` a lexer may take for the start of an IRI, the keyword
    glued on, and a `>` in a comment (the old scanner let 12 of these 216 through)."""
    before = ["FILTER(?a<?b)", "FILTER(?a<=?b)", "BIND(?a<?b AS ?c)"]
    target = [f"<{T}>", ":sparql", "?svc", "ex:x"]
    calls = 0
    for b, g1, g2, t, c in itertools.product(before, ["", " ", "\n"], ["", " "], target, ["", "#>", "#x>"]):
        query = HEAD + b + g1 + "SERVICE" + g2 + t + c + "\n{ ?x ?y ?z } }"
        if oxigraph_calls_service(query):
            calls += 1
            assert refused(query), query
    assert calls > 150


_SERVICE_PARTS = [f"SERVICE <{T}> {{ ?x ?y ?z }}", "SERVICE SILENT :x {}", "SERVICE:sparql{}", "SERVICE ?svc {}",
                  f"SERVICE<{T}>{{}}", "sErViCe ex:x {}", "SERVICE:sparql#>\n{ ?x ?y ?z }"]
_PARTS = [
    "?s ?p ?o", "?s ?p ?o .", "BIND(3 AS ?c)", "FILTER(?a<?b)", "FILTER(?a<?b)#>", "?s ?p true", "?s ?p 1",
    "?s ?p 'SERVICE <x> {}'", '?s ?p "\\"#"', "?s ?p '''a''\\''''", "?s <http://e/p?q=SERVICE#x> ?o",
    "?s ex:service ?o", "?s ?p ex:a\\#", "?s ?p _:SERVICE", "?s ?p ?o FILTER(?o != 'x'@en)", "VALUES ?v { 1 2 }",
    "# SERVICE <x> {}\n", "# c\r", '?s ?p "\\u0022"', "?s ?p 'caf\\u00e9'", "?s ?p \\u0053ERVICE",
]
_GLUE = ["", " ", "\n", "\r", "\t", " . ", "#x\n", "#>\n", "#x\r"]
_WRAP = ["{0}", "{{ {0} }}", "OPTIONAL {{ {0} }}", "{{ ?s ?p ?o }} UNION {{ {0} }}", "MINUS {{ {0} }}",
         "FILTER EXISTS {{ {0} }}", "GRAPH ?g {{ {0} }}", "{{ SELECT * WHERE {{ {0} }} }}"]


@st.composite
def queries(draw) -> str:
    parts = draw(st.lists(st.sampled_from(_PARTS + _SERVICE_PARTS), min_size=1, max_size=5))
    body = ""
    for part in parts:
        body += draw(st.sampled_from(_GLUE)) + draw(st.sampled_from(_WRAP)).format(part)
    prefixes = draw(st.sampled_from(["", "PREFIX service: <http://e/> ", f"PREFIX SERVICE: <{T}> "]))
    return prefixes + HEAD + body + draw(st.sampled_from(_GLUE)) + " }"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(queries())
def test_generated_queries_never_reach_another_server(query):
    if oxigraph_calls_service(query):
        assert refused(query), query


_UPDATE_PARTS = [
    "INSERT DATA { <http://a> <http://b> 'LOAD <x>' }", "CLEAR SILENT GRAPH <http://e/none>",
    f"LOAD <{T}d.ttl>", f"LOAD SILENT <{T}> INTO GRAPH <http://e/g>", "LOAD:d.ttl",
    f"INSERT {{ ?s ?p ?o }} WHERE {{ SERVICE <{T}> {{ ?s ?p ?o }} }}",
    "DELETE { ?s ?p ?o } USING <http://e/g> WHERE { ?s ?p ?o FILTER(?o<?s)#>\n }",
    "WITH <http://e/g> INSERT { ?s ?p 1 } WHERE { ?s ?p ?o }",
    "INSERT { ?s ?p ?o } WHERE { BIND(1 AS ?a) BIND(2 AS ?b) FILTER(?a<?b)SERVICE:sparql#>\n{ ?s ?p ?o } }",
]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(_UPDATE_PARTS), min_size=1, max_size=3),
       st.lists(st.sampled_from([" ; ", " ;\n", " # x\r; ", " ;# x\n"]), min_size=2, max_size=2))
def test_generated_updates_never_reach_another_server(read_only, parts, separators):
    update = f"PREFIX : <{T}> " + separators[0].join(parts[:2]) + (separators[1] + parts[2] if len(parts) > 2 else "")
    if oxigraph_fetches_in_update(update):
        assert update_refused(update, read_only), update


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=string.printable + "ſ\u00e6\u2028", max_size=80))
def test_any_text_gets_an_answer_not_a_crash(text):
    for candidate in (text, HEAD + text + " }"):
        try:
            check_query(candidate)
        except (QueryRefused, QuerySyntaxError):
            pass
