"""Reading one state of a remote store, with the part of pyoxigraph's Store API our code uses.

    reader = RemoteReader(client, state, codec)
    reader.query(sparql, use_default_graph_as_union=True)    QuerySolutions | QueryBoolean | [Triple]
    reader.query(sparql, default_graph=[...], named_graphs=[...])
    reader.quads_for_pattern(s, p, o, g)                        iterator of ox.Quad
    reader.named_graphs(), reader.contains_named_graph(g), len(reader)

A state (graph/remote/store.py) maps each graph name we publish to the versioned graph that
holds it; every request names that state's graphs as its dataset (SPARQL 1.1 Protocol's
default-graph-uri and named-graph-uri), so a reader sees one state whole, whatever is
written meanwhile. A state never changes once it is current, so answers are cached by state.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field

import pyoxigraph as ox

from graph.remote.endpoint import Client
from graph.remote.rewrite import rewrite_graph_names
from graph.remote.terms import Codec

DEFAULT = ""  # the key of the default graph in a state's mapping
NOTHING = "urn:x-regiongraf:no-graph"  # a graph name that holds nothing
CACHE_ENTRIES = 4096
CACHE_BYTES = 64 * 1024 * 1024
CACHE_ONE = 1024 * 1024  # larger answers are not kept


@dataclass(frozen=True)
class State:
    id: str  # "gen-<time_ns>", like an embedded generation
    time: str
    action: str
    triples: int
    graphs: dict[str, str] = field(default_factory=dict)  # published name ("" = default graph) -> stored graph

    @property
    def named(self) -> dict[str, str]:
        return {k: v for k, v in self.graphs.items() if k != DEFAULT}


class AnswerCache:
    """Answers by (state, request): states are immutable, so an answer never goes stale."""

    def __init__(self, entries: int = CACHE_ENTRIES, size: int = CACHE_BYTES):
        self.entries, self.size = entries, size
        self._items: OrderedDict = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            item = self._items.get(key)
            if item is not None:
                self._items.move_to_end(key)
                return item[0]
            return None

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0

    def put(self, key, value, size: int) -> None:
        if size > CACHE_ONE:
            return
        with self._lock:
            if key in self._items:
                return
            self._items[key] = (value, size)
            self._bytes += size
            while len(self._items) > self.entries or self._bytes > self.size:
                _, (_, old) = self._items.popitem(last=False)
                self._bytes -= old


class RemoteReader:
    def __init__(self, client: Client, state: State, codec: Codec, cache: AnswerCache | None = None):
        self.client = client
        self.state = state
        self.cache = cache
        self.codec = Codec(codec.skolem, codec.wrap, {v: k for k, v in state.named.items()})
        self._named = state.named
        self._all = list(state.graphs.values())

    @property
    def generation(self) -> str:
        return self.state.id

    # -- the Store subset ------------------------------------------------------------
    def named_graphs(self):
        return iter([ox.NamedNode(name) for name in sorted(self._named)])

    def contains_named_graph(self, graph) -> bool:
        value = graph.value if isinstance(graph, ox.NamedNode) else str(graph)
        return value in self._named

    def __len__(self) -> int:
        return self.state.triples

    def __iter__(self):
        return self.quads_for_pattern(None, None, None, None)

    def query(self, query: str, *, use_default_graph_as_union: bool = False, default_graph=None,
              named_graphs=None, base_iri: str | None = None, prefixes=None, substitutions=None, **_ignored):
        """Like pyoxigraph's Store.query: the dataset is this state's graphs, by the same rules."""
        if substitutions:
            raise ValueError("substitutions støttes ikke mot et eksternt lager")
        protocol = default_graph is not None or named_graphs is not None
        rewritten = rewrite_graph_names(query, self._named, missing=NOTHING, drop_from=protocol)
        text = rewritten.text
        if base_iri:
            text = f"BASE <{base_iri}>\n{text}"
        if prefixes:
            text = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in prefixes.items()) + text
        if protocol:
            defaults = [self._stored(g) for g in _as_list(default_graph)]
            named = [self._stored(g) for g in _as_list(named_graphs)] if named_graphs is not None else []
        elif rewritten.has_from:
            defaults, named = None, None  # the query's own (rewritten) FROM clauses
        elif use_default_graph_as_union:
            defaults, named = self._all or [NOTHING], list(self._named.values()) or [NOTHING]
        else:
            defaults = [self.state.graphs.get(DEFAULT, NOTHING)]
            named = list(self._named.values()) or [NOTHING]
        form = _form(text)
        if form in ("CONSTRUCT", "DESCRIBE"):
            body = self._cached(("c", text, _key(defaults), _key(named)),
                                lambda: self.client.construct(text, defaults, named))
            return self.codec.triples(body)
        return self.codec.solutions(self._doc(text, defaults, named))

    def quads_for_pattern(self, subject, predicate, object, graph_name=None):  # noqa: A002 - pyoxigraph's name
        pattern = [subject, predicate, object]
        names = ["?s", "?p", "?o"]
        where = " ".join(self.codec.sparql(t) if t is not None else v for t, v in zip(pattern, names, strict=True))
        wanted = [v for t, v in zip(pattern, names, strict=True) if t is None]
        if isinstance(graph_name, ox.DefaultGraph):
            graphs = [(DEFAULT, self.state.graphs.get(DEFAULT))]
        elif graph_name is not None:
            graphs = [(graph_name.value, self._named.get(graph_name.value))]
        else:
            graphs = None
        if graphs is not None:
            key, stored = graphs[0]
            if stored is None:
                return iter(())
            g = ox.DefaultGraph() if key == DEFAULT else ox.NamedNode(key)
            rows = self._select(f"SELECT {' '.join(wanted) or '*'} WHERE {{ GRAPH <{stored}> {{ {where} }} }}",
                                None, [stored]) if wanted else self._ask_rows(where, stored)
            return iter([ox.Quad(*_fill(pattern, names, row), g) for row in rows])
        out = []
        if self._named:
            rows = self._select(f"SELECT {' '.join(wanted)} ?g WHERE {{ GRAPH ?g {{ {where} }} }}",
                                None, list(self._named.values()))
            out += [ox.Quad(*_fill(pattern, names, row), row["?g"]) for row in rows]
        if DEFAULT in self.state.graphs:
            stored = self.state.graphs[DEFAULT]
            rows = self._select(f"SELECT {' '.join(wanted) or '*'} WHERE {{ GRAPH <{stored}> {{ {where} }} }}",
                                None, [stored]) if wanted else self._ask_rows(where, stored)
            out += [ox.Quad(*_fill(pattern, names, row), ox.DefaultGraph()) for row in rows]
        return iter(out)

    def graph_triples(self, name: str) -> list[ox.Triple]:
        """Every triple of one graph ("" = the default graph), read in N-Triples."""
        stored = self.state.graphs.get(name)
        if stored is None:
            return []
        query = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{stored}> {{ ?s ?p ?o }} }}"
        body = self._cached(("c", query, (), (stored,)), lambda: self.client.construct(query, None, [stored]))
        return self.codec.triples(body)

    def snapshot(self) -> ox.Store:
        """This state copied into an in-memory Oxigraph store (for rdflib, SHACL and writes)."""
        store = ox.Store()
        for name in self.state.graphs:
            g = ox.DefaultGraph() if name == DEFAULT else ox.NamedNode(name)
            if name != DEFAULT:
                store.add_graph(g)
            store.bulk_extend([ox.Quad(t.subject, t.predicate, t.object, g) for t in self.graph_triples(name)])
        return store

    # -- helpers ---------------------------------------------------------------------
    def _stored(self, graph) -> str:
        value = graph.value if isinstance(graph, ox.NamedNode) else None
        if isinstance(graph, ox.DefaultGraph):
            return self.state.graphs.get(DEFAULT, NOTHING)
        return self._named.get(value, NOTHING)

    def _select(self, query: str, defaults, named) -> list[dict]:
        _variables, rows = self.codec.rows(self._doc(query, defaults, named))
        return [{"?" + k: v for k, v in row.items()} for row in rows]

    def _ask_rows(self, where: str, stored: str) -> list[dict]:
        value = self._doc(f"ASK {{ GRAPH <{stored}> {{ {where} }} }}", None, [stored]).get("boolean")
        return [{}] if value in (True, "true", 1, "1") else []

    def _doc(self, query: str, defaults, named) -> dict:
        body = self._cached(("s", query, _key(defaults), _key(named)),
                            lambda: self.client.select_raw(query, defaults, named))
        return self.client.parse(body)

    def _cached(self, key, fetch):
        if self.cache is None:
            return fetch()
        key = (self.state.id, *key)
        found = self.cache.get(key)
        if found is not None:
            return found
        value = fetch()
        self.cache.put(key, value, len(value))
        return value


def _as_list(value) -> list:
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return list(value)
    return [value]


def _key(graphs) -> tuple:
    return tuple(graphs) if graphs is not None else ("*",)


def _fill(pattern, names, row) -> list:
    return [t if t is not None else row[v] for t, v in zip(pattern, names, strict=True)]


_FORM_WORDS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")


def _form(query: str) -> str:
    """The query form, read past the prologue (PREFIX / BASE, comments, strings in IRIs)."""
    from graph.remote.rewrite import _tokens

    previous = ""
    for kind, tok in _tokens(query):
        if kind == "word" and previous not in ("?", "$") and tok.upper() in _FORM_WORDS:
            return tok.upper()
        if kind not in ("ws", "comment"):
            previous = tok
    return "SELECT"
