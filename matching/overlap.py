"""Duplicates and overlaps between commitments: hybrid candidates, explainable features, calibrated confidence.

**Candidates.** Every commitment in the index is a query: measures, imported initiatives,
strategies, sub-goals, goals, challenges, focus areas, measure groups, plans, projects, and any
of these an import brings (bench/overlap_quality.py decided to keep them all: the judged
partner lists count every kind as a counterpart, and leaving any out cost more recall than it
gained precision). Its text is searched with the same hybrid retrieval as `regiongraf search`
(search/batch.py: dense + BM25 + names in the text, fused as search fuses them) among the
commitments of other owners, and, for a proposal, also among the other proposals of its own
owner (the same proposal written twice). The owner of a node is its actor (rg:proposedBy) or,
without one, its source graph (the programme document, the curated facts, an imported list).
The top K of each side of each list are the candidate pairs: the work grows with n·K, never
with all pairs.

**Confidence.** Each candidate pair gets the features of matching/features.py (centred cosine,
BM25 both ways, shared terms, the hybrid ranks both ways, shared focus area or mentions, the
kinds) and `confidence` = the calibrated probability that staff would call the pair worth
coordinating (matching/confidence.py; fitted on bench/overlap/judged_tune.json,
judged_tune2.json and bench/devset_pairs.json). The dense side (candidates and the cosine)
reads language-neutral vectors (search/language.py), so an English list is paired by what it
says. A pair's confidence does not depend on who asks: duplicates, similar, the node pages,
the inferred links and the gaps' suggestions all read it here.

**Kinds.** `overlap` when confidence >= the cut chosen for precision 0.9 (cuts["overlap"]);
`duplicate` when it is also above cuts["duplicate"] and the two say nearly the same words both
ways (`features.same_words`: the same proposal written twice); otherwise `related`, which is
always `weak` (shown only when asked for, and always said to be weak).

**Which pairs are overlaps.** Two proposals (measure or initiative), or any two commitments of
which at least one was imported. A programme measure and a programme strategy are not an
overlap: that relation is rg:implements (strategy_links.py), scored with the same confidence.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from graph.errors import UserError
from matching.confidence import load_calibrator
from matching.features import NAMES, PROPOSALS, FeatureSpace, same_words
from search.batch import BatchRetriever
from search.index.units import UNIT_TYPES
from search.index.version import SearchIndex
from search.language import language_neutral, language_of

COMMITMENTS = UNIT_TYPES  # every kind that is indexed is a commitment that can be paired
K = 20  # candidates per query among other owners' commitments
K_SAME = 5  # ... and among the same owner's other proposals (duplicates within one list)
K_DENSE = 10  # ... and the first of the dense side's own order (a text whose words BM25 does not
# know, e.g. English, still gets its nearest meanings scored)
# Above 50,000 units the retrieval is approximate (search/batch.py) and fewer candidates per query
# bound the work; on the judged tune lists 10/5 found the same counterparts (top 3) as 20/10.
K_LARGE, K_DENSE_LARGE = 10, 5


@dataclass
class Pair:
    a: int  # rows in the index
    b: int
    confidence: float
    kind: str  # duplicate | overlap | related
    weak: bool  # below the overlap cut: not a pair staff should act on without a look
    features: np.ndarray  # the row of the feature matrix (features.NAMES)

    @property
    def score(self) -> float:
        return self.confidence

    def feature(self, name: str) -> float:
        return float(self.features[NAMES.index(name)])


def language_neutral_index(index: SearchIndex) -> SearchIndex:
    """The index with language-neutral vectors (search/language.py): an English item is paired
    by what it says, not by being English. The index itself when every text is Norwegian."""
    vectors = language_neutral(index.vectors, [language_of(u.index_text) for u in index.units])
    return index if vectors is index.vectors else index.with_vectors(vectors)


def unit_text(unit) -> str:
    """What a node says: its title when the text does not begin with it, and the text."""
    label = unit.label.rstrip("…")
    return unit.text if unit.text.startswith(label) else f"{unit.label}. {unit.text}"


class Lists:
    """Each commitment's hybrid search list (search/batch.py), computed when first needed and
    kept; with each candidate's rank among the candidates of its side (other owner / same owner)."""

    def __init__(self, index: SearchIndex, owner: np.ndarray, proposal: np.ndarray, eligible: np.ndarray,
                 retrieval: dict | None = None, retriever: BatchRetriever | None = None):
        self.index = index
        self.owner = owner
        self.proposal = proposal
        self.eligible = eligible
        self.retriever = retriever or BatchRetriever(index, **(retrieval or {}))
        n, keep = len(index.units), self.retriever.keep
        self.rows = np.full((n, keep), -1, np.int64)
        self.rank = np.zeros((n, keep), np.int32)
        self.fused = np.zeros((n, keep), np.float32)
        self.nearest = np.full((n, keep), -1, np.int64)  # the dense side's order
        self.nearest_rank = np.zeros((n, keep), np.int32)
        self.done = np.zeros(n, dtype=bool)

    def allowed(self, queries: np.ndarray, columns: np.ndarray) -> np.ndarray | None:
        """Another owner's commitment, or, for a proposal, also its own owner's other proposals
        (None: all of them, e.g. when queries and columns are all proposals)."""
        if self.proposal[queries].all() and self.proposal[columns].all() and self.eligible[columns].all():
            return None
        other = self.owner[queries][:, None] != self.owner[columns][None, :]
        both = self.proposal[queries][:, None] & self.proposal[columns][None, :]
        return self.eligible[columns][None, :] & (other | both)

    def ensure(self, rows) -> None:
        if self.done.all():  # the common case once the table is built: no 1M-row unique
            return
        rows = np.unique(np.asarray(rows, dtype=np.int64))
        todo = rows[~self.done[rows]] if len(rows) else rows
        if not len(todo):
            return
        got = self.retriever.rank(todo, self.allowed)
        self.rows[todo] = got.rows
        self.fused[todo] = got.fused
        self.nearest[todo] = got.nearest
        self.rank[todo] = self._class_ranks(todo, got.rows)
        self.nearest_rank[todo] = self._class_ranks(todo, got.nearest)
        self.done[todo] = True

    def _class_ranks(self, queries: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Rank of each listed row among the listed rows of its side (same owner as the query or not)."""
        valid = rows >= 0
        same = valid & (self.owner[np.clip(rows, 0, None)] == self.owner[queries][:, None])
        return np.where(valid, np.where(same, np.cumsum(same, axis=1), np.cumsum(valid & ~same, axis=1)), 0)

    def inverse_ranks(self, a: np.ndarray, b: np.ndarray, dense: bool = False) -> np.ndarray:
        """1/rank of b in a's hybrid list (or, with `dense`, in its dense side's own order),
        within b's side; 0 when b is not in it."""
        if not len(a):
            return np.zeros(0)
        self.ensure(a)
        keys, values = self._lookup(dense)
        if not len(keys):
            return np.zeros(len(a))
        want = a * (len(self.index.units) + 1) + b
        order = np.argsort(want, kind="stable")  # sorted needles: searchsorted walks the keys in order
        at = np.empty(len(want), np.int64)
        at[order] = np.searchsorted(keys, want[order])
        at = np.clip(at, 0, len(keys) - 1)
        ranks = np.where(keys[at] == want, values[at], 0)
        return np.where(ranks > 0, 1.0 / np.maximum(ranks, 1), 0.0)

    def _lookup(self, dense: bool) -> tuple[np.ndarray, np.ndarray]:
        """Sorted (query * width + candidate) keys of every computed list, with the ranks."""
        cache = self.__dict__.setdefault("_lookups", {})
        stamp = int(self.done.sum())
        got = cache.get(dense)
        if got is None or got[0] != stamp:
            rows, rank = (self.nearest, self.nearest_rank) if dense else (self.rows, self.rank)
            queries = np.flatnonzero(self.done)
            listed = rows[queries]
            ok = listed >= 0
            keys = (queries[:, None] * (len(self.index.units) + 1) + listed)[ok]
            order = np.argsort(keys, kind="stable")
            got = cache[dense] = (stamp, keys[order], rank[queries][ok][order])
        return got[1], got[2]

    def candidates(self, row: int, same_owner: bool, k: int) -> list[int]:
        self.ensure([row])
        out = []
        for c in self.rows[row].tolist():
            if c < 0:
                break
            if (self.owner[c] == self.owner[row]) == same_owner:
                out.append(c)
                if len(out) == k:
                    break
        return out


class Commitments:
    """The commitments of one index version, with what finding and scoring pairs needs."""

    def __init__(self, index: SearchIndex, calibrator=None, retrieval: dict | None = None,
                 keep: np.ndarray | None = None, retriever: BatchRetriever | None = None,
                 neutral: bool = True):
        """`retrieval`: options of search.batch.BatchRetriever (mode, query_vectors), for benchmarks.
        `keep` (bool per row): only these rows are commitments, searched and paired (one programme
        year and the nodes of no year, matching/years.py); `retriever`: one shared between such views,
        whose index (language-neutral already) is `index`. `neutral=False`: the stored vectors as
        they are (the previous method, for benchmarks)."""
        if retriever is None and neutral:
            index = language_neutral_index(index)
        self.index = index
        self._calibrator = calibrator
        units = index.units
        n = len(units)
        owners: dict[str, int] = {}
        self.owner = np.array([owners.setdefault(u.actors[0] if u.actors else f"graph:{u.graph}", len(owners))
                               for u in units], dtype=np.int64) if n else np.zeros(0, np.int64)
        self.types = np.array([u.type for u in units], dtype=object)
        self.eligible = np.isin(self.types, list(COMMITMENTS)) if n else np.zeros(0, bool)
        if keep is not None and n:
            self.eligible &= np.asarray(keep, dtype=bool)
        self.proposal = np.isin(self.types, list(PROPOSALS)) if n else np.zeros(0, bool)
        self.imported = np.array(["/graph/import/" in u.graph for u in units], dtype=bool)
        self.several = np.array([len(u.actors) > 1 for u in units], dtype=bool)  # proposed jointly
        self.rows = np.flatnonzero(self.eligible)
        self.lists = Lists(index, self.owner, self.proposal, self.eligible, retrieval, retriever)
        self.space = FeatureSpace(index, self.lists, self.owner, self.eligible)
        self._table: tuple | None = None

    # -- confidence ------------------------------------------------------------
    @property
    def calibrator(self):
        if self._calibrator is None:
            self._calibrator = load_calibrator()
        return self._calibrator

    @property
    def cuts(self) -> dict[str, float]:
        return self.calibrator.cuts

    def score(self, a, b) -> list[Pair]:
        """Pairs for rows a[i], b[i], with confidence and kind (order kept)."""
        a = np.asarray(a, dtype=np.int64)
        b = np.asarray(b, dtype=np.int64)
        X = self.space.matrix_for(a, b)
        conf = self.calibrator.predict(X) if len(a) else np.zeros(0)
        return [Pair(int(i), int(j), float(c), *self.kind_of(float(c), x), x)
                for i, j, c, x in zip(a.tolist(), b.tolist(), conf.tolist(), X, strict=True)]

    def kind_of(self, confidence: float, x: np.ndarray) -> tuple[str, bool]:
        cuts = self.cuts
        if confidence < cuts["overlap"]:
            return "related", True
        if confidence >= cuts.get("duplicate", cuts["overlap"]) and same_words(x[None, :])[0]:
            return "duplicate", False
        return "overlap", False

    # -- which pairs -------------------------------------------------------------
    def pair_eligible(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Overlap pairs: two proposals, or at least one imported commitment (never a node with itself)."""
        return (a != b) & ((self.proposal[a] & self.proposal[b]) | self.imported[a] | self.imported[b])

    def across(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Not proposed by the same actor (nodes without an actor count as their source's)."""
        a, b = np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64)
        out = self.owner[a] != self.owner[b]
        units = self.index.units
        for n in np.flatnonzero(out & (self.several[a] | self.several[b])).tolist():
            out[n] = not (set(units[a[n]].actors) & set(units[b[n]].actors))
        return out

    def candidate_pairs(self, queries: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Rows (a < b) of every candidate pair found from the given query rows (default: all), once each."""
        queries = self.rows if queries is None else np.asarray(queries, dtype=np.int64)
        if not len(queries):
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        self.lists.ensure(queries)
        k, k_dense = (K_LARGE, K_DENSE_LARGE) if self.lists.retriever.approximate else (K, K_DENSE)
        qi, cj = [], []
        for table, k_other in ((self.lists.rows, k), (self.lists.nearest, k_dense)):
            rows = table[queries]
            valid = rows >= 0
            same = valid & (self.owner[np.clip(rows, 0, None)] == self.owner[queries][:, None])
            other = valid & ~same
            # the first k of each side, by position in the list
            take = (other & (np.cumsum(other, axis=1) <= k_other)) | (same & (np.cumsum(same, axis=1) <= K_SAME))
            qi.append(np.repeat(queries[:, None], rows.shape[1], axis=1)[take])
            cj.append(rows[take])
        qi, cj = np.concatenate(qi), np.concatenate(cj)
        a, b = np.minimum(qi, cj), np.maximum(qi, cj)
        ok = self.pair_eligible(a, b)
        a, b = a[ok], b[ok]
        key = np.sort(a * (len(self.index.units) + 1) + b)
        key = key[np.append(True, key[1:] != key[:-1])] if len(key) else key  # once each
        return key // (len(self.index.units) + 1), key % (len(self.index.units) + 1)

    def table(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """All candidate pairs of the index scored once (a, b, confidence, features), kept."""
        if self._table is None:
            a, b = self.candidate_pairs()
            X = self.space.matrix_for(a, b)
            conf = self.calibrator.predict(X) if len(a) else np.zeros(0)
            self._table = (a, b, conf, X)
        return self._table


def find_pairs(com: Commitments, min_confidence: float | None = None, actor: str | None = None,
               across_actors: bool = False, kinds: tuple[str, ...] | None = None) -> list[Pair]:
    """Scored pairs at or above the threshold, best first.

    Without `min_confidence` the overlap cut applies (duplicates and overlaps only); a lower one
    also lists weaker candidates, as kind "related" (weak).
    """
    floor = com.cuts["overlap"] if min_confidence is None else float(min_confidence)
    a, b, conf, X = com.table()
    keep = conf >= floor
    units = com.index.units
    if actor:
        has = np.array([actor in u.actors for u in units], dtype=bool)
        keep &= has[a] | has[b]
    idx = np.flatnonzero(keep)
    if across_actors and len(idx):
        idx = idx[com.across(a[idx], b[idx])]
    pairs = []
    for n in idx.tolist():
        kind, weak = com.kind_of(float(conf[n]), X[n])
        if kinds and kind not in kinds:
            continue
        pairs.append(_ordered(Pair(int(a[n]), int(b[n]), float(conf[n]), kind, weak, X[n]), units))
    pairs.sort(key=lambda p: (-p.confidence, units[p.a].id, units[p.b].id))
    return pairs


ORDER = {"Measure": 0, "Initiative": 1}


def _ordered(p: Pair, units) -> Pair:
    """Measures first, then initiatives, then the rest, then by IRI: a pair always reads the same way."""
    ka = (ORDER.get(units[p.a].type, 2), units[p.a].id)
    kb = (ORDER.get(units[p.b].type, 2), units[p.b].id)
    if kb < ka:
        p.a, p.b = p.b, p.a
    return p


def neighbours(com: Commitments, row: int, partner: np.ndarray, k: int) -> list[Pair]:
    """The k most confident partners of one node among `partner` (bool per row), best first:
    its own search list, and the nodes whose lists hold it."""
    com.lists.ensure([row])
    found = [c for c in com.lists.rows[row].tolist() if c >= 0 and partner[c]]
    if com.lists.done.all() or len(com.rows) <= 2000:
        com.lists.ensure(com.rows)  # small index: every list is cheap, and reverse hits count
        back = np.flatnonzero((com.lists.rows == row).any(axis=1))
        found += [int(c) for c in back if partner[c]]
    found = list(dict.fromkeys(c for c in found if c != row))
    if not found:
        return []
    pairs = com.score(np.full(len(found), row), np.array(found))
    pairs.sort(key=lambda p: (-p.confidence, com.index.units[p.b].id))
    return pairs[:k]


def similar_to(com: Commitments, node_id: str, k: int = 10) -> list[Pair]:
    """The k most confident partners of other owners for one node, best first: for a proposal,
    other proposals and imported commitments; for any other node, proposals and imported
    commitments (a programme strategy's neighbours are measures and initiatives, not other
    strategies)."""
    row = com.index.row_of.get(node_id)
    if row is None:
        raise UserError(f"Fant ikke noden {node_id}.")
    units = com.index.units
    own = set(units[row].actors)
    other = (com.owner != com.owner[row]) & np.array([not (own & set(u.actors)) for u in units], dtype=bool)
    partner = com.eligible & other & (com.proposal | com.imported | com.imported[row])
    if com.proposal[row]:
        partner &= com.proposal | com.imported | com.imported[row]
    return neighbours(com, row, partner, k)
