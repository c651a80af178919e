"""Duplicates over 10,000 to 100,000 synthetic initiatives: the overlap finder against an
all-pairs top-k baseline, both measured in the same run.

Embedding 100,000 texts with the model would take hours on this machine, so the vectors are
synthetic but shaped like e5's, as measured on the real vectors of the programme and the eight
judged partner lists (281 distinct units): a strong common direction (mean raw cosine 0.83; real
0.84), and around it directions that are far from isotropic: noise and topic centres drawn
with a power-law spectrum (scale i^-0.4 over the 384 dimensions), which gives a participation
ratio of ~70 effective dimensions (real: ~60) and a spread of the centred cosine of unrelated
texts of 0.11 (real: 0.12); the earlier generator's isotropic noise (~256 effective dimensions,
spread 0.06) is not what e5 gives. Same topic: centred cosine ~0.39 (judged overlaps in the real
data: 0.3-0.6); 2 % planted near-copies (same text with one word changed, vector nudged). Texts
are drawn from per-topic word lists so that BM25 and the shared terms have something to do.
They are put in a real SearchIndex (FAISS flat below 50,000 vectors, IVF above, as
search/index/dense.py decides; BM25 built by bm25s as for real texts) and run through the same
code as `regiongraf duplicates` (matching.overlap.find_pairs with the shipped
calibrator: candidates, features, confidence, kinds).

- **overlap finder**: the product. Below 50,000 units its retrieval is exact; above, each
  inverted list's queries are scored against the PROBES nearest lists (search/batch.py);
- **all-pairs top-k baseline**: the same pipeline with the retrieval forced exact: every query
  scored against every unit, dense and BM25, in blocks of matrix products with a running top-k
  (search/batch.py's exact mode). It really runs, at every size.

"Top pairs" are the pairs the baseline reports (confidence at or above the overlap cut), and
recall is the share of them the finder reports too; also given for the baseline's 1,000 most
confident pairs and for those it calls duplicates. Each measurement runs in a fresh process
that builds the data first: peak memory is that process's peak RSS above what it held before
the method started (Linux clear_refs), so FAISS's and BLAS's allocations count too; the data
and index themselves are not counted.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import time

import numpy as np

from bench.report import write

SIZES = (10_000, 50_000, 100_000)
BASELINE_SIZES = (10_000, 100_000)  # the exact baseline at 50,000 adds ~1/4 of the 100,000 run
TOP = 1_000  # "the baseline's top pairs" read narrowly: its most confident 1,000
DIM = 384
# Shape of the synthetic vectors (see the docstring): common direction, topic, noise, and the
# power-law decay of the spectrum of topic and noise directions; about TOPIC_SIZE texts per topic.
COMMON, TOPIC, NOISE = 2.8, 0.8, 1.0
SPECTRUM = 0.4
TOPIC_SIZE = 12


# ----------------------------------------------------------------------------- data


def synthetic(n: int, seed: int = 0):
    """Units, vectors and texts of n synthetic initiatives from 25 actors."""
    from search.index.units import Unit

    rng = np.random.default_rng(seed)
    topics = max(10, n // TOPIC_SIZE)
    scales = np.arange(1, DIM + 1, dtype=np.float64) ** -SPECTRUM
    rotation, _ = np.linalg.qr(rng.standard_normal((DIM, DIM)))

    def directions(m: int) -> np.ndarray:  # unit vectors with e5's uneven spread over dimensions
        out = np.empty((m, DIM), np.float32)
        for s in range(0, m, 20_000):
            k = min(20_000, m - s)
            out[s:s + k] = _unit((rng.standard_normal((k, DIM)) * scales) @ rotation.T)
        return out

    common = _unit(rng.standard_normal(DIM))
    centres = directions(topics)
    topic = rng.integers(0, topics, n)
    noise = directions(n)
    vecs = _unit(COMMON * common + TOPIC * centres[topic] + NOISE * noise)
    syll = ["ka", "ro", "ne", "sta", "vik", "berg", "lun", "tra", "fo", "mil", "sy", "kel", "ener", "gi", "plan"]
    words = sorted({"".join(rng.choice(syll, 3)) for _ in range(6000)})
    topic_words = [rng.choice(words, 40, replace=False) for _ in range(topics)]
    texts = [" ".join(rng.choice(topic_words[t], 8)) + " " + " ".join(rng.choice(words, 6)) for t in topic]
    copies = rng.choice(n, n // 50, replace=False)
    sources = rng.integers(0, n, len(copies))
    for c, s in zip(copies, sources, strict=True):
        if c == s:
            continue
        vecs[c] = _unit(vecs[s] + 0.05 * _unit(rng.standard_normal(DIM)))
        toks = texts[s].split()
        toks[rng.integers(0, len(toks))] = rng.choice(words)
        texts[c] = " ".join(toks)
    units = [Unit(id=f"https://example.org/id/initiative/a{i % 25}-{i}", type="Initiative",
                  label=texts[i][:40], text=texts[i], index_text=texts[i], actors=[f"https://example.org/a{i % 25}"],
                  graph=f"https://example.org/graph/import/a{i % 25}", vid=i) for i in range(n)]
    return units, vecs.astype(np.float32)


def _unit(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


def make_index(units, vectors):
    from search.index.dense import DenseIndex
    from search.index.lexical import LexicalIndex
    from search.index.version import SearchIndex

    vids = np.arange(len(units), dtype=np.int64)
    dense = DenseIndex.create(vectors, vids, vectors.shape[1])
    lexical = LexicalIndex.build([u.index_text for u in units])
    manifest = {"model": "synthetic", "dim": vectors.shape[1]}
    return SearchIndex(path=None, manifest=manifest, units=units, vectors=vectors, dense=dense,
                       lexical=lexical, entities=[])


# ----------------------------------------------------------------------------- the two methods


def overlap_pairs(index, exact: bool) -> tuple[dict[tuple[int, int], tuple[float, str]], dict]:
    """{(a, b): (confidence, kind)} of the pairs `regiongraf duplicates` reports (a < b)."""
    from matching import overlap

    com = overlap.Commitments(index, retrieval={"approximate": False} if exact else None)
    pairs = overlap.find_pairs(com)
    a, _, _, _ = com.table()
    return {((p.a, p.b) if p.a < p.b else (p.b, p.a)): (p.confidence, p.kind) for p in pairs}, {
        "candidates": len(a), "approximate": com.lists.retriever.approximate}


def recalls(mine: dict, base: dict) -> dict:
    """Share of the baseline's pairs the finder reports too: all of them, its TOP most confident,
    and those it calls duplicates."""
    found = set(mine)
    top = sorted(base, key=lambda k: -base[k][0])[:TOP]
    dup = [k for k, (_, kind) in base.items() if kind == "duplicate"]

    def share(keys):
        return round(sum(k in found for k in keys) / len(keys), 4) if keys else None

    return {"recall_of_top_pairs": share(list(base)), f"recall_top_{TOP}": share(top), "recall_duplicates": share(dup)}


# ----------------------------------------------------------------------------- measuring


def _rss_kb(field: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field):
                return int(line.split()[1])
    return 0


def _child(n: int, method: str, conn) -> None:
    """Build the data in this process, then time one method with its peak memory alone."""
    t = time.perf_counter()
    units, vectors = synthetic(n)
    index = make_index(units, vectors)
    index.lexical.matrix()  # part of the index, not of the method
    build = time.perf_counter() - t
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")  # reset the peak RSS (VmHWM) to the current RSS
        reset = True
    except OSError:
        reset = False
    before = _rss_kb("VmRSS")
    t = time.perf_counter()
    pairs, info = overlap_pairs(index, exact=(method == "baseline"))
    seconds = time.perf_counter() - t
    peak = _rss_kb("VmHWM")
    conn.send({"seconds": seconds, "peak_mb": (peak - before) / 1024 if reset else None, "pairs": pairs,
               "build": build, "kind": index.dense.kind, **info})
    conn.close()


def measured(n: int, method: str) -> dict:
    """One measurement in a fresh (spawned) process: FAISS's OpenMP threads do not survive a fork."""
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(n, method, child))
    proc.start()
    child.close()
    got = parent.recv()
    proc.join()
    return got


def run_size(n: int, baseline: bool) -> list[dict]:
    mine = measured(n, "finder")
    how = f"approximate, {PROBES_TEXT}" if mine["approximate"] else "exact (below 50,000 units)"
    rows = [{"n": n, "method": f"overlap finder ({how})", "seconds": round(mine["seconds"], 1),
             "peak_mb": _mb(mine["peak_mb"]), "kb_per_unit": _per(mine["peak_mb"], n),
             "pairs": len(mine["pairs"]), "candidates": mine["candidates"], "speedup": None,
             "recall_of_top_pairs": None, f"recall_top_{TOP}": None, "recall_duplicates": None,
             "note": f"data+index {mine['build']:.0f} s (not timed)"}]
    if baseline:
        base = measured(n, "baseline")
        rows.append({"n": n, "method": "all-pairs top-k baseline (exact blocks)", "seconds": round(base["seconds"], 1),
                     "peak_mb": _mb(base["peak_mb"]), "kb_per_unit": _per(base["peak_mb"], n),
                     "pairs": len(base["pairs"]), "candidates": base["candidates"], "speedup": None,
                     "recall_of_top_pairs": None, f"recall_top_{TOP}": None, "recall_duplicates": None,
                     "note": "measured in full, this run"})
        rows[0].update(recalls(mine["pairs"], base["pairs"]))
        rows[0]["speedup"] = round(base["seconds"] / max(mine["seconds"], 1e-9), 1)
    return rows


PROBES_TEXT = "8 nearest IVF lists per list"


def _mb(value):
    return None if value is None else round(value, 1)


def _per(mb, n):
    return None if mb is None else round(mb * 1024 / n, 2)


def main() -> None:
    sizes = [int(s) for s in os.environ.get("REGIONGRAF_BENCH_DUP_SIZES", "").split(",") if s] or list(SIZES)
    rows = []
    for n in sizes:
        got = run_size(n, baseline=n in BASELINE_SIZES or len(sizes) == 1)
        rows.extend(got)
        print("  " + "; ".join(f"{r['n']}: {r['method']} {r['seconds']} s" for r in got), flush=True)
    write("duplicates_speed", "Duplikater: overlappfinneren mot alle-par topp-k (syntetiske initiativer)",
          rows, {"cpus": os.cpu_count(), "dim": DIM})


if __name__ == "__main__":
    main()
