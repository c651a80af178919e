"""Oxigraph (native and through oxrdflib) against rdflib's in-memory store, on our own queries.

Decides the store: the same built graph is loaded into each, and the queries the
product runs (stats, a node's context, measures of a theme, a text filter) are timed.
"""

import os
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox
from rdflib import Dataset

from bench.report import median, write
from graph.namespaces import RG
from graph.settings import Settings
from graph.store import GraphStore
from graph.views.stats import CLASS_COUNTS
from service.application import Application

QUERIES = {
    "class counts": CLASS_COUNTS,
    "measures of 5.1 with group + actor": f"""
        SELECT ?m ?label ?group ?actor WHERE {{
          ?m a <{RG}Measure> ; <{RG}focusArea> ?fa ; <http://www.w3.org/2000/01/rdf-schema#label> ?label ;
             <{RG}proposedBy> ?a . ?a <http://www.w3.org/2000/01/rdf-schema#label> ?actor .
          OPTIONAL {{ ?m <{RG}inGroup> ?g . ?g <http://www.w3.org/2000/01/rdf-schema#label> ?group }}
          ?fa <http://www.w3.org/2004/02/skos/core#notation> "5.1" }}""",
    "node context (describe-like)": """
        SELECT ?p ?o ?ol WHERE { ?s ?p ?o . FILTER(STRENDS(STR(?s), "/measure/2025-4.1-3"))
          OPTIONAL { ?o <http://www.w3.org/2000/01/rdf-schema#label> ?ol } }""",
    "text filter 'sykkel'": f"""
        SELECT ?s WHERE {{ ?s <{RG}text> ?t FILTER(CONTAINS(LCASE(STR(?t)), "sykkel")) }}""",
}
REPEAT = 15


def _time(fn) -> list[float]:
    out = []
    for _ in range(REPEAT):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def main() -> None:
    with tempfile.TemporaryDirectory() as home:
        settings = Settings(home=Path(home))
        Application(settings).build(refresh=False)
        store = GraphStore(settings.home)
        ox_store = store.reader()
        nquads = ox.serialize(ox_store.quads_for_pattern(None, None, None, None), format=ox.RdfFormat.N_QUADS)

        t = time.perf_counter()
        mem = Dataset(default_union=True)
        mem.parse(data=nquads, format="nquads")
        load_mem = (time.perf_counter() - t) * 1000
        t = time.perf_counter()
        GraphStore(settings.home).reader()
        open_ox = (time.perf_counter() - t) * 1000
        oxr = store.dataset()
        oxr.default_union = True

        rows = []
        for name, q in QUERIES.items():
            native = _time(lambda q=q: list(ox_store.query(q, use_default_graph_as_union=True)))
            via_oxrdflib = _time(lambda q=q: list(oxr.query(q)))
            in_memory = _time(lambda q=q: list(mem.query(q)))
            rows.append({
                "query": name,
                "oxigraph native ms": median(native),
                "oxrdflib ms": median(via_oxrdflib),
                "rdflib memory ms": median(in_memory),
                "memory/native": median(in_memory) / max(median(native), 1e-6),
            })
        rows.append({"query": "open/load store", "oxigraph native ms": open_ox, "oxrdflib ms": open_ox,
                     "rdflib memory ms": load_mem, "memory/native": load_mem / max(open_ox, 1e-6)})
        write("store_compare", f"Lager: median av {REPEAT} kjøringer ({len(mem)} tripler)", rows,
              {"quads": len(nquads.splitlines()), "cpu_count": os.cpu_count()})


if __name__ == "__main__":
    main()
