"""What a SPARQL request may do here: no SERVICE, no LOAD, no graph the store does not hold.

Oxigraph has an HTTP client: `SERVICE <url>` in a query or an update and `LOAD <url>` in an
update make it fetch from elsewhere (FROM, USING and WITH only select graphs of the store).
The decision is made on a parse tree, never on the raw text: rdflib's SPARQL 1.1 parser
reads the request, and the tree is walked for SERVICE and LOAD and for the graphs named by
FROM, FROM NAMED, USING, USING NAMED and WITH.

Two parsers can read the same text differently (the bypass in issue 13 was a scanner that
read `<?b)SERVICE:x#>` as an IRI where Oxigraph read `?a < ?b) SERVICE :x` and a comment;
rdflib on its own is fooled by `"\\u0022"` strings and by a comment ended with a bare
carriage return). So both parsers must find no SERVICE and no LOAD, and every step fails
closed:

1. Oxigraph, the engine that would run the request, parses it without running it
   (`_parse_query_only`, `_parse_update_only`); a malformed request gets Oxigraph's message.
2. Oxigraph's own reading: each spelling of the letters "service" ("load" in an update) is
   replaced by random letters that occur in no SPARQL keyword, the same replacement every
   time, and Oxigraph must still parse the result. Names, strings, IRIs and comments survive
   that; a keyword does not (`_hidden_keyword`).
3. rdflib replaces \\u escapes everywhere before it parses; Oxigraph reads them only inside
   strings and IRIs. An escape standing for a quote, a backslash, an angle bracket, a space
   or a control character could end a string, an IRI or a comment for one parser and not
   the other, so such escapes are refused; line breaks are normalised (a bare \\r ends a
   comment for Oxigraph, not for rdflib).
4. rdflib's tree: SERVICE and LOAD are refused, and the graphs named are collected. What
   rdflib cannot read (SPARQL 1.2 syntax, very deep nesting) is refused as "cannot be
   checked", never let through.

Bracket nesting deeper than MAX_NESTING is refused before either parser runs: both recurse
per level, and Oxigraph's parser overflows its stack (a crash, not an error) at a few
thousand levels.

The worker processes that run queries have no network where the kernel allows it
(graph/sparql/pool.py): a second wall behind this one, not a reason to loosen it.
"""

import hashlib
import random
import re
import unicodedata
from dataclasses import dataclass, field

import pyoxigraph as ox
from pyparsing import ParseBaseException, ParseResults
from rdflib.plugins.sparql.algebra import translatePrologue
from rdflib.plugins.sparql.parser import Query as _QUERY_GRAMMAR
from rdflib.plugins.sparql.parser import UpdateUnit as _UPDATE_GRAMMAR
from rdflib.plugins.sparql.parser import expandUnicodeEscapes_re as _ESCAPE
from rdflib.plugins.sparql.parserutils import CompValue

from graph.errors import UserError


class QueryRefused(UserError):
    """The request asks for something the public endpoint never does."""


class QuerySyntaxError(UserError):
    """The parser's message for a malformed query or update."""


@dataclass(frozen=True)
class GraphName:
    clause: str  # FROM, FROM NAMED, USING, USING NAMED, WITH
    iri: str


@dataclass
class Inspection:
    """What the guard found in a request it let through."""

    digest: str  # sha256 of the text that was checked
    graphs: list[GraphName] = field(default_factory=list)
    # What an update empties or replaces as a whole (DROP, CLEAR, MOVE, COPY): graph IRIs, or
    # ALL / DEFAULT / NAMED. The application asks for a confirmation before running these.
    destructive: list[str] = field(default_factory=list)

    @property
    def from_iris(self) -> list[str]:
        return [g.iri for g in self.graphs if g.clause.startswith("FROM")]


SERVICE_REFUSED = (
    "SERVICE er ikke tillatt: tjenesten henter aldri data fra andre SPARQL-endepunkter "
    "(federated queries with SERVICE are not allowed on this endpoint)."
)
LOAD_REFUSED = (
    "LOAD er ikke tillatt: tjenesten henter aldri data fra andre nettsteder "
    "(LOAD is not allowed: this service never fetches remote data). "
    "Legg dataene inn med INSERT DATA eller 'regiongraf import'."
)
MAX_NESTING = 256
_BRACKETS = re.compile(r"[{}()\[\]]")
# Letters that occur in no SPARQL 1.1 / 1.2 keyword or built-in function name.
_INERT = "kqKQ"
_BAD_ESCAPES = set("\"'\\<>")


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


# -- the checks ----------------------------------------------------------------
def check_query(text: str) -> Inspection:
    """Refuse SERVICE; return the FROM / FROM NAMED graphs (resolved IRIs)."""
    _refuse_deep_nesting(text)
    error = _oxigraph_error(text, _parse_query_only)
    if error:
        raise QuerySyntaxError(f"Ugyldig SPARQL-spørring: {error}")
    _refuse_hidden_keywords(text, ("service",), _parse_query_only)
    tree = _rdflib_parse(text, _QUERY_GRAMMAR, "spørringen")
    return Inspection(digest(text), _walk_query(tree))


def check_update(text: str, read_only: ox.Store | None = None) -> Inspection:
    """Refuse LOAD and SERVICE; return the USING / USING NAMED / WITH graphs (resolved IRIs).

    `read_only` is an `ox.Store.read_only(...)` handle: Oxigraph parses an update only by
    trying to run it, and a read-only store refuses before anything is evaluated. None = an
    empty read-only store of the guard's own (a remote store has no local generation).
    """
    read_only = read_only if read_only is not None else _empty_read_only()
    _require_read_only(read_only)
    _refuse_deep_nesting(text)
    parse = lambda t: _parse_update_only(t, read_only)  # noqa: E731
    error = _oxigraph_error(text, parse)
    if error:
        raise QuerySyntaxError(f"Ugyldig SPARQL Update: {error}")
    _refuse_hidden_keywords(text, ("service", "load"), parse)
    tree = _rdflib_parse(text, _UPDATE_GRAMMAR, "oppdateringen")[0]
    return Inspection(digest(text), *_walk_update(tree))


def refuse_foreign_graphs(names: list[GraphName], known: set[str]) -> None:
    """Every graph a request names must be one of the store's named graphs."""
    for name in names:
        if name.iri not in known:
            listed = ", ".join(f"<{g}>" for g in sorted(known)) or "ingen"
            hint = " For å lage en ny graf, bruk GRAPH <...> i INSERT-malen." if name.clause == "WITH" else ""
            raise QueryRefused(
                f"<{name.iri}> er ikke en av grafene i denne tjenesten ({name.clause}), og tjenesten henter "
                "aldri data fra andre steder (FROM, USING, WITH, default-graph-uri and named-graph-uri may "
                f"only name this service's own graphs). Grafene her: {listed}.{hint}"
            )


def _refuse_deep_nesting(text: str) -> None:
    """Both parsers recurse per level of brackets, and Oxigraph's overflows its stack (a crash,
    not an error) at a few thousand levels on an 8 MB thread. Counted in the raw text, brackets
    in strings included: a resource limit, not a reading of the request."""
    depth = deepest = 0
    for m in _BRACKETS.finditer(text):
        depth = depth + 1 if m.group() in "{([" else max(0, depth - 1)
        deepest = max(deepest, depth)
    if deepest > MAX_NESTING:
        raise QueryRefused(
            f"Forespørselen er nestet i mer enn {MAX_NESTING} nivåer med {{ }}, ( ) eller [ ], som er grensen "
            "her (too deeply nested to be checked). Del den opp."
        )


# -- Oxigraph, parsing only ------------------------------------------------------
_EMPTY = ox.Store()


def _parse_query_only(text: str) -> None:
    """Oxigraph's parser on a query, without evaluating it.

    pyoxigraph parses the query before it looks at the dataset options, and refuses this
    contradictory pair with ValueError before anything runs (tests/test_sparql_guard.py
    holds it to that with a listening socket).
    """
    try:
        _EMPTY.query(text, use_default_graph_as_union=True, default_graph=ox.DefaultGraph())
    except ValueError as err:
        if "use_default_graph_as_union" in str(err):
            return  # parsed, then refused the options
        raise
    raise AssertionError("pyoxigraph evaluated a query the guard only meant to parse")


_EMPTY_READ_ONLY: ox.Store | None = None


def _empty_read_only() -> ox.Store:
    """An empty store on disk, opened read-only: something for Oxigraph to parse updates against."""
    global _EMPTY_READ_ONLY
    if _EMPTY_READ_ONLY is None:
        import tempfile

        path = tempfile.mkdtemp(prefix="regiongraf-guard-")
        ox.Store(path).flush()
        _EMPTY_READ_ONLY = ox.Store.read_only(path)
    return _EMPTY_READ_ONLY


def _parse_update_only(text: str, read_only: ox.Store) -> None:
    """Oxigraph's parser on an update: it parses, then cannot start a transaction."""
    try:
        read_only.update(text)
    except RuntimeError as err:
        if "read-write" in str(err):
            return  # parsed, then refused to write
        raise
    raise AssertionError("pyoxigraph ran an update on a store that should be read-only")


def _require_read_only(store: ox.Store) -> None:
    try:
        _parse_update_only("", store)  # on a writable store, a no-op that returns normally
    except AssertionError:
        raise ValueError("check_update needs a read-only store (ox.Store.read_only)") from None


def _oxigraph_error(text: str, parse) -> str | None:
    try:
        parse(text)
    except SyntaxError as err:
        return str(err)
    return None


# -- rdflib's parse tree ---------------------------------------------------------------
def _rdflib_parse(text: str, grammar, what: str):
    for m in _ESCAPE.finditer(text):
        try:
            char = chr(int(m.group(1), 16))
        except (ValueError, OverflowError):
            continue  # rdflib fails on it below
        if char in _BAD_ESCAPES or unicodedata.category(char) in ("Cc", "Zs", "Zl", "Zp"):
            raise QueryRefused(
                f"Escape-sekvensen {m.group()} står for et tegn som avgrenser strenger, IRI-er eller "
                f"kommentarer ({char!r}), og kan leses ulikt av kontrollen og databasen; den avvises. "
                'Skriv tegnet med vanlig escape i en streng (f.eks. \\" eller \\n).'
            )
    normalised = text.replace("\r\n", "\n").replace("\r", "\n")
    try:
        return grammar.parse_string(_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), normalised), parse_all=True)
    except RecursionError:
        raise QueryRefused(
            f"Kontrollen klarer ikke å lese {what}: den har for mange mønstre i én blokk eller er for dypt "
            "nestet (too deeply nested to be checked). Del den opp."
        ) from None
    except (ParseBaseException, ValueError, OverflowError) as err:
        detail = getattr(err, "msg", None) or str(err)
        where = f" (linje {err.lineno}, kolonne {err.col})" if isinstance(err, ParseBaseException) else ""
        raise QueryRefused(
            f"Kontrollen kan ikke lese {what}, og den avvises derfor før den kjøres{where}: {detail}. "
            "Tjenesten sjekker hver forespørsel med en SPARQL 1.1-parser (rdflib) før Oxigraph kjører den; "
            "SPARQL 1.2-syntaks som << >> og {| |} støttes ikke her (the request cannot be checked)."
        ) from None


def _nodes(tree):
    """Every CompValue in a parse tree, depth first."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, CompValue):
            yield node
            stack.extend(node.values())
        elif isinstance(node, ParseResults | list | tuple):
            stack.extend(node)


def _refuse_fetching(tree) -> None:
    for node in _nodes(tree):
        if node.name == "ServiceGraphPattern":
            raise QueryRefused(SERVICE_REFUSED)
        if node.name == "Load":
            raise QueryRefused(LOAD_REFUSED)


def _walk_query(tree) -> list[GraphName]:
    _refuse_fetching(tree)
    prologue = translatePrologue(tree[0], None)
    return [_graph_name(prologue, clause, "FROM") for clause in _get(tree[1], "datasetClause") or []]


def _walk_update(tree) -> tuple[list[GraphName], list[str]]:
    """The graphs an update names (USING, WITH), and what it drops or replaces as a whole."""
    _refuse_fetching(tree)
    names, destructive = [], []
    prologue = None
    for part, request in zip(_get(tree, "prologue") or [], _get(tree, "request") or [], strict=False):
        prologue = translatePrologue(part, None, prologue=prologue)  # prefixes carry over
        destructive += _destroys(prologue, request)
        if request.name != "Modify":
            continue
        if _get(request, "withClause") is not None:
            names.append(GraphName("WITH", _resolve(prologue, _get(request, "withClause"))))
        names += [_graph_name(prologue, using, "USING") for using in _get(request, "using") or []]
    return names, destructive


def _destroys(prologue, request: CompValue) -> list[str]:
    """DROP/CLEAR empty a graph (or ALL, DEFAULT, NAMED); MOVE/COPY replace the target (MOVE
    also empties the source)."""
    if request.name in ("Drop", "Clear"):
        target = _get(request, "graphiri")
        return [target if isinstance(target, str) and target in ("ALL", "DEFAULT", "NAMED")
                else _resolve(prologue, target)]
    if request.name in ("Move", "Copy"):
        source, target = (_graph_ref(prologue, g) for g in _get(request, "graph") or [None, None])
        return [source, target] if request.name == "Move" else [target]
    return []


def _graph_ref(prologue, term) -> str:
    return "DEFAULT" if term is None or str(term).upper() == "DEFAULT" else _resolve(prologue, term)


def _get(node: CompValue, key: str):
    return dict.get(node, key)  # CompValue.get(key) answers the key itself when it is missing


def _graph_name(prologue, clause: CompValue, keyword: str) -> GraphName:
    named = _get(clause, "named")
    if named is not None:
        return GraphName(f"{keyword} NAMED", _resolve(prologue, named))
    return GraphName(keyword, _resolve(prologue, _get(clause, "default")))


def _resolve(prologue, term) -> str:
    try:
        return str(prologue.absolutize(term))
    except Exception as err:  # noqa: BLE001 - e.g. an undeclared prefix Oxigraph let through
        raise QueryRefused(f"Kontrollen kan ikke løse opp grafnavnet {term}: {err}") from None


# -- Oxigraph's reading: is "service" / "load" a keyword anywhere? ------------------------------
def _refuse_hidden_keywords(text: str, words: tuple[str, ...], parse) -> None:
    for word in words:
        if _hidden_keyword(text, word, parse):
            raise QueryRefused(SERVICE_REFUSED if word == "service" else LOAD_REFUSED)


def _hidden_keyword(text: str, word: str, parse) -> bool:
    """True if Oxigraph stops parsing the text once `word` is spelt differently.

    Each spelling (case) gets its own random replacement of the same length, used for all
    its occurrences, so a prefix declared and used as `service:` stays declared.
    """
    if not re.search(word, text, re.IGNORECASE):
        return False
    rng = random.SystemRandom()
    spellings: dict[str, str] = {}

    def swap(m: re.Match) -> str:
        spelling = m.group()
        if spelling not in spellings:
            spellings[spelling] = "".join(rng.choice(_INERT) for _ in spelling)
        return spellings[spelling]

    return _oxigraph_error(re.sub(word, swap, text, flags=re.IGNORECASE), parse) is not None
