"""Tokens for lexical search: lowercase, stopwords, Norwegian Snowball stems, compound parts.

Norwegian writes compounds as one word ("kollektivtransport", "sykkelparkering"), so a
query for "kollektiv" or "sykkel" would never meet them on exact stems. The tokenizer
therefore also emits the parts of a compound when they are words of the corpus
vocabulary: "kollektivtransport" -> "kollektivtransport", "kollektiv", "transport".
Parts are found by segmenting the stem into known stems, allowing the linking letters
"s" and "e" between parts ("næringsklynge" -> "næring" + "klyng"). The vocabulary is
built from the indexed texts and stored with the index, so queries are split the same way.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

import Stemmer
from bm25s.stopwords import STOPWORDS_EN, STOPWORDS_NORWEGIAN

# Question words and fillers of typical queries, on top of the standard lists.
EXTRA_STOPWORDS = {
    "gjør", "gjøre", "få", "flere", "mer", "mest", "eks", "osv", "blant", "annet", "annen", "andre",
    "what", "which", "how", "we", "do", "does", "our", "about", "from", "more", "you", "can",
}
STOPWORDS = frozenset(STOPWORDS_NORWEGIAN) | frozenset(STOPWORDS_EN) | EXTRA_STOPWORDS

# Stems Snowball leaves apart although they are the same word (vowel syncope: "sykkel" /
# "sykle"). Kept tiny and general; the dense model covers paraphrase.
LEMMAS = {
    "sykl": "sykkel", "sykling": "sykkel", "syklist": "sykkel", "syklend": "sykkel",
}
# False friends of the stemmer: derived words that Snowball cuts back to an unrelated base
# ("kraftig" heavy -> "kraft" power, "billig" cheap -> "bil" car). Each base here is kept
# whole, with its inflections ("kraftige", "kraftigere"). Related derivations
# ("bærekraftig" -> "bærekraft") are left to the stemmer. `stem_collisions` counts the
# derivational collisions of a vocabulary (printed by bench/search_quality.py).
STEM_EXCEPTIONS = (
    "kraftig", "naturlig", "billig", "ferdig", "heldig", "rolig", "vanlig", "endelig", "dårlig",
    "viktig", "kunstig", "størrelse", "ledelse",
)
INFLECTIONS = ("", "e", "ere", "est", "este", "st", "ste", "t", "n", "ne", "ns", "r", "rne", "vis")
# Snowball's derivational endings (its step 3): a word that lost one of these may collide.
DERIVATIONAL = ("hetslov", "elig", "eleg", "slov", "elov", "lig", "leg", "eig", "els", "lov", "ig")
# Lexicalised compounds whose parts mislead: "arbeidskraft" (workforce), "handlekraft"
# (decisiveness) and "bærekraft" (sustainability) are not about "kraft" (power). Stems starting
# with one of these are not split. (Loanwords that look like compounds, "internasjonal" ->
# "nasjonal", "attraktiv" -> "aktiv", were tried too and rejected on the dev set: README.)
NO_SPLIT = (
    "arbeidskraft", "handlekraft", "konkurransekraft", "konkurranseskraft", "drivkraft", "bærekraft",
    "gjennomslagskraft", "slagkraft", "kjøpekraft", "tiltrekningskraft", "skaperkraft",
)
LOANWORDS = ("internasjonal", "attraktiv", "veiled", "interessent", "restaur")  # rejected, see above
LINKERS = ("s", "e")
MIN_WORD = 7  # shorter words are not split
MIN_PART = 4  # shortest part, except the short words below
MIN_ANCHOR = 5  # a known part that vouches for an unknown neighbour must be at least this long
SHORT_PARTS = frozenset({"mål", "sol", "vei", "tog", "bil", "sjø", "fly", "kai", "bro", "gods", "vann"})
# Derivational endings look like words ("ring", "skap") but are not compound parts.
SUFFIXES = frozenset({
    "ring", "ning", "ging", "ting", "ling", "sjon", "ering", "isering", "else", "het", "skap", "lig",
    "ende", "tet", "itet", "dom", "nad", "ment", "smål",
})
TOKEN_RE = re.compile(r"[^\W_]+", re.UNICODE)

_stemmer = Stemmer.Stemmer("norwegian")


def words(text: str) -> list[str]:
    """Lowercased word tokens without stopwords ("el-sparkesykler" -> "el", "sparkesykler")."""
    text = unicodedata.normalize("NFKC", text).lower()
    return [w for w in TOKEN_RE.findall(text) if w not in STOPWORDS]


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    for base in STEM_EXCEPTIONS:
        if word.startswith(base) and word[len(base):] in INFLECTIONS:
            return base
    s = _stemmer.stemWord(word)
    return LEMMAS.get(s, s)


def stem_collisions(vocabulary_words: Iterable[str]) -> list[tuple[str, list[str]]]:
    """Stems that words of different bases share only because Snowball cut a derivational
    ending ("kraft" <- "kraft", "kraftig"): (stem, words), with STEM_EXCEPTIONS applied."""
    return _collisions(vocabulary_words, stem)


def raw_stem(word: str) -> str:
    """Snowball's stem (and LEMMAS) without STEM_EXCEPTIONS."""
    s = _stemmer.stemWord(word)
    return LEMMAS.get(s, s)


def raw_stem_collisions(vocabulary_words: Iterable[str]) -> list[tuple[str, list[str]]]:
    """The same, for Snowball without the exceptions: what the exceptions list is measured on."""
    return _collisions(vocabulary_words, raw_stem)


def _collisions(vocabulary_words, stemmer) -> list[tuple[str, list[str]]]:
    groups: dict[str, set[str]] = {}
    for w in set(vocabulary_words):
        groups.setdefault(stemmer(w), set()).add(w)
    out = []
    for s, group in sorted(groups.items()):
        derived = {w for w in group if any(w.startswith(s + d) for d in DERIVATIONAL)}
        if derived and group - derived:
            out.append((s, sorted(group)))
    return out


def vocabulary(texts: Iterable[str]) -> frozenset[str]:
    """Stems that may serve as compound parts: every stem of three letters or more in the texts.

    A second pass adds the parts found by splitting with the first vocabulary, so that a
    head seen only inside compounds ("kollektiv" in "kollektivtransport") also splits
    "kollektivsystem".
    """
    stems = {stem(w) for t in texts for w in words(t)}
    vocab = {s for s in stems if len(s) >= 3 and not s.isdigit()}
    splitter = Splitter(frozenset(vocab))
    for s in list(vocab):
        vocab.update(splitter.parts(s))
    return frozenset(vocab)


class Splitter:
    """Splits stems into known parts; results are cached per word."""

    def __init__(self, vocab: frozenset[str]):
        self.vocab = vocab
        self._cache: dict[str, tuple[str, ...]] = {}

    def parts(self, word: str) -> tuple[str, ...]:
        """Parts of a compound (not the word itself), or () if it does not split."""
        if len(word) < MIN_WORD or word.isdigit() or word.startswith(NO_SPLIT):
            return ()
        cached = self._cache.get(word)
        if cached is None:
            cached = self._segment(word) or self._head_tail(word)
            self._cache[word] = cached
        return cached

    def _known(self, part: str) -> bool:
        if part in SUFFIXES or stem(part) in SUFFIXES:
            return False
        if len(part) < MIN_PART and part not in SHORT_PARTS:
            return False
        return part in self.vocab or stem(part) in self.vocab

    def _anchor(self, part: str) -> bool:
        return len(part) >= MIN_ANCHOR and self._known(part)

    def _segment(self, word: str) -> tuple[str, ...]:
        """Fewest known parts covering the whole word (a linking s/e may follow a part)."""
        n = len(word)
        best: list[tuple[str, ...] | None] = [None] * (n + 1)
        best[0] = ()
        for end in range(3, n + 1):
            for start in range(0, end - 2):
                prev = best[start]
                if prev is None:
                    continue
                piece = word[start:end]
                cand = None
                if self._known(piece):
                    cand = (*prev, piece)
                elif end < n and piece[-1] in LINKERS and self._known(piece[:-1]):
                    cand = (*prev, piece[:-1])
                if cand is None or (best[end] is not None and len(best[end]) <= len(cand)):
                    continue
                best[end] = cand
        found = best[n]
        if not found or len(found) < 2:
            return ()
        return tuple(stem(p) for p in found)

    def _head_tail(self, word: str) -> tuple[str, ...]:
        """One known part (the longest) and an unknown remainder of at least MIN_PART letters."""
        for size in range(len(word) - MIN_PART, MIN_PART - 1, -1):
            tail = word[-size:]
            head = word[:-size]
            if self._anchor(tail) and len(head) >= MIN_PART and head not in SUFFIXES:
                head = head[:-1] if head[-1] in LINKERS and self._known(head[:-1]) else head
                return (stem(head), stem(tail))
        for size in range(len(word) - MIN_PART, MIN_PART - 1, -1):
            head = word[:size]
            tail = word[size:]
            if self._anchor(head) and len(tail) >= MIN_PART and tail not in SUFFIXES:
                return (stem(head), stem(tail))
        return ()


class Tokenizer:
    """Text -> BM25 tokens with a fixed compound vocabulary."""

    def __init__(self, vocab: Iterable[str] = ()):
        self.splitter = Splitter(frozenset(vocab))

    def __call__(self, text: str) -> list[str]:
        out: list[str] = []
        for w in words(text):
            s = stem(w)
            out.append(s)
            out.extend(p for p in self.splitter.parts(s) if p != s and p not in STOPWORDS)
        return out
