"""Marking matched words in result texts, server-side, with the search index's own tokenizer.

A word is marked when one of its search tokens (its Norwegian stem, or a part of a
compound) is one of the query's tokens, so the marks show what BM25 matched: the query
"sykle" marks "sykkel", "sykling" and "sykkelveier" (stems and compound parts as the
lexical index sees them, search/normalise.py), and "kollektivtransport" marks
"transport". The text is escaped here; the result is safe Markup for the templates.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable

from markupsafe import Markup, escape

from search.index.normalise import STOPWORDS, TOKEN_RE

Tokenize = Callable[[str], list[str]]


class Highlighter:
    """Marks the words of a text whose tokens meet `terms` (tokens of a query, or shared terms)."""

    def __init__(self, tokenize: Tokenize, terms: Iterable[str]):
        self.tokenize = tokenize
        self.terms = frozenset(t for t in terms if t)
        self._seen: dict[str, bool] = {}

    @classmethod
    def for_query(cls, tokenize: Tokenize, query: str) -> Highlighter:
        return cls(tokenize, tokenize(query or ""))

    def hits(self, word: str) -> bool:
        key = unicodedata.normalize("NFKC", word).lower()
        found = self._seen.get(key)
        if found is None:
            found = key not in STOPWORDS and bool(self.terms.intersection(self.tokenize(key)))
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
