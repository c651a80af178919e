"""FastAPI dependencies: settings, the store and the write token, injected per request."""

import hmac

from fastapi import Depends, HTTPException, Request

from graph.settings import Settings
from graph.store import GraphStore


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_store(request: Request) -> GraphStore:
    return request.app.state.store


def require_token(request: Request, settings: Settings = Depends(get_settings)) -> None:
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
    if not hmac.compare_digest(given.strip().encode(), settings.token.encode()):
        raise HTTPException(403, "Feil token.")
