"""The graph in a SPARQL 1.1 server: versioned graphs, a pointer graph, no local files.

A *state* is what the embedded store calls a generation: one consistent version of every
named graph. Each graph of a state is stored under a versioned IRI of its own
(`{base}/store/{name}/{gen}/graph/programme-2025`), and a small *pointer graph*
(`{base}/store/{name}/pointer`) says which state is current and which stored graph holds
each published graph. A write:

1. reads the current state into an in-memory Oxigraph store and lets the caller change it
   (the same code as on the embedded store: build, import, SPARQL Update, review, restore);
2. records its intent in the history graph, then uploads every graph that changed under a
   new versioned IRI (Graph Store Protocol PUT, or INSERT DATA where there is none); the
   graphs that did not change keep their stored version;
3. switches the pointer in one SPARQL Update operation that applies only if the pointer
   still names the state it started from (compare-and-swap), and reads it back;
4. after the switch, drops the stored graphs no state needs any more: the previous state's,
   once no reader can still be in the middle of a request on it (`store_grace` seconds), and
   those of writers that died or lost the race.

A failure before the switch (the server down, the upload refused, another writer first)
drops what was uploaded and leaves the previous state current and whole. Readers resolve the
pointer once per request (at most every `store_poll` seconds) and then read only that state's
graphs, so they see a state whole, never half a write. What the server itself guarantees for
the pointer switch and for concurrent readers differs (README, "The store").
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from contextlib import contextmanager
from datetime import UTC, datetime
from urllib.parse import quote

import pyoxigraph as ox

from graph.errors import Conflict, NotFound, StoreMissing
from graph.generations import Generation
from graph.remote.endpoint import Endpoint, shared_client
from graph.remote.reader import DEFAULT, AnswerCache, RemoteReader, State
from graph.remote.terms import Codec

log = logging.getLogger("regiongraf.store")
NS = "https://data.osloregionen.no/def/regiongraf-store#"
UPLOAD_CHUNK = 2000  # triples per INSERT DATA when the server has no Graph Store Protocol
DEFAULT_GRAPH = "urn:x-regiongraf:default-graph"


class WriteConflict(Conflict):
    """Another writer switched the pointer first; this write changed nothing."""


def _p(name: str) -> str:
    return f"<{NS}{name}>"


def _lit(value) -> str:
    return str(ox.Literal(str(value)))


# One pointer cache per store per process, so every object on the same store (the application,
# the searcher, the matcher) sees a write made in this process at once.
_POINTERS: dict[str, tuple[float, State | None]] = {}
_CACHES: dict[str, AnswerCache] = {}
_REGISTRY = threading.Lock()


class InMemoryPending:
    """A remote store's new state while it is written (graph/store.py's PendingGeneration): an
    in-memory store in this process. There is no file to hand to another process (`path` is None);
    a SPARQL Update worker gets a copy instead (graph/sparql/update.py)."""

    path = None

    def __init__(self, store: ox.Store):
        self._store = store

    def open(self) -> ox.Store:
        return self._store

    def release(self) -> int:
        return len(self._store)

    def discard(self) -> None:
        pass


class RemoteStore:
    remote = True

    def __init__(self, settings):
        self.settings = settings
        self.endpoint = Endpoint.from_settings(settings)
        self.client = shared_client(self.endpoint)
        self.name = settings.store_name
        self.ns = f"{settings.base_iri}/store/{quote(self.name, safe='')}/"
        self.pointer = self.ns + "pointer"
        self.history_graph = self.ns + "history"
        self.codec = Codec(f"{settings.base_iri}/.well-known/genid/", self.endpoint.wrap)
        self.poll = settings.store_poll
        self.grace = settings.store_grace
        self.keep = settings.store_keep
        self.key = f"{self.endpoint.query_url}#{self.pointer}"
        with _REGISTRY:
            self.cache = _CACHES.setdefault(self.key, AnswerCache())
        self._readers: dict[str, RemoteReader] = {}

    def __repr__(self) -> str:
        return f"RemoteStore({self.endpoint.where}, {self.name})"

    # -- reading ---------------------------------------------------------------------
    def state(self, fresh: bool = False) -> State | None:
        """The current state (from the pointer, read again when older than `store_poll`)."""
        now = time.monotonic()
        cached = _POINTERS.get(self.key)
        if not fresh and cached is not None and now - cached[0] < self.poll:
            return cached[1]
        state = self._read_pointer()
        _POINTERS[self.key] = (now, state)
        return state

    def generation(self) -> str | None:
        state = self.state()
        return state.id if state else None

    def exists(self) -> bool:
        return self.state() is not None

    def age(self) -> float:
        """Seconds since the current state was written (0 without one)."""
        state = self.state()
        if state is None:
            return 0.0
        return max(0.0, (datetime.now(UTC) - datetime.fromisoformat(state.time)).total_seconds())

    def reader(self) -> RemoteReader:

        state = self.state()
        if state is None:
            raise StoreMissing("Grafen er ikke bygget ennå. Kjør 'regiongraf build' først.")
        return self.reader_of(state)

    def reader_of(self, state: State) -> RemoteReader:
        reader = self._readers.get(state.id)
        if reader is None:
            reader = RemoteReader(self.client, state, self.codec, self.cache)
            self._readers = {state.id: reader}
        return reader

    def dataset(self, store=None):
        """The store as an rdflib Dataset (over an in-memory copy of the current state)."""
        from oxrdflib import OxigraphStore
        from rdflib import Dataset

        if store is None or isinstance(store, RemoteReader):
            store = (store or self.reader()).snapshot()
        return Dataset(store=OxigraphStore(store=store))

    def sparql_source(self, generation: str):
        """What a SPARQL worker needs to read `generation` (graph/sparql/pool.py)."""
        from graph.remote.spec import RemoteSpec

        state = self.state()
        if state is None or state.id != generation:
            state = self.state(fresh=True)
        return RemoteSpec(self.endpoint, state, self.codec.skolem)

    # -- history and restore ------------------------------------------------------------
    def history(self) -> list[Generation]:
        """The current state and the earlier ones still kept (`store_keep`), oldest first."""
        current = self.state(fresh=True)
        kept = {s.id: s for s in self._history_states() if s.id in self._kept_ids(current)}
        if current is not None:
            kept[current.id] = current
        return [Generation(s.id, s.time, s.action, s.triples) for s in sorted(kept.values(), key=_order)]

    def open_generation(self, name: str) -> RemoteReader:
        current = self.state(fresh=True)
        if current is not None and current.id == name:
            return self.reader_of(current)
        for s in self._history_states():
            if s.id == name and s.id in self._kept_ids(current):
                return RemoteReader(self.client, s, self.codec, self.cache)
        if self.keep <= 0:
            raise NotFound(f"Fant ingen lagret versjon «{name}»: lageret beholder ingen tidligere versjoner "
                           "(REGIONGRAF_STORE_KEEP=0). Sett REGIONGRAF_STORE_KEEP for å kunne hente tilbake "
                           "versjoner senere, eller bruk tjenerens egen sikkerhetskopi. Se 'regiongraf history'.")
        raise NotFound(f"Fant ingen lagret versjon «{name}». Se 'regiongraf history'.")

    def can_restore(self) -> bool:
        """Whether earlier states are kept, so that a write can be undone with `restore`."""
        return self.keep > 0

    # -- writing -----------------------------------------------------------------------
    @contextmanager
    def pending(self, copy_current: bool = True, action: str = "skriving"):
        """The embedded store's `pending` (graph/store.py): the new state as an InMemoryPending."""
        with self.writer(copy_current=copy_current, action=action) as local:
            yield InMemoryPending(local)

    @contextmanager
    def writer(self, copy_current: bool = True, action: str = "skriving"):
        """Yield an in-memory store holding the current state; publish it as a new state on success.

        Raises WriteConflict when another writer switched the pointer in the meantime (nothing
        of this write is then visible, and the caller may try again)."""
        base = self.state(fresh=True)
        local = ox.Store()
        before: dict[str, frozenset] = {}
        if copy_current and base is not None:
            reader = self.reader_of(base)
            for name in base.graphs:
                triples = reader.graph_triples(name)
                g = ox.DefaultGraph() if name == DEFAULT else ox.NamedNode(name)
                if name != DEFAULT:
                    local.add_graph(g)
                local.bulk_extend([ox.Quad(t.subject, t.predicate, t.object, g) for t in triples])
                before[name] = frozenset(triples)
        yield local
        self._commit(base, local, before, action)

    def _commit(self, base: State | None, local: ox.Store, before: dict, action: str) -> State:
        gen = _new_generation(base)
        after = _graphs_of(local)
        graphs: dict[str, str] = {}
        changed: list[tuple[str, frozenset]] = []
        for name, triples in after.items():
            if base is not None and name in base.graphs and before.get(name) == triples:
                graphs[name] = base.graphs[name]
            else:
                graphs[name] = self._stored_name(gen, name)
                changed.append((graphs[name], triples))
        state = State(gen, datetime.now(UTC).isoformat(timespec="seconds"), action,
                      sum(len(t) for t in after.values()), graphs)
        staged = [stored for stored, _ in changed]
        self._stage(gen, staged)
        try:
            for stored, triples in changed:
                self._upload(stored, triples)
            self._switch(base, state)
        except BaseException:
            self._discard(gen, staged)
            raise
        self.cache_pointer(state)
        try:
            self._record(base, state)
            self.clean(state)
        except Exception:  # noqa: BLE001 - the write stands; the next write or the watcher cleans up
            log.exception("Opprydding i lageret feilet")
        return state

    def cache_pointer(self, state: State | None) -> None:
        _POINTERS[self.key] = (time.monotonic(), state)

    def _stored_name(self, gen: str, name: str) -> str:
        if name == DEFAULT:
            return f"{self.ns}{gen}/default"
        base = self.settings.base_iri + "/"
        if name.startswith(base) and all(c.isalnum() or c in "-._~/" for c in name[len(base):]):
            return f"{self.ns}{gen}/{name[len(base):]}"
        return f"{self.ns}{gen}/x/{hashlib.sha1(name.encode()).hexdigest()}"

    def _upload(self, stored: str, triples: frozenset) -> None:
        if not triples:
            return  # an empty graph exists in the pointer's mapping only
        ordered = list(triples)
        if self.endpoint.gsp_url:
            self.client.put_graph(stored, self.codec.ntriples(ordered))
            return
        for i in range(0, len(ordered), UPLOAD_CHUNK):
            body = self.codec.ntriples(ordered[i:i + UPLOAD_CHUNK]).decode()
            self.client.update(f"INSERT DATA {{ GRAPH <{stored}> {{\n{body}}} }}")

    def _state_triples(self, subject: str, state: State) -> str:
        s = f"<{self.ns}{state.id}>"
        lines = [f"{s} {_p('generation')} {_lit(state.id)} ; {_p('time')} {_lit(state.time)} ; "
                 f"{_p('action')} {_lit(state.action)} ; {_p('triples')} {_lit(state.triples)} ; "
                 f"{_p('graphCount')} {_lit(len(state.graphs))} ."]
        for name, stored in state.graphs.items():
            published = DEFAULT_GRAPH if name == DEFAULT else name
            lines.append(f"{s} {_p('storesGraph')} <{stored}> . <{stored}> {_p('versionOf')} <{published}> .")
        if subject:
            lines.append(f"<{subject}> {_p('current')} {s} .")
        return "\n".join(lines)

    def _switch(self, base: State | None, state: State) -> None:
        new = self._state_triples(self.pointer, state)
        ptr = f"<{self.pointer}>"
        if base is None:
            self.client.update(
                f"INSERT {{ GRAPH {ptr} {{ {new} }} }} WHERE {{ FILTER NOT EXISTS {{ GRAPH {ptr} "
                f"{{ {ptr} {_p('current')} ?any }} }} }}")
        else:
            self.client.update(
                f"DELETE {{ GRAPH {ptr} {{ ?s ?p ?o }} }} INSERT {{ GRAPH {ptr} {{ {new} }} }} WHERE {{ "
                f"GRAPH {ptr} {{ {ptr} {_p('current')} <{self.ns}{base.id}> . ?s ?p ?o }} }}")
        now = self._read_pointer()
        if now is None or now.id != state.id:
            raise WriteConflict(
                "Grafen ble endret av en annen skriver samtidig; denne skrivingen ble ikke tatt i bruk. Prøv igjen.")

    def _read_pointer(self) -> State | None:
        for _ in range(5):
            doc = self.client.select(
                f"SELECT ?state ?gen ?time ?action ?triples ?count ?stored ?name WHERE {{ GRAPH <{self.pointer}> {{ "
                f"<{self.pointer}> {_p('current')} ?state . ?state {_p('generation')} ?gen ; {_p('time')} ?time ; "
                f"{_p('action')} ?action ; {_p('triples')} ?triples ; {_p('graphCount')} ?count . "
                f"OPTIONAL {{ ?state {_p('storesGraph')} ?stored . ?stored {_p('versionOf')} ?name }} }} }}",
                None, [self.pointer])
            states = _states(doc)
            if not states:
                return None
            if len(states) == 1 and states[0][1] == len(states[0][0].graphs):
                return states[0][0]
            time.sleep(0.05)  # read while the pointer was being switched: read again
        raise WriteConflict("Pekeren i lageret er ikke entydig; prøv igjen.")

    # -- the history graph: intents, states, retirement ------------------------------------
    def _stage(self, gen: str, staged: list[str]) -> None:
        if not staged:
            return
        s = f"<{self.ns}{gen}>"
        body = " ".join(f"{s} {_p('staged')} <{g}> ." for g in staged)
        self.client.update(f"INSERT DATA {{ GRAPH <{self.history_graph}> {{ {body} }} }}")

    def _discard(self, gen: str, staged: list[str]) -> None:
        try:
            self._drop(staged)
            self.client.update(f"DELETE WHERE {{ GRAPH <{self.history_graph}> {{ <{self.ns}{gen}> ?p ?o }} }}")
        except Exception:  # noqa: BLE001 - the write failed anyway; a later writer drops the leftovers
            log.warning("Kunne ikke rydde etter en mislykket skriving (%s); det gjøres ved neste skriving.", gen)

    def _record(self, base: State | None, state: State) -> None:
        body = self._state_triples("", state)
        if base is not None:
            body += f"\n<{self.ns}{base.id}> {_p('retired')} {_lit(time.time())} ."
        self.client.update(f"INSERT DATA {{ GRAPH <{self.history_graph}> {{ {body} }} }}")

    def _history_rows(self) -> dict:
        return self.client.select(
            f"SELECT ?state ?gen ?time ?action ?triples ?count ?stored ?name ?retired ?staged WHERE {{ "
            f"GRAPH <{self.history_graph}> {{ "
            f"{{ ?state {_p('generation')} ?gen ; {_p('time')} ?time ; {_p('action')} ?action ; "
            f"{_p('triples')} ?triples ; {_p('graphCount')} ?count . "
            f"OPTIONAL {{ ?state {_p('storesGraph')} ?stored . ?stored {_p('versionOf')} ?name }} }} "
            f"UNION {{ ?state {_p('retired')} ?retired }} UNION {{ ?state {_p('staged')} ?staged }} }} }}",
            None, [self.history_graph])

    def _history_states(self) -> list[State]:
        return [s for s, _count in _states(self._history_rows())]

    def _kept_ids(self, current: State | None) -> set[str]:
        if self.keep <= 0:
            return set()
        earlier = [s for s in self._history_states() if current is None or _order(s) < _order(current)]
        return {s.id for s in sorted(earlier, key=_order)[-self.keep:]}

    def clean(self, current: State | None = None) -> list[str]:
        """Drop stored graphs that no state needs any more; returns them. Safe to run anywhere, any time."""
        current = current or self.state(fresh=True)
        if current is None:
            return []
        doc = self._history_rows()
        states = {s.id: s for s, _ in _states(doc)}
        retired: dict[str, float] = {}
        staged: dict[str, set[str]] = {}
        for b in doc.get("results", {}).get("bindings", []):
            sid = _local(b["state"]["value"], self.ns)
            if "retired" in b:
                retired[sid] = float(b["retired"]["value"])
            if "staged" in b:
                staged.setdefault(sid, set()).add(b["staged"]["value"])
        kept = self._kept_from(states, current)
        now = time.time()
        needed = set(current.graphs.values())
        forget: list[str] = []
        for sid, s in states.items():
            if sid == current.id or sid in kept:
                needed |= set(s.graphs.values())
            elif sid in retired and now - retired[sid] < self.grace:
                needed |= set(s.graphs.values())
            elif _order(s) < _order(current):
                forget.append(sid)
        drop: set[str] = set()
        for sid in forget:
            drop |= set(states[sid].graphs.values())
        for sid, graphs in staged.items():
            if sid not in states and _gen_order(sid) < _order(current):
                drop |= graphs  # a writer that died, or lost the race: its uploads are orphans
                forget.append(sid)
        drop -= needed
        self._drop(sorted(drop))
        subjects = [f"<{self.ns}{sid}>" for sid in forget] + [f"<{g}>" for g in sorted(drop)]
        for i in range(0, len(subjects), 50):
            values = " ".join(subjects[i:i + 50])
            self.client.update(f"DELETE {{ GRAPH <{self.history_graph}> {{ ?s ?p ?o }} }} WHERE {{ "
                               f"GRAPH <{self.history_graph}> {{ ?s ?p ?o }} VALUES ?s {{ {values} }} }}")
        return sorted(drop)

    def _kept_from(self, states: dict[str, State], current: State) -> set[str]:
        if self.keep <= 0:
            return set()
        earlier = sorted((s for s in states.values() if _order(s) < _order(current)), key=_order)
        return {s.id for s in earlier[-self.keep:]}

    def _drop(self, graphs: list[str]) -> None:
        for i in range(0, len(graphs), 20):
            self.client.update(" ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in graphs[i:i + 20]))

    # -- tests and tools ----------------------------------------------------------------------
    def stored_graphs(self) -> set[str]:
        """Every graph version on the server under this store's namespace, without the pointer
        and history graphs (tests check that nothing leaks)."""
        doc = self.client.select(f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} "
                                 f"FILTER(STRSTARTS(STR(?g), {_lit(self.ns)})) }}")
        return {b["g"]["value"] for b in doc.get("results", {}).get("bindings", [])} - {self.pointer,
                                                                                         self.history_graph}

    def destroy(self) -> None:
        """Remove everything this store holds on the server (tests)."""
        self._drop(sorted(self.stored_graphs() | {self.pointer, self.history_graph}))
        self.cache_pointer(None)


def _new_generation(base: State | None) -> str:
    now = time.time_ns()
    if base is not None:
        now = max(now, _gen_order(base.id) + 1)
    return f"gen-{now}"


def _gen_order(gen: str) -> int:
    try:
        return int(gen.rsplit("-", 1)[1])
    except (IndexError, ValueError):
        return 0


def _order(state: State) -> int:
    return _gen_order(state.id)


def _local(iri: str, ns: str) -> str:
    return iri[len(ns):] if iri.startswith(ns) else iri


def _graphs_of(store: ox.Store) -> dict[str, frozenset]:
    out: dict[str, set] = {g.value: set() for g in store.named_graphs() if isinstance(g, ox.NamedNode)}
    for q in store.quads_for_pattern(None, None, None, None):
        key = DEFAULT if isinstance(q.graph_name, ox.DefaultGraph) else q.graph_name.value
        out.setdefault(key, set()).add(ox.Triple(q.subject, q.predicate, q.object))
    return {k: frozenset(v) for k, v in out.items()}


def _states(doc: dict) -> list[tuple[State, int]]:
    """States described in SPARQL JSON rows, each with the number of graphs it says it has."""
    found: dict[str, dict] = {}
    for b in doc.get("results", {}).get("bindings", []):
        if "gen" not in b:
            continue
        sid = b["gen"]["value"]
        entry = found.setdefault(sid, {"time": b["time"]["value"], "action": b["action"]["value"],
                                       "triples": int(float(b["triples"]["value"])),
                                       "count": int(float(b["count"]["value"])), "graphs": {}})
        if "stored" in b and "name" in b:
            name = b["name"]["value"]
            entry["graphs"][DEFAULT if name == DEFAULT_GRAPH else name] = b["stored"]["value"]
    return [(State(sid, e["time"], e["action"], e["triples"], dict(sorted(e["graphs"].items()))), e["count"])
            for sid, e in sorted(found.items())]
