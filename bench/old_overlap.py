"""The previous overlap scoring (matching/overlap.py before issue 9), kept only so that
bench/overlap_quality.py and bench/duplicates_quality.py can compare against it.

Candidates: measures and initiatives only, from the dense index alone (k nearest per proposal);
score = (centred cosine + term containment) / 2; thresholds chosen on bench/devset_pairs.json.
Not used by the product.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from graph.errors import UserError
from matching.strategy_links import candidate_strategies  # the same rule; it reads only .index.units
from search.index.version import SearchIndex

# Calibrated on bench/devset_pairs.json (bench/duplicates_quality.py); see README.
LEXICAL_WEIGHT = 1.0
OVERLAP_SCORE = 0.34
DUPLICATE_SCORE = 0.65
DUPLICATE_LEXICAL = 0.80

PAIR_TYPES = ("Measure", "Initiative")  # proposals: what can be written twice
K = 15  # neighbours per proposal; recall of the exact kNN at this k: bench/duplicates_speed.py
BATCH = 2048  # queries per FAISS call (bounds memory at 100k proposals)
# Lists probed per query when the index is approximate (IVF, >= 50,000 vectors). Search uses 16;
# this batch job probes more for recall (bench/duplicates_speed.py: time and recall vs exact).
IVF_NPROBE = 32


@dataclass
class Pair:
    a: int  # rows in the index
    b: int
    cosine: float
    semantic: float
    lexical: float
    score: float
    kind: str


@dataclass
class Proposals:
    """The proposals of one index, with what scoring needs precomputed."""

    index: SearchIndex
    types: tuple[str, ...] = PAIR_TYPES
    rows: np.ndarray = field(init=False)
    proj: np.ndarray = field(init=False)  # v . mean, per index row (0 outside `rows`)
    norm: np.ndarray = field(init=False)  # |v - mean|, per index row
    m2: float = field(init=False)

    def __post_init__(self):
        idx = self.index
        self.rows = np.flatnonzero(np.isin(idx.types, list(self.types))) if len(idx.units) else np.zeros(0, int)
        vecs = idx.vectors[self.rows] if len(self.rows) else np.zeros((0, idx.vectors.shape[1]), np.float32)
        mean = vecs.mean(axis=0) if len(vecs) else np.zeros(idx.vectors.shape[1], np.float32)
        self.mean = mean.astype(np.float32)
        self.m2 = float(self.mean @ self.mean)
        self.proj = idx.vectors @ self.mean
        self.norm = np.sqrt(np.maximum(1.0 - 2.0 * self.proj + self.m2, 1e-12))
        self._terms: dict[int, frozenset[str]] = {}
        self.row_of_vid = np.full(int(idx.vids.max()) + 2 if len(idx.vids) else 1, -1, dtype=np.int64)
        self.row_of_vid[idx.vids] = np.arange(len(idx.vids))

    # -- scores ----------------------------------------------------------------
    def semantic(self, i: np.ndarray, j: np.ndarray, cos: np.ndarray) -> np.ndarray:
        """Cosine of the mean-centred vectors, from the raw cosine (exact, no vectors needed)."""
        return (cos - self.proj[i] - self.proj[j] + self.m2) / (self.norm[i] * self.norm[j])

    def terms(self, row: int) -> frozenset[str]:
        got = self._terms.get(row)
        if got is None:
            got = frozenset(self.index.lexical.tokenizer(unit_text(self.index.units[row])))
            self._terms[row] = got
        return got

    def lexical(self, i: int, j: int) -> float:
        a, b = self.terms(i), self.terms(j)
        if not a or not b:
            return 0.0
        return len(a & b) / min(len(a), len(b))

    def pair(self, i: int, j: int, cos: float, sem: float) -> Pair:
        lex = self.lexical(i, j)
        score = combine(sem, lex)
        return Pair(i, j, float(cos), float(sem), lex, score, kind_of(score, lex))

    # -- neighbours --------------------------------------------------------------
    def neighbours(self, queries: np.ndarray, k: int, allowed_rows: np.ndarray | None = None):
        """(cosines, rows) of the k nearest proposals for each query row (row -1 pads).

        FAISS's ID selector makes a flat search several times slower, so when the allowed
        rows are most of the index the search runs unrestricted with a larger k and is
        filtered afterwards; the few queries left with fewer than k allowed neighbours are
        searched again with the selector.
        """
        idx = self.index
        allowed_rows = self.rows if allowed_rows is None else allowed_rows
        if not len(allowed_rows) or not len(queries):
            return np.zeros((len(queries), 0), np.float32), np.zeros((len(queries), 0), np.int64)
        want = min(k + 1, len(allowed_rows))
        share = len(allowed_rows) / max(1, idx.dense.size)
        mask = np.zeros(len(idx.units), dtype=bool)
        mask[allowed_rows] = True
        out_s = np.full((len(queries), want), -np.inf, np.float32)
        out_r = np.full((len(queries), want), -1, np.int64)
        for start in range(0, len(queries), BATCH):
            q = idx.vectors[queries[start:start + BATCH]]
            if share >= 0.5:
                wide = min(idx.dense.size, int(np.ceil(want / share)) + 4)
                scores, vids = idx.dense.search(q, wide, nprobe=IVF_NPROBE)
                rows = self._rows_of(vids)
                ok = (rows >= 0) & mask[np.clip(rows, 0, None)]
                short = np.flatnonzero(ok.sum(axis=1) < want)
                for line in range(len(q)):
                    if line in short:
                        continue
                    sel = np.flatnonzero(ok[line])[:want]
                    out_s[start + line] = scores[line, sel]
                    out_r[start + line] = rows[line, sel]
                redo = short
            else:
                redo = np.arange(len(q))
            if len(redo):
                scores, vids = idx.dense.search(q[redo], want, allowed=idx.vids[allowed_rows], nprobe=IVF_NPROBE)
                out_s[start + redo] = scores
                out_r[start + redo] = self._rows_of(vids)
        return out_s, out_r

    def _rows_of(self, vids: np.ndarray) -> np.ndarray:
        return np.where(vids >= 0, self.row_of_vid[np.clip(vids, 0, None)], -1)


def combine(semantic: float, lexical: float) -> float:
    return (semantic + LEXICAL_WEIGHT * lexical) / (1.0 + LEXICAL_WEIGHT)


def kind_of(score: float, lexical: float) -> str:
    if score >= DUPLICATE_SCORE and lexical >= DUPLICATE_LEXICAL:
        return "duplicate"
    if score >= OVERLAP_SCORE:
        return "overlap"
    return "related"


def unit_text(unit) -> str:
    """What a proposal says: its title when the text does not begin with it, and the text."""
    label = unit.label.rstrip("…")
    return unit.text if unit.text.startswith(label) else f"{unit.label}. {unit.text}"


def candidate_pairs(props: Proposals, k: int = K, actor: str | None = None, across_actors: bool = False,
                    sem_floor: float = -1.0) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Rows a < b, cosine and semantic score of every kNN pair with semantic >= sem_floor, once each.

    With `actor`, only that actor's proposals are queried (its pairs with anyone). With
    `across_actors`, each actor's proposals are searched among the other actors' only, so
    that a list full of its own near-copies cannot crowd out the cross-actor neighbours.
    """
    units = props.index.units
    rows = props.rows
    if actor:
        rows = rows[np.array([actor in units[r].actors for r in rows], dtype=bool)]
    groups: list[tuple[np.ndarray, np.ndarray | None]] = []
    if across_actors:
        by_actor: dict[str, list[int]] = {}
        for r in rows:
            for a in units[r].actors or [""]:
                by_actor.setdefault(a, []).append(int(r))
        for a, members in sorted(by_actor.items()):
            others = props.rows[np.array([a not in units[r].actors for r in props.rows], dtype=bool)]
            groups.append((np.array(members), others))
    else:
        groups.append((rows, None))
    parts = []
    for queries, allowed in groups:
        cos, nbr = props.neighbours(queries, k, allowed)
        if not cos.size:
            continue
        qi = np.repeat(queries, nbr.shape[1])
        nj = nbr.reshape(-1)
        cs = cos.reshape(-1).astype(np.float64)
        keep = (nj >= 0) & (nj != qi)
        qi, nj, cs = qi[keep], nj[keep], cs[keep]
        sem = props.semantic(qi, nj, cs)
        keep = sem >= sem_floor
        parts.append((np.minimum(qi, nj)[keep], np.maximum(qi, nj)[keep], cs[keep], sem[keep]))
    if not parts:
        empty = np.zeros(0)
        return empty.astype(np.int64), empty.astype(np.int64), empty, empty
    a, b, c, s = (np.concatenate(x) for x in zip(*parts, strict=True))
    _, first = np.unique(a * (len(units) + 1) + b, return_index=True)
    return a[first], b[first], c[first], s[first]


def find_pairs(props: Proposals, min_score: float | None = None, actor: str | None = None,
               across_actors: bool = False, k: int = K, kinds: tuple[str, ...] | None = None) -> list[Pair]:
    """Scored pairs at or above the threshold, best first.

    Without `min_score` the calibrated overlap threshold applies; a lower `min_score` also
    lists pairs below it, as kind "related".
    """
    floor = OVERLAP_SCORE if min_score is None else float(min_score)
    units = props.index.units
    # A pair needs semantic >= floor*(1+w) - w (lexical <= 1); skip the rest before tokenising.
    sem_floor = floor * (1.0 + LEXICAL_WEIGHT) - LEXICAL_WEIGHT
    rows_a, rows_b, cos, sem = candidate_pairs(props, k, actor, across_actors, sem_floor)
    terms = props.terms
    pairs = []
    for i, j, c, s in zip(rows_a.tolist(), rows_b.tolist(), cos.tolist(), sem.tolist(), strict=True):
        if across_actors and set(units[i].actors) & set(units[j].actors):
            continue
        ta, tb = terms(i), terms(j)
        lex = len(ta & tb) / min(len(ta), len(tb)) if ta and tb else 0.0
        score = combine(s, lex)
        if score < floor:
            continue
        kind = kind_of(score, lex)
        if kinds and kind not in kinds:
            continue
        pairs.append(_ordered(Pair(i, j, c, s, lex, score, kind), units))
    pairs.sort(key=lambda p: (-p.score, units[p.a].id, units[p.b].id))
    return pairs


def _ordered(p: Pair, units) -> Pair:
    """Measures before initiatives, then by IRI, so that a pair always reads the same way."""
    rank = {"Measure": 0, "Initiative": 1}
    ka = (rank.get(units[p.a].type, 2), units[p.a].id)
    kb = (rank.get(units[p.b].type, 2), units[p.b].id)
    if kb < ka:
        p.a, p.b = p.b, p.a
    return p


def similar_to(props: Proposals, node_id: str, k: int = 10) -> list[Pair]:
    """The k nearest proposals of other actors for one node (any type in the index), best first."""
    idx = props.index
    row = idx.row_of.get(node_id)
    if row is None:
        raise UserError(f"Fant ikke noden {node_id}.")
    own = set(idx.units[row].actors)
    allowed = props.rows[np.array([not (own & set(idx.units[r].actors)) and r != row for r in props.rows],
                                  dtype=bool)]
    cos, nbr = props.neighbours(np.array([row]), k, allowed)
    out = []
    for c, j in zip(cos[0].tolist(), nbr[0].tolist(), strict=True):
        if j < 0 or j == row:
            continue
        sem = float(props.semantic(np.array([row]), np.array([j]), np.array([c]))[0])
        p = props.pair(row, j, c, sem)
        out.append(p)
    out.sort(key=lambda p: -p.score)
    return out[:k]


# -- the previous measure -> strategy links (matching/strategy_links.py before issue 9) --------

STRATEGY_SCORE = 0.06
STRATEGY_MARGIN = 0.05
SOURCE_TYPES = ("Measure",)


@dataclass
class StrategyLink:
    measure: int  # index rows
    strategy: int
    score: float
    semantic: float
    lexical: float
    rank: int  # 1 = the measure's best strategy


def scored_candidates(props: Proposals, row: int, strategies: list[int]) -> list[StrategyLink]:
    cands = candidate_strategies(props, row, strategies)
    if not cands:
        return []
    vecs = props.index.vectors
    j = np.array(cands)
    cos = vecs[j] @ vecs[row]
    sem = props.semantic(np.full(len(j), row), j, cos.astype(np.float64))
    links = []
    for s, se in zip(cands, sem.tolist(), strict=True):
        lex = props.lexical(row, s)
        links.append(StrategyLink(row, s, combine(se, lex), se, lex, 0))
    links.sort(key=lambda link: -link.score)
    for rank, link in enumerate(links, start=1):
        link.rank = rank
    return links


def infer_strategy_links(props: Proposals, score: float = STRATEGY_SCORE,
                         margin: float = STRATEGY_MARGIN) -> list[StrategyLink]:
    units = props.index.units
    strategies = [i for i, u in enumerate(units) if u.type == "Strategy"]
    out = []
    for row, u in enumerate(units):
        if u.type not in SOURCE_TYPES:
            continue
        links = scored_candidates(props, row, strategies)
        if not links or links[0].score < score:
            continue
        best = links[0].score
        out.extend(link for link in links if link.score >= score and link.score >= best - margin)
    return out
