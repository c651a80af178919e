"""SPARQL Update: checked against the current generation, applied to a writable new one.

    inspect_update(reader, text, inspection=None) -> Inspection     the guard's verdict
    apply_update(writable, text, inspection) -> {"quads_before", "quads_after"}

Nothing runs before the guard has passed the text (graph/sparql/guard.py: no LOAD, no
SERVICE, USING and WITH only on the store's own graphs); the guard parses, it never
executes. The application layer hands in a new generation (`GraphStore.writer`), which is
swapped in only if the whole update succeeds, so the served generation never changes in place.
"""

import pyoxigraph as ox

from graph.errors import UserError
from graph.sparql.guard import Inspection, QueryRefused, QuerySyntaxError, check_update, digest, refuse_foreign_graphs


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


def apply_update(store: ox.Store, text: str, inspection: Inspection) -> dict:
    """Run one inspected SPARQL Update request on a writable store; raises UserError."""
    if inspection.digest != digest(text):
        raise QueryRefused("Oppdateringen er ikke den som ble kontrollert.")
    before = len(store)
    try:
        store.update(text)
    except SyntaxError as err:
        raise QuerySyntaxError(f"Ugyldig SPARQL Update: {err}") from None
    except (OSError, RuntimeError, ValueError) as err:  # e.g. DROP GRAPH of a missing graph
        raise UserError(f"SPARQL Update feilet, grafen er uendret: {err}") from None
    return {"quads_before": before, "quads_after": len(store)}
