"""GET /api/overlap-report?actor=…: the same as `regiongraf overlap-report --actor NAME --json`.

    GET /api/overlap-report?actor=eksempel-fylkeskommune&per_item=3&include_rejected=false
    GET /api/overlap-report?actor=…&format=csv      the spreadsheet (one row per item, UTF-8 with BOM)

Each item of the actor's list with its best counterparts elsewhere (matching/report.py).
"""

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool

from api.deps import ApplicationDep
from api.negotiation import CSV_RESPONSES, TableFormat, csv_download
from graph.iri import slug
from matching.report import MAX_PER_ITEM, PER_ITEM, overlap_report
from service.tables import report_csv

router = APIRouter(prefix="/api", tags=["api"])


@router.get(
    "/overlap-report",
    summary="Overlapprapport for én liste",
    responses={**CSV_RESPONSES, 400: {"description": "Ukjent aktør"},
               503: {"description": "Søkeindeksen er ikke bygget ennå"}},
)
async def report(
    app: ApplicationDep,
    actor: Annotated[str, Query(min_length=1, max_length=200, description=(
        "Aktøren som eier listen: navn, nøkkel eller IRI."))],
    per_item: Annotated[int, Query(ge=1, le=MAX_PER_ITEM, description="Høyst så mange motparter per element.")]
    = PER_ITEM,
    include_rejected: Annotated[bool, Query(description="Ta med avviste par.")] = False,
    format: TableFormat = "json",
):
    """Hvert element i aktørens liste med sine beste motparter hos andre aktører (sikkerhet, begrunnelse,
    innsatsområde, tiltaksgruppe, faggruppe), eller ingen match."""
    found = await run_in_threadpool(lambda: overlap_report(app.matcher(), actor, per_item, include_rejected))
    if format == "csv":
        return csv_download(report_csv(found), f"overlapp-{slug(found['actor'])}.csv")
    return found
