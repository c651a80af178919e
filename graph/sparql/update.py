"""SPARQL Update, applied to a new store generation that replaces the current one.

The served generation is never changed in place: the update runs on a copy
(`GraphStore.writer`), which is swapped in only if the whole update succeeds.
"""

import pyoxigraph as ox

from graph.errors import UserError
from graph.sparql.guard import check_update
from graph.sparql.pool import QuerySyntaxError
from graph.store import GraphStore


def apply_update(store: GraphStore, text: str) -> dict:
    """Run one SPARQL Update request; returns the new generation and the quad counts."""
    check_update(text)  # no LOAD, no SERVICE: nothing is ever fetched from elsewhere
    try:
        ox.Store().update(text)  # parse before copying anything (the empty store is thrown away)
    except SyntaxError as err:
        raise QuerySyntaxError(f"Ugyldig SPARQL Update: {err}") from None
    except Exception:  # noqa: BLE001 - e.g. DROP GRAPH of a graph only the real store has
        pass
    try:
        with store.writer() as target:
            before = len(target)
            target.update(text)
            after = len(target)
    except (OSError, RuntimeError, ValueError) as err:  # e.g. DROP GRAPH of a missing graph
        raise UserError(f"SPARQL Update feilet, grafen er uendret: {err}") from None
    return {"generation": store.generation(), "quads_before": before, "quads_after": after}
