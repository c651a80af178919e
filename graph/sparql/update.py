"""SPARQL Update: the guard's verdict against the current generation.

    inspect_update(reader, text, inspection=None) -> Inspection
    in_memory_update(store, text, digest) -> UpdateJob     for a new state held in memory
    take_update(store, counts)                              put the worker's answer in its place

Nothing runs before the guard has passed the text (graph/sparql/guard.py: no LOAD, no
SERVICE, USING and WITH only on the store's own graphs); the guard parses, it never
executes. The update then runs in a sandboxed worker (graph/sparql/pool.py UpdateJob) on a
new generation that the application layer swaps in only if it succeeds. A remote store's new
state is an in-memory store in the server's process (graph/remote/store.py): the worker gets a
copy, updates it under the same time limit and sends the result back.
"""

import pyoxigraph as ox

from graph.sparql.guard import Inspection, QueryRefused, check_update, digest, refuse_foreign_graphs
from graph.sparql.pool import UpdateCounts, UpdateJob


def inspect_update(reader: ox.Store, text: str, inspection: Inspection | None = None) -> Inspection:
    """The guard's verdict on `text` against the current generation (a read-only store).

    `inspection` is a verdict reached elsewhere (the server checks in its sandboxed query
    workers, under the time limit); it must be about this very text.
    """
    if inspection is None:
        inspection = check_update(text, reader if isinstance(reader, ox.Store) else None)
    elif inspection.digest != digest(text):
        raise QueryRefused("Oppdateringen er ikke den som ble kontrollert.")
    refuse_foreign_graphs(inspection.graphs, {g.value for g in reader.named_graphs() if isinstance(g, ox.NamedNode)})
    return inspection


def in_memory_update(store: ox.Store, text: str, checked_digest: str) -> UpdateJob:
    """The job that runs `text` on a copy of an in-memory store (its quads and named graphs)."""
    graphs = [g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode)]
    return UpdateJob(None, text, checked_digest, data=store.dump(format=ox.RdfFormat.N_QUADS), graphs=graphs)


def take_update(store: ox.Store, counts: UpdateCounts) -> None:
    """Replace the in-memory store's content with the worker's updated copy."""
    store.clear()
    for name in counts.graphs:
        store.add_graph(ox.NamedNode(name))
    store.bulk_load(counts.data or b"", format=ox.RdfFormat.N_QUADS)
