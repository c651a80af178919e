"""graph/formats.py: the format registry and content negotiation (pure: no model, no graph)."""

import pyoxigraph as ox
import pytest
from rdflib.parser import Parser
from rdflib.plugin import get as rdflib_plugin
from rdflib.serializer import Serializer

from api.negotiation import GRAPH_OFFERED, OFFERED
from graph.formats import (
    CSV_TABLE,
    HTML,
    JSONLD,
    NQUADS,
    NTRIPLES,
    RDF,
    RDF_FORMATS,
    RDFXML,
    RESULTS,
    RESULTS_CSV,
    RESULTS_FORMATS,
    RESULTS_JSON,
    RESULTS_TSV,
    RESULTS_XML,
    TRIG,
    TURTLE,
    W3C_FORMATS,
    from_extension,
    from_media_type,
    lookup,
    names_list,
    negotiate,
    parse_accept,
    quality,
)
from graph.sparql.pool import GRAPH_FORMATS, RESULT_FORMATS

# Formats whose names, extensions and media types must not collide (each is looked up
# in one of these groups).
GROUPS = {"rdf": (*RDF_FORMATS, HTML), "results": (*RESULTS_FORMATS, HTML), "table": (CSV_TABLE, HTML)}
ALL = (*RDF_FORMATS, *RESULTS_FORMATS, HTML, CSV_TABLE)


def _named(formats):
    return [pytest.param(f, name, id=f"{f.name}:{name}") for f in formats for name in f.names]


# -- names ------------------------------------------------------------------------
@pytest.mark.parametrize("group", GROUPS)
def test_names_extensions_and_media_types_are_unique_in_a_group(group):
    formats = GROUPS[group]
    for attr in ("names", "extensions", "media_types"):
        values = [v for f in formats for v in getattr(f, attr)]
        assert len(values) == len(set(values)), (group, attr)


@pytest.mark.parametrize("fmt, name", _named((*RDF_FORMATS, HTML)))
def test_every_rdf_name_resolves_to_its_format(fmt, name):
    assert lookup(name, GROUPS["rdf"]) is fmt
    assert lookup(f" {name.upper()} ", GROUPS["rdf"]) is fmt  # any case, spaces trimmed


@pytest.mark.parametrize("fmt, name", _named(RESULTS_FORMATS))
def test_every_results_name_resolves_to_its_format(fmt, name):
    assert lookup(name, RESULTS_FORMATS) is fmt


def test_canonical_names_and_the_dicts():
    assert [f.name for f in RDF_FORMATS] == ["turtle", "trig", "nquads", "ntriples", "jsonld", "rdfxml"]
    assert [f.name for f in RESULTS_FORMATS] == ["json", "xml", "csv", "tsv"]
    assert all(RDF[f.name] is f for f in RDF_FORMATS) and all(RESULTS[f.name] is f for f in RESULTS_FORMATS)
    assert all(name == name.lower() for f in ALL for name in (*f.names, *f.media_types))


# Every name one of the old tables accepted, and what it meant there.
@pytest.mark.parametrize("name, fmt", [
    # graph/publish/export.py (CLI --format, downloads)
    ("turtle", TURTLE), ("ttl", TURTLE), ("trig", TRIG), ("nquads", NQUADS), ("nq", NQUADS), ("n-quads", NQUADS),
    ("nt", NTRIPLES), ("ntriples", NTRIPLES), ("n-triples", NTRIPLES), ("jsonld", JSONLD), ("json-ld", JSONLD),
    ("xml", RDFXML), ("rdfxml", RDFXML), ("rdf", RDFXML), ("rdf/xml", RDFXML),
    # api/negotiation.py (?format= on documents)
    ("html", HTML), ("htm", HTML), ("json", JSONLD), ("rdf-xml", RDFXML),
    # api/routes/sparql.py (?format= on /sparql, as SPARQLWrapper sends it)
    ("n3", TURTLE), ("rdf+xml", RDFXML),
])
def test_the_names_used_before_still_work(name, fmt):
    assert lookup(name, GROUPS["rdf"]) is fmt


def test_unknown_names():
    for name in ("docx", "yaml", "", "text/turtle", "turtle2"):
        assert lookup(name, GROUPS["rdf"]) is None
    assert lookup("trig", RESULTS_FORMATS) is None
    assert lookup("nq", GRAPH_OFFERED) is None  # a selection only knows its own formats


# -- media types and extensions -----------------------------------------------------------
@pytest.mark.parametrize("group", GROUPS)
def test_each_media_type_maps_back(group):
    formats = GROUPS[group]
    for f in formats:
        for media in f.media_types:
            assert from_media_type(media, formats) is f
        assert from_media_type(f.content_type, formats) is f  # parameters are ignored
        assert from_media_type(f.media_type.upper(), formats) is f
    assert from_media_type("image/png", formats) is None


def test_a_served_type_beats_one_that_stands_in():
    # application/json asks for JSON-LD among RDF formats, for SPARQL JSON among results.
    assert from_media_type("application/json", RDF_FORMATS) is JSONLD
    assert from_media_type("application/json", RESULTS_FORMATS) is RESULTS_JSON
    assert from_media_type("application/xml", (*RESULTS_FORMATS, *RDF_FORMATS)) is RESULTS_XML


@pytest.mark.parametrize("group", GROUPS)
def test_extensions_round_trip(group):
    for f in GROUPS[group]:
        for ext in f.extensions:
            assert from_extension(ext, GROUPS[group]) is f
            assert from_extension(ext.upper(), GROUPS[group]) is f
        assert f.extension == f.extensions[0]
    assert from_extension("docx", GROUPS[group]) is None


def test_the_extensions_in_urls():
    assert [f.extension for f in RDF_FORMATS] == ["ttl", "trig", "nq", "nt", "jsonld", "rdf"]
    assert [f.extension for f in OFFERED] == ["html", "ttl", "jsonld", "rdf", "nt", "trig", "nq"]
    assert [f.extension for f in GRAPH_OFFERED] == ["html", "ttl", "jsonld", "rdf", "nt"]
    assert CSV_TABLE.extension == "csv"


# -- what each format says about itself ----------------------------------------------------
@pytest.mark.parametrize("fmt", [*RDF_FORMATS, *RESULTS_FORMATS], ids=lambda f: f.name)
def test_agrees_with_oxigraph(fmt):
    assert fmt.oxigraph.media_type.split(";")[0] == fmt.media_type
    assert fmt.oxigraph.file_extension == fmt.extension


def test_w3c_format_iris():
    iris = {f.name: f.iri.removeprefix(W3C_FORMATS) for f in (*RDF_FORMATS, *RESULTS_FORMATS)}
    assert iris == {"turtle": "Turtle", "trig": "TriG", "nquads": "N-Quads", "ntriples": "N-Triples",
                    "jsonld": "JSON-LD", "rdfxml": "RDF_XML", "json": "SPARQL_Results_JSON",
                    "xml": "SPARQL_Results_XML", "csv": "SPARQL_Results_CSV", "tsv": "SPARQL_Results_TSV"}
    for f in (*RDF_FORMATS, *RESULTS_FORMATS):
        if f is not JSONLD:  # pyoxigraph names JSON-LD .../formats/data/JSON-LD
            assert f.iri == f.oxigraph.iri


@pytest.mark.parametrize("fmt", RDF_FORMATS, ids=lambda f: f.name)
def test_rdflib_knows_the_names(fmt):
    rdflib_plugin(fmt.rdflib, Parser)
    rdflib_plugin(fmt.rdflib_serializer, Serializer)


def test_datasets_and_named_graphs():
    assert [f.name for f in RDF_FORMATS if f.dataset] == ["trig", "nquads"]
    # A whole-dataset export keeps the graphs in JSON-LD too.
    assert [f.name for f in RDF_FORMATS if f.keeps_graphs] == ["trig", "nquads", "jsonld"]
    assert [f.name for f in RDF_FORMATS if f.prefixes] == ["turtle", "trig", "rdfxml"]


def test_content_types_and_labels():
    assert HTML.content_type == "text/html; charset=utf-8"
    assert CSV_TABLE.content_type == "text/csv; charset=utf-8; header=present"
    assert RESULTS_CSV.content_type == "text/csv; charset=utf-8"
    assert TURTLE.content_type == "text/turtle"
    assert [f.label for f in RDF_FORMATS] == ["Turtle", "TriG", "N-Quads", "N-Triples", "JSON-LD", "RDF/XML"]
    assert TURTLE.iana == "https://www.iana.org/assignments/media-types/text/turtle"
    assert all(f.file_type and f.spec for f in (*RDF_FORMATS, CSV_TABLE))


def test_names_list():
    assert names_list(["a"]) == "a"
    assert names_list(["a", "b", "c"]) == "a, b eller c"


# -- negotiation ------------------------------------------------------------------------
CHROME = ("text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,"
          "application/signed-exchange;v=b3;q=0.7")
FIREFOX = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
SAFARI = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
CURL = "*/*"  # also python-requests and httpx
# SPARQLWrapper 2.0 (Wrapper._getAcceptHeader), by return format
SW_JSON = "application/sparql-results+json,application/json,text/javascript,application/javascript"
SW_XML = "application/sparql-results+xml"
SW_CSV = "text/csv"
SW_TSV = "text/tab-separated-values"
SW_TURTLE = "application/turtle,text/turtle"
SW_N3 = "application/turtle,text/turtle,text/rdf+n3,application/n-triples,application/n3,text/n3"
SW_RDFXML = "application/rdf+xml"
SW_JSONLD = "application/ld+json,application/x-json+ld"
# rdflib's SPARQLStore (SPARQLConnector.response_mime_types), by returnFormat
STORE_XML = "application/sparql-results+xml, application/rdf+xml"
STORE_JSON = "application/sparql-results+json"
# rdflib's Graph.parse(url, format=...)
PARSE = {"xml": "application/rdf+xml, */*;q=0.1", "n3": "text/n3, */*;q=0.1",
         "turtle": "text/turtle, application/x-turtle, */*;q=0.1", "nt": "text/plain, */*;q=0.1",
         "trig": "application/trig, */*;q=0.1", "json-ld": "application/ld+json, application/json;q=0.9, */*;q=0.1"}


@pytest.mark.parametrize("accept, expected", [
    (CHROME, HTML), (FIREFOX, HTML), (SAFARI, HTML), (CURL, HTML), (None, HTML), ("", HTML),
    ("text/html", HTML), ("application/xhtml+xml", HTML),
    ("text/turtle", TURTLE), ("application/ld+json", JSONLD), ("application/json", JSONLD),
    ("application/rdf+xml", RDFXML), ("application/xml", RDFXML), ("application/n-triples", NTRIPLES),
    ("text/plain", NTRIPLES), ("application/trig", TRIG), ("application/n-quads", NQUADS),
    (SW_TURTLE, TURTLE), (SW_N3, TURTLE), (SW_RDFXML, RDFXML), (SW_JSONLD, JSONLD),
    (PARSE["xml"], RDFXML), (PARSE["n3"], TURTLE), (PARSE["turtle"], TURTLE), (PARSE["nt"], NTRIPLES),
    (PARSE["trig"], TRIG), (PARSE["json-ld"], JSONLD),
    ("application/*", JSONLD),  # the first application/ type offered
    ("text/*", HTML),
    ("image/png", None), ("text/turtle;q=0", None), ("bogus", None),
])
def test_documents(accept, expected):
    """/doc/...: HTML for browsers and for */*, RDF for the clients that ask for it."""
    assert negotiate(accept, OFFERED) is expected


@pytest.mark.parametrize("accept, expected", [
    (CURL, RESULTS_JSON), (SW_JSON, RESULTS_JSON), (SW_XML, RESULTS_XML), (SW_CSV, RESULTS_CSV),
    (SW_TSV, RESULTS_TSV), (STORE_XML, RESULTS_XML), (STORE_JSON, RESULTS_JSON),
    ("application/json", RESULTS_JSON), ("text/xml", RESULTS_XML), ("text/*", RESULTS_CSV),
    (SW_TURTLE, None), ("text/csv;q=0, */*", RESULTS_JSON),
])
def test_sparql_results(accept, expected):
    assert negotiate(accept, RESULT_FORMATS) is expected


@pytest.mark.parametrize("accept, expected", [
    (CURL, TURTLE), (SW_TURTLE, TURTLE), (SW_N3, TURTLE), (SW_RDFXML, RDFXML), (SW_JSONLD, JSONLD),
    (STORE_XML, RDFXML), ("application/*", NTRIPLES), ("text/plain", NTRIPLES), (SW_CSV, None),
])
def test_sparql_graphs(accept, expected):
    assert negotiate(accept, GRAPH_FORMATS) is expected


def test_ties_go_to_the_order_offered():
    assert negotiate("text/turtle, application/ld+json", (JSONLD, TURTLE)) is JSONLD
    assert negotiate("text/turtle, application/ld+json", (TURTLE, JSONLD)) is TURTLE
    assert negotiate("*/*", (NQUADS, TRIG)) is NQUADS


def test_higher_q_wins():
    assert negotiate("text/turtle;q=0.5, application/ld+json", OFFERED) is JSONLD
    assert negotiate("text/html;q=0.5, text/turtle", OFFERED) is TURTLE
    assert negotiate("*/*;q=0.1, application/ld+json;q=0.5", OFFERED) is JSONLD


def test_the_most_specific_range_decides():
    ranges = parse_accept("text/*;q=0.2, text/turtle;q=0.7, */*;q=0.5")
    assert quality(TURTLE, ranges) == 0.7  # the exact type, not the higher */*
    assert quality(HTML, ranges) == 0.2  # text/* beats */*
    assert quality(JSONLD, ranges) == 0.5  # only */* matches
    # The type a format is served as beats one that stands in for it.
    assert quality(JSONLD, parse_accept("application/ld+json;q=0.3, application/json")) == 0.3
    # text/* does not ask for N-Triples, though text/plain does.
    assert quality(NTRIPLES, parse_accept("text/*")) == 0.0


def test_q_zero_excludes():
    assert negotiate("text/html;q=0, */*", OFFERED) is TURTLE
    assert negotiate("*/*, text/html;q=0", OFFERED) is TURTLE  # wherever it is listed
    assert negotiate("*/*;q=0", OFFERED) is None
    assert negotiate("application/json;q=0, application/ld+json", OFFERED) is JSONLD


def test_named_only():
    """The SPARQL query page: only for a client that names HTML (curl's */* gets JSON)."""
    offered = (HTML, *RESULT_FORMATS)
    assert negotiate(CURL, offered, named_only=(HTML,)) is RESULTS_JSON
    assert negotiate("text/*", offered, named_only=(HTML,)) is RESULTS_CSV
    assert negotiate(CHROME, offered, named_only=(HTML,)) is HTML
    assert negotiate("text/html, application/json", offered, named_only=(HTML,)) is HTML  # a tie
    assert negotiate("text/html;q=0.5, */*", offered, named_only=(HTML,)) is RESULTS_JSON


@pytest.mark.parametrize("accept, names, result, graph, html", [
    (None, [], "json", "turtle", False),
    (CURL, [], "json", "turtle", False),
    (CHROME, [], "json", "turtle", True),
    (FIREFOX, [], "json", "turtle", True),
    (SW_JSON, [], "json", "jsonld", False),  # application/json asks for JSON-LD too
    (SW_XML, [], "xml", None, False),
    (SW_CSV, [], "csv", None, False),
    (SW_TURTLE, [], None, "turtle", False),
    (SW_N3, [], None, "turtle", False),
    (SW_RDFXML, [], None, "rdfxml", False),
    (SW_JSONLD, [], None, "jsonld", False),
    (STORE_XML, [], "xml", "rdfxml", False),
    ("text/html;q=0.3, application/json", [], "json", "jsonld", False),
    ("image/png", [], None, None, False),
    # ?format= wins over Accept; json and xml name a format of each kind.
    (CHROME, ["json"], "json", "jsonld", False),
    (CHROME, ["xml"], "xml", "rdfxml", False),
    (CURL, ["csv"], "csv", None, False),
    (CURL, ["n3"], None, "turtle", False),
    (CURL, ["rdf+xml"], None, "rdfxml", False),
    (CURL, ["html"], "json", "turtle", True),
    (CURL, ["text/csv"], "csv", None, False),  # a media type as format
    (CURL, ["csv", "turtle"], "csv", "turtle", False),
    (CURL, [""], "json", "turtle", False),
])
def test_sparql_wanted(accept, names, result, graph, html):
    from api.routes.sparql import Wanted

    wanted = Wanted(accept, names)
    assert (wanted.result, wanted.graph, wanted.html) == (result, graph, html)


def test_sparql_unknown_format_is_400():
    from fastapi import HTTPException

    from api.routes.sparql import Wanted

    with pytest.raises(HTTPException) as err:
        Wanted(CURL, ["json", "yaml"])
    assert err.value.status_code == 400 and "«yaml»" in err.value.detail
    assert "json, xml, csv, tsv, turtle, ntriples, jsonld, rdfxml, html" in err.value.detail
    with pytest.raises(HTTPException):
        Wanted(CURL, ["nq"])  # a dataset format: CONSTRUCT answers are single graphs


@pytest.mark.parametrize("accept, html", [
    (CHROME, True), (FIREFOX, True), ("text/html", True), (CURL, False), (None, False),
    ("application/json", False), ("text/html;q=0.5, application/json", False),
])
def test_error_pages_for_browsers(accept, html):
    """api/errors.py: a browser gets the error as a page, a program as JSON."""
    assert (negotiate(accept, (JSONLD, HTML)) is HTML) is html


def test_variant_for():
    from fastapi import HTTPException

    from api.negotiation import split_extension, variant_for

    assert variant_for(None, "ntriples", "text/html", OFFERED) is NTRIPLES  # ?format= beats Accept
    assert variant_for("ttl", None, "text/html", OFFERED) is TURTLE  # so does the extension
    assert variant_for(None, None, "text/turtle", OFFERED) is TURTLE
    with pytest.raises(HTTPException) as err:
        variant_for(None, "docx", None, OFFERED)
    assert err.value.status_code == 400
    assert err.value.detail == "Ukjent format «docx». Bruk et av: html, ttl, jsonld, rdf, nt, trig, nq."
    with pytest.raises(HTTPException) as err:
        variant_for(None, "trig", None, GRAPH_OFFERED)
    assert err.value.status_code == 400
    with pytest.raises(HTTPException) as err:
        variant_for(None, None, "image/png", GRAPH_OFFERED)
    assert err.value.status_code == 406
    assert "text/html, text/turtle, application/ld+json, application/rdf+xml, application/n-triples" \
        in err.value.detail
    assert split_extension("2025-5.1.TTL", OFFERED) == ("2025-5.1", "ttl")
    assert split_extension("2025-5.1", OFFERED) == ("2025-5.1", None)
    assert split_extension("void.trig", GRAPH_OFFERED) == ("void.trig", None)


def test_oxigraph_enums_are_the_ones_used():
    assert TURTLE.oxigraph == ox.RdfFormat.TURTLE and RESULTS_TSV.oxigraph == ox.QueryResultsFormat.TSV
