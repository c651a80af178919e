"""Graph names in a SPARQL query, rewritten from the names we publish to the versions stored.

On a remote store every named graph is kept under a versioned IRI (graph/remote/store.py);
the names users and our own code write (`{base}/graph/programme-2025`) are mapped to the
current version's names where a query names a graph: right after `GRAPH`, `FROM` and
`FROM NAMED`. The text is read with a small tokenizer (strings, comments, IRIs, prefixed
names, `PREFIX`/`BASE`), so an IRI in a string or a comment is never touched, and a graph
IRI used as a subject or object (the meta graph says when each graph was built) is left as
it is.

    rewrite_graph_names(query, mapping) -> Rewritten(text, has_from)

What it does not follow: a graph name that reaches `GRAPH ?g` through a variable
(`VALUES ?g { <...> }`, `FILTER(?g = <...>)`, `BIND`) is compared with the stored version's
name and so matches nothing on a remote store (README, "The store").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\n]*)
  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
               |'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<pname>(?:[A-Za-z\u00C0-\uFFFF][\w\-.\u00B7\u00C0-\uFFFF]*)?:
               (?:[\w\u00C0-\uFFFF:%\\][\w\-.:%\\\u00B7\u00C0-\uFFFF]*)?)
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)


@dataclass
class Rewritten:
    text: str
    has_from: bool  # the query has its own FROM / FROM NAMED (its dataset is then its own)


def _tokens(text: str):
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:  # pragma: no cover - the last alternative matches any character
            yield "other", text[pos:]
            return
        yield m.lastgroup, m.group()
        pos = m.end()


def rewrite_graph_names(text: str, mapping: dict[str, str], missing: str | None = None,
                        drop_from: bool = False) -> Rewritten:
    """`text` with every graph named after GRAPH / FROM / FROM NAMED replaced by `mapping[name]`.

    A named graph that is not in `mapping` becomes `missing` when given (an IRI that holds
    nothing), so that no other graph on the server can be reached by its stored name.
    `drop_from` removes the FROM clauses (the protocol's dataset replaces them, SPARQL 1.1
    Protocol 2.1.4; Virtuoso would merge the two). GROUP_CONCAT gets its default separator
    written out, which Virtuoso requires.
    """
    text = _separators(text)
    out: list[str] = []
    dropping = False
    prefixes: dict[str, str] = {}
    base = ""
    expect = None  # "prefix-name", "prefix-iri", "base", "graph"
    pending_prefix = ""
    has_from = False
    previous = ""
    for kind, tok in _tokens(text):
        if kind in ("ws", "comment"):
            out.append(tok)
            continue
        variable = previous in ("?", "$")
        previous = tok
        upper = tok.upper() if kind == "word" and not variable else ""
        if expect == "prefix-name" and kind == "pname":
            pending_prefix = tok[:-1] if tok.endswith(":") else tok.split(":")[0]
            expect = "prefix-iri"
            out.append(tok)
            continue
        if expect == "prefix-iri" and kind == "iri":
            prefixes[pending_prefix] = urljoin(base, tok[1:-1]) if base else tok[1:-1]
            expect = None
            out.append(tok)
            continue
        if expect == "base" and kind == "iri":
            base = urljoin(base, tok[1:-1]) if base else tok[1:-1]
            expect = None
            out.append(tok)
            continue
        if expect == "graph" and upper == "NAMED":
            if not dropping:
                out.append(tok)
            continue
        if expect == "graph" and dropping and kind in ("iri", "pname"):
            expect, dropping = None, False
            continue
        if expect == "graph" and kind in ("iri", "pname"):
            name = _resolve(kind, tok, prefixes, base)
            if name is not None and name in mapping:
                out.append(f"<{mapping[name]}>")
            elif name is not None and missing is not None:
                out.append(f"<{missing}>")
            else:
                out.append(tok)
            expect = None
            continue
        expect = None
        if upper == "PREFIX":
            expect = "prefix-name"
        elif upper == "BASE":
            expect = "base"
        elif upper in ("GRAPH", "FROM"):
            expect = "graph"
            has_from = has_from or upper == "FROM"
            if upper == "FROM" and drop_from:
                dropping = True
                continue
        out.append(tok)
    return Rewritten("".join(out), has_from)


def _resolve(kind: str, tok: str, prefixes: dict[str, str], base: str) -> str | None:
    if kind == "iri":
        iri = tok[1:-1]
        return urljoin(base, iri) if base and not re.match(r"^[A-Za-z][A-Za-z0-9+.\-]*:", iri) else iri
    prefix, _, local = tok.partition(":")
    if prefix not in prefixes:
        return None
    return prefixes[prefix] + re.sub(r"\\(.)", r"\1", local)


def _separators(text: str) -> str:
    """GROUP_CONCAT(...) without SEPARATOR gets `; SEPARATOR=" "` (the default, written out)."""
    if "group_concat" not in text.lower():
        return text
    out: list[str] = []
    stack: list[list] = []  # per open GROUP_CONCAT: [depth at its "(", saw SEPARATOR]
    depth = 0
    previous = ""
    pending = False
    for kind, tok in _tokens(text):
        if kind == "word" and previous not in ("?", "$") and tok.upper() == "GROUP_CONCAT":
            pending = True
        elif tok == "(":
            depth += 1
            if pending:
                stack.append([depth, False])
                pending = False
        elif tok == ")":
            if stack and stack[-1][0] == depth:
                if not stack[-1][1]:
                    out.append(' ; SEPARATOR=" "')
                stack.pop()
            depth -= 1
        elif kind == "word" and tok.upper() == "SEPARATOR" and stack and stack[-1][0] == depth:
            stack[-1][1] = True
        elif kind not in ("ws", "comment"):
            pending = False
        if kind not in ("ws", "comment"):
            previous = tok
        out.append(tok)
    return "".join(out)
