"""POST /api/rebuild: rebuild the graph (and search indexes) from the configured sources.

Needs the write token. The same as `regiongraf build`: a build that fails validation
leaves the current graph untouched, and readers keep being served while it runs.
"""

import logging
from dataclasses import asdict

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool

from api.deps import SettingsDep, bearer_scheme, loaded_embedder, require_token
from graph.build import build
from graph.settings import Settings

router = APIRouter(prefix="/api", tags=["api"])
log = logging.getLogger("regiongraf.build")


def _rebuild(settings: Settings, embedder) -> dict:
    from service.refresh import refresh_search

    result = asdict(build(settings, progress=log.info))
    result["search"] = refresh_search(settings, progress=log.info, embedder=embedder)
    return result


@router.post(
    "/rebuild",
    summary="Bygg grafen på nytt",
    dependencies=[Depends(bearer_scheme), Depends(require_token)],
    responses={400: {"description": "Kildene bryter formatet eller SHACL-formene (forrige graf beholdes)"},
               401: {"description": "Mangler token"}, 403: {"description": "Feil token, eller skriving er slått av"}},
)
async def rebuild(settings: SettingsDep, request: Request) -> dict:
    """Les handlingsprogrammet og de kuraterte faktaene på nytt, valider, og bytt inn den nye grafen.

    Krever `Authorization: Bearer <token>`.
    """
    return await run_in_threadpool(_rebuild, settings, loaded_embedder(request))
