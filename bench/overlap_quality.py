"""Overlaps staff can trust: held-out quality of the overlap model on the judged partner lists.

For each split (report and report2; tune and tune2) a fresh home gets the 2025 document and ALL partner lists
of the split, each imported as its own actor (bench/overlap_data.py). Every method is then asked
for its cross-actor pairs, and compared with bench/overlap/judged_<split>.json:

- precision / recall of the listed pairs: the pairs a method proposes (for the overlap model:
  kind duplicate or overlap, i.e. confidence >= the overlap cut) that join an item of a list to
  a programme node or to an item of another list. Pairs judged "uncertain" count neither way;
  proposed pairs nobody judged are reported (`unjudged`) and counted as wrong in `P strict`;
- top-3: share of the items that have a counterpart whose counterpart is among the item's three
  most confident cross-actor pairs (`top3`: any confidence, a ranking; `top3 proposed`: among
  the proposed pairs only);
- unrelated unpaired: share of the items with no counterpart that get no proposed pair;
- for the overlap model also ECE and Brier score of the confidence on the judged pairs it scored.

Methods:
- **new**: the product (matching/overlap.py): hybrid candidates with stored passage vectors,
  language-neutral vectors (search/language.py), the shipped calibrator (fitted on the tune
  splits only);
- **new, query vectors**: the same, but the dense side embeds each text as a query (refitted on
  the tune splits the same way);
- **new, dense-only / BM25-only candidates**: candidates and ranks from one retriever (refitted);
- **previous model**: the product as it was before tune2 and language neutrality: the stored
  vectors as they are, fitted on the first tune split only;
- **old scoring**: the first code path (bench/old_overlap.py: dense kNN over measures and
  initiatives, mean of centred cosine and shared terms, threshold 0.34);
- **plain search**: the item's text as a query to `Searcher.search` (hybrid, query
  understanding on), top 3 hits of other actors, all three proposed.

The report and report2 splits are held out (report2 was written later, blind, to narrow the
estimate); the table shows each and both counted together. The tune rows are in-sample for the
new methods (their calibrators were fitted there) and are written to the JSON only.

`--split tune,tune2` runs only those splits (tuning without touching the held-out splits).

Also checked: the document's literal duplicates (measure/2025-5.1.1-8 and -27) among the top 3
pairs of `regiongraf duplicates`, and the duplicate kind against the pairs judged duplicate.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.overlap_data import Judged, homes_dir, prepare_home
from bench.report import write

SPLITS = ("report", "report2", "tune", "tune2")
HELD_OUT = ("report", "report2")
VARIANTS = {
    "new (hybrid, passage vectors)": {},
    "new, dense side embeds the text as a query": {"query": True},
    "new, dense-only candidates": {"mode": "dense"},
    "new, BM25-only candidates": {"mode": "bm25"},
    "previous model (stored vectors as they are, fitted on tune only)": {"neutral": False, "splits": ("tune",)},
}
LITERAL_DUPLICATE = ("measure/2025-5.1.1-8", "measure/2025-5.1.1-27")


# ----------------------------------------------------------------------------- scoring


def metrics(pairs: list[tuple[str, str, float, bool]], judged: Judged) -> dict:
    """pairs: (a, b, confidence or score, proposed) across actors, any order of a and b."""
    labels = judged.labels
    items = judged.items
    tp = fp = unjudged = 0
    by_item: dict[str, list[tuple[float, str, bool]]] = {}
    seen = set()
    for a, b, conf, proposed in pairs:
        key = frozenset((a, b))
        if key in seen or not judged.in_universe(a, b):
            continue
        seen.add(key)
        for x, y in ((a, b), (b, a)):
            if x in items:
                by_item.setdefault(x, []).append((conf, y, proposed))
        if not proposed:
            continue
        label = labels.get(key)
        if label in ("duplicate", "overlap"):
            tp += 1
        elif label == "none":
            fp += 1
        elif label is None:
            unjudged += 1
    positives = len(judged.positives())
    top3 = top3_proposed = with_cp = unpaired = without = 0
    for item, counterparts in items.items():
        ranked = sorted(by_item.get(item, []), key=lambda t: -t[0])
        if counterparts:
            with_cp += 1
            top3 += any(c in counterparts for _, c, _ in ranked[:3])
            top3_proposed += any(c in counterparts for _, c, _ in [r for r in ranked if r[2]][:3])
        else:
            without += 1
            unpaired += not any(p for _, _, p in ranked)
    proposed = tp + fp + unjudged
    return {
        "counts": {"tp": tp, "fp": fp, "unjudged": unjudged, "positives": positives, "with_cp": with_cp,
                   "top3": top3, "top3_proposed": top3_proposed, "without": without, "unpaired": unpaired},
        "proposed": proposed, "tp": tp, "fp": fp, "unjudged": unjudged,
        "precision": round(tp / (tp + fp), 3) if tp + fp else None,
        "precision_strict": round(tp / proposed, 3) if proposed else None,
        "recall": round(tp / positives, 3) if positives else None,
        "top3": round(top3 / with_cp, 3), "top3_proposed": round(top3_proposed / with_cp, 3),
        "unrelated_unpaired": round(unpaired / without, 3) if without else None,
    }


def calibration_figures(pairs, judged: Judged) -> dict:
    from search.calibration import brier, expected_calibration_error

    conf, y = [], []
    for a, b, c, _ in pairs:
        label = judged.labels.get(frozenset((a, b)))
        if label in ("duplicate", "overlap", "none") and judged.in_universe(a, b):
            conf.append(c)
            y.append(1.0 if label != "none" else 0.0)
    if not conf:
        return {}
    return {"ece": round(expected_calibration_error(np.array(conf), np.array(y)), 3),
            "brier": round(brier(np.array(conf), np.array(y)), 3), "judged_scored": len(conf)}


# ----------------------------------------------------------------------------- methods


def new_pairs(matcher) -> list[tuple[str, str, float, bool]]:
    pairs = matcher.duplicates(across_actors=True, min_score=0.0, explain=False)
    return [(p["a"]["id"], p["b"]["id"], p["confidence"], p["kind"] in ("duplicate", "overlap")) for p in pairs]


def old_pairs(index) -> list[tuple[str, str, float, bool]]:
    from bench import old_overlap

    props = old_overlap.Proposals(index)
    units = index.units
    return [(units[p.a].id, units[p.b].id, p.score, p.score >= old_overlap.OVERLAP_SCORE)
            for p in old_overlap.find_pairs(props, min_score=-1.0, across_actors=True)]


def search_pairs(searcher, index, judged: Judged) -> list[tuple[str, str, float, bool]]:
    from matching.overlap import unit_text

    out = []
    for item in judged.items:
        u = index.units[index.row_of[item]]
        own = set(u.actors)
        hits = searcher.search(unit_text(u)[:2000], k=20)
        hits = [h for h in hits if h["id"] != item and not (own & set(index.units[index.row_of[h["id"]]].actors))]
        for rank, h in enumerate(hits[:3]):
            out.append((item, h["id"], 1.0 - rank / 10, True))
    return out


def query_vectors(index, embedder) -> np.ndarray:
    return embedder.embed_queries([u.index_text for u in index.units])


def variant_matcher(settings, index, calibrator, options: dict, embedder):
    from matching.matcher import Matcher
    from matching.overlap import Commitments

    retrieval = {}
    if options.get("mode"):
        retrieval["mode"] = options["mode"]
    if options.get("query"):
        retrieval["query_vectors"] = query_vectors(index, embedder)
    matcher = Matcher(settings, index)
    # every year view of the matcher derives from all_com (matching/years.py): replace it there
    matcher.all_com = matcher.com = Commitments(index, calibrator, retrieval, neutral=options.get("neutral", True))
    matcher._by_year = {}
    return matcher


def fit_variant(root: Path, options: dict, embedder):
    """A calibrator for a retrieval variant, fitted on the tune split (and the devset) exactly as
    the shipped one is (bench/fit_overlap.py), with the variant's own candidates and ranks."""
    from bench.fit_overlap import tune_examples
    from matching.confidence import fit_overlap_calibrator

    make = lambda settings, index: variant_matcher(settings, index, None, options, embedder).com  # noqa: E731
    examples = tune_examples(root, make, **({"splits": options["splits"]} if "splits" in options else {}))
    return fit_overlap_calibrator(base=examples, extra=[], note=f"variant {options}")


# ----------------------------------------------------------------------------- running


def literal_duplicate_rank(matcher) -> int | None:
    base = matcher.settings.base_iri
    want = {f"{base}/id/{k}" for k in LITERAL_DUPLICATE}
    for rank, p in enumerate(matcher.duplicates(explain=False), start=1):
        if {p["a"]["id"], p["b"]["id"]} == want:
            return rank
    return None


def duplicate_kind(pairs_json, judged: Judged) -> dict:
    printed = {frozenset((p["a"]["id"], p["b"]["id"])) for p in pairs_json if p["kind"] == "duplicate"}
    truth = {k for k, v in judged.labels.items() if v == "duplicate"}
    tp = len(printed & truth)
    return {"printed": len(printed), "tp": tp, "judged_duplicates": len(truth)}


def run(root: Path, splits: tuple[str, ...] = SPLITS) -> tuple[list[dict], dict]:
    from bench.fixtures import load_embedder
    from matching.confidence import load_calibrator
    from matching.matcher import Matcher
    from search.index.version import SearchIndex
    from search.searcher import Searcher

    embedder = None
    homes = {}
    for split in splits:
        homes[split] = prepare_home(split, root / split, embedder)
    embedder = load_embedder(homes[splits[0]])
    rows, extra = [], {"splits": {}, "seconds": {}}
    calibrators = {name: (load_calibrator() if not opts else fit_variant(root, opts, embedder))
                   for name, opts in VARIANTS.items()}
    for split in splits:
        settings = homes[split]
        index = SearchIndex.load(settings.index_dir)
        judged = Judged(split, index, settings.base_iri)
        held_out = split in HELD_OUT
        for name, opts in VARIANTS.items():
            t = time.perf_counter()
            matcher = variant_matcher(settings, index, calibrators[name], opts, embedder) if opts \
                else Matcher(settings, index)
            pairs = new_pairs(matcher)
            extra["seconds"][f"{split}: {name}"] = round(time.perf_counter() - t, 2)
            rows.append({"split": split, "held_out": held_out, "method": name, **metrics(pairs, judged),
                         **calibration_figures(pairs, judged)})
            if not opts:
                strict = matcher.duplicates(across_actors=True, explain=False)
                extra["splits"][split] = {
                    "literal_duplicate_rank": literal_duplicate_rank(matcher),
                    "duplicate_kind": duplicate_kind(strict, judged),
                    "items": len(judged.items), "judged_positive_pairs": len(judged.positives()),
                }
        t = time.perf_counter()
        rows.append({"split": split, "held_out": held_out, "method": "old scoring (dense kNN, measures+initiatives)",
                     **metrics(old_pairs(index), judged)})
        extra["seconds"][f"{split}: old"] = round(time.perf_counter() - t, 2)
        searcher = Searcher.load(settings, embedder)
        t = time.perf_counter()
        rows.append({"split": split, "held_out": held_out, "method": "plain search (top 3 proposed)",
                     **metrics(search_pairs(searcher, index, judged), judged)})
        extra["seconds"][f"{split}: search"] = round(time.perf_counter() - t, 2)
    extra["calibrators"] = {name: {"cuts": cal.cuts, "weights": dict(zip(cal.names, cal.weights, strict=True)),
                                   "bias": cal.bias} for name, cal in calibrators.items()}
    return rows, extra


def pooled(rows: list[dict], splits: tuple[str, ...]) -> list[dict]:
    """Per method, the held-out splits counted together (from their counts, not averaged rates)."""
    out = []
    for method in dict.fromkeys(r["method"] for r in rows):
        parts = [r for r in rows if r["method"] == method and r["split"] in splits]
        if len(parts) < 2:
            continue
        c = {k: sum(r["counts"][k] for r in parts) for k in parts[0]["counts"]}
        proposed = c["tp"] + c["fp"] + c["unjudged"]
        out.append({
            "split": " + ".join(splits), "held_out": True, "method": method, "proposed": proposed,
            "tp": c["tp"], "fp": c["fp"], "unjudged": c["unjudged"],
            "precision": round(c["tp"] / (c["tp"] + c["fp"]), 3) if c["tp"] + c["fp"] else None,
            "precision_strict": round(c["tp"] / proposed, 3) if proposed else None,
            "recall": round(c["tp"] / c["positives"], 3) if c["positives"] else None,
            "top3": round(c["top3"] / c["with_cp"], 3), "top3_proposed": round(c["top3_proposed"] / c["with_cp"], 3),
            "unrelated_unpaired": round(c["unpaired"] / c["without"], 3) if c["without"] else None,
            "counts": c,
        })
    return out


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    splits = SPLITS
    if "--split" in argv:
        splits = tuple(argv[argv.index("--split") + 1].split(","))
        if not set(splits) <= set(SPLITS):
            raise SystemExit(f"--split: choose among {', '.join(SPLITS)}")
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="rg-ovq-") as tmp:
        rows, extra = run(homes_dir() or Path(tmp), splits)
    extra["total_seconds"] = round(time.perf_counter() - start, 1)
    cols = ("split", "method", "precision", "precision_strict", "recall", "top3", "top3_proposed",
            "unrelated_unpaired", "proposed", "tp", "fp", "unjudged", "ece", "brier")
    held_out = any(s in HELD_OUT for s in splits)
    rows += pooled(rows, tuple(s for s in splits if s in HELD_OUT))
    shown = [{c: r.get(c) for c in cols} for r in rows if r["held_out"] or not held_out]
    title = ("Overlapp: presisjon, dekning og topp-3 på holdt-ut data (report, report2, begge)" if held_out else
             "Overlapp på tuningdata (i utvalget: ikke tall å rapportere)")
    write("overlap_quality" if held_out else "overlap_quality_tune", title, shown, {**extra, "all_rows": rows})
    for split, info in extra["splits"].items():
        print(f"{split}: dokumentets bokstavelige duplikat (5.1.1-8/-27) er par nr. {info['literal_duplicate_rank']} "
              f"i `duplicates`; duplikat-typen: {info['duplicate_kind']}")


if __name__ == "__main__":
    main()
