"""Precision and recall of duplicates/overlaps and of inferred measure -> strategy links.

Builds a temporary home with the 2025 document and the partner list
data/partners/eksempel-fylke.csv, then compares `regiongraf duplicates` at the calibrated
thresholds (search/overlap.py) with the hand-judged pairs in bench/devset_pairs.json, and
the inferred strategy links (search/strategy_links.py) with bench/devset_strategies.json.

- "pairs": every pair the command prints (duplicate or overlap) against the pairs judged
  duplicate or overlap. Precision counts printed pairs judged "none" as wrong; pairs
  judged "uncertain" count neither way; printed pairs nobody judged are reported (they
  are counted as wrong in `precision_strict`).
- "duplicates": pairs printed as kind "duplicate" against pairs judged duplicate (an
  overlap printed as duplicate is wrong).
- "across actors": the pairs between the programme and the partner list only.
The thresholds were chosen on this same set, so the first rows are in-sample; the
"2-fold" row re-chooses the overlap threshold on half of the judged pairs and measures
on the other half (20 random splits), an honest estimate for new data. A raw-cosine
baseline (best threshold on the set) shows what the calibration buys.
"""

from __future__ import annotations

import json
import os
import random
import tempfile
import time
from pathlib import Path

from bench.report import write
from graph.settings import REPO, Settings

DEVSET = REPO / "bench" / "devset_pairs.json"
DEVSET_STRATEGIES = REPO / "bench" / "devset_strategies.json"
POSITIVE = ("duplicate", "overlap")


def prepare_home(home: Path, embedder=None):
    """A home with the document, the partner list and built indexes; returns (settings, embedder)."""
    from graph.build import build
    from graph.imports.prepare import import_file
    from search.embedding import load_embedder
    from search.index.update import build_index

    models = os.environ.get("REGIONGRAF_MODELS")
    settings = Settings(home=home, models=Path(models) if models else REPO / ".regiongraf" / "models")
    quiet = lambda *_: None  # noqa: E731
    build(settings, progress=quiet)
    embedder = embedder or load_embedder(settings)
    build_index(settings, progress=quiet, embedder=embedder)
    dev = json.loads(DEVSET.read_text())
    partner = REPO / dev["partner_file"]
    import_file(settings, partner.read_bytes(), partner.name, dev["actor"], progress=quiet, embedder=embedder)
    return settings, embedder


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


def sweep(candidates: list[tuple[frozenset, float]], labels: dict, keys=None) -> list[tuple[float, dict]]:
    """(threshold, scores) for every distinct score, treating all pairs at/above it as printed."""
    out = []
    for t in sorted({round(s, 4) for _, s in candidates}, reverse=True):
        printed = [{"a": {"id": sorted(k)[0]}, "b": {"id": sorted(k)[1]}, "kind": "overlap"}
                   for k, s in candidates if s >= t]
        out.append((t, score_pairs(printed, labels, keys=keys)))
    return out


def best_threshold(candidates, labels, keys=None) -> float:
    return max(sweep(candidates, labels, keys), key=lambda ts: (ts[1]["f1"], ts[0]))[0]


def two_fold(candidates, labels, rounds: int = 20) -> dict:
    judged = [k for k, v in labels.items() if v != "uncertain"]
    totals = {"tp": 0, "fp": 0, "fn": 0}
    rng = random.Random(0)
    for _ in range(rounds):
        rng.shuffle(judged)
        half = len(judged) // 2
        for train, test in ((judged[:half], judged[half:]), (judged[half:], judged[:half])):
            t = best_threshold(candidates, labels, set(train))
            printed = [{"a": {"id": sorted(k)[0]}, "b": {"id": sorted(k)[1]}, "kind": "overlap"}
                       for k, s in candidates if s >= t]
            got = score_pairs(printed, labels, keys=set(test))
            for key in totals:
                totals[key] += got[key]
    p, r, f = _prf(totals["tp"], totals["fp"], totals["fn"])
    return {"precision": round(p, 3), "recall": round(r, 3), "f1": round(f, 3)}


def strategy_quality(matcher) -> dict:
    from matching.strategy_links import infer_strategy_links

    dev = json.loads(DEVSET_STRATEGIES.read_text())["measures"]
    prefix = f"{matcher.settings.base_iri}/id/"
    units = matcher.index.units
    predicted = {(units[link.measure].id, units[link.strategy].id) for link in infer_strategy_links(matcher.props)}
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
            "links": len(predicted)}


def evaluate(matcher) -> tuple[list[dict], dict]:
    from matching import overlap

    base = matcher.settings.base_iri
    labels = load_labels(base)
    pairs = matcher.duplicates(explain=False)
    cross = [p for p in pairs if p["across_actors"]]
    cross_keys = {k for k in labels if any("/initiative/" in i for i in k) and any("/measure/" in i for i in k)}
    # Every kNN candidate with its score, for the sweep, the 2-fold estimate and the baseline.
    low = matcher.duplicates(min_score=-1.0, explain=False)
    cand = [(frozenset((p["a"]["id"], p["b"]["id"])), p["score"]) for p in low]
    raw = [(frozenset((p["a"]["id"], p["b"]["id"])), p["cosine"]) for p in low]
    raw_t = best_threshold(raw, labels)
    raw_best = dict(sweep(raw, labels))[raw_t]
    found = {k for k, _ in cand}
    positives = [k for k, v in labels.items() if v in POSITIVE]
    rows = [
        {"what": "pairs (duplicate+overlap)", "threshold": overlap.OVERLAP_SCORE, **score_pairs(pairs, labels)},
        {"what": "duplicates (kind)", "threshold": overlap.DUPLICATE_SCORE,
         **score_pairs(pairs, labels, kinds=("duplicate",), truth=("duplicate",))},
        {"what": "across actors", "threshold": overlap.OVERLAP_SCORE,
         **score_pairs(cross, labels, keys=cross_keys)},
        {"what": "pairs, 2-fold (threshold re-chosen)", "threshold": None, **two_fold(cand, labels)},
        {"what": "baseline: raw e5 cosine, best threshold", "threshold": raw_t, **raw_best},
    ]
    for t in (0.28, 0.30, 0.34, 0.38, 0.42):
        printed = [p for p in low if p["score"] >= t]
        rows.append({"what": f"sweep: score >= {t}", "threshold": t,
                     **score_pairs([{**p, "kind": "overlap"} for p in printed], labels)})
    strat = strategy_quality(matcher)
    rows.append({"what": "measure -> strategy links", "threshold": None, **strat})
    extra = {
        "thresholds": {"overlap": overlap.OVERLAP_SCORE, "duplicate": overlap.DUPLICATE_SCORE,
                       "duplicate_lexical": overlap.DUPLICATE_LEXICAL, "lexical_weight": overlap.LEXICAL_WEIGHT,
                       "k": overlap.K},
        "devset": {"pairs": len(labels), "positives": len(positives),
                   "by_label": {lab: sum(1 for v in labels.values() if v == lab) for lab in set(labels.values())}},
        "knn_candidate_recall": round(sum(1 for k in positives if k in found) / max(1, len(positives)), 3),
        "unjudged_printed": [sorted(k) for k in {frozenset((p["a"]["id"], p["b"]["id"])) for p in pairs}
                             if k not in labels],
    }
    return rows, extra


def main() -> None:
    from matching.matcher import Matcher

    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="rg-dupq-") as tmp:
        settings, _ = prepare_home(Path(tmp))
        setup = time.perf_counter() - start
        rows, extra = evaluate(Matcher(settings))
    extra["setup_seconds"] = round(setup, 1)
    cols = ("what", "threshold", "printed", "tp", "fp", "fn", "unjudged", "precision", "recall", "f1")
    rows = [{c: r.get(c) for c in cols} | {k: v for k, v in r.items() if k not in cols} for r in rows]
    write("duplicates_quality", "Duplikater og overlapp: presisjon og dekning (utviklingssett)", rows, extra)
    share, k = extra["knn_candidate_recall"], extra["thresholds"]["k"]
    print(f"kNN-kandidater dekker {share:.0%} av de positive parene (k={k})")


if __name__ == "__main__":
    main()
