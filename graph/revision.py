"""Which state of the sources the derived data were made from.

Every write of a source (build, import, update, review, removal, restore) stamps a new
*source revision* in the meta graph, in the same store generation as the write itself.
The refresh that follows (search index, then inferred links) stamps the revision it was
made from on the inferred graph. Derived data lag the graph exactly when the two differ:
after a crash between a write and its refresh, or a refresh that failed. The next write,
or the next start, then catches up (service/application.py).

The stamps live in the graph, not in a local file, so that every process (the CLI and the
server) and every replica reading the same store agree.

    source_revision(reader, base) -> str | None
    derived_revision(reader, base) -> str | None
    stamp_source(writable, base) -> str          (the new revision)
    stamp_derived(writable, base, revision)
"""

import uuid

import pyoxigraph as ox

from graph.iri import graph_iri
from graph.namespaces import RG

SOURCE = ox.NamedNode(str(RG.sourceRevision))
DERIVED = ox.NamedNode(str(RG.derivedFromRevision))


def _graph(base: str, name: str) -> ox.NamedNode:
    return ox.NamedNode(str(graph_iri(base, name)))


def _read(store: ox.Store, base: str, name: str, predicate: ox.NamedNode) -> str | None:
    g = _graph(base, name)
    for q in store.quads_for_pattern(g, predicate, None, g):
        return q.object.value
    return None


def _write(store: ox.Store, base: str, name: str, predicate: ox.NamedNode, value: str) -> None:
    g = _graph(base, name)
    for q in list(store.quads_for_pattern(g, predicate, None, g)):
        store.remove(q)
    store.add(ox.Quad(g, predicate, ox.Literal(value), g))


def source_revision(store: ox.Store, base: str) -> str | None:
    return _read(store, base, "meta", SOURCE)


def derived_revision(store: ox.Store, base: str) -> str | None:
    return _read(store, base, "inferred", DERIVED)


def stamp_source(store: ox.Store, base: str) -> str:
    """Mark a writable store as holding new sources; returns the new revision."""
    revision = uuid.uuid4().hex
    _write(store, base, "meta", SOURCE, revision)
    return revision


def stamp_derived(store: ox.Store, base: str, revision: str) -> None:
    """Mark the inferred graph of a writable store as made from `revision`."""
    _write(store, base, "inferred", DERIVED, revision)
