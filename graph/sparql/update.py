"""SPARQL Update, applied to a writable store generation.

    apply_update(writable, text) -> {"quads_before", "quads_after"}

The application layer hands in a new generation (`GraphStore.writer`), which is swapped in
only if the whole update succeeds, so the served generation is never changed in place.
"""

import pyoxigraph as ox

from graph.errors import UserError
from graph.sparql.guard import check_update
from graph.sparql.pool import QuerySyntaxError


def apply_update(store: ox.Store, text: str) -> dict:
    """Run one SPARQL Update request on `store`; raises QuerySyntaxError or UserError."""
    check_update(text)  # no LOAD, no SERVICE: nothing is ever fetched from elsewhere
    before = len(store)
    try:
        store.update(text)
    except SyntaxError as err:
        raise QuerySyntaxError(f"Ugyldig SPARQL Update: {err}") from None
    except (OSError, RuntimeError, ValueError) as err:  # e.g. DROP GRAPH of a missing graph
        raise UserError(f"SPARQL Update feilet, grafen er uendret: {err}") from None
    return {"quads_before": before, "quads_after": len(store)}
