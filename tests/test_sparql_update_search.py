"""A SPARQL Update is followed by the search index, as a build or an import is."""

from fastapi.testclient import TestClient

from api.app import create_app
from tests.conftest import copy_home

INSERT = """
PREFIX rg: <https://data.osloregionen.no/def/regiongraf#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
INSERT DATA { GRAPH <https://data.osloregionen.no/graph/curated> {
  <https://data.osloregionen.no/id/project/vinterbysykkel> a rg:Project ;
    rdfs:label "Vinterbysykkel"@nb ;
    <http://purl.org/dc/terms/description> "Bysykler med piggdekk som står ute hele vinteren."@nb .
} }"""


def test_update_refreshes_the_index_so_the_new_node_is_found(indexed_home, embedder, tmp_path):
    settings = copy_home(indexed_home, tmp_path / "home").model_copy(update={"token": "t"})
    app = create_app(settings, embedder)
    with TestClient(app) as c:
        before = c.get("/api/search", params={"q": "piggdekk på bysykler om vinteren", "k": 3}).json()
        r = c.post("/sparql", content=INSERT, headers={
            "Authorization": "Bearer t", "Content-Type": "application/sparql-update"})
        assert r.status_code == 200, r.text
        assert r.json()["indexed"] is True and r.json()["inferred"] is True
        assert r.json()["refresh"]["index"]["embedded"] >= 1
        after = c.get("/api/search", params={"q": "piggdekk på bysykler om vinteren", "k": 3}).json()
    new = "https://data.osloregionen.no/id/project/vinterbysykkel"
    assert new not in [h["id"] for h in before]
    assert after[0]["id"] == new
