"""Hybrid retrieval for many queries at once, each query being a unit of the index itself.

Overlap finding (matching/overlap.py) asks, for every commitment in the index, "what would
search find for this text?". It gets the answer from the same retrieval as
`search.searcher.Searcher.rank`: the DEPTH nearest vectors and the DEPTH best BM25 scores among
the allowed units, the rows boosted by names in the text (query understanding: actors, themes,
plans and projects the text names, search/query_intent.py), reciprocal rank fusion
(search/fusion.py), the heading prior (TYPE_PRIOR) and the boosts. Two things differ, both
because this is a batch job over stored data:

- the dense side uses the unit's stored passage vector instead of embedding its text as a
  query, so no model is needed (bench/overlap_quality.py measures both: the passage vector is
  as good for finding counterparts, and embedding every unit twice would double build time);
- BM25 scores of a block of queries come from one sparse product of the queries' terms (the
  unit's own index terms) with the index's term-score matrix, and fusion runs on whole blocks
  in numpy instead of one dict per query.

tests/test_duplicates.py checks on the real index that the fused scores equal Searcher.rank's.

Exact below APPROX_THRESHOLD units (as dense search is). Above it, the dense side probes the
units of the nearest inverted lists of the IVF index's coarse quantizer, a whole list of
queries at a time (one matrix product per list, which is what makes 100,000 units a matter of
seconds; bench/duplicates_speed.py), and BM25 is computed by the same sparse product.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from search import fusion
from search.index.dense import APPROX_THRESHOLD
from search.index.version import SearchIndex
from search.searcher import DEPTH, TYPE_PRIOR, _boost_rows

BLOCK = 256  # queries per block: BLOCK x units floats per score matrix
PROBES = 8  # inverted lists probed per query list in the approximate mode (bench/duplicates_speed.py)
KEEP = 40  # fused candidates kept per query

# allowed(query_rows) -> bool [len(query_rows) x units]: the candidates each query may find.
Allowed = Callable[[np.ndarray], np.ndarray]


@dataclass
class Ranked:
    """Per query (row of `queries`), its kept candidates best first (-1 pads)."""

    queries: np.ndarray  # [m] index rows
    rows: np.ndarray  # [m x keep] candidate rows
    fused: np.ndarray  # [m x keep] fused score, as Searcher.rank's "score"
    dense: np.ndarray  # [m x keep] cosine of the stored vectors
    bm25: np.ndarray  # [m x keep] BM25 score of the candidate for the query's terms

    def ranked(self, i: int) -> list[int]:
        return [int(r) for r in self.rows[i] if r >= 0]


class BatchRetriever:
    """`mode` hybrid | dense | bm25 and `query_vectors` (the units' texts embedded as queries,
    for the dense side) exist for bench/overlap_quality.py, which compares them."""

    def __init__(self, index: SearchIndex, depth: int = DEPTH, keep: int = KEEP, mode: str = "hybrid",
                 query_vectors: np.ndarray | None = None):
        if mode not in ("hybrid", "dense", "bm25"):
            raise ValueError(f"unknown mode {mode!r}")
        self.index = index
        self.depth = depth
        self.keep = keep
        self.mode = mode
        self.query_vectors = index.vectors if query_vectors is None else query_vectors
        n = len(index.units)
        self.n = n
        self.matrix = index.lexical.matrix()
        self.terms = (self.matrix > 0).astype(np.float32).tocsr()  # each unit's own distinct terms
        vocab = index.lexical.retriever.vocab_dict if index.lexical.size else {}
        empty = vocab.get("")
        if empty is not None and empty < self.terms.shape[1]:  # the placeholder of a unit without terms is not a term
            self.terms[:, empty] = 0
            self.terms.eliminate_zeros()
        self.prior = np.array([TYPE_PRIOR.get(u.type, 1.0) for u in index.units], np.float64)
        self.approximate = n >= APPROX_THRESHOLD

    # -- query understanding -----------------------------------------------------
    def _intent(self, row: int, allowed: np.ndarray):
        """(boosts {row: (factor, labels)}, term ids or None when the text is searched as is)."""
        idx = self.index
        text = idx.units[row].index_text
        found = idx.detector.detect(text)
        if not found.matches:
            return {}, None
        boosts = _boost_rows(idx, found, allowed)
        if found.retrieval_query == " ".join(text.split()):
            return boosts, None
        return boosts, idx.lexical.term_ids(found.retrieval_query)

    # -- the retrieval ------------------------------------------------------------
    def rank(self, queries, allowed: Allowed) -> Ranked:
        queries = np.asarray(queries, dtype=np.int64)
        keep = self.keep
        out = Ranked(queries, np.full((len(queries), keep), -1, np.int64), np.zeros((len(queries), keep)),
                     np.zeros((len(queries), keep)), np.zeros((len(queries), keep)))
        if not len(queries) or not self.n:
            return out
        for start in range(0, len(queries), BLOCK):
            block = queries[start:start + BLOCK]
            mask = allowed(block)
            mask[np.arange(len(block)), block] = False
            if self.approximate:
                dense_top, cos_of = self._dense_probed(block, mask)
            else:
                dense_top, cos_of = self._dense_exact(block, mask)
            lex = self._bm25(block, mask)
            self._fuse(block, mask, dense_top, cos_of, lex, out, start)
        return out

    def _dense_exact(self, block: np.ndarray, mask: np.ndarray):
        vecs = self.index.vectors
        cos = self.query_vectors[block] @ vecs.T
        cos[~mask] = -np.inf
        return _top(cos, self.depth, positive=False), lambda i, rows: cos[i, rows]

    def _dense_probed(self, block: np.ndarray, mask: np.ndarray):
        vecs = self.index.vectors
        lists = self._lists()
        top = np.full((len(block), self.depth), -1, np.int64)
        for i, row in enumerate(block.tolist()):
            cand = lists.candidates(row)
            ok = cand[mask[i, cand]]
            if len(ok):
                cos = vecs[ok] @ self.query_vectors[row]
                top[i, :min(self.depth, len(ok))] = ok[_top(cos[None, :], self.depth, positive=False)[0][
                    :min(self.depth, len(ok))]]
        return top, lambda i, rows: vecs[rows] @ self.query_vectors[block[i]]

    def _lists(self) -> ProbeLists:
        cached = getattr(self, "_probe_lists", None)
        if cached is None:
            cached = self._probe_lists = ProbeLists(self.index)
        return cached

    def _bm25(self, block: np.ndarray, mask: np.ndarray) -> np.ndarray:
        lex = np.asarray((self.terms[block] @ self.matrix.T).todense(), dtype=np.float64)
        lex[~mask] = 0.0
        return lex

    def _fuse(self, block, mask, dense_top, cos_of, lex, out: Ranked, start: int) -> None:
        keep = self.keep
        lex_top = _top(lex, self.depth, positive=True)
        for i, row in enumerate(block.tolist()):
            boosts, term_ids = self._intent(row, mask[i])
            lex_row = lex[i]
            if term_ids is not None:  # actor names left out of the text, as search does
                lex_row = np.asarray(self.matrix[:, term_ids].sum(axis=1), dtype=np.float64).ravel() \
                    if term_ids else np.zeros(self.n)
                lex_row[~mask[i]] = 0.0
                lex_top_i = _top(lex_row[None, :], self.depth, positive=True)[0]
            else:
                lex_top_i = lex_top[i]
            boost_rows = self._boost_candidates(row, boosts)
            dense_rows = dense_top[i].tolist() if self.mode != "bm25" else []
            lex_rows = lex_top_i.tolist() if self.mode != "dense" else []
            cand = [r for r in dict.fromkeys([*dense_rows, *lex_rows, *boost_rows]) if r >= 0 and mask[i, r]]
            if not cand:
                continue
            rows = np.array(cand, dtype=np.int64)
            dense = np.asarray(cos_of(i, rows), dtype=np.float64)
            lexical = lex_row[rows]
            if self.mode == "hybrid":
                fused = fusion.rrf_arrays(dense, lexical) * self.prior[rows]
            elif self.mode == "dense":
                fused = dense.copy()
            else:
                keep_pos = lexical > 0
                rows, dense, lexical, cand = rows[keep_pos], dense[keep_pos], lexical[keep_pos], \
                    [r for r, k in zip(cand, keep_pos, strict=True) if k]
                fused = lexical.copy()
            for j, r in enumerate(cand):
                if r in boosts:
                    fused[j] *= 1.0 + boosts[r][0]
            order = np.lexsort((rows, -fused))[:keep]
            n = len(order)
            out.rows[start + i, :n] = rows[order]
            out.fused[start + i, :n] = fused[order]
            out.dense[start + i, :n] = dense[order]
            out.bm25[start + i, :n] = lexical[order]

    def _boost_candidates(self, row: int, boosts: dict) -> list[int]:
        rows = list(boosts)
        if len(rows) <= self.depth:
            return rows
        vecs = self.index.vectors
        idx = np.array(rows)
        cos = vecs[idx] @ self.query_vectors[row]
        return idx[np.argpartition(-cos, self.depth - 1)[:self.depth]].tolist()


class ProbeLists:
    """The IVF index's coarse clustering, for batch neighbour search: every unit's list and, per
    list, the units of the PROBES lists nearest to it. A query's candidates are the units of the
    lists nearest to its own list's centroid."""

    def __init__(self, index: SearchIndex, probes: int = PROBES):
        dense = index.dense
        vecs = index.vectors
        quantizer = getattr(dense.index, "quantizer", None)
        if quantizer is None:  # a flat index: one list holding everything
            self.assign = np.zeros(len(vecs), np.int64)
            self.near = np.zeros((1, 1), np.int64)
            self.members = [np.arange(len(vecs))]
        else:
            import faiss

            nlist = quantizer.ntotal
            centroids = faiss.rev_swig_ptr(quantizer.get_xb(), nlist * dense.dim).reshape(nlist, dense.dim).copy()
            self.assign = np.argmax(vecs @ centroids.T, axis=1) if len(vecs) else np.zeros(0, np.int64)
            sims = centroids @ centroids.T
            self.near = np.argsort(-sims, axis=1)[:, :min(probes, nlist)]
            order = np.argsort(self.assign, kind="stable")
            bounds = np.searchsorted(self.assign[order], np.arange(nlist + 1))
            self.members = [order[bounds[c]:bounds[c + 1]] for c in range(nlist)]
        self._cache: dict[int, np.ndarray] = {}

    def candidates(self, row: int) -> np.ndarray:
        c = int(self.assign[row])
        got = self._cache.get(c)
        if got is None:
            got = np.concatenate([self.members[x] for x in self.near[c]])
            self._cache = {c: got}  # queries come list by list when sorted by list
        return got


def _top(scores: np.ndarray, k: int, positive: bool) -> np.ndarray:
    """Column indices of the k best scores per row, best first; -1 where fewer qualify."""
    m, n = scores.shape
    k = min(k, n)
    out = np.full((m, k), -1, np.int64)
    if not k:
        return out
    part = np.argpartition(scores, n - k, axis=1)[:, n - k:] if k < n else np.tile(np.arange(n), (m, 1))
    vals = np.take_along_axis(scores, part, axis=1)
    order = np.argsort(-vals, axis=1, kind="stable")
    part = np.take_along_axis(part, order, axis=1)
    vals = np.take_along_axis(vals, order, axis=1)
    ok = vals > 0 if positive else np.isfinite(vals)
    out[ok] = part[ok]
    return out
