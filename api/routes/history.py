"""GET /api/history and POST /api/restore: the kept versions of the graph, and undo.

    GET  /api/history                 the same as `regiongraf history --json`
    POST /api/restore  {"id": "gen-…"}  the same as `regiongraf restore ID` (token required)
"""

import logging

from fastapi import APIRouter, Depends
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from api.deps import ApplicationDep, bearer_scheme, require_token

router = APIRouter(prefix="/api", tags=["api"])
log = logging.getLogger("regiongraf.restore")


class RestoreRequest(BaseModel):
    id: str = Field(min_length=1, max_length=100, description="Versjonen som skal hentes tilbake, f.eks. gen-17…")


@router.get("/history", summary="Lagrede versjoner av grafen")
async def history(app: ApplicationDep) -> list[dict]:
    """De lagrede versjonene, nyeste først: id, tidspunkt, hva som skrev dem, tripler, og hvilken som er i bruk."""
    return await run_in_threadpool(app.history)


@router.post(
    "/restore",
    summary="Hent tilbake en lagret versjon",
    dependencies=[Depends(bearer_scheme), Depends(require_token)],
    responses={401: {"description": "Mangler token"}, 403: {"description": "Feil token, eller skriving er slått av"},
               404: {"description": "Ukjent versjon"}},
)
async def restore(body: RestoreRequest, app: ApplicationDep) -> dict:
    """Gjør en lagret versjon til gjeldende (selv en ny skriving; ingenting går tapt). Krever token."""
    result = await run_in_threadpool(lambda: app.restore(body.id, progress=log.info))
    return result.to_dict()
