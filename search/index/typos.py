"""Typo tolerance for lexical search: query words the index does not know, matched to words it does.

A query word whose stem is not a term of the BM25 vocabulary (nor split into terms) is looked
up in that vocabulary, in this order:

1. **written apart**: two neighbouring words that form a known term when joined
   ("sol energi" -> "solenergi", "innfarts parkering" -> "innfartsparkering");
2. **misspelt or without æøå**: terms within a small edit distance (optimal string alignment:
   insertions, deletions, substitutions, swaps of neighbours) after folding æ/ø/å to ae/o/a
   on both sides ("kjærnekraft" -> "kjernekraft", "okonomi" -> "økonomi", "godstranport" ->
   "godstransport"); the raw word is tried as well as its stem, so an ending the stemmer reads
   differently ("sirkulaer") still meets its term;
3. **a misspelt compound**: two parts that each match a term that way, or failing that one
   long part ("kolektivtrafik" -> "kollektiv").

Candidates come from a character-trigram index, so a lookup costs a few hundred distance
computations at most, not one per vocabulary term. Words (and parts) shorter than MIN_LENGTH
are never corrected, only matched exactly: "bil" is one edit from too many words.
"""

from __future__ import annotations

from collections.abc import Iterable

MIN_LENGTH = 6
MIN_PART = 4  # each part of a misspelt compound
MAX_CANDIDATES = 3  # corrections kept per word (the nearest)
FOLD = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "é": "e", "ü": "u", "ä": "a", "ö": "o"})


def fold(text: str) -> str:
    """Lowercase ASCII-ish spelling: what a keyboard without æøå writes."""
    return text.lower().translate(FOLD)


def max_edits(length: int) -> int:
    return 1 if length < 9 else 2


def osa_distance(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance, or limit + 1 once it must exceed `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        best = cur[0]
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            v = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                v = min(v, prev2[j - 2] + 1)
            cur[j] = v
            best = min(best, v)
        if best > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


def _trigrams(word: str) -> set[str]:
    padded = f"^{word}$"
    return {padded[i:i + 3] for i in range(len(padded) - 2)}


class Corrector:
    """Nearest vocabulary terms of unknown query words (built lazily per lexical index)."""

    def __init__(self, terms: Iterable[str]):
        self.terms = sorted({t for t in terms if t and len(t) >= MIN_PART and not t.isdigit()})
        self.folded = [fold(t) for t in self.terms]
        self.by_folded: dict[str, list[str]] = {}
        self.grams: dict[str, list[int]] = {}
        for i, f in enumerate(self.folded):
            self.by_folded.setdefault(f, []).append(self.terms[i])
            for g in _trigrams(f):
                self.grams.setdefault(g, []).append(i)
        self._cache: dict[tuple[str, str], tuple[str, ...]] = {}

    def correct(self, raw: str, stemmed: str) -> tuple[str, ...]:
        """Terms a misspelt word (raw form and stem) most likely means; () if none is close."""
        key = (raw, stemmed)
        if key not in self._cache:
            found = self._nearest({fold(raw), fold(stemmed)})
            if not found:
                found = self._compound(fold(stemmed))
            self._cache[key] = found
        return self._cache[key]

    def _nearest(self, forms: set[str]) -> tuple[str, ...]:
        scored: dict[str, int] = {}
        for form in forms:
            for t in self.by_folded.get(form, []) if len(form) >= MIN_PART else ():
                scored[t] = 0
            if len(form) < MIN_LENGTH:
                continue
            limit = max_edits(len(form))
            counts: dict[int, int] = {}
            for g in _trigrams(form):
                for i in self.grams.get(g, ()):
                    counts[i] = counts.get(i, 0) + 1
            # A term within `limit` edits shares at least this many trigrams with the word.
            need = max(1, len(form) - 3 * limit)
            for i, shared in counts.items():
                if shared < need:
                    continue
                term = self.terms[i]
                d = osa_distance(form, self.folded[i], limit)
                if d <= limit and d < scored.get(term, limit + 1):
                    scored[term] = d
        ranked = sorted(scored, key=lambda t: (scored[t], -len(t), t))
        if not ranked:
            return ()
        best = scored[ranked[0]]
        return tuple(t for t in ranked if scored[t] == best)[:MAX_CANDIDATES]

    def _compound(self, word: str) -> tuple[str, ...]:
        """Parts that match terms within the edit budget: two if possible (the longest head
        first), else one long part (at least MIN_LENGTH letters) beside an unknown rest."""
        if len(word) < 2 * MIN_PART + 1:
            return ()
        single: tuple[str, ...] = ()
        for cut in range(len(word) - MIN_PART, MIN_PART - 1, -1):
            head, tail = word[:cut], word[cut:]
            heads = self._nearest({head, head[:-1] if head[-1] in "se" else head})
            tails = self._nearest({tail})
            if heads and tails:
                return (heads[0], tails[0])
            if not single and heads and len(head) >= MIN_LENGTH:
                single = heads[:1]
            if not single and tails and len(tail) >= MIN_LENGTH:
                single = tails[:1]
        return single
