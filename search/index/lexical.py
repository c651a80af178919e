"""Lexical retrieval: BM25 (bm25s) over Norwegian stems and compound parts.

The BM25 matrix is cheap to rebuild (no model involved), so every index update rebuilds
it from all units; the compound vocabulary is stored with it so that queries are split
exactly as the indexed texts were.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np

from search.index.normalise import Tokenizer, vocabulary

VOCAB_FILE = "compound_vocab.json"


class LexicalIndex:
    def __init__(self, retriever, tokenizer: Tokenizer, size: int):
        self.retriever = retriever
        self.tokenizer = tokenizer
        self.size = size

    @classmethod
    def build(cls, texts: list[str], compounds: bool = True) -> LexicalIndex:
        import bm25s

        tokenizer = Tokenizer(vocabulary(texts) if compounds else ())
        corpus = [tokenizer(t) or [""] for t in texts]
        retriever = bm25s.BM25()
        if texts:
            retriever.index(corpus, show_progress=False)
        return cls(retriever, tokenizer, len(texts))

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every unit (row order of the build), 0 where no query term occurs."""
        if self.size == 0:
            return np.zeros(0, dtype=np.float32)
        vocab = self.retriever.vocab_dict
        ids = [vocab[t] for t in dict.fromkeys(self.tokenizer(query)) if t in vocab and t]
        if not ids:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self.retriever.get_scores_from_ids(ids), dtype=np.float32)

    def term_ids(self, text: str) -> list[int]:
        """Vocabulary ids of the distinct terms of a text, as `scores` uses them."""
        vocab = self.retriever.vocab_dict if self.size else {}
        return [vocab[t] for t in dict.fromkeys(self.tokenizer(text)) if t and t in vocab]

    def matrix(self):
        """The BM25 index as a sparse [units x terms] matrix of per-term scores (scipy CSR):
        a query's BM25 score of unit d is the sum of row d over the query's distinct terms, so
        many queries are scored at once by one sparse product. Built once, then cached."""
        cached = getattr(self, "_matrix", None)
        if cached is None:
            from scipy import sparse

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
        import bm25s

        vocab = json.loads((path / VOCAB_FILE).read_text())
        size = json.loads((path / "size.json").read_text())["size"]
        logging.getLogger("bm25s").setLevel(logging.WARNING)
        retriever = bm25s.BM25.load(str(path), show_progress=False) if size else bm25s.BM25()
        return cls(retriever, Tokenizer(vocab), size)
