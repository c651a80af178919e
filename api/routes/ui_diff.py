"""The programme across years: what became of each measure, side by side, changed words marked.

    GET /endringer?fra=2025&til=2026&status=reworded&type=measure&tema=4
        status: one of the statuses, "all" (unchanged ones too), or none: every change but `unchanged`

The same diff as `regiongraf diff` and /api/diff (matching/diff.py): per change the old and the
new text side by side with the words that changed marked, the status, the confidence and why;
the counts per focus area and the themes that gained or lost proposals; links to CSV and JSON.
With a token configured, each link between the years has a form to accept or reject it (the
review loop of overlaps, POST /vurdering); the decision then wins over the model.
"""

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool

from api.deps import get_application
from api.errors import status_of
from api.pages.choices import page
from api.routes.ui_overlaps import here
from graph.errors import UserError
from matching.diff import change_json, side_by_side
from matching.lineage import STATUS_LABELS, STATUSES

router = APIRouter(tags=["nettsider"])

TYPES = {"measure": ("Tiltak", ("Measure",)),
         "other": ("Strategier, delmål, mål og utfordringer", ("Strategy", "SubGoal", "Goal", "Challenge"))}
SAVED = {"accept": "Vurderingen er lagret: koblingen mellom årene er bekreftet.",
         "reject": "Vurderingen er lagret: koblingen er avvist og lages ikke igjen."}


@router.get("/endringer", summary="Endringer fra ett programår til et annet", include_in_schema=False)
async def diff_page(
    request: Request,
    fra: Annotated[str, Query(max_length=20)] = "",
    til: Annotated[str, Query(max_length=20)] = "",
    status: Annotated[str, Query(max_length=20)] = "",
    type: Annotated[str, Query(max_length=20)] = "measure",
    tema: Annotated[str, Query(max_length=20)] = "",
    vurdert: Annotated[str, Query(max_length=20)] = "",
):
    type = type if type in TYPES or type == "all" else "measure"
    ctx = {"active": "/endringer", "fra": fra, "til": til,
           "status": status if status in STATUSES or status == "all" else "",
           "type": type, "tema": tema, "statuses": STATUS_LABELS, "types": TYPES, "diff": None, "error": None,
           "changes": [], "saved": SAVED.get(vurdert), "years": [],
           "review_next": here(request) if request.app.state.settings.token else None}
    code = 200

    def work():
        found = get_application(request).diff(fra or None, til or None)
        ctx["diff"] = data = found.to_json()
        ctx["years"] = found.years
        wanted = TYPES[type][1] if type in TYPES else None
        rows = []
        for change in found.comparison.changes:
            if wanted and change.type not in wanted:
                continue
            if ctx["status"] in STATUSES and change.status != ctx["status"]:
                continue
            if not ctx["status"] and change.status == "unchanged":
                continue
            if tema and not any(i.place == tema or i.place.startswith(tema + ".") for i in change.items):
                continue
            old, new = side_by_side(change)
            rows.append({**change_json(change), "old_segments": old, "new_segments": new})
        ctx["changes"] = rows
        query = {"from": data["from"], "to": data["to"]}
        ctx["csv"] = f"/api/diff?{urlencode({**query, 'format': 'csv'})}"
        ctx["json"] = f"/api/diff?{urlencode(query)}"

    try:
        await run_in_threadpool(work)
    except UserError as err:
        ctx["error"], code = str(err), status_of(err)[0]
        if not (fra or til) and code == 400:
            code = 200  # the plain page on a graph of one year: nothing to compare yet, nothing asked wrong
    return page(request, "diff.html", ctx, status_code=code)
