"""What a SPARQL request may do here: no SERVICE, no LOAD, no foreign FROM.

Oxigraph has an HTTP client: `SERVICE <url>` in a query and `LOAD <url>` in an
update make it fetch remote data. This module finds them *before* Oxigraph sees the
text, with a small SPARQL lexer rather than a second parser, because a second parser
(rdflib's) does not accept the same language: Oxigraph's PEG grammar needs no space
after a keyword, so `?s ?p trueSERVICE<http://x>{}` is a SERVICE call to Oxigraph but
an error, or a name, to anything else.

The scan is fail-closed. Strings, comments, IRIs, variables and the local part of
prefixed names are skipped exactly as the SPARQL grammar delimits them (never wider
than Oxigraph does); every other word, and the prefix of every prefixed name, is
checked for the letters "service" (and "load" in updates) anywhere inside it. The only
false alarm is a prefix such as `service:`; the error message says so.

FROM / FROM NAMED select graphs of the store and never fetch anything, but a FROM
naming anything other than one of our named graphs is refused with a clear message
(see `dataset_clauses`).
"""

import re
from dataclasses import dataclass, field
from urllib.parse import urljoin

from graph.errors import UserError


class QueryRefused(UserError):
    """The request asks for something the public endpoint never does."""


# -- the lexer -------------------------------------------------------------
# Letters allowed in names (a safe subset of SPARQL's PN_CHARS_BASE: a token that
# stops early leaves the rest to be checked as a word, which can only add refusals).
_L = "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff"
_ESC = r"\\."  # any escape consumes two characters; Oxigraph rejects bad ones later
# PLX of the grammar: in a local name like ex:a\#b the '#' does not start a comment.
_PLX = r"(?:%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%])"
_TOKEN = re.compile(
    rf"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\r\n]*)
  | (?P<string>
        '''(?:(?:'|'')?(?:[^'\\]|{_ESC}))*'''
      | \"\"\"(?:(?:"|"")?(?:[^"\\]|{_ESC}))*\"\"\"
      | '(?:[^'\\\r\n]|{_ESC})*'
      | "(?:[^"\\\r\n]|{_ESC})*"
    )
  | (?P<iri><(?:[^<>"{{}}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{{4}}|\\U[0-9A-Fa-f]{{8}})*>)
  | (?P<var>[?$][{_L}0-9_]*)
  | (?P<number>[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)
  | (?P<pname>(?P<prefix>[{_L}_][{_L}0-9_.\-]*)?:(?P<local>(?:[{_L}0-9_:]|{_PLX})
        (?:(?:[{_L}0-9_:\-.]|{_PLX})*(?:[{_L}0-9_:\-]|{_PLX}))?)?)
  | (?P<word>[{_L}_][{_L}0-9_.\-]*)
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)


@dataclass
class Token:
    kind: str  # iri, var, number, pname, word, other (whitespace, comments, strings dropped)
    text: str
    prefix: str = ""
    local: str = ""


def tokens(text: str) -> list[Token]:
    """The significant tokens of a query or update; never raises."""
    out = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:  # an unterminated string or IRI: keep the character and go on
            out.append(Token("other", text[pos]))
            pos += 1
            continue
        pos = m.end()
        kind = m.lastgroup
        if kind in ("prefix", "local"):
            kind = "pname"
        if kind in ("ws", "comment", "string"):
            continue
        if kind == "pname":
            out.append(Token("pname", m.group(), m.group("prefix") or "", m.group("local") or ""))
        else:
            out.append(Token(kind, m.group()))
    return out


def _exposed(tok: Token) -> str:
    """The letters of a token that Oxigraph might read as (part of) a keyword."""
    if tok.kind == "word":
        return tok.text.lower()
    if tok.kind == "pname":
        return tok.prefix.lower()
    return ""


# -- the rules ---------------------------------------------------------------
@dataclass
class DatasetClause:
    named: bool
    iri: str


@dataclass
class Inspection:
    from_clauses: list[DatasetClause] = field(default_factory=list)


def check_query(text: str) -> Inspection:
    """Refuse SERVICE; return the FROM / FROM NAMED clauses (resolved IRIs)."""
    toks = tokens(text)
    for tok in toks:
        if "service" in _exposed(tok):
            raise QueryRefused(_service_message(tok))
    return Inspection(from_clauses=dataset_clauses(toks))


def check_update(text: str) -> None:
    """Refuse LOAD and SERVICE in a SPARQL Update."""
    for tok in tokens(text):
        exposed = _exposed(tok)
        if "service" in exposed:
            raise QueryRefused(_service_message(tok))
        if "load" in exposed:
            raise QueryRefused(
                "LOAD er ikke tillatt: tjenesten henter aldri data fra andre nettsteder "
                "(LOAD is not allowed: this service never fetches remote data). "
                "Legg dataene inn med INSERT DATA eller 'regiongraf import'."
                + _prefix_hint(tok, "load")
            )


def _service_message(tok: Token) -> str:
    return (
        "SERVICE er ikke tillatt: tjenesten henter aldri data fra andre SPARQL-endepunkter "
        "(federated queries with SERVICE are not allowed on this endpoint)." + _prefix_hint(tok, "service")
    )


def _prefix_hint(tok: Token, word: str) -> str:
    if tok.kind == "pname":
        return f" Merk: prefikset '{tok.prefix}:' inneholder '{word}'; gi det et annet navn."
    return ""


def dataset_clauses(toks: list[Token]) -> list[DatasetClause]:
    """FROM <iri> and FROM NAMED <iri>, with prefixed names and BASE resolved.

    Only a FROM written as a word of its own is recognised; Oxigraph never fetches a
    FROM graph, so anything unusual here can at worst select an empty graph.
    """
    prefixes: dict[str, str] = {}
    base = ""
    clauses = []
    i = 0
    while i < len(toks):
        tok = toks[i]
        word = tok.text.upper() if tok.kind == "word" else ""
        nxt = toks[i + 1] if i + 1 < len(toks) else None
        if word == "BASE" and nxt and nxt.kind == "iri":
            base = _resolve(base, _iri_text(nxt.text))
            i += 2
            continue
        if word == "PREFIX" and nxt and nxt.kind == "pname" and not nxt.local and i + 2 < len(toks):
            if toks[i + 2].kind == "iri":
                prefixes[nxt.prefix] = _resolve(base, _iri_text(toks[i + 2].text))
                i += 3
                continue
        if word == "FROM" and nxt is not None:
            named = nxt.kind == "word" and nxt.text.upper() == "NAMED"
            target = toks[i + 2] if named and i + 2 < len(toks) else (None if named else nxt)
            iri = _term_iri(target, prefixes, base) if target else None
            if iri is not None:
                clauses.append(DatasetClause(named, iri))
            i += 3 if named else 2
            continue
        i += 1
    return clauses


def _term_iri(tok: Token, prefixes: dict[str, str], base: str) -> str | None:
    if tok.kind == "iri":
        return _resolve(base, _iri_text(tok.text))
    if tok.kind == "pname" and tok.prefix in prefixes:
        local = re.sub(r"\\(.)", r"\1", tok.local)
        return prefixes[tok.prefix] + local
    return None


def _iri_text(token: str) -> str:
    inner = token[1:-1]
    return re.sub(
        r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})", lambda m: chr(int(m.group(1) or m.group(2), 16)), inner
    )


def _resolve(base: str, iri: str) -> str:
    return urljoin(base, iri) if base else iri
