"""Which state of the sources the derived data were made from.

Every write of a source (build, import, update, review, removal, restore) stamps a new
*source revision* in the meta graph, in the same store generation as the write itself.
The refresh that follows (search index, then inferred links and lineage) stamps the revision
it was made from on each derived graph ({base}/graph/inferred, {base}/graph/lineage). Derived
data lag the graph exactly when the two differ: after a crash between a write and its
refresh, or a refresh that failed. The next write, or the next start, then catches up
(service/application.py).

The stamps live in the graph, not in a local file, so that every process (the CLI and the
server) and every replica reading the same store agree.

    source_revision(reader, base) -> str | None
    derived_revision(reader, base, name="inferred") -> str | None
    stamp_source(writable, base) -> str          (the new revision)
    stamp_derived(writable, base, revision, name="inferred")
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


DERIVED_GRAPHS = ("inferred", "lineage")  # what the refresh makes from the sources (after the index)


def derived_revision(store: ox.Store, base: str, name: str = "inferred") -> str | None:
    return _read(store, base, name, DERIVED)


def stamp_source(store: ox.Store, base: str) -> str:
    """Mark a writable store as holding new sources; returns the new revision."""
    revision = uuid.uuid4().hex
    _write(store, base, "meta", SOURCE, revision)
    return revision


def stamp_derived(store: ox.Store, base: str, revision: str, name: str = "inferred") -> None:
    """Mark a derived graph (inferred, lineage) of a writable store as made from `revision`."""
    _write(store, base, name, DERIVED, revision)
