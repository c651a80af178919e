"""SPARQL queries in worker processes, so that a runaway query can be stopped.

Oxigraph has no query timeout, and a thread cannot be killed, so each query runs in
one of a few long-lived worker processes (`QueryPool`). A worker checks the query
(graph/sparql/guard.py), opens the current generation read-only, runs it with Oxigraph's
own engine and serialises the answer while counting rows or triples and bytes: past either
limit it stops and answers ResultTooLarge, never a truncated answer. When the time limit
passes the worker is killed and replaced; the server never waits longer. The guard's check
of an update (`UpdateCheckJob`) runs here too, under the same time limit, before the
server applies it.

Workers are started with `python -c` (not multiprocessing), so they import only this
module, the guard, rdflib's SPARQL parser and pyoxigraph, whatever program the server
runs in. On Linux a worker first moves into its own user and network namespace when the
kernel allows it, so that even a SERVICE the guard had missed could not reach the network.

Dataset semantics (documented in the README):
- no FROM and no default-graph-uri/named-graph-uri: the default graph is the union of
  all graphs (Oxigraph's union: a triple stored in two graphs matches twice; use
  DISTINCT), and every named graph can be queried with GRAPH;
- FROM / FROM NAMED, or the protocol parameters (which override the query's own FROM
  clauses), select graphs by name as SPARQL 1.1 defines; only graphs the store holds
  may be named.
"""

import ctypes
import functools
import json
import logging
import os
import queue
import socket
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path

import pyoxigraph as ox

from graph.errors import Busy, NotReady, UserError
from graph.formats import (
    JSONLD,
    NTRIPLES,
    RDF,
    RDFXML,
    RESULTS,
    RESULTS_FORMATS,
    RESULTS_JSON,
    TURTLE,
    RdfFormat,
    term_json,
)
from graph.sparql.guard import (
    GraphName,
    QueryRefused,
    QuerySyntaxError,
    check_query,
    check_update,
    digest,
    refuse_foreign_graphs,
)

log = logging.getLogger(__name__)

# What answers are written in, in the server's order of preference (Accept ties).
RESULT_FORMATS = RESULTS_FORMATS  # SELECT and ASK
GRAPH_FORMATS = (TURTLE, NTRIPLES, JSONLD, RDFXML)  # CONSTRUCT and DESCRIBE
STARTUP_TIMEOUT = 30.0
# rdflib's parser recurses about 15 frames per triple pattern or nesting level; the worker
# parses on a thread with a large stack so that a few thousand patterns still fit, and a
# deeper request is refused with RecursionError well before the C stack could overflow.
PARSE_RECURSION_LIMIT = 30_000
PARSE_STACK_BYTES = 256 * 1024 * 1024


# -- errors (the HTTP layer maps each to a status) ---------------------------
# QuerySyntaxError (the parser's message) and QueryRefused live in the guard.
class NotAcceptable(UserError):
    """The client accepts no format this kind of result can be written in."""

    def __init__(self, kind: str):
        self.kind = kind
        super().__init__(kind)


class ResultTooLarge(UserError):
    """More rows or triples than settings.sparql_max_results, or more bytes than sparql_max_bytes."""


class QueryTimeout(UserError):
    """The query ran longer than settings.sparql_timeout and was stopped."""


class PoolBusy(Busy):
    """Every worker stayed busy for as long as a query may run."""


class WorkerFailed(RuntimeError):
    """A worker died or misbehaved (a bug or out of memory, not the user's fault)."""


_ERRORS = {
    cls.__name__: cls for cls in (QuerySyntaxError, QueryRefused, ResultTooLarge, UserError, WorkerFailed, NotReady)
}


# -- jobs and answers --------------------------------------------------------
@dataclass
class QueryJob:
    # The generation to read: its directory (embedded store), or a RemoteSpec (graph/remote/spec.py)
    # naming the server and the state's graphs; the query then runs on the server.
    store: object
    query: str
    # The protocol's default-graph-uri / named-graph-uri; None = not given.
    default_graphs: list[str] | None = None
    named_graphs: list[str] | None = None
    # Wanted formats (names of RESULT_FORMATS / GRAPH_FORMATS); None = nothing acceptable.
    result_format: str | None = RESULTS_JSON.name
    graph_format: str | None = TURTLE.name
    max_results: int = 10000
    max_bytes: int = 5_000_000
    prefixes: dict[str, str] = field(default_factory=dict)


@dataclass
class UpdateCheckJob:
    """The guard's check of a SPARQL Update (answered with its Inspection); nothing is written."""

    store: object  # the current generation (as in QueryJob): Oxigraph's parser needs a read-only store
    update: str


@dataclass
class UpdateJob:
    """An inspected SPARQL Update, run on a new generation (opened read-write here), so that it
    runs under the same time limit and in the same sandbox as queries."""

    store: str | None  # path of the new generation; the server has released it (None: `data`)
    update: str
    digest: str  # of the text the guard inspected
    # A remote store's new state as N-Quads and its named graphs (its writer is an in-memory store,
    # graph/remote/store.py): updated in the worker's own memory and sent back in UpdateCounts.
    data: bytes | None = None
    graphs: list[str] = field(default_factory=list)


@dataclass
class UpdateCounts:
    quads_before: int
    quads_after: int
    data: bytes | None = None  # the updated N-Quads, for an UpdateJob with `data`
    graphs: list[str] = field(default_factory=list)  # and its named graphs (an empty one has no quads)


@dataclass
class GraphsJob:
    """Named graphs and their sizes, for the service description."""

    store: object


@dataclass
class QueryResult:
    kind: str  # "solutions", "boolean" or "graph"
    format: str
    body: bytes
    count: int


@dataclass
class GraphSizes:
    graphs: list[tuple[str, int]]  # (graph IRI, triples), sorted by IRI
    default_size: int  # triples in the union default graph


# -- inside a worker ---------------------------------------------------------
class _Session:
    """What a worker keeps between jobs: the open generation (or the remote state's reader)."""

    def __init__(self):
        self.path: str | None = None
        self.store = None

    def open(self, source):
        key = source if isinstance(source, str) else source.key
        if key != self.path:
            self.store = None  # close the old generation first
            self.store = ox.Store.read_only(source) if isinstance(source, str) else source.open()
            self.path = key
        return self.store


def execute(job, session: _Session):
    if isinstance(job, GraphsJob):
        return _graph_sizes(session.open(job.store))
    if isinstance(job, UpdateCheckJob):
        # A remote store's updates run on an in-memory copy (graph/remote/store.py): the parse
        # needs only some read-only Oxigraph store, never the server.
        return check_update(job.update, session.open(job.store) if isinstance(job.store, str) else None)
    if isinstance(job, UpdateJob):
        return _run_update(job)
    inspection = check_query(job.query)  # nothing reaches Oxigraph's evaluator before this
    store = session.open(job.store)
    options = _dataset_options(store, job, inspection.from_iris)
    try:
        results = store.query(job.query, **options)
    except SyntaxError as err:  # the guard parsed it with Oxigraph already; kept for safety
        raise QuerySyntaxError(f"Ugyldig SPARQL-spørring: {err}") from None
    if isinstance(results, ox.QueryBoolean):
        fmt = _need(job.result_format, "boolean")
        return QueryResult("boolean", fmt, results.serialize(format=RESULTS[fmt].oxigraph), 1)
    if isinstance(results, ox.QuerySolutions):
        fmt = _need(job.result_format, "solutions")
        variables = [v.value for v in results.variables]
        # Other formats are written from the JSON, which may be larger than they are.
        out = _Capped(job.max_bytes if fmt == RESULTS_JSON.name else 4 * job.max_bytes, job.max_bytes)
        count = _solutions_json(variables, _limited(results, job.max_results, "rader", out.reserve), out)
        body = out.getvalue()
        if fmt != RESULTS_JSON.name:
            parsed = ox.parse_query_results(body, format=RESULTS_JSON.oxigraph)
            out = _Capped(job.max_bytes)
            parsed.serialize(out, format=RESULTS[fmt].oxigraph)
            body = out.getvalue()
        return QueryResult("solutions", fmt, body, count)
    fmt = _need(job.graph_format, "graph")
    # Prefixes are chosen from the triples, so they are held first (within a budget), then written.
    held = _Capped(4 * job.max_bytes, job.max_bytes)
    triples = list(_limited(results, job.max_results, "tripler", held.hold))
    prefixes = used_prefixes(triples, job.prefixes) if RDF[fmt].prefixes else None
    out = _Capped(job.max_bytes)
    ox.serialize(triples, out, format=RDF[fmt].oxigraph, prefixes=prefixes)
    return QueryResult("graph", fmt, out.getvalue(), len(triples))


def _run_update(job: UpdateJob) -> UpdateCounts:
    if digest(job.update) != job.digest:
        raise QueryRefused("Oppdateringen er ikke den som ble kontrollert.")
    in_memory = job.store is None
    store = ox.Store() if in_memory else ox.Store(job.store)
    try:
        if in_memory:
            for name in job.graphs:
                store.add_graph(ox.NamedNode(name))
            store.bulk_load(job.data or b"", format=ox.RdfFormat.N_QUADS)
        before = len(store)
        try:
            store.update(job.update)
        except SyntaxError as err:
            raise QuerySyntaxError(f"Ugyldig SPARQL Update: {err}") from None
        except (OSError, RuntimeError, ValueError) as err:  # e.g. DROP GRAPH of a missing graph
            raise UserError(f"SPARQL Update feilet, grafen er uendret: {err}") from None
        if in_memory:
            return UpdateCounts(before, len(store), store.dump(format=ox.RdfFormat.N_QUADS), _named(store))
        store.flush()
        return UpdateCounts(before, len(store))
    finally:
        del store  # release the database before the server opens it again


def _named(store: ox.Store) -> list[str]:
    return [g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode)]


def serialize_graph(triples: list, fmt: RdfFormat, prefixes: dict[str, str]) -> bytes:
    """Triples in an RDF format; the syntaxes with prefixes declare only those used."""
    used = used_prefixes(triples, prefixes) if fmt.prefixes else None
    return ox.serialize(triples, format=fmt.oxigraph, prefixes=used)


def used_prefixes(triples, prefixes: dict[str, str]) -> dict[str, str]:
    """Only the prefixes some IRI in the triples starts with (Turtle declares every one given)."""
    iris = {t.value for triple in triples for t in (triple.subject, triple.predicate, triple.object)
            if isinstance(t, ox.NamedNode)}
    iris |= {triple.object.datatype.value for triple in triples if isinstance(triple.object, ox.Literal)}
    return {p: ns for p, ns in prefixes.items() if any(iri.startswith(ns) for iri in iris)}


def _dataset_options(store, job: QueryJob, from_iris: list[str]) -> dict:
    protocol = job.default_graphs is not None or job.named_graphs is not None
    known = {g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode)}
    if protocol:
        names = [GraphName("default-graph-uri", i) for i in job.default_graphs or []]
        names += [GraphName("named-graph-uri", i) for i in job.named_graphs or []]
    else:
        names = [GraphName("FROM", i) for i in from_iris]
    refuse_foreign_graphs(names, known)
    if protocol:  # the protocol's dataset replaces the query's FROM clauses
        return {
            "default_graph": [ox.NamedNode(i) for i in job.default_graphs or []],
            "named_graphs": [ox.NamedNode(i) for i in job.named_graphs or []],
        }
    if from_iris:  # Oxigraph applies the query's own FROM / FROM NAMED
        return {}
    return {"use_default_graph_as_union": True}


def _need(fmt: str | None, kind: str) -> str:
    if fmt is None:
        raise NotAcceptable(kind)
    return fmt


class _Capped:
    """A byte buffer that refuses to grow past `limit`: writing stops at the limit, not after.

    pyoxigraph's serializers write into it in chunks of a few kB. `shown` is the limit the
    user is told about (a buffer for an intermediate form may be given more room).
    """

    def __init__(self, limit: int, shown: int | None = None):
        self.limit = limit
        self.shown = shown or limit
        self.size = 0
        self._parts: list[bytes] = []

    def reserve(self, size: int) -> None:
        """Refuse now if `size` more bytes would not fit (before building them)."""
        if self.size + size > self.limit:
            raise ResultTooLarge(_bytes_message(self.shown))

    def hold(self, size: int) -> None:
        """Count `size` bytes kept elsewhere against the limit."""
        self.reserve(size)
        self.size += size

    def write(self, data: bytes) -> int:
        self.reserve(len(data))
        self._parts.append(bytes(data))
        self.size += len(data)
        return len(data)

    def flush(self) -> None:
        pass

    def getvalue(self) -> bytes:
        return b"".join(self._parts)


def _bytes_message(limit: int) -> str:
    return (
        f"Svaret blir større enn {_megabytes(limit)}, som er grensen her (answer size limit exceeded). "
        "Bruk LIMIT og OFFSET for å hente det i deler, færre variabler, eller kortere verdier "
        "(f.eks. SUBSTR på lange tekster)."
    )


def _megabytes(size: int) -> str:
    if size >= 1_000_000:
        return f"{size / 1_000_000:g} MB"
    return f"{size} byte"


def _limited(results, limit: int, what: str, room):
    """The items of a result, refused past `limit` items or when `room(size of their text)` refuses.

    An item's text (the values of its terms) is a lower bound for its size in any format, so
    one huge value (a GROUP_CONCAT of everything) is refused before it is encoded.
    """
    count = 0
    for item in results:
        count += 1
        if count > limit:
            raise ResultTooLarge(
                f"Svaret har mer enn {limit} {what}, som er grensen her (result size limit exceeded). "
                "Bruk LIMIT og OFFSET for å hente det i deler, eller COUNT for å telle."
            )
        room(sum(_text_size(term) for term in item))
        yield item


def _text_size(term) -> int:
    if term is None:
        return 0
    if isinstance(term, ox.Triple):
        return _text_size(term.subject) + _text_size(term.predicate) + _text_size(term.object)
    return len(term.value)


def _solutions_json(variables: list[str], rows, out: _Capped) -> int:
    """SPARQL JSON results, written row by row into `out`; returns the number of rows."""
    dumps = lambda doc: json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()  # noqa: E731
    out.write(b'{"head":{"vars":' + dumps(variables) + b'},"results":{"bindings":[')
    count = 0
    for row in rows:
        binding = {}
        for i, var in enumerate(variables):
            term = row[i]
            if term is not None:
                binding[var] = term_json(term)
        out.write((b"," if count else b"") + dumps(binding))
        count += 1
    out.write(b"]}}")
    return count


def _graph_sizes(store) -> GraphSizes:
    counts = store.query("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    graphs = sorted((row["g"].value, int(row["n"].value)) for row in counts)
    total = store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", use_default_graph_as_union=True)
    return GraphSizes(graphs, int(next(iter(total))["n"].value))


def _isolate_network() -> bool:
    """Linux: a new user + network namespace has no network at all. False if not allowed."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.unshare(0x10000000 | 0x40000000) == 0  # CLONE_NEWUSER | CLONE_NEWNET
    except (OSError, AttributeError):
        return False


@functools.cache
def _warn_not_isolated() -> None:
    """Once per process: without a network namespace the guard is the only wall (README, Security)."""
    log.warning("SPARQL-arbeiderne kjører uten eget nettverksnavnerom (kjernen tillater det ikke); "
                "bare vakten (graph/sparql/guard.py) hindrer henting av eksterne data.")


def _watch_parent() -> None:
    """Exit when the server dies, even in the middle of a long query."""
    parent = os.getppid()

    def watch():
        while True:
            threading.Event().wait(1.0)
            if os.getppid() != parent:
                os._exit(0)

    threading.Thread(target=watch, daemon=True).start()


def worker_main(fd: int, network: bool = False) -> None:
    # must happen while the process has a single thread; a worker for a remote store needs the
    # network to reach it (README: the guard is then the wall, and the store's own settings)
    isolated = False if network else _isolate_network()
    _watch_parent()
    sys.setrecursionlimit(PARSE_RECURSION_LIMIT)
    threading.stack_size(PARSE_STACK_BYTES)
    serving = threading.Thread(target=_serve, args=(fd, isolated))
    serving.start()
    serving.join()


def _serve(fd: int, isolated: bool) -> None:
    conn = Connection(fd)
    conn.send({"ready": True, "isolated": isolated})
    session = _Session()
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        try:
            reply = ("ok", execute(job, session))
        except NotAcceptable as err:
            reply = ("not_acceptable", err.kind)
        except UserError as err:  # the nearest kind the server knows (a remote store's StoreUnavailable: NotReady)
            name = next(c.__name__ for c in type(err).__mro__ if c.__name__ in _ERRORS)
            reply = ("error", name, str(err))
        except Exception as err:  # noqa: BLE001 - reported to the server, never lost
            reply = ("error", "WorkerFailed", f"{type(err).__name__}: {err}")
        conn.send(reply)


# -- in the server -------------------------------------------------------------
_ROOT = str(Path(__file__).resolve().parents[2])
_BOOT = (
    "import sys; sys.path.insert(0, sys.argv[1]); "
    "from graph.sparql.pool import worker_main; worker_main(int(sys.argv[2]), sys.argv[3] == 'net')"
)


class _Worker:
    def __init__(self, network: bool = False):
        mine, theirs = socket.socketpair()
        fd = theirs.fileno()
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _BOOT, _ROOT, str(fd), "net" if network else "isolated"], pass_fds=(fd,),
            stdin=subprocess.DEVNULL,
        )
        theirs.close()
        self.conn = Connection(mine.detach())
        self.network = network
        self.ready = False
        self.isolated: bool | None = None

    def wait_ready(self) -> None:
        if self.ready:
            return
        if not self.conn.poll(STARTUP_TIMEOUT):
            raise OSError("startet ikke")
        hello = self.conn.recv()
        self.ready, self.isolated = True, hello.get("isolated")
        if not self.isolated and not self.network:  # with a remote store the network is kept on purpose
            _warn_not_isolated()

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait()
        self.conn.close()


class QueryPool:
    """A few worker processes, started on first use; thread-safe, blocking calls.

    `run` blocks its thread, never the event loop: call it from a thread pool.
    """

    def __init__(self, size: int = 2, network: bool = False):
        self.size = size
        self.network = network  # workers keep the network (a remote store); otherwise isolated
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._lock = threading.Lock()
        self._started = False
        self._closed = False

    def run(self, job, timeout: float, what: str = "Spørringen"):
        """Run a job; QueryTimeout after `timeout` seconds of work, PoolBusy after as long waiting.
        `what` names the job in the timeout message ("Spørringen", "Oppdateringen")."""
        worker = self._acquire(timeout)
        try:
            worker.wait_ready()
            worker.conn.send(job)
            if not worker.conn.poll(timeout):
                worker = self._replace(worker)
                raise QueryTimeout(
                    f"{what} brukte mer enn {timeout:g} sekunder og ble stoppet (time limit exceeded). "
                    "Gjør den smalere, f.eks. med LIMIT eller mer presise mønstre."
                )
            reply = worker.conn.recv()
        except (EOFError, OSError) as err:
            worker = self._replace(worker)
            raise WorkerFailed(
                f"SPARQL-arbeideren stoppet uventet ({type(err).__name__}); prøv igjen. "
                "(The query worker died, e.g. out of memory.)"
            ) from None
        finally:
            self._release(worker)
        if reply[0] == "ok":
            return reply[1]
        if reply[0] == "not_acceptable":
            raise NotAcceptable(reply[1])
        raise _ERRORS[reply[1]](reply[2])

    def close(self) -> None:
        with self._lock:
            self._closed = True
        while True:
            try:
                self._idle.get_nowait().kill()
            except queue.Empty:
                return

    def _acquire(self, timeout: float) -> _Worker:
        with self._lock:
            if self._closed:
                raise WorkerFailed("Spørringstjenesten er stengt.")
            if not self._started:
                for _ in range(self.size):
                    self._idle.put(_Worker(self.network))
                self._started = True
        try:
            return self._idle.get(timeout=timeout)
        except queue.Empty:
            raise PoolBusy(
                "Alle spørringsplassene er opptatt; prøv igjen om litt (all query workers are busy)."
            ) from None

    def _replace(self, worker: _Worker) -> _Worker:
        worker.kill()
        return _Worker(self.network)

    def _release(self, worker: _Worker) -> None:
        with self._lock:
            closed = self._closed
        if closed:
            worker.kill()
        else:
            self._idle.put(worker)
