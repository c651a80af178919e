"""SPARQL Update: the guard's verdict against the current generation.

    inspect_update(reader, text, inspection=None) -> Inspection

Nothing runs before the guard has passed the text (graph/sparql/guard.py: no LOAD, no
SERVICE, USING and WITH only on the store's own graphs); the guard parses, it never
executes. The update then runs in a sandboxed worker (graph/sparql/pool.py UpdateJob) on a
new generation that the application layer swaps in only if it succeeds.
"""

import pyoxigraph as ox

from graph.sparql.guard import Inspection, QueryRefused, check_update, digest, refuse_foreign_graphs


def inspect_update(reader: ox.Store, text: str, inspection: Inspection | None = None) -> Inspection:
    """The guard's verdict on `text` against the current generation (a read-only store).

    `inspection` is a verdict reached elsewhere (the server checks in its sandboxed query
    workers, under the time limit); it must be about this very text.
    """
    if inspection is None:
        inspection = check_update(text, reader)
    elif inspection.digest != digest(text):
        raise QueryRefused("Oppdateringen er ikke den som ble kontrollert.")
    refuse_foreign_graphs(inspection.graphs, {g.value for g in reader.named_graphs() if isinstance(g, ox.NamedNode)})
    return inspection
