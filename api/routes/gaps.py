"""GET /api/gaps: the same as `regiongraf gaps --json`.

Answers {"focus_areas": [...], "strategies": [...], "note"}: what no measure serves, on
which basis (structure / inferred_links), with the closest measures and initiatives.
"""

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool

from api.deps import get_matcher

router = APIRouter(prefix="/api", tags=["api"])


@router.get("/gaps", summary="Hull: innsatsområder og strategier uten tiltak",
            responses={503: {"description": "Søkeindeksen er ikke bygget ennå"}})
async def gaps(
    request: Request,
    k: Annotated[int, Query(ge=1, le=20, description="Antall forslag per hull.")] = 5,
) -> dict:
    """Innsatsområder og strategier som ingen tiltak dekker, med de nærmeste kandidatene."""
    from matching.gaps import find_gaps
    from search.index.version import IndexMissing

    try:
        return await run_in_threadpool(lambda: find_gaps(get_matcher(request), k=k))
    except IndexMissing as err:
        raise HTTPException(503, str(err)) from None
