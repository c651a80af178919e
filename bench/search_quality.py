"""Search quality on the development set (bench/devset_search.json): hit@5 and MRR@10.

Rows: BM25 alone, dense alone, the hybrid with the fusion methods and settings we
considered, and the full system (hybrid + names in the query). The choices in
search/fusion.py, search/units.py and search/searcher.py are the best rows here; the
README quotes this table. Query vectors are computed once and reused across rows.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from bench.fixtures import build_document, load_embedder, temp_home
from bench.report import write

DEVSET = Path(__file__).resolve().parent / "devset_search.json"


def load_devset() -> list[dict]:
    return json.loads(DEVSET.read_text())["queries"]


def key_of(iri: str) -> str:
    return iri.split("/id/", 1)[-1]


def score(ranked: list[list[str]], devset: list[dict]) -> dict:
    """hit@5 and MRR@10 overall and per language; `ranked` holds node keys per query."""
    out = {}
    for lang in (None, "nb", "en"):
        rows = [(r, q) for r, q in zip(ranked, devset, strict=True) if lang is None or q["lang"] == lang]
        hits = mrr = 0.0
        for keys, q in rows:
            rel = set(q["relevant"])
            hits += any(k in rel for k in keys[:5])
            mrr += next((1.0 / (i + 1) for i, k in enumerate(keys[:10]) if k in rel), 0.0)
        suffix = "" if lang is None else f" {lang}"
        out[f"hit@5{suffix}"] = round(hits / len(rows), 3)
        out[f"MRR@10{suffix}"] = round(mrr / len(rows), 3)
    return out


def run_config(searcher, devset, mode="hybrid", fuse=None) -> list[list[str]]:
    index = searcher.refresh()
    out = []
    for q in devset:
        ranked = searcher.rank(index, q["query"], None, {}, mode=mode, fuse=fuse)[:10]
        out.append([key_of(index.units[r].id) for r, _ in ranked])
    return out


def run_dense_with_prior(searcher, devset) -> list[list[str]]:
    """Dense ranking with the same heading prior the hybrid uses (applied on 1/(K + rank))."""
    from search import fusion
    from search.searcher import TYPE_PRIOR

    index = searcher.refresh()
    out = []
    for q in devset:
        ranked = searcher.rank(index, q["query"], None, {}, mode="dense")
        fused = fusion.rrf({r: s["dense"] for r, s in ranked}, {})
        for r in fused:
            fused[r] *= TYPE_PRIOR.get(index.units[r].type, 1.0)
        out.append([key_of(index.units[r].id) for r in sorted(fused, key=lambda r: -fused[r])[:10]])
    return out


def run_full(searcher, devset) -> list[list[str]]:
    return [[key_of(h["id"]) for h in searcher.search(q["query"], k=10)] for q in devset]


def misses(ranked, devset) -> list[dict]:
    return [
        {"query": q["query"], "relevant": q["relevant"], "top5": keys[:5]}
        for keys, q in zip(ranked, devset, strict=True)
        if not any(k in set(q["relevant"]) for k in keys[:5])
    ]


def cache_queries(embedder) -> None:
    """Embed each distinct query once; every configuration reuses the vector."""
    cache: dict[str, np.ndarray] = {}
    embed = embedder.embed_queries

    def cached(texts):
        missing = [t for t in dict.fromkeys(texts) if t not in cache]
        if missing:
            cache.update(zip(missing, embed(missing), strict=True))
        return np.stack([cache[t] for t in texts])

    embedder.embed_queries = cached


def main() -> None:
    from search import fusion
    from search import searcher as searcher_mod
    from search.index import units
    from search.index.lexical import LexicalIndex
    from search.index.update import update_index
    from search.searcher import Searcher

    devset = load_devset()
    rows: list[dict] = []
    extra: dict = {"queries": len(devset), "english": sum(q["lang"] == "en" for q in devset)}
    with temp_home() as settings:
        build_document(settings)
        embedder = load_embedder(settings)
        cache_queries(embedder)

        def add(name, ranked, note=""):
            rows.append({"config": name, **score(ranked, devset), "note": note})

        # Unit-text variants first (each needs its own index), then everything on the default.
        defaults = (units.WITH_GROUP, units.WITH_FOCUS, units.WITH_MEMBERS)
        variants = (
            (False, False, False, "label+text only"),
            (True, True, False, "+ group + focus-area title"),
            (True, False, True, "+ group; groups list members"),
        )
        for group, focus, members, label in variants:
            units.WITH_GROUP, units.WITH_FOCUS, units.WITH_MEMBERS = group, focus, members
            update_index(settings, progress=None, embedder=embedder, full=True)
            s = Searcher.load(settings, embedder=embedder)
            add(f"dense, unit text: {label}", run_config(s, devset, "dense"))
            add(f"hybrid, unit text: {label}", run_config(s, devset))
        units.WITH_GROUP, units.WITH_FOCUS, units.WITH_MEMBERS = defaults
        update_index(settings, progress=None, embedder=embedder, full=True)
        searcher = Searcher.load(settings, embedder=embedder)

        index = searcher.refresh()
        compounds = index.lexical
        index.lexical = LexicalIndex.build([u.index_text for u in index.units], compounds=False)
        add("bm25, no compound splitting", run_config(searcher, devset, "bm25"))
        index.lexical = compounds

        prior = dict(searcher_mod.TYPE_PRIOR)
        searcher_mod.TYPE_PRIOR = {}
        add("hybrid RRF k=60, no heading prior", run_config(searcher, devset))
        for k in (10, 30, 100):
            add(f"hybrid RRF k={k}", run_config(searcher, devset, fuse=lambda d, b, k=k: fusion.rrf(d, b, k=k)))
        for w in (0.5, 0.7, 0.8, 0.9):
            add(f"hybrid weighted w_dense={w}", run_config(
                searcher, devset, fuse=lambda d, b, w=w: fusion.weighted(d, b, w_dense=w)))
        for p in (0.9, 0.6):
            searcher_mod.TYPE_PRIOR = {"MeasureGroup": p, "FocusArea": p}
            add(f"hybrid RRF k=60, heading prior {p}", run_config(searcher, devset))
        searcher_mod.TYPE_PRIOR = prior

        bm25 = run_config(searcher, devset, "bm25")
        dense = run_config(searcher, devset, "dense")
        hybrid = run_config(searcher, devset)
        full = run_full(searcher, devset)
        add("dense + heading prior", run_dense_with_prior(searcher, devset), "not used; for comparison")
        add("BM25 alone", bm25, "Norwegian stems, stopwords, compound parts")
        add("dense alone", dense, f"{embedder.name}, FAISS")
        add("hybrid (chosen)", hybrid, f"RRF k={fusion.RRF_K}, heading prior {prior.get('MeasureGroup')}")
        add("hybrid + names in query (full system)", full, "what `regiongraf search` does")
        extra["misses"] = {"bm25": misses(bm25, devset), "dense": misses(dense, devset),
                           "hybrid": misses(hybrid, devset), "full": misses(full, devset)}
    write("search_quality", f"Søkekvalitet på utviklingssettet ({len(devset)} spørringer)", rows, extra)


if __name__ == "__main__":
    main()
