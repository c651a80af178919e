"""The embedding model: which backend runs it, and how the server shares it between searches.

    load_embedder(settings)         the model on the backend settings.embedder names (torch | onnx | onnx-fp32)
    serving_embedder(settings, e)   e (or load_embedder) behind a query cache and a micro-batcher,
                                    as the server uses it (settings.query_cache, batch_*)

Importing this module loads neither torch nor onnxruntime (each takes seconds): the backend
modules are imported when a model is loaded.
"""

from __future__ import annotations

from search.embedding.batcher import QueryBatcher
from search.embedding.cache import QueryCache


def load_embedder(settings):
    """The configured model: search.embedding.onnx_embedder or search.embedding.embedder (torch)."""
    # Lazy: only the chosen runtime is imported (torch 3-10 s, onnxruntime ~0.4 s with `-X importtime`).
    if settings.embedder in ("onnx", "onnx-fp32"):
        from search.embedding.onnx_embedder import OnnxEmbedder

        return OnnxEmbedder.load(settings)
    from search.embedding.embedder import Embedder

    return Embedder.load(settings)


def serving_embedder(settings, embedder=None):
    """The embedder as a server wants it: cache in front (hits never queue), then the batcher."""
    out = embedder if embedder is not None else load_embedder(settings)
    if settings.batch_queries:
        out = QueryBatcher(out, max_wait=settings.batch_wait_ms / 1000, max_batch=settings.batch_max,
                           max_queue=settings.search_queue)
    if settings.query_cache > 0:
        out = QueryCache(out, size=settings.query_cache)
    return out
