"""Fusing the dense and the lexical ranking into one.

Two methods, compared on the development set in bench/search_quality.py:

- reciprocal rank fusion (RRF): score = sum_i w_i / (K + rank_i); only ranks count, so
  the very different scales of cosine similarity and BM25 need no calibration;
- weighted score fusion: w * minmax(cosine) + (1 - w) * bm25 / max(bm25) over the
  candidates of one query.

Scores are scaled so that 1.0 means "first in both lists" (RRF) or "best in both" (weighted).
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


def weighted(dense: dict[int, float], lexical: dict[int, float], w_dense: float = 0.7) -> dict[int, float]:
    """Convex combination of min-max scaled cosine and max-scaled BM25."""
    rows = set(dense) | {r for r, s in lexical.items() if s > 0}
    if not rows:
        return {}
    d = np.array([dense.get(r, np.nan) for r in rows], dtype=np.float64)
    finite = d[np.isfinite(d)]
    lo, hi = (finite.min(), finite.max()) if len(finite) else (0.0, 1.0)
    d = np.where(np.isfinite(d), (d - lo) / (hi - lo) if hi > lo else 1.0, 0.0)
    lex = np.array([max(lexical.get(r, 0.0), 0.0) for r in rows], dtype=np.float64)
    top = lex.max()
    if top > 0:
        lex = lex / top
        fused = w_dense * d + (1 - w_dense) * lex
    else:
        fused = d
    return dict(zip(rows, fused.tolist(), strict=True))


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
