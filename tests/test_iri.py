"""IRIs and keys (graph/iri.py): pure functions, no graph needed."""

import pytest

from graph.errors import NotFound, UserError
from graph.iri import expand, graph_iri, kind_iri, node_iri, slug, split_iri

BASE = "https://data.osloregionen.no"


@pytest.mark.parametrize("text,key", [
    ("Viken fylkeskommune", "viken-fylkeskommune"), ("Østfold", "ostfold"), ("Åsgard", "asgard"),
    ("Nærings samarbeid", "naerings-samarbeid"), ("Energikontor Väst", "energikontor-vast"),
    ("Café Crème", "cafe-creme"), ("Straße", "strasse"), ("A/B", "a-b"), ("  --x--  ", "x"),
    ("Москва", "москва"), ("東京", "東京"), ("!!!", ""), ("", ""),
])
def test_slug(text, key):
    assert slug(text) == key


def test_node_graph_and_kind_iris_round_trip():
    iri = node_iri(BASE + "/", "MeasureGroup", "2025-5.1.1-2")
    assert str(iri) == f"{BASE}/id/measure-group/2025-5.1.1-2" == kind_iri(BASE, "measure-group", "2025-5.1.1-2")
    assert split_iri(BASE, str(iri)) == ("measure-group", "2025-5.1.1-2")
    assert split_iri(BASE, f"{BASE}/id/unknown/1") is None and split_iri(BASE, "https://example.org/id/x/1") is None
    assert str(graph_iri(BASE, "import/nav")) == f"{BASE}/graph/import/nav"


@pytest.mark.parametrize("ref", [
    "measure/2025-4.1-3", "/id/measure/2025-4.1-3", "id/measure/2025-4.1-3", f"{BASE}/id/measure/2025-4.1-3",
    "  measure/2025-4.1-3 ",
])
def test_expand_accepts_every_way_people_write_a_node(ref):
    assert expand(BASE, ref) == f"{BASE}/id/measure/2025-4.1-3"


def test_expand_refuses_what_is_not_a_node():
    with pytest.raises(NotFound):
        expand(BASE, "https://example.org/id/measure/1")
    for bad in ("hva som helst", "tiltak/1", "measure/", "measure/a/b"):
        with pytest.raises(UserError, match="kortformen"):
            expand(BASE, bad)
