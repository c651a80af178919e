"""Dereferenceable IRIs (Cool URIs, 303 to /doc/) and whole-dataset downloads."""

import csv
import io
import json

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import RDFS, SKOS

from api.app import create_app
from graph.iri import graph_iri
from graph.namespaces import RG
from graph.programme.parser import parse_file
from graph.store import open_store
from tests.conftest import copy_home


@pytest.fixture(scope="module")
def client(built_home):
    with TestClient(create_app(built_home)) as c:
        yield c


@pytest.fixture(scope="module")
def doc(built_home):
    return parse_file(built_home.source)


@pytest.fixture(scope="module")
def measure(built_home, doc):
    """The 7th measure of section 5.1.1 (Kraftgruppen), with its IRI and exact text from the parser."""
    item = next(i for i in doc.items if i.cls == "Measure" and i.section == "5.1.1" and i.position == 7)
    iri = f"{built_home.base_iri}/id/measure/{doc.year}-5.1.1-7"
    return {"iri": iri, "path": f"/id/measure/{doc.year}-5.1.1-7", "text": item.text,
            "doc": f"/doc/measure/{doc.year}-5.1.1-7"}


def label_of(g: Graph, iri: str) -> Literal:
    return next(v for v in g.objects(URIRef(iri), RDFS.label) if v.language == "nb")


# -- Cool URIs: 303 from /id/ to /doc/ ------------------------------------------------
@pytest.mark.parametrize("accept,suffix", [
    ("text/turtle", ".ttl"),
    ("application/ld+json", ".jsonld"),
    ("application/rdf+xml", ".rdf"),
    ("application/n-triples", ".nt"),
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", ""),  # a browser
    ("*/*", ""),
])
def test_id_redirects_303_to_the_document(client, measure, accept, suffix):
    r = client.get(measure["path"], headers={"Accept": accept}, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == measure["doc"] + suffix
    assert "Accept" in r.headers["vary"]


def test_turtle_parses_and_has_the_label(client, measure):
    r = client.get(measure["path"], headers={"Accept": "text/turtle"})  # follows the 303
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/turtle")
    g = Graph().parse(data=r.text, format="turtle")
    node = URIRef(measure["iri"])
    assert (node, RG.text, Literal(measure["text"], lang="nb")) in g
    assert str(label_of(g, measure["iri"]))
    # Neighbours are named, so a client can show the links without fetching them.
    expert = g.value(node, RG.proposedBy)
    assert str(label_of(g, str(expert))) == "Kraftgruppen"
    # ... and incoming links are there: the measure group lists it as a member.
    assert any(g.triples((None, SKOS.member, node)))


def test_json_ld_parses(client, measure):
    r = client.get(measure["doc"], headers={"Accept": "application/ld+json"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/ld+json")
    assert r.headers["content-location"] == measure["doc"] + ".jsonld"
    assert "Accept" in r.headers["vary"]
    json.loads(r.text)
    g = Graph().parse(data=r.text, format="json-ld")
    assert (URIRef(measure["iri"]), RG.text, Literal(measure["text"], lang="nb")) in g


def test_rdf_xml_parses(client, measure):
    r = client.get(measure["doc"] + ".rdf")
    assert r.headers["content-type"].startswith("application/rdf+xml")
    g = Graph().parse(data=r.text, format="xml")
    assert (URIRef(measure["iri"]), RG.text, Literal(measure["text"], lang="nb")) in g


def test_format_parameter_overrides_accept(client, measure):
    r = client.get(measure["doc"] + "?format=nt", headers={"Accept": "text/html"})
    assert r.headers["content-type"].startswith("application/n-triples")
    g = Graph().parse(data=r.text, format="nt")
    assert (URIRef(measure["iri"]), RG.text, Literal(measure["text"], lang="nb")) in g
    # On the IRI itself too: straight to the N-Triples document.
    r = client.get(measure["path"] + "?format=ntriples", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].endswith(".nt")


def test_extension_picks_the_format(client, measure):
    r = client.get(measure["doc"] + ".ttl", headers={"Accept": "text/html"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/turtle")
    assert "vary" not in {k.lower() for k in r.headers} or "Accept" not in r.headers["vary"]
    Graph().parse(data=r.text, format="turtle")


def test_trig_keeps_the_named_graphs(client, measure, built_home):
    r = client.get(measure["doc"] + ".trig")
    ds = Dataset()
    ds.parse(data=r.text, format="trig")
    names = {str(g.identifier) for g in ds.graphs()}
    assert str(graph_iri(built_home.base_iri, "programme-2025")) in names


def test_keys_with_dots_are_not_mistaken_for_extensions(client, built_home, doc):
    r = client.get(f"/doc/focus-area/{doc.year}-5.1", headers={"Accept": "text/turtle"})
    assert r.status_code == 200
    g = Graph().parse(data=r.text, format="turtle")
    assert str(label_of(g, f"{built_home.base_iri}/id/focus-area/{doc.year}-5.1")) == "Kraft"


def test_html_page_for_people(client, measure):
    r = client.get(measure["path"], headers={"Accept": "text/html"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    html = r.text
    assert html.startswith("<!DOCTYPE html>") and '<html lang="nb">' in html
    assert measure["text"] in html
    assert 'href="/doc/expert-group/kraftgruppen"' in html  # its expert group, clickable
    assert 'href="/doc/focus-area/2025-5.1"' in html  # where it sits
    assert f'href="{measure["doc"]}.ttl"' in html  # its RDF formats
    assert "Faggruppe" in html and "Innsatsområde" in html


def test_local_server_answers_for_the_production_iris(client, measure):
    """The path decides the IRI: testclient's host is not the base, and it still works."""
    r = client.get(measure["path"], headers={"Accept": "text/turtle"})
    assert "https://data.osloregionen.no/id/measure/" in r.text
    assert "testserver" not in r.text


@pytest.mark.parametrize("path", ["/id/measure/2025-9.9.9-999", "/doc/measure/2025-9.9.9-999",
                                  "/id/no-such-kind/x", "/doc/measure/2025-9.9.9-999.ttl"])
def test_unknown_node_is_404(client, path):
    r = client.get(path, headers={"Accept": "application/json"}, follow_redirects=False)
    assert r.status_code == 404
    assert "error" in r.json()
    r = client.get(path, headers={"Accept": "text/html"}, follow_redirects=False)
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("text/html")
    assert "Fant" in r.text


def test_unacceptable_and_unknown_formats(client, measure):
    assert client.get(measure["doc"], headers={"Accept": "image/png"}).status_code == 406
    r = client.get(measure["doc"] + "?format=docx")
    assert r.status_code == 400 and "docx" in r.json()["error"]


def test_conditional_get(client, measure):
    r = client.get(measure["doc"] + ".ttl")
    again = client.get(measure["doc"] + ".ttl", headers={"If-None-Match": r.headers["etag"]})
    assert again.status_code == 304


def test_scheme_and_vocabulary_dereference(client):
    r = client.get("/scheme/themes-2025", headers={"Accept": "text/turtle"})
    g = Graph().parse(data=r.text, format="turtle")
    assert any(g.triples((None, SKOS.hasTopConcept, None)))
    r = client.get("/def/regiongraf", headers={"Accept": "text/turtle"})
    g = Graph().parse(data=r.text, format="turtle")
    assert (RG.Measure, RDFS.label, Literal("Tiltak", lang="nb")) in g


# -- whole-dataset downloads ---------------------------------------------------------
def test_turtle_download_parses(client, built_home):
    r = client.get("/download/regiongraf.ttl")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/turtle")
    assert "attachment" in r.headers["content-disposition"]
    g = Graph().parse(data=r.text, format="turtle")
    assert len(list(g.subjects(None, RG.Measure))) == 61 or len(g) > 1000


def test_trig_download_keeps_named_graphs(client, built_home):
    r = client.get("/download/regiongraf.trig")
    ds = Dataset()
    ds.parse(data=r.text, format="trig")
    names = {str(g.identifier) for g in ds.graphs()}
    for name in ("programme-2025", "curated", "ontology"):
        assert str(graph_iri(built_home.base_iri, name)) in names


@pytest.mark.parametrize("ext,fmt", [("nq", "nquads"), ("nt", "nt"), ("jsonld", "json-ld"), ("rdf", "xml")])
def test_other_downloads_parse(client, ext, fmt):
    r = client.get(f"/download/regiongraf.{ext}")
    assert r.status_code == 200
    ds = Dataset()
    ds.parse(data=r.text, format=fmt)  # JSON-LD keeps the named graphs, as TriG does
    assert sum(len(g) for g in ds.graphs()) > 1000


@pytest.fixture(scope="module")
def home_with_inferred(indexed_home, tmp_path_factory):
    """A copy of the indexed home (index and inferred links up to date) with one more inferred link."""
    settings = copy_home(indexed_home, tmp_path_factory.mktemp("inferred") / "home")
    base = settings.base_iri
    quad = ox.Quad(ox.NamedNode(f"{base}/id/measure/2025-5.1.1-7"), ox.NamedNode(str(RG.implements)),
                   ox.NamedNode(f"{base}/id/strategy/2025-4-p1-1"), ox.NamedNode(str(graph_iri(base, "inferred"))))
    with open_store(settings).writer() as store:
        store.add(quad)
    return settings


def test_inferred_false_leaves_out_the_inferred_graph(home_with_inferred):
    inferred = str(graph_iri(home_with_inferred.base_iri, "inferred"))
    with TestClient(create_app(home_with_inferred)) as c:
        with_inf = Dataset().parse(data=c.get("/download/regiongraf.nq").text, format="nquads")
        assert inferred in {str(g.identifier) for g in with_inf.graphs()}
        without = Dataset().parse(data=c.get("/download/regiongraf.nq?inferred=false").text, format="nquads")
        assert inferred not in {str(g.identifier) for g in without.graphs()}
        base = home_with_inferred.base_iri
        link = (URIRef(f"{base}/id/measure/2025-5.1.1-7"), RG.implements, URIRef(f"{base}/id/strategy/2025-4-p1-1"))
        assert link in Graph().parse(data=c.get("/download/regiongraf.ttl").text, format="turtle")
        assert link not in Graph().parse(data=c.get("/download/regiongraf.ttl?inferred=false").text, format="turtle")
        # The measure's page marks the link as machine-inferred; the CSV says so too.
        view = c.get("/api/nodes/measure/2025-5.1.1-7").json()
        assert view["context"]["strategies"][0]["inferred"] is True
        rows = list(csv.DictReader(io.StringIO(c.get("/download/tiltak.csv").content.decode("utf-8-sig"))))
        row = next(r for r in rows if r["id"].endswith("/measure/2025-5.1.1-7"))
        assert row["strategi_id"].endswith("/strategy/2025-4-p1-1") and "(utledet)" in row["strategier"]
        rows = list(csv.DictReader(io.StringIO(
            c.get("/download/tiltak.csv?inferred=false").content.decode("utf-8-sig"))))
        row = next(r for r in rows if r["id"].endswith("/measure/2025-5.1.1-7"))
        assert row["strategi_id"] == ""


def test_measures_csv(client, doc):
    r = client.get("/download/tiltak.csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.content.startswith("\ufeff".encode())  # BOM, for Excel
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    measures = [i for i in doc.items if i.cls == "Measure"]
    assert len(rows) == len(measures)
    assert [r["tekst"] for r in rows] == [m.text for m in measures]  # document order
    first = rows[0]
    assert first["id"].startswith("https://") and first["innsatsområde"] and first["faggruppe"]
    kraft = next(r for r in rows if r["kapittel"] == "5.1.1")
    assert kraft["faggruppe"] == "Kraftgruppen" and kraft["innsatsområde"] == "Kraft"


def test_unknown_download_is_404(client):
    r = client.get("/download/regiongraf.docx")
    assert r.status_code == 404 and "regiongraf.ttl" in r.json()["error"]
    assert client.get("/download/regiongraf.ttl?inferred=kanskje").status_code == 422


def test_dataset_iri_redirects_to_the_catalogue(client):
    r = client.get("/dataset/regiongraf", headers={"Accept": "text/turtle"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/catalog.ttl"


def test_head_answers_like_get_without_a_body(client, measure):
    get = client.get(measure["doc"] + ".ttl")
    head = client.head(measure["doc"] + ".ttl")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == get.headers["content-length"]
    assert client.head(measure["path"], follow_redirects=False).status_code == 303


def test_mapping_records_stay_in_the_rdf_but_not_in_the_page(built_home, tmp_path):
    """An inferred link's SSSOM record is provenance, not a link a reader follows."""
    from graph.namespaces import SSSOM
    from tests.conftest import copy_home

    settings = copy_home(built_home, tmp_path / "home")
    node = f"{settings.base_iri}/id/measure/2025-4.1-3"
    record = ox.NamedNode(f"{settings.base_iri}/graph/inferred#mapping-test")
    inferred = ox.NamedNode(str(graph_iri(settings.base_iri, "inferred")))
    with open_store(settings).writer() as store:
        store.add(ox.Quad(record, ox.NamedNode(str(SSSOM.subject_id)), ox.NamedNode(node), inferred))
    with TestClient(create_app(settings)) as c:
        page = c.get("/doc/measure/2025-4.1-3", headers={"Accept": "text/html"}).text
        turtle = c.get("/doc/measure/2025-4.1-3.ttl").text
    assert "mapping-test" not in page
    assert "mapping-test" in turtle
