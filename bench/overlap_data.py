"""The judged overlap sets as homes and labels, for bench/overlap_quality.py and bench/fit_overlap.py.

A split's home holds the 2025 document and ALL the partner lists of that split (the `lists` of
bench/overlap/judged_<split>.json: four for tune and report, two for tune2 and
report2), each imported
as its own actor (as staff would import them), with the index and inferred links built through
the application layer. The "dev" home holds the document and data/partners/eksempel-fylke.csv
(bench/devset_pairs.json). With REGIONGRAF_BENCH_HOMES=DIR the homes are kept in DIR/<split>
and reused when they already exist (for repeated runs); otherwise they live in a temporary
directory for one run.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from bench.fixtures import settings_for
from graph.iri import slug
from graph.settings import REPO

OVERLAP = REPO / "bench" / "overlap"
DEVSET = REPO / "bench" / "devset_pairs.json"
DEVSET_STRATEGIES = REPO / "bench" / "devset_strategies.json"
POSITIVE = ("duplicate", "overlap")


def judged_file(split: str) -> dict:
    return json.loads((OVERLAP / f"judged_{split}.json").read_text())


def prepare_home(split: str, home: Path, embedder=None):
    """Settings of a built home for a split ("tune", "tune2", "report", "report2") or "dev"; builds it when missing
    (with `embedder`, or a model loaded here)."""
    from bench.fixtures import load_embedder
    from service.application import Application

    settings = settings_for(home)
    if (home / "index" / "CURRENT").is_file():
        return settings
    embedder = embedder or load_embedder(settings)
    quiet = lambda *_: None  # noqa: E731
    app = Application(settings, embedder)
    app.build(progress=quiet)
    if split == "dev":
        dev = json.loads(DEVSET.read_text())
        lists = [(REPO / dev["partner_file"], dev["actor"])]
    else:
        lists = [(REPO / item["file"], item["actor"]) for item in judged_file(split)["lists"]]
    for path, actor in lists:
        app.import_list(path.read_bytes(), path.name, actor, progress=quiet)
    return settings


def homes_dir() -> Path | None:
    value = os.environ.get("REGIONGRAF_BENCH_HOMES")
    return Path(value) if value else None


class Judged:
    """A split's judgments with references resolved to IRIs of the home's index."""

    def __init__(self, split: str, index, base: str):
        self.split = split
        prefix = f"{base}/id/"
        if split == "dev":
            dev = json.loads(DEVSET.read_text())
            self.labels = {frozenset((prefix + p["a"], prefix + p["b"])): p["label"] for p in dev["pairs"]}
            self.items: dict[str, list[str]] = {}
            self.list_of: dict[str, str] = {}
            return
        data = judged_file(split)
        actors = {a: label for a, label in index.actor_labels.items()}
        by_actor: dict[str, dict[str, str]] = {}
        for u in index.units:
            if u.type == "Initiative" and u.actors:
                by_actor.setdefault(actors[u.actors[0]], {})[u.id.rsplit("/", 1)[-1]] = u.id
        self.list_of = {}

        def ref(r: str) -> str:
            if "::" not in r:
                return prefix + r
            actor, key = r.split("::", 1)
            found = [iri for k, iri in by_actor.get(actor, {}).items() if k.endswith("-" + slug(key))]
            if len(found) != 1:
                raise KeyError(f"{r}: not in the home's index")
            self.list_of[found[0]] = actor
            return found[0]

        self.labels = {frozenset((ref(p["a"]), ref(p["b"]))): p["label"] for p in data["pairs"]}
        self.items = {ref(k): [ref(c) for c in v["counterparts"]] for k, v in data["items"].items()}

    def positives(self) -> set[frozenset]:
        return {k for k, v in self.labels.items() if v in POSITIVE}

    def in_universe(self, a: str, b: str) -> bool:
        """Whether a pair is one the judged set speaks for: an item of a judged list with a
        programme node or with an item of another list (not two items of one list)."""
        la, lb = self.list_of.get(a), self.list_of.get(b)
        if la is None and lb is None:
            return False
        return la != lb

    def group(self, a: str, b: str) -> str:
        return min(x for x in (self.list_of.get(a), self.list_of.get(b)) if x)
