"""GET /api/similar?id=...: the same as `regiongraf similar ID --json`.

Answers {"node": NODE, "similar": [NODE + score, kind, why]}: the nearest proposals of
other actors. 404 when the node is not in the index.
"""

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool

from api.deps import ApplicationDep

router = APIRouter(prefix="/api", tags=["api"])


@router.get(
    "/similar",
    summary="Lignende forslag fra andre aktører",
    responses={404: {"description": "Ukjent node"}, 400: {"description": "Ugyldig antall"},
               503: {"description": "Søkeindeksen er ikke bygget ennå"}},
)
async def similar(
    app: ApplicationDep,
    id: Annotated[str, Query(min_length=1, max_length=1000, description=(
        "Nodens IRI, eller kort form som measure/2025-4.1-3."))],
    k: Annotated[int, Query(ge=1, le=100, description="Antall.")] = 10,
    include_rejected: Annotated[bool, Query(description="Ta med par som er avvist i en vurdering.")] = False,
) -> dict:
    """De nærmeste tiltakene og initiativene fra andre aktører enn nodens egen, med begrunnelse.
    Godtatte par står først som «confirmed»; avviste er utelatt."""
    return await run_in_threadpool(lambda: app.matcher().similar(id, k=k, include_rejected=include_rejected))
