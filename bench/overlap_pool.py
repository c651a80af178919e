"""The pool of candidate pairs to judge for a split of the judged overlap set (TREC-style pooling).

    python -m bench.overlap_pool tune2 [--home DIR] [--json FILE] [--check]

For each item of the split's partner lists (bench/overlap/judged_<split>.json `lists`), the query is
the item's `title. description`, and the pool is the union of:

- the top 8 of hybrid search (query understanding on), of dense-only and of BM25-only search over
  the programme's search units (PROGRAMME_TYPES);
- the top 3 items of the split's other lists, per mode (union);
- every pair already in the judged file (the nodes the judge added from reading the document are
  kept that way; `--check` lists them as "judge-added").

The home holds the document and the split's lists, each imported as its own actor
(bench/overlap_data.prepare_home; `--home DIR` reuses a home built with `regiongraf build` and
`regiongraf import`). Nothing here uses the overlap model: the pool depends only on search.

Output: the pool as readable text on stdout, grouped by item (each candidate with the modes and
ranks that found it, `mode*` when the other item's query found the pair, `judge` when only the judge
added it, its text, and its label when already judged); `--json FILE` writes it as
JSON. `--check` also prints the pooled pairs that still lack a label, the judged pairs no method
pooled, and each mode's recall@8 of the items' programme counterparts (untuned search, not a target).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import tempfile
import time
from pathlib import Path

from bench.overlap_data import POSITIVE, homes_dir, judged_file, prepare_home
from graph.iri import slug
from graph.settings import REPO

PROGRAMME_TYPES = ["Measure", "MeasureGroup", "Strategy", "Challenge", "Goal", "SubGoal", "FocusArea", "Project",
                   "Plan"]
MODES = {"hybrid": ("hybrid", True), "dense": ("dense", False), "bm25": ("bm25", False)}
NODE_DEPTH = 8
ITEM_DEPTH = 3


def list_items(split: str) -> list[tuple[str, str, str]]:
    """(actor, id, query text) for every item of the split's lists, in file order."""
    out = []
    for entry in judged_file(split)["lists"]:
        with open(REPO / entry["file"], encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                out.append((entry["actor"], row["id"], f"{row['title']}. {row['description']}"))
    return out


class Refs:
    """Between the index's IRIs and the judged file's references ({kind}/{key}, <actor>::<id>)."""

    def __init__(self, index, base: str, items: list[tuple[str, str, str]]):
        self.prefix = f"{base}/id/"
        by_actor: dict[str, dict[str, str]] = {}
        for u in index.units:
            if u.type == "Initiative" and u.actors:
                by_actor.setdefault(index.actor_labels[u.actors[0]], {})[u.id.rsplit("/", 1)[-1]] = u.id
        self.iri_of: dict[str, str] = {}
        self.ref_of: dict[str, str] = {}
        for actor, key, _ in items:
            found = [iri for k, iri in by_actor.get(actor, {}).items() if k.endswith("-" + slug(key))]
            if len(found) != 1:
                raise KeyError(f"{actor}::{key}: not in the home's index (import the split's lists)")
            self.iri_of[f"{actor}::{key}"] = found[0]
            self.ref_of[found[0]] = f"{actor}::{key}"

    def ref(self, iri: str) -> str:
        return self.ref_of.get(iri) or iri.removeprefix(self.prefix)


def build_pool(searcher, refs: Refs, items: list[tuple[str, str, str]]) -> dict[str, dict[str, dict]]:
    """{item ref: {candidate ref: {mode: rank}}}, ranks from 1."""
    pool: dict[str, dict[str, dict]] = {}
    for actor, key, query in items:
        item = f"{actor}::{key}"
        found: dict[str, dict] = {}
        for name, (mode, intent) in MODES.items():
            hits = searcher.search_with_meta(query[:2000], k=NODE_DEPTH, types=PROGRAMME_TYPES, intent=intent,
                                             mode=mode)["hits"]
            for rank, h in enumerate(hits, start=1):
                found.setdefault(refs.ref(h["id"]), {})[name] = rank
            hits = searcher.search_with_meta(query[:2000], k=30, types=["Initiative"], intent=intent,
                                             mode=mode)["hits"]
            others = [h for h in hits if h["id"] in refs.ref_of and not refs.ref_of[h["id"]].startswith(actor + "::")]
            for rank, h in enumerate(others[:ITEM_DEPTH], start=1):
                found.setdefault(refs.ref(h["id"]), {})[name] = rank
        pool[item] = found
    return pool


def pair_key(a: str, b: str) -> tuple[str, str]:
    """How the judged file writes a pair: an item first; two items in alphabetical order."""
    if "::" in a and "::" in b:
        return (min(a, b), max(a, b))
    return (a, b) if "::" in a else (b, a)


def judged_labels(split: str) -> dict[tuple[str, str], str]:
    return {pair_key(p["a"], p["b"]): p["label"] for p in judged_file(split).get("pairs", [])}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.overlap_pool", description=__doc__.split("\n\n")[0])
    parser.add_argument("split")
    parser.add_argument("--home", type=Path, help="a built home with the split's lists imported (reused as is)")
    parser.add_argument("--json", type=Path, help="write the pool as JSON to this file")
    parser.add_argument("--check", action="store_true", help="compare the pool with the judged file")
    args = parser.parse_args(argv)

    from bench.fixtures import load_embedder, settings_for
    from search.searcher import Searcher

    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="rg-pool-") as tmp:
        home = args.home or (homes_dir() or Path(tmp)) / args.split
        settings = settings_for(home) if args.home else prepare_home(args.split, home)
        built = time.perf_counter() - start
        searcher = Searcher.load(settings, load_embedder(settings))
        index = searcher.index
        items = list_items(args.split)
        refs = Refs(index, settings.base_iri, items)
        pool = build_pool(searcher, refs, items)
    seconds = time.perf_counter() - start

    labels = judged_labels(args.split)
    texts = {refs.ref(u.id): u.text for u in index.units}
    for item, found in list(pool.items()):  # an item pair found by the other item's query: mode* on both sides
        for other, modes in list(found.items()):
            if other in pool:
                mirrored = pool[other].setdefault(item, {})
                mirrored.update({f"{m}*": r for m, r in modes.items() if not m.endswith("*")})
    for item, found in list(pool.items()):  # pairs the judge added are part of the pool
        for a, b in labels:
            other = b if a == item else a if b == item else None
            if other and other not in found:
                found[other] = {"judge": 1}
    pairs = {pair_key(item, c) for item, found in pool.items() for c in found}
    by_search = {pair_key(item, c) for item, found in pool.items() for c, modes in found.items()
                 if set(modes) - {"judge"}}
    added = pairs - by_search

    for item, found in pool.items():
        print(f"\n### {item}: {texts.get(item, '')}")
        for cand, modes in sorted(found.items(), key=lambda kv: min(r for m, r in kv[1].items() if m != "judge")
                                  if set(kv[1]) - {"judge"} else NODE_DEPTH + 1):
            label = labels.get(pair_key(item, cand), "-")
            where = " ".join(f"{m}{r}" for m, r in modes.items())
            print(f"  [{label}] {cand}  ({where}): {' '.join(texts.get(cand, '').split())[:300]}")
    print(f"\n{len(pool)} items, {len(pairs)} pairs ({len(pairs) - len(added)} pooled by search, {len(added)} added by "
          f"the judge); built the home in {built:.1f} s, "
          f"pooled in {seconds - built:.1f} s ({seconds:.1f} s in all)")
    if args.json:
        args.json.write_text(json.dumps({"split": args.split, "pool": pool}, ensure_ascii=False, indent=1) + "\n")

    if args.check:
        check(pool, pairs, labels, args.split)
    return 0


def check(pool: dict, pairs: set, labels: dict, split: str) -> None:
    missing = sorted(pairs - set(labels))
    print(f"\npooled pairs without a label: {len(missing)}")
    for a, b in missing:
        print(f"  {a}  {b}")
    def methods(a: str, b: str) -> set[str]:
        return set(pool.get(a, {}).get(b, {})) | set(pool.get(b, {}).get(a, {}))

    added = sorted(p for p in labels if methods(*p) <= {"judge"})
    print(f"judged pairs no method pooled (judge-added): {len(added)}")
    for a, b in added:
        print(f"  {a}  {b}  [{labels[(a, b)]}]")
    items = judged_file(split).get("items", {})
    for mode in MODES:
        recalls, miss3 = [], []
        for item, entry in items.items():
            nodes = [c for c in entry["counterparts"] if "::" not in c]
            if not nodes:
                continue
            found = pool.get(item, {})
            recalls.append(sum(1 for c in nodes if mode in found.get(c, {})) / len(nodes))
            if not any(found.get(c, {}).get(mode, 99) <= 3 for c in nodes):
                miss3.append(item.split("::")[1])
        if recalls:
            print(f"{mode}: mean recall@8 of programme counterparts {sum(recalls) / len(recalls):.2f}; "
                  f"no counterpart in the top 3: {', '.join(miss3) or '-'}")
    positive = sum(1 for v in labels.values() if v in POSITIVE)
    print(f"{len(labels)} judged pairs, {positive} positive")


if __name__ == "__main__":
    sys.exit(main())
