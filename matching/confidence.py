"""The overlap model's calibrator: loading it, and fitting it on judged pairs.

The shipped calibrator (`matching/data/overlap_calibrator.json`) is a search.calibration
Calibrator over the features of matching/features.py, fitted by `python -m bench.fit_overlap`
on the judged tune splits (bench/overlap/judged_tune.json and judged_tune2.json, each split's
partner lists imported into one home) and on bench/devset_pairs.json, and never on the report split. Its examples ship
beside it (`overlap_examples.json`) so that a home can refit with more judged pairs:
`fit_overlap_calibrator(extra)`, which `regiongraf calibrate` calls with the staff's reviews
and saves to `$REGIONGRAF_HOME/calibration/overlap.json`; a home file, when present, wins over
the shipped one (`load_calibrator(settings)`).

How it is fitted (the same for the shipped file and a refit):
- examples: every candidate pair the overlap finder proposes in the judged homes (see
  `examples_from_judgments`): label 1 when judged duplicate/overlap, 0 when judged none, and 0
  when not judged at all but involving an item of a judged list (the judged set was pooled
  deeply, so these are nearly all negatives; counting them keeps the precision honest);
  uncertain pairs are left out;
- logistic regression (L2 = 1), with the evidence features held to weights >= 0 (monotone);
- Platt scaling on out-of-fold predictions (each judged list left out in turn), so that the
  probabilities match rates on lists the model did not see; the scale and the cuts are set on
  the partner lists only (NOT_FOR_CALIBRATION);
- cuts, also on the out-of-fold confidences: "overlap" is the lowest confidence at which the
  pairs above it reach precision 0.9; "duplicate" (with the word rule of features.py)
  the cut at which the confident pairs that pass the word rule (features.same_words) reach
  precision 0.9 as duplicates (the overlap cut when the rule alone does).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from matching.features import EVIDENCE, NAMES, same_words
from search.calibration import Calibrator, choose_cut, fit

DATA = Path(__file__).resolve().parent / "data"
SHIPPED = DATA / "overlap_calibrator.json"
EXAMPLES = DATA / "overlap_examples.json"
HOME_FILE = Path("calibration") / "overlap.json"
POSITIVE = ("duplicate", "overlap")
TARGET_PRECISION = 0.9
L2 = 1.0
# Examples that teach the model but do not set its scale or cuts: bench/devset_pairs.json is
# mostly pairs of measures within the programme, judged for another purpose; the scale and the
# cuts are set on partner lists against the programme, which is what staff act on.
NOT_FOR_CALIBRATION = ("devset",)

_cache: dict[tuple[str, float], Calibrator] = {}


def home_calibrator_path(settings) -> Path:
    return Path(settings.home) / HOME_FILE


def load_calibrator(settings=None) -> Calibrator:
    """The home's refit calibrator when there is one, else the shipped one (cached per file version)."""
    path = SHIPPED
    if settings is not None and home_calibrator_path(settings).is_file():
        path = home_calibrator_path(settings)
    key = (str(path), path.stat().st_mtime)
    cal = _cache.get(key)
    if cal is None:
        cal = _cache[key] = Calibrator.load(path)
    return cal


@dataclass
class Examples:
    """Feature rows with labels: what a calibrator is fitted on."""

    X: np.ndarray  # [n x features.NAMES]
    y: np.ndarray  # 1 = worth coordinating, 0 = not
    weight: np.ndarray
    group: list[str]  # for leave-one-group-out: the judged list (or "devset", "reviews")
    keys: list[list[str]] = field(default_factory=list)  # the two node IRIs
    duplicate: np.ndarray | None = None  # 1 = judged duplicate

    def __len__(self) -> int:
        return len(self.y)

    def to_json(self) -> dict:
        return {"names": list(NAMES), "X": np.round(self.X, 5).tolist(), "y": self.y.tolist(),
                "weight": self.weight.tolist(), "group": self.group, "keys": self.keys,
                "duplicate": (self.duplicate if self.duplicate is not None else np.zeros(len(self.y))).tolist()}

    def subset(self, keep: np.ndarray) -> Examples:
        """The examples where `keep` (bool per example) is true."""
        keep = np.asarray(keep, dtype=bool)
        return Examples(self.X[keep], self.y[keep], self.weight[keep],
                        [g for g, k in zip(self.group, keep, strict=True) if k],
                        [k for k, m in zip(self.keys, keep, strict=True) if m] if self.keys else [],
                        self.duplicate[keep] if self.duplicate is not None else None)

    @classmethod
    def from_json(cls, data: dict) -> Examples:
        if data["names"] != list(NAMES):
            raise ValueError("the examples were made with other features; refit with bench/fit_overlap.py")
        return cls(np.array(data["X"], dtype=np.float64).reshape(-1, len(NAMES)), np.array(data["y"], float),
                   np.array(data["weight"], float), list(data["group"]), data.get("keys", []),
                   np.array(data.get("duplicate") or np.zeros(len(data["y"])), float))

    @classmethod
    def concat(cls, parts: list[Examples]) -> Examples:
        parts = [p for p in parts if len(p)]
        if not parts:
            return cls(np.zeros((0, len(NAMES))), np.zeros(0), np.zeros(0), [])
        return cls(np.vstack([p.X for p in parts]), np.concatenate([p.y for p in parts]),
                   np.concatenate([p.weight for p in parts]), [g for p in parts for g in p.group],
                   [k for p in parts for k in p.keys],
                   np.concatenate([p.duplicate if p.duplicate is not None else np.zeros(len(p)) for p in parts]))


def shipped_examples() -> Examples:
    return Examples.from_json(json.loads(EXAMPLES.read_text()))


def examples_from_judgments(com, labels: dict[frozenset, str], group_of=None, unjudged_if=None,
                            group: str = "judged") -> Examples:
    """Examples from one home: its candidate pairs (those the overlap finder scores) with labels.

    `labels`: {frozenset((iri_a, iri_b)): "duplicate" | "overlap" | "none" | "uncertain"}.
    Judged pairs that are not candidates are added too, so that what the finder misses still
    teaches the model. `unjudged_if(iri_a, iri_b) -> bool` says which unjudged candidates count
    as negatives (default: none do). `group_of(iri_a, iri_b) -> str` names the group (default `group`).
    """
    units = com.index.units
    row_of = com.index.row_of
    a, b = com.candidate_pairs()
    pairs = {frozenset((units[i].id, units[j].id)): (i, j) for i, j in zip(a.tolist(), b.tolist(), strict=True)}
    for key in labels:
        ids = sorted(key)
        if len(ids) == 2 and all(i in row_of for i in ids) and key not in pairs:
            pairs[key] = (row_of[ids[0]], row_of[ids[1]])
    rows, y, dup, groups, keys = [], [], [], [], []
    for key, (i, j) in pairs.items():
        lab = labels.get(key)
        ids = sorted(key)
        if lab == "uncertain" or (lab is None and not (unjudged_if and unjudged_if(*ids))):
            continue
        rows.append((i, j))
        y.append(1.0 if lab in POSITIVE else 0.0)
        dup.append(1.0 if lab == "duplicate" else 0.0)
        groups.append(group_of(*ids) if group_of else group)
        keys.append(ids)
    ab = np.array(rows, dtype=np.int64).reshape(-1, 2)
    X = com.space.matrix_for(ab[:, 0], ab[:, 1])
    return Examples(X, np.array(y), np.ones(len(y)), groups, keys, np.array(dup))


def fit_overlap_calibrator(extra: Examples | list[Examples] = (), base: Examples | None = None,
                           target_precision: float = TARGET_PRECISION, note: str = "") -> Calibrator:
    """Fit the overlap calibrator on the shipped examples (or `base`) plus `extra` (e.g. staff
    reviews from `regiongraf calibrate`); returns it with its cuts and what it was fitted on."""
    parts = [shipped_examples() if base is None else base]
    parts += [extra] if isinstance(extra, Examples) else list(extra)
    ex = Examples.concat(parts)
    cal = fit(ex.X, ex.y, list(NAMES), l2=L2, weights=ex.weight, isotonic=False, nonnegative=EVIDENCE)
    raw = out_of_fold(ex, lambda tr: fit(ex.X[tr], ex.y[tr], list(NAMES), l2=L2, weights=ex.weight[tr],
                                         isotonic=False, nonnegative=EVIDENCE))
    # Platt scaling on the out-of-fold log-odds: a model is surer of the examples it was fitted
    # on than of new ones; one slope and one offset, learnt on held-out predictions, fix that.
    # (Isotonic steps were tried: with ~200 positives their top plateaus put identical texts
    # at the same confidence as ordinary overlaps.) Folded into the weights: still one model.
    logit = np.log(np.clip(raw, 1e-9, 1 - 1e-9) / np.clip(1 - raw, 1e-9, 1))
    target = ~np.isin(ex.group, list(NOT_FOR_CALIBRATION))
    platt = fit(logit[target, None], ex.y[target], ["logit"], l2=0.0, weights=ex.weight[target], isotonic=False)
    slope = platt.weights[0] / platt.scale[0]
    offset = platt.bias - slope * platt.mean[0]
    cal.weights = [w * slope for w in cal.weights]
    cal.bias = cal.bias * slope + offset
    conf = 1.0 / (1.0 + np.exp(-(slope * logit + offset)))
    cal.cuts = choose_cuts(conf, ex, target_precision, target)
    cal.meta = {
        "fitted": datetime.now(UTC).isoformat(timespec="seconds"),
        "what": "P(staff would call the pair worth coordinating) for an overlap candidate pair",
        "examples": len(ex), "positives": int(ex.y.sum()),
        "groups": {g: ex.group.count(g) for g in dict.fromkeys(ex.group)},
        "target_precision": target_precision, "l2": L2, "monotone": list(EVIDENCE),
        "recalibration": "Platt scaling on out-of-fold log-odds, one judged list left out at a time",
        "platt": {"slope": slope, "offset": offset},
        "note": note,
    }
    return cal


def out_of_fold(ex: Examples, fit_on) -> np.ndarray:
    """Raw (logistic) predictions for each example from a model fitted without its group."""
    raw = np.zeros(len(ex))
    groups = np.array(ex.group)
    for g in dict.fromkeys(ex.group):
        test = groups == g
        train = ~test
        if len(set(ex.y[train].tolist())) < 2:
            continue
        raw[test] = fit_on(train).raw(ex.X[test])
    return raw


def choose_cuts(conf: np.ndarray, ex: Examples, target: float, rows: np.ndarray | None = None) -> dict[str, float]:
    """The overlap cut for `target` precision (unjudged candidates count as wrong); the duplicate
    cut: the lowest confidence at or above the overlap cut at which the pairs that also pass the
    word rule (features.same_words) reach `target` precision as duplicates."""
    rows = np.ones(len(ex), dtype=bool) if rows is None else rows
    cuts = {"overlap": choose_cut(conf[rows], ex.y[rows], target)}
    dup = ex.duplicate if ex.duplicate is not None else np.zeros(len(ex))
    sel = same_words(ex.X) & (conf >= cuts["overlap"])
    if sel.any() and dup[sel].mean() < target:  # the word rule alone is not enough: a higher cut too
        cuts["duplicate"] = max(cuts["overlap"], choose_cut(conf[sel], dup[sel], target))
    else:
        cuts["duplicate"] = cuts["overlap"]
    return cuts
