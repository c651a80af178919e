"""Duplicates over 10,000 and 100,000 synthetic initiatives: kNN vs a naive all-pairs baseline.

Embedding 100,000 texts with the model would take hours on this machine, so the vectors
are synthetic but shaped like e5's: a strong common direction (unrelated texts still
score about 0.85), topic clusters, noise, and 2 % planted near-copies (same text with one
word changed, vector nudged). Texts are drawn from per-topic word lists so that the
lexical half of the score has something to do. They are put in a real SearchIndex (FAISS
flat below 50,000 vectors, IVF above, as search/dense.py decides) and run through the
same code as `regiongraf duplicates` (search/overlap.find_pairs).

Baselines: the same score over all pairs, exhaustive and exact, (1) vectorised (blocked
matrix product for the cosines, sparse term-incidence product for the shared terms;
scipy), a fair opponent, and (2) the textbook Python double loop, one pair at a time,
always run on a sample of query rows and extrapolated. At 10,000 it runs in full; at
100,000 all pairs would take (n^2/2) work, so it runs a sample of query rows and the time
is extrapolated linearly in the number of rows (stated in the table). Each measurement runs
in a fresh process that builds the data first: peak memory is that process's peak RSS
above what it held before the method started (Linux clear_refs), so FAISS's C++
allocations count too; the data and index themselves are not counted.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import time

import numpy as np

from bench.report import write

SIZES = (10_000, 100_000)
DIM = 384
BASELINE_SAMPLE_ROWS = 5_000  # query rows run for the naive baseline at sizes above FULL_BASELINE
LOOP_SAMPLE_ROWS = 20  # query rows run for the Python double loop (always extrapolated)
FULL_BASELINE = 20_000
BLOCK = 256  # query rows per matrix product in the baseline (256 x 100k floats = 100 MB)
# Shape of the synthetic vectors: common direction, topic, noise (raw cosine of unrelated
# texts ~0.85, of same-topic texts ~0.9, as e5 gives); about TOPIC_SIZE texts per topic.
COMMON, TOPIC, NOISE = 2.4, 0.75, 1.0
TOPIC_SIZE = 12


# ----------------------------------------------------------------------------- data


def synthetic(n: int, seed: int = 0):
    """Units, vectors and texts of n synthetic initiatives from 25 actors."""
    from search.index.units import Unit

    rng = np.random.default_rng(seed)
    topics = max(10, n // TOPIC_SIZE)
    common = _unit(rng.standard_normal(DIM))
    centres = _unit(rng.standard_normal((topics, DIM)))
    topic = rng.integers(0, topics, n)
    noise = _unit(rng.standard_normal((n, DIM)))
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
                  vid=i) for i in range(n)]
    return units, vecs.astype(np.float32)


def _unit(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


def make_index(units, vectors):
    from search.index.dense import DenseIndex
    from search.index.lexical import LexicalIndex
    from search.index.normalise import Tokenizer
    from search.index.version import SearchIndex

    vids = np.arange(len(units), dtype=np.int64)
    dense = DenseIndex.create(vectors, vids, vectors.shape[1])
    lexical = LexicalIndex(None, Tokenizer(()), len(units))  # tokenizer only; BM25 is not used here
    manifest = {"model": "synthetic", "dim": vectors.shape[1]}
    return SearchIndex(path=None, manifest=manifest, units=units, vectors=vectors, dense=dense,
                       lexical=lexical, entities=[])


# ----------------------------------------------------------------------------- the two methods


def knn_pairs(index) -> set[tuple[int, int]]:
    from matching import overlap

    props = overlap.Proposals(index)
    return {(p.a, p.b) if p.a < p.b else (p.b, p.a) for p in overlap.find_pairs(props)}


def naive_pairs(index, rows: np.ndarray | None = None) -> set[tuple[int, int]]:
    """The same score over all pairs (each query row against every row after it), vectorised:
    cosines by matrix product, shared terms by a sparse term-incidence product."""
    from scipy import sparse

    from matching import overlap

    props = overlap.Proposals(index)
    vecs = index.vectors
    n = len(vecs)
    rows = np.arange(n) if rows is None else rows
    vocab: dict[str, int] = {}
    cols, ptr = [], [0]
    for i in range(n):
        cols.extend(vocab.setdefault(t, len(vocab)) for t in props.terms(i))
        ptr.append(len(cols))
    terms = sparse.csr_matrix((np.ones(len(cols), np.float32), cols, ptr), shape=(n, max(1, len(vocab))))
    lens = np.diff(terms.indptr).astype(np.float32)
    proj, norm = props.proj.astype(np.float32), props.norm.astype(np.float32)
    w = overlap.LEXICAL_WEIGHT
    out = set()
    for start in range(0, len(rows), BLOCK):
        q = rows[start:start + BLOCK]
        cos = vecs[q] @ vecs.T
        sem = (cos - proj[q][:, None] - proj[None, :] + props.m2) / (norm[q][:, None] * norm[None, :])
        shared = (terms[q] @ terms.T).toarray()
        lex = shared / np.maximum(np.minimum(lens[q][:, None], lens[None, :]), 1.0)
        score = (sem + w * lex) / (1.0 + w)
        score[np.arange(n)[None, :] <= q[:, None]] = -9.0  # each pair once: j > i
        bi, j = np.nonzero(score >= overlap.OVERLAP_SCORE)
        out.update(zip(q[bi].tolist(), j.tolist(), strict=True))
    return out


def loop_pairs(index, rows: np.ndarray) -> set[tuple[int, int]]:
    """The textbook version: a Python double loop scoring one pair at a time (sampled rows only)."""
    from matching import overlap

    props = overlap.Proposals(index)
    vecs = index.vectors
    n = len(vecs)
    out = set()
    for i in rows.tolist():
        for j in range(i + 1, n):
            c = float(vecs[i] @ vecs[j])
            s = float(props.semantic(np.array([i]), np.array([j]), np.array([c]))[0])
            if props.pair(i, j, c, s).score >= overlap.OVERLAP_SCORE:
                out.add((i, j))
    return out


# ----------------------------------------------------------------------------- measuring


def _rss_kb(field: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field):
                return int(line.split()[1])
    return 0


def _child(n: int, method: str, sample: int | None, conn) -> None:
    """Build the data in this process, then time one method with its peak memory alone."""
    t = time.perf_counter()
    units, vectors = synthetic(n)
    index = make_index(units, vectors)
    build = time.perf_counter() - t
    rows = None
    if sample:
        rows = np.sort(np.random.default_rng(1).choice(n, sample, replace=False))
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")  # reset the peak RSS (VmHWM) to the current RSS
        reset = True
    except OSError:
        reset = False
    before = _rss_kb("VmRSS")
    t = time.perf_counter()
    if method == "knn":
        result = knn_pairs(index)
    elif method == "loop":
        result = loop_pairs(index, rows)
    else:
        result = naive_pairs(index, rows)
    seconds = time.perf_counter() - t
    peak = _rss_kb("VmHWM")
    conn.send({"seconds": seconds, "peak_mb": (peak - before) / 1024 if reset else None, "pairs": result,
               "build": build, "kind": index.dense.kind, "rows": None if rows is None else rows.tolist()})
    conn.close()


def measured(n: int, method: str, sample: int | None = None) -> dict:
    """One measurement in a fresh (spawned) process: FAISS's OpenMP threads do not survive a fork."""
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(n, method, sample, child))
    proc.start()
    child.close()
    got = parent.recv()
    proc.join()
    return got


def run_size(n: int) -> list[dict]:
    knn = measured(n, "knn")
    k_pairs = knn["pairs"]
    rows = [{"n": n, "method": f"kNN (FAISS {knn['kind']}, k=15)", "seconds": round(knn["seconds"], 2),
             "peak_mb": _mb(knn["peak_mb"]), "pairs": len(k_pairs), "recall_vs_exact": None,
             "note": f"data+index {knn['build']:.1f} s (not timed)"}]
    if n <= FULL_BASELINE:
        naive = measured(n, "naive")
        b_pairs = naive["pairs"]
        rows.append({"n": n, "method": "naive all pairs (vectorised)", "seconds": round(naive["seconds"], 2),
                     "peak_mb": _mb(naive["peak_mb"]), "pairs": len(b_pairs), "recall_vs_exact": None,
                     "note": "measured in full"})
    else:
        naive = measured(n, "naive", BASELINE_SAMPLE_ROWS)
        sample = set(naive["rows"])
        b_pairs = naive["pairs"]
        k_pairs = {p for p in k_pairs if p[0] in sample}
        # Each query row meets the rows after it, (n-1)/2 on average as in the full run: linear in rows.
        estimate = naive["seconds"] * n / len(sample)
        rows.append({"n": n, "method": "naive all pairs (vectorised)", "seconds": round(estimate, 1),
                     "peak_mb": _mb(naive["peak_mb"]), "pairs": None, "recall_vs_exact": None,
                     "note": f"extrapolated from {len(sample)} query rows ({naive['seconds']:.1f} s)"})
    loop = measured(n, "loop", LOOP_SAMPLE_ROWS)
    rows.append({"n": n, "method": "naive Python double loop", "seconds": round(loop["seconds"] * n / LOOP_SAMPLE_ROWS),
                 "peak_mb": _mb(loop["peak_mb"]), "pairs": None, "recall_vs_exact": None,
                 "note": f"extrapolated from {LOOP_SAMPLE_ROWS} query rows ({loop['seconds']:.1f} s)"})
    rows[0]["recall_vs_exact"] = round(len(k_pairs & b_pairs) / max(1, len(b_pairs)), 4)
    rows[0]["speedup"] = round(rows[1]["seconds"] / max(rows[0]["seconds"], 1e-9), 1)
    rows[1]["speedup"] = None
    rows[2]["speedup"] = None
    return rows


def _mb(value):
    return None if value is None else round(value, 1)


def main() -> None:
    sizes = [int(s) for s in os.environ.get("REGIONGRAF_BENCH_DUP_SIZES", "").split(",") if s] or list(SIZES)
    rows = []
    for n in sizes:
        rows.extend(run_size(n))
        print(f"  {n}: {rows[-3]['seconds']} s kNN, {rows[-2]['seconds']} s vectorised, "
              f"{rows[-1]['seconds']} s Python loop", flush=True)
    write("duplicates_speed", "Duplikater: kNN over indeksen mot naiv alle-par (syntetiske initiativer)", rows,
          {"cpus": os.cpu_count(), "dim": DIM, "baseline_sample_rows": BASELINE_SAMPLE_ROWS})


if __name__ == "__main__":
    main()
