"""`regiongraf calibrate`: refit the overlap confidence with the staff's decisions as judged data.

The fitting itself belongs to the overlap scorer (matching/overlap.py), which owns the
features, the judged tuning set (bench/overlap/) and the held-out split. This module only
hands it the reviewed pairs, through one small interface:

    matching.overlap.fit_overlap_calibrator(extra_pairs) -> (calibrator, figures)

    extra_pairs  [{"a": IRI, "b": IRI, "label": 1 | 0, "decision": "accept" | "reject",
                   "source": "review", "by", "date"}]   the active decisions (matching/reviews.py)
    calibrator   a search.calibration.Calibrator (anything with to_json(); save(path) if it has it)
    figures      held-out figures before and after adding the pairs:
                 {"before": {metric: number}, "after": {metric: number}, ...}

Until the scorer provides that function, `calibrate` says so plainly and changes nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from graph.errors import UserError
from matching import overlap
from matching.reviews import Decisions, judged_pairs

FIT_FUNCTION = "fit_overlap_calibrator"


class CalibrationUnavailable(UserError):
    """The overlap scorer cannot be refitted (yet)."""


@dataclass
class Calibration:
    calibrator: object
    figures: dict
    pairs: list[dict]
    saved: str | None = None

    def summary(self) -> dict:
        return {
            "reviewed_pairs": len(self.pairs),
            "accepted": sum(1 for p in self.pairs if p["label"] == 1),
            "rejected": sum(1 for p in self.pairs if p["label"] == 0),
            "figures": self.figures,
            "saved": self.saved,
        }

    def save(self, path: Path) -> str:
        path = Path(path)
        if hasattr(self.calibrator, "save"):
            self.calibrator.save(path)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            data = self.calibrator.to_json() if hasattr(self.calibrator, "to_json") else self.calibrator
            path.write_text(json.dumps(data, ensure_ascii=False, indent=1))
        self.saved = str(path)
        return self.saved


def fit_function():
    fit = getattr(overlap, FIT_FUNCTION, None)
    if fit is None:
        raise CalibrationUnavailable(
            f"Overlappskåren kan ikke kalibreres i denne versjonen: matching.overlap.{FIT_FUNCTION} finnes ikke "
            "ennå (den kommer med den kalibrerte overlappsberegningen). Ingenting er endret; vurderingene ligger "
            "trygt i grafen og blir med når funksjonen finnes.")
    return fit


def calibrate(decisions: Decisions, fit=None) -> Calibration:
    """Refit with the reviewed pairs added to the judged tuning data; nothing is saved here."""
    fit = fit or fit_function()
    pairs = judged_pairs(decisions)
    calibrator, figures = fit(pairs)
    return Calibration(calibrator, dict(figures or {}), pairs)


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
