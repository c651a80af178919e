"""GET /api/diff: the same as `regiongraf diff FRA TIL --json` (or --csv).

    GET /api/diff?from=2025&to=2026                 what became of each measure, strategy ...
    GET /api/diff?from=2025&to=2026&format=csv      the spreadsheet (one row per change, UTF-8 with BOM)

Without years the two newest are compared. The answer is matching/diff.py's Diff.to_json():
{"from", "to", "counts", "changes": [{status, from: [NODE], to: [NODE], confidence, why, ...}],
"lineage", "focus_areas", "themes"}.
"""

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from api.deps import ApplicationDep
from graph.formats import CSV_TABLE

router = APIRouter(prefix="/api", tags=["api"])

Year = Annotated[str | None, Query(max_length=20)]


@router.get(
    "/diff",
    summary="Endringer fra ett programår til et annet",
    responses={200: {"content": {"application/json": {}, CSV_TABLE.media_type: {}}},
               400: {"description": "Ukjent år, eller bare ett år i grafen"},
               503: {"description": "Søkeindeksen er ikke bygget ennå"}},
)
async def diff(
    app: ApplicationDep,
    from_: Annotated[str | None, Query(alias="from", max_length=20, description=(
        "Det tidligere året (standard: året før «to»)."))] = None,
    to: Annotated[str | None, Query(max_length=20, description="Det senere året (standard: det nyeste).")] = None,
    format: Annotated[Literal["json", "csv"], Query(description="json (standard) eller csv.")] = "json",
):
    """Hvert tiltak (og hver strategi, hvert delmål, mål og hver utfordring) som uendret, omformulert,
    flyttet, slått sammen, delt, tatt ut eller nytt, med sikkerhet og begrunnelse; per innsatsområde
    hvor mange som ble med videre, ble endret, kom til og falt bort; og temaene som fikk eller mistet tiltak."""
    found = await run_in_threadpool(lambda: app.diff(from_ or None, to or None))
    if format == "csv":
        name = f"endringer-{found.old_year}-{found.new_year}.csv"
        return Response(found.csv(), media_type=CSV_TABLE.content_type,
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})
    return found.to_json()
