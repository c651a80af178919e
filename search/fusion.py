"""Fusing the dense and the lexical ranking into one.

Reciprocal rank fusion (RRF): score = sum_i w_i / (K + rank_i); only ranks count, so the
very different scales of cosine similarity and BM25 need no calibration. (Weighted score
fusion did no better on the development set, see README, and was dropped.) Scores are
scaled so that 1.0 means "first in both lists".
"""

from __future__ import annotations

import numpy as np

RRF_K = 60
DENSE_WEIGHT = 1.0
LEXICAL_WEIGHT = 1.0


def ranks(scores: dict[int, float]) -> dict[int, int]:
    """1-based rank of each candidate by descending score (ties keep the order given)."""
    order = sorted(scores, key=lambda r: -scores[r])
    return {r: i + 1 for i, r in enumerate(order)}


def rrf(dense: dict[int, float], lexical: dict[int, float], k: int = RRF_K,
        w_dense: float = DENSE_WEIGHT, w_lexical: float = LEXICAL_WEIGHT) -> dict[int, float]:
    """Reciprocal rank fusion of two {row: score} maps; lexical scores <= 0 do not rank."""
    lexical = {r: s for r, s in lexical.items() if s > 0}
    out: dict[int, float] = {}
    top = (w_dense + (w_lexical if lexical else 0.0)) / (k + 1)
    for weight, rk in ((w_dense, ranks(dense)), (w_lexical, ranks(lexical))):
        for row, r in rk.items():
            out[row] = out.get(row, 0.0) + weight / (k + r)
    return {row: s / top for row, s in out.items()} if top else out


def rrf_arrays(dense: np.ndarray, lexical: np.ndarray, k: int = RRF_K, w_dense: float = DENSE_WEIGHT,
               w_lexical: float = LEXICAL_WEIGHT) -> np.ndarray:
    """`rrf` for one query's candidates given as aligned arrays (the same scores, in order):
    dense ranks over all candidates, lexical ranks over those with a positive score; ties keep
    the order given. For batch retrieval (search/batch.py), where dicts per query cost too much."""
    dense = np.asarray(dense, dtype=np.float64)
    lexical = np.asarray(lexical, dtype=np.float64)
    out = np.zeros(len(dense))
    rank = np.empty(len(dense))
    rank[np.argsort(-dense, kind="stable")] = np.arange(1, len(dense) + 1)
    out += w_dense / (k + rank)
    pos = np.flatnonzero(lexical > 0)
    if len(pos):
        lrank = np.empty(len(pos))
        lrank[np.argsort(-lexical[pos], kind="stable")] = np.arange(1, len(pos) + 1)
        out[pos] += w_lexical / (k + lrank)
    top = (w_dense + (w_lexical if len(pos) else 0.0)) / (k + 1)
    return out / top if top else out
