"""A small LRU cache of query embeddings, in front of any embedder.

Keyed by the model (the embedder's name, backend and source) and the query text as the
searcher embeds it (already cleaned by search.searcher.clean_query), so a cache shared by
two models can never hand one model's vector to the other. Bounded by `size` entries (384
float32 each: 1,024 entries ≈ 1.6 MB) and thread-safe. Vectors are stored read-only; callers
get fresh arrays.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np


def model_key(embedder) -> str:
    """What identifies an embedder's vectors: configured name, backend and loaded source."""
    return "|".join(str(getattr(embedder, a, "")) for a in ("name", "backend", "source"))


class QueryCache:
    def __init__(self, embedder, size: int = 1024):
        if size < 1:
            raise ValueError("size must be >= 1")
        self.embedder = embedder
        self.name = embedder.name
        self.dim = embedder.dim
        self.size = size
        self.model = model_key(embedder)
        self._items: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def __getattr__(self, attr):  # is_e5, source, backend, ... of the wrapped embedder
        if attr == "embedder":
            raise AttributeError(attr)
        return getattr(self.embedder, attr)

    def __len__(self) -> int:
        return len(self._items)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        found: dict[str, np.ndarray] = {}
        with self._lock:
            for t in texts:
                vec = self._items.get((self.model, t))
                if vec is not None:
                    self._items.move_to_end((self.model, t))
                    found[t] = vec
            self.hits += sum(t in found for t in texts)
        missing = [t for t in dict.fromkeys(texts) if t not in found]
        if missing:
            vectors = np.asarray(self.embedder.embed_queries(missing), dtype=np.float32)
            with self._lock:
                self.misses += len(missing)
                for t, vec in zip(missing, vectors, strict=True):
                    vec = vec.copy()
                    vec.setflags(write=False)
                    found[t] = vec
                    self._items[(self.model, t)] = vec
                    self._items.move_to_end((self.model, t))
                while len(self._items) > self.size:
                    self._items.popitem(last=False)
        return np.stack([found[t] for t in texts])

    def embed_passages(self, texts: list[str], batch_size: int = 32, show_progress: bool = False) -> np.ndarray:
        return self.embedder.embed_passages(texts, batch_size=batch_size, show_progress=show_progress)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
