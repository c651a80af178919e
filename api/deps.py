"""FastAPI dependencies: settings, the application layer, the store and the write token, per request."""

import hmac
import os
from typing import Annotated

import anyio
from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPBearer

from graph.settings import Settings
from graph.store import GraphStore
from search.embedding.batcher import EmbedderBusy
from service.application import Application


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_store(request: Request) -> GraphStore:
    return request.app.state.application.store


# Documents the bearer token in OpenAPI (the "Authorize" button in /docs); require_token checks it.
bearer_scheme = HTTPBearer(
    auto_error=False, scheme_name="token", description="Tokenet fra REGIONGRAF_TOKEN, for skriving."
)

SettingsDep = Annotated[Settings, Depends(get_settings)]
StoreDep = Annotated[GraphStore, Depends(get_store)]


def get_application(request: Request) -> Application:
    """The application layer (service/application.py): the shared model, searcher and matcher, and
    every write. One per app, created with it."""
    return request.app.state.application


ApplicationDep = Annotated[Application, Depends(get_application)]


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
