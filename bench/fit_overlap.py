"""Fit the shipped overlap calibrator: `python -m bench.fit_overlap`.

Builds (or reuses, see bench/overlap_data.py) the tune homes (the document and the four tune
lists; the document and the two tune2 lists) and the dev home (the document and
data/partners/eksempel-fylke.csv), turns their candidate pairs into examples labelled by
bench/overlap/judged_tune.json, judged_tune2.json and bench/devset_pairs.json
(matching/confidence.py says how), fits, and writes
matching/data/overlap_calibrator.json and matching/data/overlap_examples.json.
The report split is never read here.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from bench.overlap_data import Judged, homes_dir, prepare_home
from search.calibration import choose_cut

TUNE_SPLITS = ("tune", "tune2")  # tune2: two more lists (English, a state administrator), bench/overlap/README.md
IMPLEMENTS_PRECISION = 0.8  # 0.9 is reached only by the single most confident link on this set


def tune_examples(root: Path, commitments=None, splits: tuple[str, ...] = TUNE_SPLITS):
    """Examples from the tune homes (judged_tune.json, judged_tune2.json) and the dev home
    (devset_pairs.json).
    `commitments(settings, index)` makes the overlap finder (default: the product's)."""
    from matching.confidence import Examples, examples_from_judgments
    from matching.overlap import Commitments
    from search.index.version import SearchIndex

    parts = []
    for split in (*splits, "dev"):
        settings = prepare_home(split, root / split)
        index = SearchIndex.load(settings.index_dir)
        com = commitments(settings, index) if commitments else Commitments(index)
        judged = Judged(split, index, settings.base_iri)
        if split == "dev":
            parts.append(examples_from_judgments(com, judged.labels, group="devset"))
        else:
            parts.append(examples_from_judgments(com, judged.labels, group_of=judged.group,
                                                 unjudged_if=judged.in_universe))
    return Examples.concat(parts)


def strategy_examples(root: Path):
    """(confidence, label) of every measure -> strategy candidate of bench/devset_strategies.json
    (strategies of the measure's focus area; uncertain ones left out), in the dev home."""
    import numpy as np

    from bench.overlap_data import DEVSET_STRATEGIES
    from matching.overlap import Commitments
    from matching.strategy_links import scored_candidates
    from search.index.version import SearchIndex

    settings = prepare_home("dev", root / "dev")
    index = SearchIndex.load(settings.index_dir)
    com = Commitments(index)
    prefix = f"{settings.base_iri}/id/"
    strategies = [i for i, u in enumerate(index.units) if u.type == "Strategy"]
    conf, labels = [], []
    for m, judged in json.loads(DEVSET_STRATEGIES.read_text())["measures"].items():
        row = index.row_of.get(prefix + m)
        if row is None:
            continue
        pos = {prefix + s for s in judged["implements"]}
        unsure = {prefix + s for s in judged.get("uncertain", [])}
        for link in scored_candidates(com, row, strategies):
            sid = index.units[link.strategy].id
            if sid not in unsure:
                conf.append(link.confidence)
                labels.append(1.0 if sid in pos else 0.0)
    return np.array(conf), np.array(labels)


def main() -> None:
    from matching.confidence import EXAMPLES, SHIPPED, fit_overlap_calibrator
    from matching.features import NAMES

    with tempfile.TemporaryDirectory(prefix="rg-fit-") as tmp:
        root = homes_dir() or Path(tmp)
        examples = tune_examples(root=root)
    EXAMPLES.parent.mkdir(parents=True, exist_ok=True)
    EXAMPLES.write_text(json.dumps(examples.to_json(), ensure_ascii=False, separators=(",", ":")))
    note = "shipped: bench/overlap/judged_tune.json + judged_tune2.json + bench/devset_pairs.json"
    cal = fit_overlap_calibrator(base=examples, extra=[], note=note)
    cal.save(SHIPPED)  # first without the implements cut: the strategy candidates are scored with it
    with tempfile.TemporaryDirectory(prefix="rg-fit-") as tmp:
        conf, labels = strategy_examples(homes_dir() or Path(tmp))
    cal.cuts["implements"] = choose_cut(conf, labels, IMPLEMENTS_PRECISION)
    cal.meta["implements"] = {"set": "bench/devset_strategies.json", "precision": IMPLEMENTS_PRECISION,
                              "candidates": len(labels), "positives": int(labels.sum())}
    cal.save(SHIPPED)
    print(f"{len(examples)} examples, {int(examples.y.sum())} positive; cuts {cal.cuts}")
    for name, w in zip(NAMES, cal.weights, strict=True):
        print(f"  {name:16} {w:+.3f}")
    print(f"  {'bias':16} {cal.bias:+.3f}")


if __name__ == "__main__":
    main()
