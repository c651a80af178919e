"""What the lineage model looks at for an old-new pair of one kind, and how probable a link is.

    Context.of(index, decisions)          vectors and stems from the search index, staff decisions, the model
    Pairs(old, new, ctx)                  features and probabilities of the old-new pairs of one year pair
    same_place(o, n), place_key(item)     the same section and measure group (focus area for the others)

FEATURES are the model's inputs (matching/lineage.py says how they are used): the centred e5
cosine of the two texts (`semantic`), the Dice overlap of their word stems (`shared_words`),
whether they stand in the same hunk between anchors (`same_hunk`), in the same place
(`same_group`), and whether each is the other's most similar text of its kind in the other year
(`mutual_best`). The model is a search.calibration Calibrator in lineage_confidence.json,
fitted by `python -m bench.lineage_quality --fit`.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from graph.years import YearItem
from matching.textdiff import loose
from search.calibration import Calibrator

FEATURES = ("semantic", "shared_words", "same_hunk", "same_group", "mutual_best")
CALIBRATION = Path(__file__).with_name("lineage_confidence.json")


@dataclass
class Context:
    """What lineage reads besides the items: vectors and stems, the staff's decisions, the model."""

    vector: Callable[[str], np.ndarray | None]
    stems: Callable[[str], list[str]]
    decided: Callable[[str, str], object | None] = lambda a, b: None  # -> Review with .decision
    calibrator: Calibrator | None = None
    # The common direction taken out of every vector before the cosine (e5 cosines are compressed:
    # unrelated texts score about 0.8): the mean of the whole index, stable whatever the years hold.
    mean: np.ndarray | None = None

    @classmethod
    def of(cls, index, decisions=None, calibrator: Calibrator | None = None) -> Context:
        """From a search index (search/index/version.py) and lineage decisions (matching/reviews.py)."""

        def vector(node: str):
            row = index.row_of.get(node)
            return None if row is None else index.vectors[row]

        return cls(vector=vector, stems=index.lexical.tokenizer,
                   decided=decisions.decided if decisions is not None else (lambda a, b: None),
                   calibrator=calibrator or load_calibrator(), mean=index.mean_vector)


def load_calibrator(path: Path = CALIBRATION) -> Calibrator | None:
    """The fitted lineage confidence; None before it is fitted (bench/lineage_quality.py --fit)."""
    return Calibrator.load(path) if Path(path).is_file() else None


# -- places ----------------------------------------------------------------------------
def same_place(o: YearItem, n: YearItem) -> bool:
    """Measures: the same section and measure group (by title); the other kinds: the same focus
    area, part included ("4-p2")."""
    if o.type == "Measure" and n.type == "Measure":
        return o.section == n.section and _title(o.group) == _title(n.group)
    return o.place == n.place


def _title(text: str | None) -> str:
    return loose(text) if text else ""


def place_key(item: YearItem) -> tuple:
    """A key equal for two items exactly when same_place holds for them."""
    return (item.section, _title(item.group)) if item.type == "Measure" else (item.place,)


class Pairs:
    """Features and probabilities of old-new pairs of one year pair."""

    def __init__(self, old: list[YearItem], new: list[YearItem], ctx: Context):
        self.ctx = ctx
        self.old, self.new = old, new
        self.stems = {i.id: frozenset(ctx.stems(i.text)) for i in old + new}
        vectors = {i.id: ctx.vector(i.id) for i in old + new}
        known = [v for v in vectors.values() if v is not None]
        mean = ctx.mean if ctx.mean is not None else (np.mean(known, axis=0) if known else None)
        self.unit: dict[str, np.ndarray | None] = {}
        for node, v in vectors.items():
            if v is None or mean is None:
                self.unit[node] = None
                continue
            c = np.asarray(v, dtype=np.float64) - mean
            norm = float(np.linalg.norm(c))
            self.unit[node] = c / norm if norm > 1e-9 else None
        self.hunk_old: dict[str, int] = {}
        self.hunk_new: dict[str, int] = {}
        self._best: dict[str, tuple[float, int]] = {}
        self._p: dict[tuple[str, str], float] = {}
        self._f: dict[tuple[str, str], dict[str, float]] = {}
        self._t: dict[tuple[str, str], dict[str, float]] = {}

    def set_hunks(self, anchors: list[tuple[YearItem, YearItem]]) -> None:
        """The hunks between the anchors that keep their order in both documents."""
        backbone = in_order(sorted((o.line, n.line) for o, n in anchors))
        old_lines, new_lines = [a for a, _ in backbone], [b for _, b in backbone]
        self.hunk_old = {o.id: bisect.bisect_left(old_lines, o.line) for o in self.old}
        self.hunk_new = {n.id: bisect.bisect_left(new_lines, n.line) for n in self.new}
        self._p.clear()
        self._f.clear()

    def contains(self, part: YearItem, whole: YearItem) -> float:
        """The share of `part`'s stems that `whole` has."""
        a, b = self.stems[part.id], self.stems[whole.id]
        return len(a & b) / len(a) if a else 0.0

    def fills(self, item: YearItem, partners: list[YearItem], whole: YearItem) -> float:
        """How much better (Dice) `whole`'s stems agree with its `partners`' once `item` joins them."""
        w = self.stems[whole.id]
        before = frozenset().union(*(self.stems[x.id] for x in partners))
        return dice(before | self.stems[item.id], w) - dice(before, w)

    def text(self, o: YearItem, n: YearItem) -> dict[str, float]:
        """The two text similarities of a pair."""
        key = (o.id, n.id)
        if key not in self._t:
            ua, ub = self.unit[o.id], self.unit[n.id]
            self._t[key] = {"semantic": float(ua @ ub) if ua is not None and ub is not None else 0.0,
                            "shared_words": dice(self.stems[o.id], self.stems[n.id])}
        return self._t[key]

    def _like(self, o: YearItem, n: YearItem) -> float:
        t = self.text(o, n)
        return t["semantic"] + t["shared_words"]

    def best(self, item: YearItem, new_side: bool) -> tuple[float, int]:
        """How like `item` the most similar item of the other year (of its kind) is, and among how many."""
        if item.id not in self._best:
            others = self.old if new_side else self.new
            likes = [self._like(x, item) if new_side else self._like(item, x) for x in others if x.type == item.type]
            self._best[item.id] = (max(likes, default=float("-inf")), len(likes))
        return self._best[item.id]

    def mutual_best(self, o: YearItem, n: YearItem) -> bool:
        """Each is the other's most similar text among all items of its kind in the other year (the
        unchanged ones too: a dropped bullet most like an unchanged one was not rewritten into a new
        one), with at least one rival on each side (the best of one is no choice)."""
        like = self._like(o, n)
        (best_o, many_o), (best_n, many_n) = self.best(o, new_side=False), self.best(n, new_side=True)
        return like >= best_o and like >= best_n and many_o > 1 and many_n > 1

    def features(self, o: YearItem, n: YearItem) -> dict[str, float]:
        key = (o.id, n.id)
        if key not in self._f:
            self._f[key] = {
                **self.text(o, n),
                "same_hunk": float(self.hunk_old.get(o.id, -1) == self.hunk_new.get(n.id, -2)),
                "same_group": float(same_place(o, n)),
                "mutual_best": float(self.mutual_best(o, n)),
            }
        return self._f[key]

    def p(self, o: YearItem, n: YearItem) -> float:
        key = (o.id, n.id)
        if key not in self._p:
            f = self.features(o, n)
            cal = self.ctx.calibrator
            self._p[key] = cal.predict_one(f) if cal is not None else _fallback(f)
        return self._p[key]


def dice(a: frozenset, b: frozenset) -> float:
    return 2 * len(a & b) / (len(a) + len(b)) if a and b else 0.0


def _fallback(f: dict[str, float]) -> float:
    """Without a fitted model (never in a release): the mean of the two text similarities."""
    return (max(0.0, f["semantic"]) + f["shared_words"]) / 2


def in_order(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The longest run of pairs whose second lines rise with the first (patience sorting)."""
    tails: list[int] = []
    tail_at: list[int] = []
    before = [-1] * len(pairs)
    for i, (_, b) in enumerate(pairs):
        k = bisect.bisect_left(tails, b)
        if k == len(tails):
            tails.append(b)
            tail_at.append(i)
        else:
            tails[k] = b
            tail_at[k] = i
        before[i] = tail_at[k - 1] if k > 0 else -1
    out = []
    i = tail_at[-1] if tail_at else -1
    while i >= 0:
        out.append(pairs[i])
        i = before[i]
    return out[::-1]
