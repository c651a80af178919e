"""GET /api/gaps: the same as `regiongraf gaps --json`.

Answers {"focus_areas": [...], "strategies": [...], "programme", "note"}: what no measure serves, on
which basis (structure / inferred_links), with the closest measures and initiatives; with
format=csv one row per gap (service/tables.py).
"""

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool

from api.deps import ApplicationDep
from api.negotiation import CSV_RESPONSES, TableFormat, csv_download
from matching.gaps import find_gaps
from service.tables import csv_name, gaps_csv

router = APIRouter(prefix="/api", tags=["api"])


@router.get("/gaps", summary="Hull: innsatsområder og strategier uten tiltak",
            responses={**CSV_RESPONSES, 503: {"description": "Søkeindeksen er ikke bygget ennå"}})
async def gaps(
    app: ApplicationDep,
    k: Annotated[int, Query(ge=1, le=20, description="Antall forslag per hull.")] = 5,
    programme: Annotated[str | None, Query(max_length=20, description=(
        "Programåret (f.eks. 2025); standard er det nyeste."))] = None,
    format: TableFormat = "json",
) -> dict:
    """Innsatsområder og strategier som ingen tiltak dekker, med de nærmeste kandidatene."""
    found = await run_in_threadpool(lambda: find_gaps(app.matcher(), k=k, programme=programme or None))
    if format == "csv":
        return csv_download(gaps_csv(found), csv_name("uten-tiltak"))
    return found
