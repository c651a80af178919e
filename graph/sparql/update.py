"""SPARQL Update, applied to a new store generation that replaces the current one.

The served generation is never changed in place: the update runs on a copy
(`GraphStore.writer`), which is swapped in only if the whole update succeeds. Nothing runs
before the guard has passed the text (graph/sparql/guard.py: no LOAD, no SERVICE, USING and
WITH only on the store's own graphs); the guard parses, it never executes.
"""

import pyoxigraph as ox

from graph.errors import UserError
from graph.sparql.guard import Inspection, QueryRefused, check_update, digest, refuse_foreign_graphs
from graph.store import GraphStore


def apply_update(store: GraphStore, text: str, inspection: Inspection | None = None) -> dict:
    """Run one SPARQL Update request; returns the new generation and the quad counts.

    `inspection` is the guard's verdict on this very text when it was checked elsewhere (the
    server checks in its sandboxed query workers, under the time limit); without one the
    guard runs here.
    """
    current = store.reader()  # StoreMissing (503) before any graph is built
    if inspection is None:
        inspection = check_update(text, current)
    elif inspection.digest != digest(text):
        raise QueryRefused("Oppdateringen er ikke den som ble kontrollert.")
    refuse_foreign_graphs(inspection.graphs, _graph_names(current))
    try:
        with store.writer() as target:
            before = len(target)
            target.update(text)
            after = len(target)
    except (OSError, RuntimeError, ValueError) as err:  # e.g. DROP GRAPH of a missing graph
        raise UserError(f"SPARQL Update feilet, grafen er uendret: {err}") from None
    return {"generation": store.generation(), "quads_before": before, "quads_after": after}


def _graph_names(store: ox.Store) -> set[str]:
    return {g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode)}
