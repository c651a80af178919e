"""`regiongraf calibrate`: refit the overlap confidence with the staff's decisions as judged data.

    calibrate(decisions, matcher) -> Calibration      nothing is saved here (Calibration.save)

The reviewed pairs (matching/reviews.py: accepted = worth coordinating, rejected = not) get the
overlap model's features in the home's own index, each pair in the view of its programme year
(matching/years.py), and are added to the shipped judged examples (bench/overlap/ tune split
and bench/devset_pairs.json); matching/confidence.py fits as it does for the shipped file.

Figures before and after, all on data the model being scored was not fitted on:
- the staff's pairs: "before" is the model fitted without any review (the shipped one);
  "after" is out of fold: the reviews are cut in up to FOLDS parts and each part is scored by a
  model fitted on the judged examples and the other parts, with that model's own overlap cut;
- the judged partner lists: each list is scored by a model fitted without it, without and
  with the reviews (do the staff's decisions carry over to other lists, or only fit theirs?).
Precision and recall are at the overlap cut (a pair listed as duplicate or overlap).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from graph.errors import UserError
from matching.confidence import (
    NOT_FOR_CALIBRATION,
    Examples,
    examples_from_judgments,
    fit_overlap_calibrator,
    shipped_examples,
)
from matching.reviews import Decisions, judged_pairs
from matching.years import unit_year
from search.calibration import brier, precision_recall

FOLDS = 5
REVIEWS = "reviews"


class NothingToCalibrate(UserError):
    """No active decision on a pair whose nodes are both in the index."""


@dataclass
class Calibration:
    calibrator: object
    figures: dict
    pairs: list[dict]
    skipped: int = 0  # decisions on nodes no longer in the index (dormant, not lost)
    saved: str | None = None

    def summary(self) -> dict:
        return {
            "reviewed_pairs": len(self.pairs),
            "accepted": sum(1 for p in self.pairs if p["label"] == 1),
            "rejected": sum(1 for p in self.pairs if p["label"] == 0),
            "skipped": self.skipped,
            "figures": self.figures,
            "cuts": dict(getattr(self.calibrator, "cuts", {})),
            "saved": self.saved,
        }

    def save(self, path: Path) -> str:
        self.calibrator.save(Path(path))
        self.saved = str(path)
        return self.saved


def calibrate(decisions: Decisions, matcher) -> Calibration:
    """Refit with the reviewed pairs added to the judged tuning data, and the figures before and
    after. Raises NothingToCalibrate when no decision can be used."""
    pairs = judged_pairs(decisions)
    row_of = matcher.index.row_of
    usable = [p for p in pairs if p["a"] in row_of and p["b"] in row_of]
    if not usable:
        raise NothingToCalibrate(
            "Ingen vurderte par å kalibrere med" + (f" ({len(pairs)} vurderinger gjelder noder som ikke finnes i "
                                                    "søkeindeksen nå)" if pairs else "") +
            ". Godta eller avvis foreslåtte par med 'regiongraf review A B --accept|--reject' først.")
    extra = review_examples(matcher, usable)
    base = shipped_examples()
    calibrator = fit_overlap_calibrator(extra, base=base, note=f"{len(extra)} vurderte par fra personalet")
    without = fit_overlap_calibrator(base=base)  # the shipped model: never fitted on reviews
    figures = {
        "before": {**_scores("personalets par", without.predict(extra.X), extra.y, without.cuts["overlap"]),
                   **_lists(base, None)},
        "after": {**_reviews_out_of_fold(base, extra), **_lists(base, extra)},
    }
    return Calibration(calibrator, figures, usable, skipped=len(pairs) - len(usable))


def review_examples(matcher, pairs: list[dict]) -> Examples:
    """The reviewed pairs as examples, each with the features of its programme year's view."""
    units, row_of = matcher.index.units, matcher.index.row_of
    by_year: dict[str | None, dict[frozenset, str]] = {}
    for p in pairs:
        ua, ub = units[row_of[p["a"]]], units[row_of[p["b"]]]
        year = unit_year(ua) or unit_year(ub)
        by_year.setdefault(year, {})[frozenset((p["a"], p["b"]))] = "overlap" if p["label"] == 1 else "none"
    parts = [examples_from_judgments(matcher.commitments(year), labels, group=REVIEWS)
             for year, labels in by_year.items()]
    return Examples.concat(parts)


def _reviews_out_of_fold(base: Examples, extra: Examples) -> dict:
    folds = np.arange(len(extra)) % min(FOLDS, len(extra))
    probs, cut_hits = np.zeros(len(extra)), np.zeros(len(extra), dtype=bool)
    for f in np.unique(folds):
        test = folds == f
        train = extra.subset(~test)
        cal = fit_overlap_calibrator(train, base=base)
        probs[test] = cal.predict(extra.X[test])
        cut_hits[test] = probs[test] >= cal.cuts["overlap"]
    return _scores("personalets par", probs, extra.y, None, cut_hits)


def _lists(base: Examples, extra: Examples | None) -> dict:
    """Each judged partner list scored by a model fitted without it (with `extra` in training)."""
    groups = np.array(base.group)
    probs, hits = [], []
    labels = []
    for g in dict.fromkeys(base.group):
        if g in NOT_FOR_CALIBRATION:
            continue
        test = groups == g
        cal = fit_overlap_calibrator(extra if extra is not None else [], base=base.subset(~test))
        p = cal.predict(base.X[test])
        probs.append(p)
        hits.append(p >= cal.cuts["overlap"])
        labels.append(base.y[test])
    if not probs:
        return {}
    return _scores("de vurderte partnerlistene", np.concatenate(probs), np.concatenate(labels), None,
                   np.concatenate(hits))


def _scores(what: str, probs: np.ndarray, y: np.ndarray, cut: float | None, hits: np.ndarray | None = None) -> dict:
    hits = probs >= cut if hits is None else hits
    precision, recall, _ = precision_recall(hits.astype(float), y, 0.5)
    return {f"{what}: presisjon": round(precision, 3), f"{what}: dekning": round(recall, 3),
            f"{what}: Brier": round(brier(probs, y), 4)}


def figures_table(figures: dict) -> list[str]:
    """Held-out figures before and after, as lines of text (Norwegian headings)."""
    before, after = figures.get("before") or {}, figures.get("after") or {}
    metrics = list(dict.fromkeys([*before, *after]))
    if not metrics:
        return [json.dumps(figures, ensure_ascii=False, indent=2)]
    width = max(len(m) for m in metrics)
    lines = [f"{'mål':<{width}}  {'før':>8}  {'etter':>8}"]
    for m in metrics:
        lines.append(f"{m:<{width}}  {_fmt(before.get(m)):>8}  {_fmt(after.get(m)):>8}")
    return lines


def _fmt(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)
