"""The embedding model on ONNX Runtime (int8 or float32): no torch at run time.

`OnnxEmbedder.load(settings)` finds (or exports on first use, see onnx_export.py) the ONNX
folder for settings.model and settings.embedder and reads it with onnxruntime; texts are tokenised with the
`tokenizers` library from the folder's tokenizer.json, so tokens are exactly those of the
torch embedder. The graph itself does mean pooling and L2 normalisation; e5 models get the
same "query: " / "passage: " prefixes as search/embedding/embedder.py gives them.
Selected with REGIONGRAF_EMBEDDER=onnx (int8) or onnx-fp32 (graph/settings.py).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from search.embedding.embedder import E5_PROMPTS


def _cores() -> int:
    affinity = getattr(os, "sched_getaffinity", None)
    return len(affinity(0)) if affinity else os.cpu_count() or 1


class OnnxEmbedder:
    """L2-normalised float32 embeddings for queries and passages (same API as Embedder)."""

    def __init__(self, folder: Path, name: str, threads: int | None = None):
        # Lazy: onnxruntime costs ~0.4 s to import (`-X importtime`); the torch runtime never needs it.
        import onnxruntime as ort
        from tokenizers import Tokenizer

        folder = Path(folder)
        meta = json.loads((folder / "export.json").read_text("utf-8"))
        self.name = name  # the configured settings.model: indexes stay valid across backends
        self.source = str(folder)
        self.backend = "onnx-int8" if meta.get("quantisation") else "onnx-fp32"
        self.is_e5 = bool(meta["e5"])
        self.dim = int(meta["dim"])
        self.meta = meta
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(int(meta["max_tokens"]))
        self.tokenizer.no_padding()  # we pad per batch ourselves
        self.pad_id = int(meta["pad_id"])
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or int(os.environ.get("OMP_NUM_THREADS") or 0) or _cores()
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3
        # Idle pool threads sleep instead of spinning. On this shared 2-core machine under load
        # (bench/server_load.py) spinning made a batch of 16 queries 2.3x slower (645 vs 283 ms)
        # and cost 1.8x the CPU; with the cores idle the difference is within noise.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(str(folder / "model.onnx"), options,
                                            providers=["CPUExecutionProvider"])

    @classmethod
    def load(cls, settings, progress: bool = True) -> OnnxEmbedder:
        from search.embedding.onnx_export import ensure  # lazy: the exporter is needed on first use only

        return cls(ensure(settings, progress=progress), settings.model)

    def _run(self, texts: list[str]) -> np.ndarray:
        encodings = self.tokenizer.encode_batch(texts)
        width = max(len(e.ids) for e in encodings)
        ids = np.full((len(texts), width), self.pad_id, np.int64)
        mask = np.zeros((len(texts), width), np.int64)
        for i, e in enumerate(encodings):
            ids[i, :len(e.ids)] = e.ids
            mask[i, :len(e.ids)] = 1
        (out,) = self.session.run(["sentence_embedding"], {"input_ids": ids, "attention_mask": mask})
        return np.asarray(out, dtype=np.float32)

    def _encode(self, texts: list[str], prompt: str, batch_size: int, show_progress: bool = False) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        if self.is_e5:
            texts = [prompt + t for t in texts]
        if len(texts) <= batch_size:
            return self._run(texts)
        # Longest first, in batches of similar length (little padding), like sentence-transformers.
        order = np.argsort([-len(t) for t in texts], kind="stable")
        out = np.empty((len(texts), self.dim), np.float32)
        starts = range(0, len(texts), batch_size)
        if show_progress:
            starts = tqdm(starts, desc="Batches", unit="batch")
        for start in starts:
            rows = order[start:start + batch_size]
            out[rows] = self._run([texts[i] for i in rows])
        return out

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, E5_PROMPTS["query"], 32)

    def embed_passages(self, texts: list[str], batch_size: int = 32, show_progress: bool = False) -> np.ndarray:
        return self._encode(texts, E5_PROMPTS["passage"], batch_size, show_progress)
