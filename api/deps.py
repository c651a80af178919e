"""FastAPI dependencies: settings, the store and the write token, injected per request."""

import hmac
import os
import threading
from typing import Annotated

import anyio
from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPBearer

from graph.settings import Settings
from graph.store import GraphStore


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_store(request: Request) -> GraphStore:
    return request.app.state.store


# Documents the bearer token in OpenAPI (the "Authorize" button in /docs); require_token checks it.
bearer_scheme = HTTPBearer(
    auto_error=False, scheme_name="token", description="Tokenet fra REGIONGRAF_TOKEN, for skriving."
)

SettingsDep = Annotated[Settings, Depends(get_settings)]
StoreDep = Annotated[GraphStore, Depends(get_store)]
_searcher_lock = threading.Lock()


def get_searcher(request: Request):
    """One search.searcher.Searcher per app, loaded on first use (the model takes seconds to load).

    It follows new index versions by itself (Searcher.refresh), so builds and imports need no restart.
    Raises IndexMissing (a UserError) when no index has been built.
    """
    state = request.app.state
    searcher = getattr(state, "searcher", None)
    if searcher is None:
        with _searcher_lock:
            searcher = getattr(state, "searcher", None)
            if searcher is None:
                from search.embedding import serving_embedder
                from search.searcher import Searcher

                # Query cache + micro-batcher in front of the model (settings.batch_*, query_cache).
                embedder = serving_embedder(state.settings)
                searcher = state.searcher = Searcher.load(state.settings, embedder=embedder)
    return searcher


def loaded_embedder(request: Request):
    """The app's model if a search already loaded it, so writes need not load it again."""
    searcher = getattr(request.app.state, "searcher", None)
    return getattr(searcher, "embedder", None)


# Without micro-batching the model is CPU-bound at about one search per core: more would
# oversubscribe the cores and make cheap requests queue behind it (measured in
# bench/server_load.py: 2 slots on 2 cores gave more searches per second than 40).
SEARCH_SLOTS = max(1, min(4, os.cpu_count() or 1))


def search_slots(settings: Settings) -> int:
    """Searches that may be in worker threads at once. With micro-batching (the default) they mostly
    wait for a shared forward pass, not for a core, so as many as the batcher may queue."""
    return max(1, settings.search_queue) if settings.batch_queries else SEARCH_SLOTS


def search_limiter(request: Request) -> anyio.CapacityLimiter:
    """The app's limiter for model work: `await anyio.to_thread.run_sync(fn, limiter=...)`."""
    limiter = getattr(request.app.state, "search_limiter", None)
    if limiter is None:  # created in the event loop's thread, so no race
        limiter = request.app.state.search_limiter = anyio.CapacityLimiter(search_slots(request.app.state.settings))
    return limiter


def search_slot(request: Request) -> anyio.CapacityLimiter:
    """search_limiter, or EmbedderBusy (503 + Retry-After) when every slot is taken: with
    micro-batching the backlog is bounded (settings.search_queue), never an unbounded queue."""
    limiter = search_limiter(request)
    if request.app.state.settings.batch_queries and limiter.available_tokens < 1:
        from search.embedding.batcher import EmbedderBusy

        raise EmbedderBusy()
    return limiter


def require_token(request: Request, settings: SettingsDep) -> None:
    """Writes need `Authorization: Bearer <REGIONGRAF_TOKEN>`; none configured = no writes."""
    if not settings.token:
        raise HTTPException(403, "Skriving er slått av: ingen REGIONGRAF_TOKEN er satt på tjeneren.")
    header = request.headers.get("authorization", "")
    scheme, _, given = header.partition(" ")
    if scheme.lower() != "bearer" or not given:
        raise HTTPException(
            401,
            "Denne handlingen krever et token: Authorization: Bearer <token>.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    check_token(settings, given)


def check_token(settings: Settings, given: str | None) -> None:
    """The token check shared by the bearer header and the web forms (a form field); constant time."""
    if not settings.token:
        raise HTTPException(403, "Skriving er slått av: ingen REGIONGRAF_TOKEN er satt på tjeneren.")
    if not given or not given.strip():
        raise HTTPException(401, "Denne handlingen krever et token.")
    if not hmac.compare_digest(given.strip().encode(), settings.token.encode()):
        raise HTTPException(403, "Feil token.")


def get_matcher(request: Request):
    """One matching.matcher.Matcher per app (duplicates, overlaps, similar), reloaded when a build or
    an import has written a newer search index. Raises IndexMissing when none is built."""
    from search.index.version import IndexMissing, current_version

    state = request.app.state
    latest = current_version(state.settings.index_dir)
    if latest is None:
        raise IndexMissing("Søkeindeksen er ikke bygget ennå. Kjør 'regiongraf build' først.")
    matcher = getattr(state, "matcher", None)
    if matcher is None or matcher.index.version != latest:
        with _searcher_lock:
            matcher = getattr(state, "matcher", None)
            if matcher is None or matcher.index.version != latest:
                from matching.matcher import Matcher

                matcher = state.matcher = Matcher(state.settings)
    return matcher

