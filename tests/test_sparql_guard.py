"""The SPARQL guard: every SERVICE Oxigraph would call is refused; strings, comments and names are not.

Oxigraph itself is the oracle: `SERVICE <ftp://...>` makes it fail with "Not supported URL
scheme" (an OSError) without touching the network, so a query that raises OSError is one
Oxigraph would have sent to another server.
"""

import itertools
import random

import pyoxigraph as ox
import pytest

from graph.sparql.guard import QueryRefused, check_query, check_update

HEAD = "PREFIX ex: <ftp://e/> PREFIX : <ftp://x/> SELECT * WHERE { "


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
    ]
    for o in objects:
        store.add(ox.Quad(s, p, o))
    return store


STORE = _store()


def oxigraph_calls_service(query: str) -> bool:
    try:
        results = STORE.query(query)
        if not isinstance(results, ox.QueryBoolean):
            list(results)
    except SyntaxError:
        return False
    except OSError:  # "Not supported URL scheme: ftp"
        return True
    except RuntimeError as err:  # SERVICE ?var with ?var unbound
        return "service" in str(err)
    return False


def refused(query: str) -> bool:
    try:
        check_query(query)
    except QueryRefused:
        return True
    return False


@pytest.mark.parametrize("body", [
    "SERVICE <ftp://x/> {}",
    "sErViCe <ftp://x/> { ?s ?p ?o }",
    "?s ?p trueSERVICE<ftp://x/>{}",  # Oxigraph's grammar needs no space after a keyword
    "?s ?p 1SERVICE :{}",
    "SERVICEex:x {}",
    "?s ?p ?o.SERVICE ?s {}",
    "?s ?p ?o FILTER(?o<?s||true)#>\nSERVICE <ftp://x/> {}",
    "?s ?p ex:a\\# SERVICE <ftp://x/> {}",  # \# belongs to the name; the comment never starts
    '?s ?p "\\u0022" SERVICE <ftp://x/> {}',  # \u0022 inside a string does not end it
    '?s ?p """a""\\"""" SERVICE <ftp://x/> {}',
])
def test_every_service_call_is_refused(body):
    query = HEAD + body + " }"
    assert oxigraph_calls_service(query)
    assert refused(query)


@pytest.mark.parametrize("body", [
    "?s ?p 'SERVICE <ftp://x/> {}'",
    "?s ?p '''SERVICE\n<x> {}'''",
    "# SERVICE <ftp://x/> {}\n?s ?p ?o",
    "?s ?p ?service",
    "?s ex:serviceType ?o",
    "?s <http://e/SERVICE> ?o",
    "?s :SERVICE ?o",
    "?s ex:a\\#SERVICE ?o",
    "?s ?p _:SERVICE",
    "?s ?p ?o FILTER(REGEX(?o, \"service\", 'i'))",
])
def test_service_as_text_or_name_is_allowed(body):
    query = HEAD + body + " }"
    assert not oxigraph_calls_service(query)
    assert not refused(query)


def test_no_glued_service_slips_through():
    """A sample of SERVICE written every way Oxigraph accepts, after every kind of token."""
    before = ["", "?s ?p ?o", "?s ?p ?o.", "?s ?p true", "?s ?p 1", "?s ?p 1e3", "?s ?p 'x'", '?s ?p "x"',
              "?s ?p ex:a", "?s ?p ex:a\\#", "?s ?p <http://e/a>", "# c\n", "?s ?p ?o FILTER(?o<?s)",
              "?s ?p 'x'@en", "?s ?p 'x'^^ex:t", "?s ?p _:b", "?s ?p []", "?s ex:p? ?o", "{}", "?s ?p :"]
    glue = ["", " ", "\n"]
    keyword = ["SERVICE", "service", "SERVICE SILENT", "SERVICESILENT"]
    term = ["<ftp://x/>", ":", "ex:x", "?s"]
    combos = list(itertools.product(before, glue, keyword, glue, term, ["{}", "{?s?p?o}"]))
    calls = 0
    for b, g1, kw, g2, t, body in random.Random(7).sample(combos, 1500):
        query = HEAD + b + g1 + kw + g2 + t + body + " }"
        if oxigraph_calls_service(query):
            calls += 1
            assert refused(query), query
    assert calls > 100  # the sample really contains service calls


def test_a_prefix_named_service_is_refused_with_a_hint():
    with pytest.raises(QueryRefused, match="prefikset 'service:'"):
        check_query("PREFIX service: <http://e/> SELECT * WHERE { ?s service:p ?o }")


def test_updates_may_not_load():
    for update in ("LOAD <ftp://x/data.ttl>", "load silent <ftp://x/> into graph <http://g>",
                   "INSERT { ?s ?p ?o } WHERE { SERVICE <ftp://x/> { ?s ?p ?o } }"):
        with pytest.raises(QueryRefused):
            check_update(update)
    check_update("INSERT DATA { <http://a> <http://b> 'LOAD SERVICE' }")


def test_from_clauses_are_resolved():
    found = check_query(
        "BASE <http://a/> PREFIX g: <graph/> SELECT * FROM g:one FROM NAMED <two> "
        "FROM <http://b/x> WHERE { ?s ?p '<FROM <http://c/>' } # FROM <http://d/>"
    ).from_clauses
    assert [(c.named, c.iri) for c in found] == [
        (False, "http://a/graph/one"), (True, "http://a/two"), (False, "http://b/x")
    ]
