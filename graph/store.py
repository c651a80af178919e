"""The persistent store: Oxigraph on disk, in immutable generations.

Every write (build, import, inferred links) fills a *new* generation directory and
only then moves the CURRENT pointer to it, so a failed write leaves the previous
data intact and readers never see half a change. Readers open generations
read-only, which RocksDB allows while another process writes elsewhere. Before the
pointer moves, the new generation is flushed to disk and recorded in the history
(graph/generations.py), which also decides which older generations are kept.
"""

import fcntl
import gc
import os
import shutil
import threading
import time
from collections.abc import Iterable
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox
from oxrdflib import OxigraphStore
from rdflib import Dataset, Graph

from graph.errors import NotFound, StoreMissing
from graph.generations import Generation, fsync_dir, fsync_tree, prune, read_history, record, seed

KEEP_GENERATIONS = 20  # and every generation younger than KEEP_DAYS: see graph/generations.py
KEEP_DAYS = 7.0


def replace_graph(store: ox.Store, name: str, content: Graph | Iterable[ox.Triple | ox.Quad]) -> None:
    """Make the named graph `name` of a writable store hold exactly `content`.

    `content` is an rdflib Graph (what the build and imports produce) or Oxigraph triples or
    quads (what the inferred links produce; a quad's own graph name is ignored).
    """
    target = ox.NamedNode(str(name))
    if store.contains_named_graph(target):
        store.remove_graph(target)
    if isinstance(content, Graph):
        store.load(content.serialize(format="nt", encoding="utf-8"), ox.RdfFormat.N_TRIPLES, to_graph=target)
        return
    store.add_graph(target)
    store.bulk_extend(ox.Quad(t.subject, t.predicate, t.object, target) for t in content)


def remove_graph(store: ox.Store, name: str) -> int:
    """Drop the named graph `name` from a writable store; returns how many triples it held."""
    target = ox.NamedNode(str(name))
    if not store.contains_named_graph(target):
        return 0
    count = sum(1 for _ in store.quads_for_pattern(None, None, None, target))
    store.remove_graph(target)
    return count


def open_store(settings):
    """The store the settings name (REGIONGRAF_STORE): embedded Oxigraph on disk under
    `settings.home` (the default), or a SPARQL 1.1 server (graph/remote/store.py).

    Both give the same interface: generation(), exists(), reader(), dataset(), history(),
    open_generation(id), can_restore(), writer(copy_current, action), pending(copy_current,
    action) (a remote store's pending state is in memory: `path` None), sparql_source(generation),
    key. A reader
    offers the part of pyoxigraph's Store API our code reads with: query() (SELECT, ASK,
    CONSTRUCT, DESCRIBE; use_default_graph_as_union, default_graph, named_graphs),
    quads_for_pattern(), named_graphs(), contains_named_graph() and len(); a writer is a
    writable pyoxigraph Store on both.
    """
    if settings.remote:
        from graph.remote.store import RemoteStore

        return RemoteStore(settings)
    return GraphStore(settings.home, settings.keep_generations, settings.keep_days)


class PendingGeneration:
    """A generation being written. RocksDB lets one process hold it read-write at a time, so
    the writer opens it, and releases it (flushed) before handing it to another process."""

    def __init__(self, path: Path):
        self.path = path
        self._store: ox.Store | None = None

    def open(self) -> ox.Store:
        if self._store is None:
            self._store = ox.Store(str(self.path))
        return self._store

    def release(self) -> int:
        """Flush and close this process's handle; returns the triples it holds."""
        store = self._store or ox.Store(str(self.path))
        store.flush()
        triples = len(store)
        self._store = store = None
        gc.collect()  # pyoxigraph closes the database when the last reference goes
        return triples

    def discard(self) -> None:
        """Drop this process's handle without touching the data (the write failed)."""
        self._store = None
        gc.collect()


class GraphStore:
    remote = False

    def __init__(self, home: Path, keep: int = KEEP_GENERATIONS, keep_days: float = KEEP_DAYS):
        self.root = Path(home) / "store"
        self.keep = keep
        self.keep_days = keep_days
        self._pointer = self.root / "CURRENT"
        self._readers: dict[str, ox.Store] = {}
        self._lock = threading.Lock()

    @property
    def key(self) -> str:
        """Names this store among others in one process (caches are kept per store)."""
        return str(self.root)

    def can_restore(self) -> bool:
        """Whether earlier generations are kept, so that a write can be undone with `restore`."""
        return self.keep > 0 or self.keep_days > 0

    def sparql_source(self, generation: str) -> str:
        """What a SPARQL worker opens to read `generation` (graph/sparql/pool.py): its directory."""
        return str(self.root / generation)

    # -- reading ---------------------------------------------------------
    def generation(self) -> str | None:
        try:
            name = self._pointer.read_text().strip()
        except FileNotFoundError:
            return None
        return name if (self.root / name).is_dir() else None

    def exists(self) -> bool:
        return self.generation() is not None

    def age(self) -> float:
        """Seconds since the current generation was committed (0 without one)."""
        gen = self.generation()
        if gen is None:
            return 0.0
        return max(0.0, time.time() - os.stat(self.root / gen).st_mtime)

    def reader(self) -> ox.Store:
        """Read-only view of the current generation (cached until the pointer moves)."""
        gen = self.generation()
        if gen is None:
            raise StoreMissing("Grafen er ikke bygget ennå. Kjør 'regiongraf build' først.")
        with self._lock:
            store = self._readers.get(gen)
            if store is None:
                store = ox.Store.read_only(str(self.root / gen))
                # Keep only the newest handle; older ones die with their last user.
                self._readers = {gen: store}
            return store

    def dataset(self, store: ox.Store | None = None) -> Dataset:
        """The store as an rdflib Dataset (oxrdflib), for serialising and SHACL."""
        return Dataset(store=OxigraphStore(store=store or self.reader()))

    # -- writing ---------------------------------------------------------
    def history(self) -> list[Generation]:
        """Committed generations still on disk, oldest first."""
        return read_history(self.root)

    def open_generation(self, name: str) -> ox.Store:
        """A committed generation, read-only (to restore it). Raises NotFound."""
        if name not in {g.id for g in self.history()}:
            raise NotFound(f"Fant ingen lagret versjon «{name}». Se 'regiongraf history'.")
        return ox.Store.read_only(str(self.root / name))

    @contextmanager
    def writer(self, copy_current: bool = True, action: str = "skriving"):
        """Yield a read-write store for a new generation; swap it in on success.

        Writers are serialised by a file lock, so a CLI import and a server import
        cannot lose each other's work. `action` is what the history says wrote it.
        """
        with self.pending(copy_current, action) as pending:
            yield pending.open()

    @contextmanager
    def pending(self, copy_current: bool = True, action: str = "skriving"):
        """Yield the new generation as a PendingGeneration: `open()` it here, or `release()` it so
        that another process (a time-limited update worker) can open it; swapped in on success."""
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / "write.lock", "w") as lock_file:
            fcntl.flock(lock_file, fcntl.LOCK_EX)
            seed(self.root)
            name = f"gen-{time.time_ns()}"
            path = self.root / name
            pending = PendingGeneration(path)
            try:
                if copy_current and self.exists():
                    pending.open().bulk_extend(self.reader().quads_for_pattern(None, None, None, None))
                yield pending
                triples = pending.release()
            except BaseException:
                pending.discard()
                shutil.rmtree(path, ignore_errors=True)
                raise
            fsync_tree(path)
            record(self.root, Generation(name, datetime.now(UTC).isoformat(timespec="seconds"), action, triples))
            tmp = self._pointer.with_suffix(".tmp")
            with open(tmp, "w") as f:
                f.write(name)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self._pointer)
            fsync_dir(self.root)
            prune(self.root, current=name, keep=self.keep, keep_days=self.keep_days)
