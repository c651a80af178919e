"""Dense retrieval: a FAISS inner-product index over normalised vectors, keyed by stable ids.

Exact search (IndexFlatIP in an IndexIDMap2) up to APPROX_THRESHOLD vectors; above it an
IVF index (IndexIVFFlat), which, unlike HNSW, supports removing ids, so an update adds
and removes single units without rebuilding. The threshold and nprobe come from
bench/search_speed.py (see README): below the threshold exact search is already fast
enough that approximation buys nothing worth its recall loss.

Every vector carries a `vid` (int64) that stays with its node across updates. The
flat index is not written to disk: it is rebuilt from vectors.npy at load, which is a
memory copy. The IVF index is written, so that its training survives.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

APPROX_THRESHOLD = 50_000  # vectors; measured in bench/search_speed.py
NPROBE = 32
IVF_FILE = "dense.ivf.faiss"
RETRAIN_GROWTH = 4.0  # retrain an IVF index once it holds this many times its training size
SMALL_BATCH = 8  # fewer queries than this are searched on one thread


def _faiss():
    # Lazy: faiss costs about 0.5-1 s to import, and only verbs that search need it (measured with
    # `python -X importtime`); `regiongraf stats`, `export` and `--help` start without it.
    import faiss

    return faiss


def nlist_for(n: int) -> int:
    """Inverted lists for n vectors: about sqrt(n), so one probe scans about sqrt(n) vectors."""
    return int(min(4096, max(16, math.sqrt(n))))


class DenseIndex:
    def __init__(self, index, kind: str, dim: int, trained_on: int = 0):
        self.index = index
        self.kind = kind
        self.dim = dim
        self.trained_on = trained_on

    # -- construction ----------------------------------------------------------
    @classmethod
    def create(cls, vectors: np.ndarray, vids: np.ndarray, dim: int, kind: str | None = None) -> DenseIndex:
        faiss = _faiss()
        n = len(vids)
        kind = kind or ("ivf" if n >= APPROX_THRESHOLD else "flat")
        if kind == "flat":
            index = faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
            trained = 0
        elif kind == "ivf":
            nlist = nlist_for(n)
            index = faiss.IndexIVFFlat(faiss.IndexFlatIP(dim), dim, nlist, faiss.METRIC_INNER_PRODUCT)
            # FAISS samples at most 256 points per centroid; train on a fixed sample for speed.
            sample = vectors
            if n > 100 * nlist:
                rng = np.random.default_rng(0)
                sample = vectors[np.sort(rng.choice(n, 100 * nlist, replace=False))]
            index.train(np.ascontiguousarray(sample, dtype=np.float32))
            index.nprobe = NPROBE
            trained = n
        else:
            raise ValueError(f"unknown index kind {kind!r}")
        out = cls(index, kind, dim, trained)
        if n:
            out.add(vids, vectors)
        return out

    def needs_rebuild(self, n: int) -> bool:
        """True if the size has crossed the exact/approximate threshold or outgrown the training."""
        want = "ivf" if n >= APPROX_THRESHOLD else "flat"
        if want != self.kind:
            return True
        return self.kind == "ivf" and n > RETRAIN_GROWTH * max(1, self.trained_on)

    # -- updates ---------------------------------------------------------------
    def add(self, vids: np.ndarray, vectors: np.ndarray) -> None:
        if len(vids):
            self.index.add_with_ids(
                np.ascontiguousarray(vectors, dtype=np.float32), np.asarray(vids, dtype=np.int64)
            )

    def remove(self, vids) -> int:
        vids = np.asarray(list(vids), dtype=np.int64)
        if not len(vids):
            return 0
        return int(self.index.remove_ids(_faiss().IDSelectorBatch(vids)))

    def probes_for(self, fraction: float) -> int:
        """IVF probes for a search restricted to `fraction` of the vectors: as many allowed
        vectors visited as an unrestricted search would visit."""
        nlist = int(getattr(self.index, "nlist", 1))
        return int(min(nlist, math.ceil(NPROBE / max(fraction, 1e-9))))

    @property
    def size(self) -> int:
        return int(self.index.ntotal)

    # -- search ----------------------------------------------------------------
    def search(self, queries: np.ndarray, k: int, allowed: np.ndarray | None = None,
               nprobe: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(scores, vids) of the k nearest vectors per query row; vid -1 pads short results.

        `allowed` restricts the search to those vids (FAISS IDSelector, no post-filtering).
        """
        faiss = _faiss()
        queries = np.ascontiguousarray(np.atleast_2d(queries), dtype=np.float32)
        k = max(1, min(k, self.size)) if self.size else 1
        if self.size == 0:
            return np.full((len(queries), k), -np.inf, np.float32), np.full((len(queries), k), -1, np.int64)
        sel = faiss.IDSelectorBatch(np.asarray(allowed, dtype=np.int64)) if allowed is not None else None
        if self.kind == "ivf":
            params = faiss.SearchParametersIVF(sel=sel, nprobe=nprobe or NPROBE)
        else:
            params = faiss.SearchParameters(sel=sel) if sel is not None else None
        if len(queries) >= SMALL_BATCH:
            return self.index.search(queries, k, params=params)
        # A few queries: one OpenMP thread. Splitting one query over threads costs more than it
        # gains, and on a busy machine waiting for the other thread costs 20 ms instead of 0.6
        # (bench/search_speed.py). The setting is per calling thread in OpenMP.
        before = faiss.omp_get_max_threads()
        faiss.omp_set_num_threads(1)
        try:
            return self.index.search(queries, k, params=params)
        finally:
            faiss.omp_set_num_threads(before)

    # -- files -----------------------------------------------------------------
    def save(self, path: Path) -> dict:
        """Write what cannot be rebuilt cheaply; returns the manifest entry."""
        if self.kind == "ivf":
            _faiss().write_index(self.index, str(path / IVF_FILE))
        return {"kind": self.kind, "dim": self.dim, "trained_on": self.trained_on}

    @classmethod
    def load(cls, path: Path, meta: dict, vectors: np.ndarray, vids: np.ndarray) -> DenseIndex:
        if meta["kind"] == "ivf":
            index = _faiss().read_index(str(path / IVF_FILE))
            index.nprobe = NPROBE
            return cls(index, "ivf", meta["dim"], meta.get("trained_on", 0))
        return cls.create(vectors, vids, meta["dim"], kind="flat")
