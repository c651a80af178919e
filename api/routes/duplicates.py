"""GET /api/duplicates: the same as `regiongraf duplicates --json`.

    GET /api/duplicates?across_actors=true&actor=Kraftgruppen&min_score=0.4&clusters=false&limit=50
        &include_rejected=false&programme=2026

Answers a JSON list of pairs {"a": NODE, "b": NODE, "score", "confidence", "kind", "weak", "why", ...}
most confident first (score = confidence, the calibrated probability, matching/overlap.py),
or, with clusters=true, a list of clusters (search/clusters.py); with format=csv the same as a
spreadsheet (service/tables.py).
"""

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool

from api.deps import ApplicationDep
from api.negotiation import CSV_RESPONSES, TableFormat, csv_download
from service.tables import clusters_csv, csv_name, pairs_csv

router = APIRouter(prefix="/api", tags=["api"])


@router.get(
    "/duplicates",
    summary="Duplikater og overlapp",
    responses={**CSV_RESPONSES, 400: {"description": "Ukjent aktør eller ugyldig grense"},
               503: {"description": "Søkeindeksen er ikke bygget ennå"}},
)
async def duplicates(
    app: ApplicationDep,
    across_actors: Annotated[bool, Query(description="Bare par mellom ulike aktører.")] = False,
    actor: Annotated[str | None, Query(max_length=200, description=(
        "Bare par der én av de to er foreslått av denne aktøren (navn, nøkkel eller IRI)."))] = None,
    min_score: Annotated[float | None, Query(ge=-1, le=1, description=(
        "Laveste sikkerhet, 0–1 (standard: grensen for overlapp; lavere gir også svake par, «related»)."))] = None,
    clusters: Annotated[bool, Query(description="Grupper parene i klynger.")] = False,
    limit: Annotated[int | None, Query(ge=1, le=10000, description="Høyst så mange par/klynger.")] = None,
    include_rejected: Annotated[bool, Query(description="Ta med par som er avvist i en vurdering.")] = False,
    programme: Annotated[str | None, Query(max_length=20, description=(
        "Par innen programåret (f.eks. 2025); standard er det nyeste."))] = None,
    format: TableFormat = "json",
) -> list[dict]:
    """Tiltak og initiativer som er skrevet to ganger («duplicate») eller overlapper («overlap»).

    Vurderte par slår modellen: godtatte står først som «confirmed» (sikkerhet 1), avviste er utelatt."""

    def work():
        matcher = app.matcher()
        kwargs = {"across_actors": across_actors, "actor": actor or None, "min_score": min_score,
                  "include_rejected": include_rejected, "programme": programme or None}
        if clusters:
            found = matcher.clusters(**kwargs)
            return found[:limit] if limit else found
        return matcher.duplicates(**kwargs, limit=limit)

    found = await run_in_threadpool(work)
    if format == "csv":
        body = clusters_csv(found) if clusters else pairs_csv(found)
        return csv_download(body, csv_name("overlapp-klynger" if clusters else "overlapp"))
    return found
