"""Hybrid retrieval for many queries at once, each query being a unit of the index itself.

Overlap finding (matching/overlap.py) asks, for every commitment in the index, "what would
search find for this text?". It gets the answer from the same retrieval as
`search.searcher.Searcher.rank`: the DEPTH nearest vectors and the DEPTH best BM25 scores among
the allowed units, the rows boosted by names in the text (query understanding: actors, themes,
plans and projects the text names, search/query_intent.py), reciprocal rank fusion
(search/fusion.py), the heading prior (TYPE_PRIOR) and the boosts. What differs makes it a
batch job over stored data:

- the dense side uses the unit's stored passage vector instead of embedding its text as a
  query, so no model is needed (bench/overlap_quality.py measures both: embedding every unit
  a second time, as a query, found counterparts no better and would double the build time);
- a query's BM25 terms are read from the unit's text as search reads a query (below the
  approximate threshold; above it, the unit's own index terms), and the BM25 scores of a block
  of queries come from one sparse product with the index's term-score matrix;
- fusion runs on whole blocks in numpy; ties between equal scores are broken by row, where
  search breaks them by the order the candidates came in.

tests/test_duplicates.py checks on the real index that the fused scores equal Searcher.rank's.

Exact below APPROX_THRESHOLD units, as dense search is: every query is scored against every
allowed unit, in blocks of matrix products, keeping the best (an all-pairs computation with a
running top-k). Above it, approximate, as dense search is: the queries are taken one inverted
list of the IVF index at a time, and each list's queries are scored (dense and BM25) against
the units of the PROBES lists whose centroids are nearest to it: one matrix product per list,
which is what makes 100,000 units a matter of seconds (bench/duplicates_speed.py measures time,
memory and the share of the exact top pairs found).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from search.fusion import RRF_K
from search.index.dense import APPROX_THRESHOLD
from search.index.version import SearchIndex
from search.query_intent import _tokens
from search.searcher import DEPTH, TYPE_PRIOR, _boost_rows

BLOCK = 256  # queries per block in the exact mode: BLOCK x units floats per score matrix
PROBES = 8  # inverted lists probed per query list in the approximate mode (bench/duplicates_speed.py)
KEEP = 40  # fused candidates kept per query
DEPTH_LARGE = 40  # candidates per retriever in the approximate mode (the probed units are few anyway)

# allowed(query_rows, columns) -> bool [len(query_rows) x len(columns)]: the units (index rows
# `columns`) each query may find; None when they may all be found.
Allowed = Callable[[np.ndarray, np.ndarray], np.ndarray | None]


@dataclass
class Ranked:
    """Per query (row of `queries`), its kept candidates best first (-1 pads)."""

    queries: np.ndarray  # [m] index rows
    rows: np.ndarray  # [m x keep] candidate rows, by fused score
    fused: np.ndarray  # [m x keep] fused score, as Searcher.rank's "score"
    dense: np.ndarray  # [m x keep] cosine of the stored vectors
    bm25: np.ndarray  # [m x keep] BM25 score of the candidate for the query's terms
    nearest: np.ndarray  # [m x keep] the dense side's own order: the nearest allowed rows by cosine

    @classmethod
    def empty(cls, queries: np.ndarray, keep: int) -> Ranked:
        m = len(queries)
        return cls(queries, np.full((m, keep), -1, np.int64), np.zeros((m, keep), np.float32),
                   np.zeros((m, keep), np.float32), np.zeros((m, keep), np.float32), np.full((m, keep), -1, np.int64))


class BatchRetriever:
    """`mode` hybrid | dense | bm25 and `query_vectors` (the units' texts embedded as queries,
    for the dense side) exist for bench/overlap_quality.py, which compares them; `approximate`
    overrides the choice by size (bench/duplicates_speed.py runs the exact mode as its baseline)."""

    def __init__(self, index: SearchIndex, depth: int = DEPTH, keep: int = KEEP, mode: str = "hybrid",
                 query_vectors: np.ndarray | None = None, approximate: bool | None = None, probes: int = PROBES):
        if mode not in ("hybrid", "dense", "bm25"):
            raise ValueError(f"unknown mode {mode!r}")
        self.index = index
        self.depth = depth
        self.keep = keep
        self.mode = mode
        self.probes = probes
        self.query_vectors = index.vectors if query_vectors is None else query_vectors
        self.n = len(index.units)
        self.matrix = index.lexical.matrix()  # BM25 term scores [units x terms]
        # Each unit's text as search reads a query (stems, joined compounds, the English glossary:
        # Lexical.query_terms). Above the approximate threshold, its own distinct index terms
        # instead: reading 100,000 texts as queries costs more than the whole search.
        self.terms = ((self.matrix > 0).astype(np.float32).tocsr() if self.n >= APPROX_THRESHOLD
                      else index.lexical.query_matrix([u.index_text for u in index.units]))
        self.matrix_t = self.matrix.T.tocsr()  # [terms x units], for products with many queries
        self.prior = np.array([TYPE_PRIOR.get(u.type, 1.0) for u in index.units], np.float64)
        self.approximate = self.n >= APPROX_THRESHOLD if approximate is None else approximate
        if self.approximate:
            self.depth = min(depth, DEPTH_LARGE)
        self._first_stems = None

    # -- query understanding -----------------------------------------------------
    def _names_possible(self, row: int) -> bool:
        """Cheap pre-check: can the detector match anything in this unit's text at all?"""
        detector = self.index.detector
        if not detector.patterns:
            return False
        if self._first_stems is None:
            self._first_stems = {p[0][0] for p in detector.patterns}
        return any(t[0] in self._first_stems for t in _tokens(self.index.units[row].index_text))

    def _intent(self, row: int, allowed_row: np.ndarray):
        """(boosts {row: (factor, labels)}, BM25 term ids, or None when the text is searched as is)."""
        idx = self.index
        text = idx.units[row].index_text
        found = idx.detector.detect(text)
        if not found.matches:
            return {}, None
        boosts = _boost_rows(idx, found, allowed_row)
        if found.retrieval_query == " ".join(text.split()):
            return boosts, None
        return boosts, idx.lexical.term_ids(found.retrieval_query)

    # -- the retrieval ------------------------------------------------------------
    def rank(self, queries, allowed: Allowed) -> Ranked:
        queries = np.asarray(queries, dtype=np.int64)
        out = Ranked.empty(queries, self.keep)
        if not len(queries) or not self.n:
            return out
        position = np.arange(len(queries))
        if self.approximate:
            lists = self._lists()
            group = lists.assign[queries]
            order = np.argsort(group, kind="stable")
            bounds = np.flatnonzero(np.diff(group[order])) + 1
            chunks = [(position[order][s], lists.columns(int(group[order][s[0]])))
                      for s in np.split(np.arange(len(order)), bounds)]
        else:
            columns = np.arange(self.n)
            chunks = [(position[s:s + BLOCK], columns) for s in range(0, len(queries), BLOCK)]
        for at, columns in chunks:
            self._chunk(queries[at], at, columns, allowed, out)
        return out

    def _chunk(self, block: np.ndarray, at: np.ndarray, columns: np.ndarray, allowed: Allowed, out: Ranked) -> None:
        """Score queries `block` against units `columns` and write their lists at `at` in `out`."""
        mask = allowed(block, columns)
        vecs = self.index.vectors
        cos = self.query_vectors[block] @ vecs[columns].T
        if mask is not None:
            cos[~mask] = -np.inf
        if self.mode != "dense":
            docs = self.matrix_t if len(columns) == self.n else self.matrix[columns].T
            lex = (self.terms[block] @ docs).toarray()
            if mask is not None:
                lex[~mask] = 0.0
        else:
            lex = np.zeros(cos.shape, np.float32)
        # a unit never finds itself (columns are sorted)
        own_j = np.clip(np.searchsorted(columns, block), 0, len(columns) - 1)
        own_i = np.flatnonzero(columns[own_j] == block)
        own_j = own_j[own_i]
        cos[own_i, own_j] = -np.inf
        lex[own_i, own_j] = 0.0
        dense_top = _top(cos, self.depth, positive=False)
        near = dense_top[:, :self.keep]
        out.nearest[at, :near.shape[1]] = np.where(near >= 0, columns[np.clip(near, 0, None)], -1)
        lex_top = _top(lex, self.depth, positive=True) if self.mode != "dense" else np.full((len(block), 0), -1)
        plain = np.ones(len(block), dtype=bool)
        for i, row in enumerate(block.tolist()):  # texts that name actors, themes or plans: one by one
            if not self._names_possible(row):
                continue
            mask_i = np.isfinite(cos[i]) if mask is None else mask[i] & (columns != row)
            boosts, term_ids = self._intent(row, _full_row(mask_i, columns, self.n))
            if boosts or term_ids is not None:
                plain[i] = False
                self._one(row, at[i], mask_i, columns, cos[i], lex[i], dense_top[i], boosts, term_ids, out)
        if plain.any():
            self._fuse(np.flatnonzero(plain), at, columns, cos, lex, dense_top, lex_top, out)

    def _fuse(self, sel, at, columns, cos, lex, dense_top, lex_top, out: Ranked) -> None:
        """Reciprocal rank fusion for many queries at once (fusion.rrf on arrays)."""
        parts = []
        if self.mode != "bm25":
            parts.append(dense_top[sel])
        if self.mode != "dense":
            parts.append(lex_top[sel])
        cand = np.concatenate(parts, axis=1)
        cand = np.sort(cand, axis=1)  # dedupe: equal neighbours after sorting
        cand[:, 1:][cand[:, 1:] == cand[:, :-1]] = -1
        valid = cand >= 0
        safe = np.clip(cand, 0, None)
        d = np.take_along_axis(cos[sel], safe, axis=1).astype(np.float64)
        b = np.take_along_axis(lex[sel], safe, axis=1).astype(np.float64)
        d[~valid] = -np.inf
        b[~valid] = 0.0
        if self.mode == "hybrid":
            fused = _rrf_rows(d, b, valid)
        elif self.mode == "dense":
            fused = np.where(valid, d, -np.inf)
        else:
            valid &= b > 0
            fused = np.where(valid, b, -np.inf)
        rows = np.where(valid, columns[safe], -1)
        if self.mode == "hybrid":
            fused = np.where(valid, fused * self.prior[np.clip(rows, 0, None)], -np.inf)
        # best first, ties by row (np.lexsort: last key first)
        order = np.lexsort((np.where(valid, rows, np.iinfo(np.int64).max), -fused), axis=1)[:, :self.keep]
        k = order.shape[1]
        take = lambda m: np.take_along_axis(m, order, axis=1)  # noqa: E731
        ok = take(valid)
        dest = at[sel]
        out.rows[dest, :k] = np.where(ok, take(rows), -1)
        out.fused[dest, :k] = np.where(ok, take(fused), 0.0)
        out.dense[dest, :k] = np.where(ok, take(d), 0.0)
        out.bm25[dest, :k] = np.where(ok, take(b), 0.0)

    def _one(self, row, at, mask, columns, cos, lex, dense_top, boosts, term_ids, out: Ranked) -> None:
        """One query that names something: as Searcher.rank, with its boosts (and the actor names
        left out of the BM25 text)."""
        if term_ids is not None:
            docs = self.matrix if len(columns) == self.n else self.matrix[columns]
            lex = np.asarray(docs[:, term_ids].sum(axis=1), dtype=np.float32).ravel() \
                if term_ids else np.zeros(len(columns), np.float32)
            lex[~mask] = 0.0
        col_of = {int(c): j for j, c in enumerate(columns.tolist())}
        boosted = [col_of[r] for r in self._boost_candidates(row, boosts) if r in col_of]
        dense_cols = dense_top.tolist() if self.mode != "bm25" else []
        lex_cols = _top(lex[None, :], self.depth, positive=True)[0].tolist() if self.mode != "dense" else []
        cand = [c for c in dict.fromkeys([*dense_cols, *lex_cols, *boosted]) if c >= 0 and mask[c]]
        if not cand:
            return
        cols = np.array(cand, dtype=np.int64)
        rows = columns[cols]
        d = cos[cols].astype(np.float64)
        b = lex[cols].astype(np.float64)
        if self.mode == "hybrid":
            fused = _rrf_rows(d[None, :], b[None, :], np.ones((1, len(cols)), bool))[0] * self.prior[rows]
        elif self.mode == "dense":
            fused = d.copy()
        else:
            keep = b > 0
            rows, d, b = rows[keep], d[keep], b[keep]
            fused = b.copy()
        for j, r in enumerate(rows.tolist()):
            if r in boosts:
                fused[j] *= 1.0 + boosts[r][0]
        order = np.lexsort((rows, -fused))[:self.keep]
        n = len(order)
        out.rows[at, :n] = rows[order]
        out.fused[at, :n] = fused[order]
        out.dense[at, :n] = d[order]
        out.bm25[at, :n] = b[order]

    def _boost_candidates(self, row: int, boosts: dict) -> list[int]:
        rows = list(boosts)
        if len(rows) <= self.depth:
            return rows
        idx = np.array(rows)
        cos = self.index.vectors[idx] @ self.query_vectors[row]
        return idx[np.argpartition(-cos, self.depth - 1)[:self.depth]].tolist()

    def _lists(self) -> ProbeLists:
        cached = getattr(self, "_probe_lists", None)
        if cached is None:
            cached = self._probe_lists = ProbeLists(self.index, self.probes)
        return cached


class ProbeLists:
    """The IVF index's coarse clustering, for batch neighbour search: each unit's inverted list,
    and per list the units of the `probes` lists whose centroids are nearest to its own."""

    def __init__(self, index: SearchIndex, probes: int = PROBES):
        vecs = index.vectors
        quantizer = getattr(index.dense.index, "quantizer", None)
        if quantizer is None:  # a flat index: one list that holds everything
            centroids = vecs.mean(axis=0, keepdims=True) if len(vecs) else np.zeros((1, vecs.shape[1]), np.float32)
        else:
            centroids = np.asarray(quantizer.reconstruct_n(0, quantizer.ntotal), dtype=np.float32)
        nlist = len(centroids)
        self.assign = np.zeros(len(vecs), np.int64)
        for s in range(0, len(vecs), 65_536):  # each unit's nearest centroid, as FAISS assigns it
            self.assign[s:s + 65_536] = np.argmax(vecs[s:s + 65_536] @ centroids.T, axis=1)
        self.near = np.argsort(-(centroids @ centroids.T), axis=1)[:, :min(probes, nlist)]
        order = np.argsort(self.assign, kind="stable")
        bounds = np.searchsorted(self.assign[order], np.arange(nlist + 1))
        self.members = [order[bounds[c]:bounds[c + 1]] for c in range(nlist)]

    def columns(self, lst: int) -> np.ndarray:
        return np.sort(np.concatenate([self.members[x] for x in self.near[lst]]))


def _full_row(mask_row: np.ndarray, columns: np.ndarray, n: int) -> np.ndarray:
    if len(columns) == n:
        return mask_row
    full = np.zeros(n, dtype=bool)
    full[columns] = mask_row
    return full


def _rrf_rows(dense: np.ndarray, lexical: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """search.fusion.rrf for each row of candidates: dense ranks over the valid candidates,
    lexical ranks over those with a positive score; scaled so that 1.0 is first in both."""
    m, w = dense.shape
    ranks = np.empty((m, w))
    order = np.argsort(-np.where(valid, dense, -np.inf), axis=1, kind="stable")
    np.put_along_axis(ranks, order, np.arange(1, w + 1)[None, :].repeat(m, axis=0), axis=1)
    out = np.where(valid, 1.0 / (RRF_K + ranks), 0.0)
    pos = valid & (lexical > 0)
    lorder = np.argsort(-np.where(pos, lexical, -np.inf), axis=1, kind="stable")
    lranks = np.empty((m, w))
    np.put_along_axis(lranks, lorder, np.arange(1, w + 1)[None, :].repeat(m, axis=0), axis=1)
    out += np.where(pos, 1.0 / (RRF_K + lranks), 0.0)
    top = (1.0 + pos.any(axis=1)) / (RRF_K + 1)
    return out / top[:, None]


def _top(scores: np.ndarray, k: int, positive: bool) -> np.ndarray:
    """Column indices of the k best scores per row, best first; -1 where fewer qualify."""
    m, n = scores.shape
    k = min(k, n)
    out = np.full((m, k), -1, np.int64)
    if not k or not m:
        return out
    part = np.argpartition(scores, n - k, axis=1)[:, n - k:] if k < n else np.tile(np.arange(n), (m, 1))
    vals = np.take_along_axis(scores, part, axis=1)
    order = np.argsort(-vals, axis=1, kind="stable")
    part = np.take_along_axis(part, order, axis=1)
    vals = np.take_along_axis(vals, order, axis=1)
    ok = vals > 0 if positive else np.isfinite(vals)
    out[ok] = part[ok]
    return out
