"""What follows every change of the graph: the search indexes, then the inferred links."""

from dataclasses import asdict

from matching.inferred import rebuild_inferred
from search.index.update import update_index


def refresh_search(settings, progress=print, embedder=None, full: bool = False) -> dict:
    """Bring indexes up to date (embedding only what changed) and recompute inferred links."""
    index = update_index(settings, progress=progress, embedder=embedder, full=full)
    inferred = rebuild_inferred(settings, progress=progress)
    return {"index": index.to_json(), "inferred": asdict(inferred)}


def refresh_if_indexed(settings, progress=print, embedder=None) -> dict:
    """After a write that bypasses the build (SPARQL Update): refresh what exists, never fail it.

    Nothing is done when no index has been built yet; a failure becomes a warning, as the
    graph already holds the change and the next `regiongraf build` catches up.
    """
    from pathlib import Path

    from search.index.version import current_version

    if current_version(Path(settings.index_dir)) is None:
        return {"refreshed": False}
    try:
        return {"refreshed": True, **refresh_search(settings, progress=progress, embedder=embedder)}
    except Exception as err:  # the update stands; say what was not brought up to date
        return {"refreshed": False, "warning": f"søkeindeksen ble ikke oppdatert ({err}); kjør 'regiongraf build'"}
