"""What is in the store: counts per class, per named graph, per focus area and actor."""

from graph.namespaces import RG
from graph.store import GraphStore

CLASS_COUNTS = f"""
SELECT ?cls (COUNT(DISTINCT ?s) AS ?n) WHERE {{
  GRAPH ?g {{ ?s a ?cls }} FILTER(STRSTARTS(STR(?cls), "{RG}")) FILTER(!STRENDS(STR(?g), "/ontology"))
}} GROUP BY ?cls ORDER BY ?cls"""
GRAPH_COUNTS = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"
MEASURES_BY = f"""
SELECT ?key ?label (COUNT(DISTINCT ?m) AS ?n) WHERE {{
  ?m a <{RG}Measure> ; <{RG}%s> ?key .
  OPTIONAL {{ ?key <http://www.w3.org/2000/01/rdf-schema#label> ?label FILTER(LANG(?label) IN ("nb", "")) }}
}} GROUP BY ?key ?label ORDER BY ?key"""


def stats(store: GraphStore) -> dict:
    s = store.reader()

    def rows(query):
        return list(s.query(query, use_default_graph_as_union=True))

    classes = {r["cls"].value.rsplit("#", 1)[-1]: int(r["n"].value) for r in rows(CLASS_COUNTS)}
    graphs = {r["g"].value: int(r["n"].value) for r in rows(GRAPH_COUNTS)}

    def by(prop):
        out = {}
        for r in rows(MEASURES_BY % prop):
            out.setdefault(r["key"].value, {"label": r["label"].value if r["label"] else None, "measures": 0})
            out[r["key"].value]["measures"] = int(r["n"].value)
        return out

    return {
        "generation": store.generation(),
        "triples": sum(graphs.values()),
        "classes": classes,
        "graphs": graphs,
        "measures_by_focus_area": by("focusArea"),
        "measures_by_actor": by("proposedBy"),
    }
