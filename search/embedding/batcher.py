"""Micro-batching of query embeddings: concurrent searches share one forward pass.

A lone query costs the model about as much as four queries together (most of a tiny forward
pass is per-operation overhead), so when many searches run at once it pays to embed them in
one batch. `QueryBatcher` wraps any embedder and keeps its API (`embed_queries`,
`embed_passages`, `name`, `dim`). Callers (the server's search threads) put their texts in a
bounded queue and wait; one worker thread takes what has arrived, waits at most `max_wait`
seconds after the oldest request for more to join (or until `max_batch` texts), embeds them
in one call to the wrapped embedder and hands each caller its own rows.

The queue is bounded: with `max_queue` texts already waiting, `embed_queries` raises
`EmbedderBusy` at once (the server answers 503 with Retry-After) instead of building an
unbounded backlog. Requests that arrived while the model was busy have waited longer than
`max_wait` already, so under load the worker never idles waiting for company.

Passages (index builds) go straight to the wrapped embedder: they come in batches already.
"""

from __future__ import annotations

import threading
import time
from collections import deque

import numpy as np

from graph.errors import Busy


class EmbedderBusy(Busy):
    """Too many queries are waiting for the model; try again in `retry_after` seconds."""

    def __init__(self, retry_after: int = 1, message: str | None = None):
        self.retry_after = retry_after
        super().__init__(message or "Søketjenesten er opptatt med mange søk akkurat nå. Prøv igjen om litt.")


class _Request:
    __slots__ = ("texts", "arrived", "done", "result", "error")

    def __init__(self, texts: list[str]):
        self.texts = texts
        self.arrived = time.monotonic()
        self.done = threading.Event()
        self.result: np.ndarray | None = None
        self.error: BaseException | None = None


class QueryBatcher:
    """Thread-safe `embed_queries` that batches concurrent callers (see the module docstring)."""

    def __init__(self, embedder, max_wait: float = 0.003, max_batch: int = 32, max_queue: int = 64,
                 retry_after: int = 1):
        if max_batch < 1 or max_queue < 1 or max_wait < 0:
            raise ValueError("max_batch and max_queue must be >= 1 and max_wait >= 0")
        self.embedder = embedder
        self.name = embedder.name
        self.dim = embedder.dim
        self.max_wait = max_wait
        self.max_batch = max_batch
        self.max_queue = max_queue
        self.retry_after = retry_after
        self._queue: deque[_Request] = deque()
        self._queued = 0  # texts in the queue
        self._cond = threading.Condition()
        self._worker: threading.Thread | None = None
        self._closed = False
        self.batches = 0  # forward passes so far (for benchmarks and tests)
        self.batched_texts = 0

    def __getattr__(self, attr):  # is_e5, source, backend, ... of the wrapped embedder
        if attr == "embedder":  # not set yet (during unpickling or a failed __init__)
            raise AttributeError(attr)
        return getattr(self.embedder, attr)

    # -- callers ----------------------------------------------------------------------------
    def embed_queries(self, texts: list[str]) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        if len(texts) > self.max_batch:  # a batch already (the CLI's batch mode): no need to queue
            return self.embedder.embed_queries(texts)
        req = _Request(texts)
        with self._cond:
            if self._closed:
                raise RuntimeError("QueryBatcher is closed")
            if self._queued + len(texts) > self.max_queue:
                raise EmbedderBusy(self.retry_after)
            self._queue.append(req)
            self._queued += len(texts)
            if self._worker is None:
                self._worker = threading.Thread(target=self._run, name="query-batcher", daemon=True)
                self._worker.start()
            self._cond.notify()
        req.done.wait()
        if req.error is not None:
            raise req.error
        return req.result

    def embed_passages(self, texts: list[str], batch_size: int = 32, show_progress: bool = False) -> np.ndarray:
        return self.embedder.embed_passages(texts, batch_size=batch_size, show_progress=show_progress)

    def pending(self) -> int:
        """Texts waiting for the model now."""
        with self._cond:
            return self._queued

    def close(self) -> None:
        """Stop the worker once the queue is empty; later calls raise."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        if self._worker is not None:
            self._worker.join(timeout=10)

    # -- the worker -------------------------------------------------------------------------
    def _take(self) -> list[_Request] | None:
        """The next batch: waits for a first request, then up to max_wait after its arrival."""
        with self._cond:
            while not self._queue:
                if self._closed:
                    return None
                self._cond.wait()
            deadline = self._queue[0].arrived + self.max_wait
            while self._queued < self.max_batch and not self._closed:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._cond.wait(left)
            batch, count = [], 0
            while self._queue and count + len(self._queue[0].texts) <= self.max_batch:
                req = self._queue.popleft()
                batch.append(req)
                count += len(req.texts)
            self._queued -= count
            return batch

    def _run(self) -> None:
        while True:
            batch = self._take()
            if batch is None:
                return
            self._embed(batch)

    def _embed(self, batch: list[_Request]) -> None:
        distinct = list(dict.fromkeys(t for req in batch for t in req.texts))
        try:
            vectors = np.asarray(self.embedder.embed_queries(distinct), dtype=np.float32)
            row = {t: i for i, t in enumerate(distinct)}
            for req in batch:
                req.result = vectors[[row[t] for t in req.texts]]
        except BaseException as err:  # every caller of the batch gets the error, the worker lives on
            for req in batch:
                req.error = err
        self.batches += 1
        self.batched_texts += len(distinct)
        for req in batch:
            req.done.set()
