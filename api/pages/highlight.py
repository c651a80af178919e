"""Marking matched words in result texts, server-side, with the search index's own tokenizer.

Only what matched the query is marked. A word of the text is marked when
- its stem is the stem of a query word ("sykle" marks "sykkel" and "sykling": stems as the
  lexical index sees them, search/index/normalise.py), or a part of a query word's compound
  ("kollektivtransport" marks "transport"), or
- a query word's stem is a part of its compound ("sykkel" marks "sykkelveier").
Two compounds that only share a part are not marked: "ren Oslofjord" does not mark
"Osloregionen" (both contain "oslo", but neither the query nor the text says "Oslo"), and
"næringstransport" does not mark "næringslivet". Words the search added for a query word
(a typo correction, the Norwegian for an English word) count as query words (`extra`).
The text is escaped here; the result is safe Markup for the templates.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable

from markupsafe import Markup, escape

from search.index.normalise import STOPWORDS, TOKEN_RE

Tokenize = Callable[[str], list[str]]


class Highlighter:
    """Marks the words of a text that match `terms` (stems of query words or shared terms) or
    `parts` (the parts of the query's compounds); see the module docstring."""

    def __init__(self, tokenize: Tokenize, terms: Iterable[str], parts: Iterable[str] = ()):
        self.tokenize = tokenize
        self.terms = frozenset(t for t in terms if t)
        self.parts = frozenset(t for t in parts if t) - self.terms
        self._seen: dict[str, bool] = {}

    @classmethod
    def for_query(cls, tokenize: Tokenize, query: str, extra: Iterable[str] = ()) -> Highlighter:
        """The query's words: each word's stem is a term, the parts of its compound are parts."""
        terms, parts = set(extra), set()
        for m in TOKEN_RE.finditer(unicodedata.normalize("NFKC", query or "").lower()):
            if m.group() in STOPWORDS:
                continue
            tokens = tokenize(m.group())
            if tokens:
                terms.add(tokens[0])
                parts.update(tokens[1:])
        return cls(tokenize, terms, parts)

    def hits(self, word: str) -> bool:
        key = unicodedata.normalize("NFKC", word).lower()
        found = self._seen.get(key)
        if found is None:
            tokens = self.tokenize(key) if key not in STOPWORDS else []
            found = bool(tokens) and (tokens[0] in self.terms or tokens[0] in self.parts
                                      or not self.terms.isdisjoint(tokens[1:]))
            self._seen[key] = found
        return found

    def words(self, text: str) -> list[str]:
        """The words of `text` that would be marked, in order, without repeats."""
        out: dict[str, None] = {}
        for m in TOKEN_RE.finditer(text or ""):
            if self.hits(m.group()):
                out.setdefault(m.group().lower(), None)
        return list(out)

    def __call__(self, text: str | None) -> Markup:
        if not text:
            return Markup("")
        if not self.terms:
            return escape(text)
        parts: list[str] = []
        last = 0
        for m in TOKEN_RE.finditer(text):
            if self.hits(m.group()):
                parts.append(str(escape(text[last:m.start()])))
                parts.append(f"<mark>{escape(m.group())}</mark>")
                last = m.end()
        parts.append(str(escape(text[last:])))
        return Markup("".join(parts))


def shared_terms(tokenize: Tokenize, a: str, b: str) -> list[str]:
    """Search tokens that two texts have in common (what BM25 would see as shared words)."""
    ta, tb = tokenize(a or ""), set(tokenize(b or ""))
    return list(dict.fromkeys(t for t in ta if t in tb))
