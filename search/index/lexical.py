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
        import bm25s  # lazy: ~1 s to import (scipy); only index builds and searches need it

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
