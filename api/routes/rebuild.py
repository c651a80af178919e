"""POST /api/rebuild: rebuild the graph (and search indexes) from the configured sources.

Needs the write token. The same as `regiongraf build`: a build that fails validation
leaves the current graph untouched, and readers keep being served while it runs. Answers
the application layer's write result (service/result.py).
"""

import logging

from fastapi import APIRouter, Depends
from fastapi.concurrency import run_in_threadpool

from api.deps import ApplicationDep, bearer_scheme, require_token

router = APIRouter(prefix="/api", tags=["api"])
log = logging.getLogger("regiongraf.build")


@router.post(
    "/rebuild",
    summary="Bygg grafen på nytt",
    dependencies=[Depends(bearer_scheme), Depends(require_token)],
    responses={400: {"description": "Kildene bryter formatet eller SHACL-formene (forrige graf beholdes)"},
               401: {"description": "Mangler token"}, 403: {"description": "Feil token, eller skriving er slått av"}},
)
async def rebuild(app: ApplicationDep) -> dict:
    """Les handlingsprogrammet og de kuraterte faktaene på nytt, valider, og bytt inn den nye grafen.

    Krever `Authorization: Bearer <token>`.
    """
    result = await run_in_threadpool(lambda: app.build(progress=log.info))
    return result.to_dict()
