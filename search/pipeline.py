"""What follows every change of the graph: the search indexes, then the inferred links."""

from dataclasses import asdict

from .indexer import update_index
from .inferred import rebuild_inferred


def refresh_search(settings, progress=print, embedder=None, full: bool = False) -> dict:
    """Bring indexes up to date (embedding only what changed) and recompute inferred links."""
    index = update_index(settings, progress=progress, embedder=embedder, full=full)
    inferred = rebuild_inferred(settings, progress=progress)
    return {"index": index.to_json(), "inferred": asdict(inferred)}
