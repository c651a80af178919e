"""Precision and recall of duplicates/overlaps and of inferred measure -> strategy links on the
old development sets, new model against the old scoring.

Builds a temporary home with the 2025 document and the partner list
data/partners/eksempel-fylke.csv, then compares `regiongraf duplicates` with the hand-judged
pairs in bench/devset_pairs.json, and the inferred strategy links with
bench/devset_strategies.json, for the overlap model (matching/overlap.py) and for the previous
scoring (bench/old_overlap.py).

- "pairs": every pair the command prints (duplicate or overlap) against the pairs judged
  duplicate or overlap. Precision counts printed pairs judged "none" as wrong; pairs judged
  "uncertain" count neither way; printed pairs nobody judged are reported (and counted as
  wrong in `precision_strict`). This set judges mostly pairs of measures and the old candidates
  (measures and initiatives), so pairs with strategies, plans and the like are mostly unjudged.
- "duplicates": pairs printed as kind "duplicate" against pairs judged duplicate.
- "across actors": the pairs between the programme and the partner list only.

Both sets are IN-SAMPLE for both methods: the old thresholds were chosen on them, and the new
calibrator was fitted on devset_pairs.json (with judged_tune.json) and its implements cut chosen
on devset_strategies.json. The held-out figures are in bench/overlap_quality.py.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

from bench.report import write
from graph.settings import REPO

DEVSET = REPO / "bench" / "devset_pairs.json"
DEVSET_STRATEGIES = REPO / "bench" / "devset_strategies.json"
POSITIVE = ("duplicate", "overlap")


def load_labels(base: str) -> dict[frozenset, str]:
    dev = json.loads(DEVSET.read_text())
    prefix = f"{base}/id/"
    return {frozenset((prefix + p["a"], prefix + p["b"])): p["label"] for p in dev["pairs"]}


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def score_pairs(pairs: list[dict], labels: dict[frozenset, str], kinds=POSITIVE, truth=POSITIVE,
                keys: set[frozenset] | None = None) -> dict:
    """Precision/recall of printed pairs of `kinds` against judged labels in `truth`."""
    printed = {frozenset((p["a"]["id"], p["b"]["id"])): p["kind"] for p in pairs if p["kind"] in kinds}
    universe = {k: v for k, v in labels.items() if keys is None or k in keys}
    tp = sum(1 for k in printed if universe.get(k) in truth)
    fp = sum(1 for k in printed if k in universe and universe[k] not in truth and universe[k] != "uncertain")
    unjudged = sum(1 for k in printed if k not in labels)
    positives = [k for k, v in universe.items() if v in truth]
    fn = sum(1 for k in positives if k not in printed)
    p, r, f = _prf(tp, fp, fn)
    strict = tp / (tp + fp + unjudged) if tp + fp + unjudged else 1.0
    return {"printed": len(printed), "tp": tp, "fp": fp, "fn": fn, "unjudged": unjudged,
            "precision": round(p, 3), "recall": round(r, 3), "f1": round(f, 3), "precision_strict": round(strict, 3)}


def strategy_quality(predicted: set[tuple[str, str]], prefix: str) -> dict:
    dev = json.loads(DEVSET_STRATEGIES.read_text())["measures"]
    tp = fp = fn = 0
    for m, judged in dev.items():
        mid = prefix + m
        pos = {prefix + s for s in judged["implements"]}
        unsure = {prefix + s for s in judged.get("uncertain", [])}
        got = {s for mm, s in predicted if mm == mid}
        tp += len(got & pos)
        fp += len(got - pos - unsure)
        fn += len(pos - got)
    p, r, f = _prf(tp, fp, fn)
    return {"tp": tp, "fp": fp, "fn": fn, "precision": round(p, 3), "recall": round(r, 3), "f1": round(f, 3),
            "printed": len(predicted)}


def old_pairs(index) -> list[dict]:
    from bench import old_overlap

    props = old_overlap.Proposals(index)
    units = index.units
    out = []
    for p in old_overlap.find_pairs(props):
        across = not (set(units[p.a].actors) & set(units[p.b].actors))
        out.append({"a": {"id": units[p.a].id}, "b": {"id": units[p.b].id}, "kind": p.kind, "score": p.score,
                    "across_actors": across})
    return out


def evaluate(matcher) -> tuple[list[dict], dict]:
    from bench import old_overlap
    from matching.strategy_links import infer_strategy_links

    base = matcher.settings.base_iri
    prefix = f"{base}/id/"
    labels = load_labels(base)
    cross_keys = {k for k in labels if any("/initiative/" in i for i in k) and any("/measure/" in i for i in k)}
    units = matcher.index.units
    rows = []
    for name, pairs in (("new", matcher.duplicates(explain=False)), ("old", old_pairs(matcher.index))):
        cross = [p for p in pairs if p["across_actors"]]
        rows += [
            {"what": f"{name}: pairs (duplicate+overlap)", **score_pairs(pairs, labels)},
            {"what": f"{name}: duplicates (kind)", **score_pairs(pairs, labels, kinds=("duplicate",),
                                                                truth=("duplicate",))},
            {"what": f"{name}: across actors", **score_pairs(cross, labels, keys=cross_keys)},
        ]
    new_links = {(units[link.measure].id, units[link.strategy].id) for link in infer_strategy_links(matcher.com)}
    old_links = {(units[link.measure].id, units[link.strategy].id)
                 for link in old_overlap.infer_strategy_links(old_overlap.Proposals(matcher.index))}
    rows.append({"what": "new: measure -> strategy links", **strategy_quality(new_links, prefix)})
    rows.append({"what": "old: measure -> strategy links", **strategy_quality(old_links, prefix)})
    positives = [k for k, v in labels.items() if v in POSITIVE]
    extra = {
        "cuts": matcher.com.cuts,
        "devset": {"pairs": len(labels), "positives": len(positives),
                   "by_label": {lab: sum(1 for v in labels.values() if v == lab) for lab in set(labels.values())}},
        "in_sample": "both methods were tuned on these sets; held-out figures: bench/overlap_quality.py",
    }
    return rows, extra


def main() -> None:
    from bench.overlap_data import homes_dir, prepare_home
    from matching.matcher import Matcher

    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="rg-dupq-") as tmp:
        settings = prepare_home("dev", (homes_dir() or Path(tmp)) / "dev")
        setup = time.perf_counter() - start
        rows, extra = evaluate(Matcher(settings))
    extra["setup_seconds"] = round(setup, 1)
    cols = ("what", "printed", "tp", "fp", "fn", "unjudged", "precision", "precision_strict", "recall", "f1")
    rows = [{c: r.get(c) for c in cols} for r in rows]
    write("duplicates_quality", "Duplikater og overlapp: presisjon og dekning (gamle utviklingssett, i utvalget)",
          rows, extra)


if __name__ == "__main__":
    main()
