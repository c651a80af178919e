"""The embedding backends side by side: torch (sentence-transformers), ONNX float32, ONNX int8.

Speed (model warm, same process, backends measured in turns so that the shared machine's
load falls on all of them alike; medians over ROUNDS turns):
- one query: p50 over the development set's queries, one at a time
- a batch of 20 queries in one call (what the server's micro-batcher sends under load)
- passages per second (512 document-like texts, batches of 32: index builds)

Ranking, through the real hybrid searcher on bench/devset_search.json (hit@5, MRR@10): each
backend embeds the index and the queries; "mixed" is a torch-built index queried with ONNX
int8 (an index built before the switch); "batched" embeds every query inside a random batch of
20 (dynamic int8 quantisation scales activations per batch, so a vector depends a little on
its batch companions). ONNX int8 may be the default only if MRR@10 and hit@5 drop at most
0.01 against torch.

Parity: cosine of each backend's vectors with torch's on a few hundred texts (the document's
lines, the development queries, synthetic passages).

    python -m bench.run embedder_compare
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.fixtures import build_document, temp_home
from bench.report import median, percentile, write
from bench.search_quality import load_devset, run_config, run_full, score
from bench.synthetic import clauses, texts
from graph.settings import REPO

ROUNDS = int(os.environ.get("BENCH_EMBED_ROUNDS", 3))
MAX_MRR_DROP = 0.01


class Fixed:
    """An embedder whose query vectors were computed beforehand (to rank with chosen vectors)."""

    def __init__(self, real, vectors: dict[str, np.ndarray]):
        self.real, self.name, self.dim, self.vectors = real, real.name, real.dim, vectors

    def embed_queries(self, texts):
        return np.stack([self.vectors[t] if t in self.vectors else self.real.embed_queries([t])[0] for t in texts])

    def embed_passages(self, texts, batch_size=32, show_progress=False):
        return self.real.embed_passages(texts, batch_size=batch_size, show_progress=show_progress)


def speed(embedder, queries: list[str], passages: list[str]) -> dict:
    embedder.embed_queries(queries[:5])
    one = []
    for q in queries:
        t = time.perf_counter()
        embedder.embed_queries([q])
        one.append((time.perf_counter() - t) * 1000)
    rng = np.random.default_rng(0)
    batch = []
    for _ in range(6):
        chosen = [queries[i] for i in rng.choice(len(queries), 20, replace=False)]
        t = time.perf_counter()
        embedder.embed_queries(chosen)
        batch.append((time.perf_counter() - t) * 1000)
    t = time.perf_counter()
    embedder.embed_passages(passages, batch_size=32)
    return {"one_p50_ms": median(one), "one_p99_ms": percentile(one, 99), "batch20_ms": median(batch),
            "passages_per_s": len(passages) / (time.perf_counter() - t)}


def quality(settings, embedder, devset, query_embedder=None) -> dict:
    from search.index.update import build_index
    from search.searcher import Searcher

    build_index(settings, progress=None, embedder=embedder, full=True)
    searcher = Searcher.load(settings, embedder=query_embedder or embedder)
    hybrid = score(run_config(searcher, devset), devset)
    full = score(run_full(searcher, devset), devset)
    return {"hit@5": hybrid["hit@5"], "MRR@10": hybrid["MRR@10"], "MRR@10 en": hybrid["MRR@10 en"],
            "full hit@5": full["hit@5"], "full MRR@10": full["MRR@10"]}


def in_random_batches(embedder, queries: list[str], size: int = 20, seed: int = 0) -> dict[str, np.ndarray]:
    """Each query's vector as embedded among `size - 1` random other queries."""
    rng = np.random.default_rng(seed)
    out = {}
    for i, q in enumerate(queries):
        others = [queries[j] for j in rng.choice([j for j in range(len(queries)) if j != i], size - 1, replace=False)]
        batch = others[: size // 2] + [q] + others[size // 2:]
        out[q] = embedder.embed_queries(batch)[size // 2]
    return out


def cosines(a: np.ndarray, b: np.ndarray) -> dict:
    c = (a * b).sum(axis=1)
    return {"min": round(float(c.min()), 5), "mean": round(float(c.mean()), 5)}


def main() -> None:
    from search.embedding.embedder import Embedder, resolve
    from search.embedding.onnx_embedder import OnnxEmbedder
    from search.embedding.onnx_export import export

    devset = load_devset()
    queries = [q["query"] for q in devset]
    extra: dict = {"load_average_start": [round(x, 2) for x in os.getloadavg()], "cpus": os.cpu_count(),
                   "rounds": ROUNDS}
    with temp_home() as settings, tempfile.TemporaryDirectory(prefix="onnx-fp32-") as fp32_dir:
        build_document(settings)
        from graph.store import open_store

        pool = clauses(open_store(settings))
        passages = texts(512, pool, seed=1)
        torch_e = Embedder.load(settings)
        int8 = OnnxEmbedder.load(settings)
        export(resolve(settings), Path(fp32_dir) / "fp32", progress=False, quantize=False)
        fp32 = OnnxEmbedder(Path(fp32_dir) / "fp32", settings.model)
        backends = {"torch": torch_e, "onnx-fp32": fp32, "onnx-int8": int8}

        measured: dict[str, list[dict]] = {k: [] for k in backends}
        for r in range(ROUNDS):
            for name, e in backends.items():
                measured[name].append(speed(e, queries, passages))
                print(f"runde {r + 1} {name}: {measured[name][-1]}", flush=True)

        doc = [ln.strip() for ln in (REPO / "data" / "handlingsprogram-2025.txt").read_text("utf-8").splitlines()
               if len(ln.strip()) >= 20]
        parity_passages = doc + texts(150, pool, seed=5)
        ref_p, ref_q = torch_e.embed_passages(parity_passages), torch_e.embed_queries(queries)
        extra["parity_texts"] = len(parity_passages) + len(queries)

        rows = []
        for name, e in backends.items():
            runs = measured[name]
            row = {"backend": name}
            for key in runs[0]:
                row[key] = round(median([x[key] for x in runs]), 1)
            row["batch20_per_query_ms"] = round(row["batch20_ms"] / 20, 2)
            row.update(quality(settings, e, devset))
            par_p, par_q = cosines(e.embed_passages(parity_passages), ref_p), cosines(e.embed_queries(queries), ref_q)
            row["cos_min_passages"], row["cos_min_queries"] = par_p["min"], par_q["min"]
            row["cos_mean"] = round((par_p["mean"] + par_q["mean"]) / 2, 5)
            rows.append(row)
            print(row, flush=True)

        # The int8 queries as the batcher would embed them (batches of 20), against an int8 index.
        batched = in_random_batches(int8, queries)
        alone = int8.embed_queries(queries)
        extra["int8_batched_vs_alone_cosine"] = cosines(np.stack([batched[q] for q in queries]), alone)
        rows.append({"backend": "onnx-int8, spørsmål i grupper på 20",
                     **quality(settings, int8, devset, query_embedder=Fixed(int8, batched))})
        rows.append({"backend": "blandet: torch-indeks, onnx-int8-spørsmål",
                     **quality(settings, torch_e, devset, query_embedder=int8)})
        print(rows[-2:], flush=True)

    base = rows[0]
    checks = {}
    for row in rows[1:]:
        if row["backend"] == "onnx-fp32":
            continue
        drop = {k: round(base[k] - row[k], 3) for k in ("hit@5", "MRR@10", "full hit@5", "full MRR@10")}
        checks[row["backend"]] = {"drop": drop, "within": all(v <= MAX_MRR_DROP for v in drop.values())}
    extra["quality_gate"] = {"max_drop": MAX_MRR_DROP, "checks": checks}
    extra["int8_default_allowed"] = all(c["within"] for c in checks.values())
    extra["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    write("embedder_compare", "Innbyggingsmotorer: torch mot ONNX (float32, int8)", rows, extra)
    for name, c in checks.items():
        print(f"{name}: fall mot torch {c['drop']} -> {'innenfor' if c['within'] else 'UTENFOR'} {MAX_MRR_DROP}")
    print(f"ONNX int8 kan være standard: {'ja' if extra['int8_default_allowed'] else 'nei'}")


if __name__ == "__main__":
    main()
