"""Lexical retrieval: BM25 (bm25s) over Norwegian stems and compound parts.

The BM25 matrix is cheap to rebuild (no model involved), so every index update rebuilds
it from all units; the compound vocabulary is stored with it so that queries are split
exactly as the indexed texts were.

A query's words become BM25 terms in four ways (`QueryTerms`): exactly (stem and compound
parts, as the indexed texts were tokenized), joined (two words written apart that the index
knows as one, "sol energi"), corrected (a word the index does not know, matched to the
nearest terms it does, search/index/typos.py) and translated (English domain words, with
the Norwegian words of search/index/glossary.py). Corrected terms weigh FUZZY_WEIGHT,
translated ones TRANSLATED_WEIGHT.
"""

from __future__ import annotations

import json
import logging
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np

from search.index.glossary import translations
from search.index.normalise import STOPWORDS, TOKEN_RE, Tokenizer, stem, vocabulary, words
from search.index.typos import Corrector

VOCAB_FILE = "compound_vocab.json"
TYPOS = True  # correct unknown query words against the vocabulary (decided on the dev set)
TYPOS_MAX_WORDS = 12  # longer texts (a node's text used as a query) are not corrected: no typing
JOIN = True  # join neighbouring query words the index knows as one word
FUZZY_WEIGHT = 1.0  # weight of a corrected term relative to an exact one
TRANSLATE = True  # English domain words also search for their Norwegian words (search/index/glossary.py)
TRANSLATED_WEIGHT = 0.5


@dataclass
class QueryTerms:
    """How a query's words met the index vocabulary."""

    exact: list[str] = field(default_factory=list)
    corrected: list[str] = field(default_factory=list)
    translated: list[str] = field(default_factory=list)  # Norwegian terms for English words
    # Per content word: (stem, the index terms that stand for it); no terms = unknown word.
    per_word: list[tuple[str, list[str]]] = field(default_factory=list)
    words: int = 0  # content words in the query
    known: int = 0  # words whose stem or parts are index terms
    fixed: int = 0  # unknown words that were joined or corrected

    @property
    def unknown(self) -> int:
        return self.words - self.known - self.fixed


class LexicalIndex:
    def __init__(self, retriever, tokenizer: Tokenizer, size: int):
        self.retriever = retriever
        self.tokenizer = tokenizer
        self.size = size

    @classmethod
    def build(cls, texts: list[str], compounds: bool = True) -> LexicalIndex:
        import bm25s  # lazy: ~1 s to import (scipy); only index builds and searches need it

        tokenizer = Tokenizer(vocabulary(texts) if compounds else ())
        corpus = [tokenizer(t) or [""] for t in texts]
        retriever = bm25s.BM25()
        if texts:
            retriever.index(corpus, show_progress=False)
        return cls(retriever, tokenizer, len(texts))

    @cached_property
    def vocab(self) -> dict[str, int]:
        return {t: i for t, i in self.retriever.vocab_dict.items() if t} if self.size else {}

    @cached_property
    def corrector(self) -> Corrector:
        return Corrector(self.vocab)

    @cached_property
    def idf(self) -> np.ndarray:
        """Inverse document frequency per term id (BM25's), from the stored matrix."""
        indptr = np.asarray(self.retriever.scores["indptr"]) if self.size else np.zeros(1)
        df = np.diff(indptr)
        n = max(self.size, 1)
        return np.log(1.0 + (n - df + 0.5) / (df + 0.5))

    def max_idf(self) -> float:
        n = max(self.size, 1)
        return float(np.log(1.0 + (n + 0.5) / 0.5))

    def term_idf(self, term: str) -> float:
        i = self.vocab.get(term)
        return float(self.idf[i]) if i is not None else self.max_idf()

    def query_terms(self, query: str) -> QueryTerms:
        out = QueryTerms()
        ws = words(query)
        out.words = len(ws)
        vocab = self.vocab
        correct = TYPOS and len(ws) <= TYPOS_MAX_WORDS
        joined: dict[int, list[str]] = {}
        if JOIN:
            for i in range(len(ws) - 1):
                term = stem(ws[i] + ws[i + 1])
                if term in vocab and ws[i + 1] != ws[i]:
                    found = [term, *(p for p in self.tokenizer.splitter.parts(term) if p in vocab)]
                    out.exact.extend(found)
                    joined.setdefault(i, []).extend(found)
                    joined.setdefault(i + 1, []).extend(found)
        for i, w in enumerate(ws):
            s = stem(w)
            parts = [p for p in self.tokenizer.splitter.parts(s) if p != s and p not in STOPWORDS]
            known = [t for t in (s, *parts) if t in vocab]
            out.exact.extend(known)
            whole = s in vocab or (parts and len(known) == len(parts))
            fixes: tuple[str, ...] = ()
            if whole:
                out.known += 1
            elif i in joined:
                out.fixed += 1
            else:
                fixes = self.corrector.correct(w, s) if correct and len(w) >= 5 else ()
                if fixes:
                    out.corrected.extend(fixes)
                    out.fixed += 1
                elif known:
                    out.known += 1
            out.per_word.append((s, list(dict.fromkeys([*known, *joined.get(i, []), *fixes]))))
        if TRANSLATE:
            self._translate(query, out)
        out.exact = list(dict.fromkeys(out.exact))
        out.corrected = [t for t in dict.fromkeys(out.corrected) if t not in out.exact]
        out.translated = [t for t in dict.fromkeys(out.translated) if t not in out.exact and t not in out.corrected]
        return out

    def _translate(self, query: str, out: QueryTerms) -> None:
        """Norwegian terms for the English domain words of a query; a translated word that the
        index did not know counts as known, and its terms stand for it in `per_word`."""
        raw = TOKEN_RE.findall(unicodedata.normalize("NFKC", query).lower())
        content = {w: i for i, w in enumerate(words(query))}
        per_word = {s: i for i, (s, _) in enumerate(out.per_word)}
        for start, end, norwegian in translations(raw):
            terms = []
            for w in words(norwegian):  # the word's stem, or its parts if the index lacks the stem
                s = stem(w)
                terms += [s] if s in self.vocab else [t for t in self.tokenizer(w) if t in self.vocab]
            out.translated.extend(terms)
            for w in raw[start:end]:
                i = per_word.get(stem(w)) if w in content else None
                if i is None:
                    continue
                s, ts = out.per_word[i]
                if not ts and terms:
                    out.known += 1
                out.per_word[i] = (s, list(dict.fromkeys([*ts, *terms])))

    def scores(self, query: str | QueryTerms) -> np.ndarray:
        """BM25 score of every unit (row order of the build), 0 where no query term occurs."""
        if self.size == 0:
            return np.zeros(0, dtype=np.float32)
        terms = self.query_terms(query) if isinstance(query, str) else query
        out = np.zeros(self.size, dtype=np.float32)
        for group, weight in ((terms.exact, 1.0), (terms.corrected, FUZZY_WEIGHT),
                              (terms.translated, TRANSLATED_WEIGHT)):
            ids = [self.vocab[t] for t in group]
            if ids and weight:
                out += weight * np.asarray(self.retriever.get_scores_from_ids(ids), dtype=np.float32)
        return out

    def term_ids(self, text: str) -> list[int]:
        """Vocabulary ids of the distinct terms of a text, as `scores` uses them."""
        vocab = self.retriever.vocab_dict if self.size else {}
        return [vocab[t] for t in dict.fromkeys(self.tokenizer(text)) if t and t in vocab]

    def query_matrix(self, texts: list[str]):
        """Each text's weighted query terms (exact 1, corrected FUZZY_WEIGHT, translated
        TRANSLATED_WEIGHT; query_terms) as a sparse [texts x terms] matrix: `query_matrix @
        matrix().T` gives what `scores` gives for each text, for many texts at once."""
        from scipy import sparse  # lazy, as bm25s above: ~0.4 s, and only batch retrieval needs it

        rows, cols, vals = [], [], []
        vocab = self.vocab
        for i, text in enumerate(texts):
            terms = self.query_terms(text)
            weights: dict[int, float] = {}
            for group, weight in ((terms.exact, 1.0), (terms.corrected, FUZZY_WEIGHT),
                                  (terms.translated, TRANSLATED_WEIGHT)):
                for t in group:
                    weights[vocab[t]] = weights.get(vocab[t], 0.0) + weight
            rows += [i] * len(weights)
            cols += list(weights)
            vals += list(weights.values())
        width = self.matrix().shape[1]
        return sparse.csr_matrix((np.array(vals, np.float32), (rows, cols)), shape=(len(texts), width))

    def matrix(self):
        """The BM25 index as a sparse [units x terms] matrix of per-term scores (scipy CSR):
        a query's BM25 score of unit d is the sum of row d over the query's distinct terms, so
        many queries are scored at once by one sparse product. Built once, then cached."""
        cached = getattr(self, "_matrix", None)
        if cached is None:
            from scipy import sparse  # lazy: see query_matrix

            if self.size == 0:
                cached = sparse.csr_matrix((0, 0), dtype=np.float32)
            else:
                s = self.retriever.scores
                cached = sparse.csc_matrix((s["data"], s["indices"], s["indptr"]),
                                           shape=(self.size, len(s["indptr"]) - 1)).tocsr()
                cached.sort_indices()
            self._matrix = cached
        return cached

    def save(self, path: Path) -> None:
        path.mkdir(parents=True, exist_ok=True)
        (path / VOCAB_FILE).write_text(json.dumps(sorted(self.tokenizer.splitter.vocab), ensure_ascii=False))
        (path / "size.json").write_text(json.dumps({"size": self.size}))
        if self.size:
            self.retriever.save(str(path), show_progress=False)

    @classmethod
    def load(cls, path: Path) -> LexicalIndex:
        import bm25s  # lazy, as in build()

        vocab = json.loads((path / VOCAB_FILE).read_text())
        size = json.loads((path / "size.json").read_text())["size"]
        logging.getLogger("bm25s").setLevel(logging.WARNING)
        retriever = bm25s.BM25.load(str(path), show_progress=False) if size else bm25s.BM25()
        return cls(retriever, Tokenizer(vocab), size)
