"""The overlap report page: one row per item of an actor's list, with its best counterparts.

    GET /overlapp/rapport?actor=eksempel-fylkeskommune&per_item=3&rejected=1

The same report as `regiongraf overlap-report` and /api/overlap-report (matching/report.py),
with links to it as CSV and JSON. The import page links here right after an import.
"""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool

from api.deps import get_application
from api.errors import status_of
from api.pages.choices import page
from api.routes.ui_overlaps import KINDS, actor_choices
from graph.errors import UserError
from matching.report import MAX_PER_ITEM, PER_ITEM, overlap_report, where_text

router = APIRouter(tags=["nettsider"])


@router.get("/overlapp/rapport", summary="Overlapprapport for én liste", include_in_schema=False)
async def report_page(
    request: Request,
    actor: Annotated[str, Query(max_length=200)] = "",
    per_item: Annotated[int, Query(ge=1, le=MAX_PER_ITEM)] = PER_ITEM,
    rejected: Annotated[bool, Query()] = False,
):
    ctx = {"active": "/overlapp", "actor": actor, "per_item": per_item, "rejected": rejected, "actors": [],
           "report": None, "error": None, "kinds": KINDS, "where_text": where_text}
    status = 200

    def work():
        matcher = get_application(request).matcher()
        ctx["actors"] = actor_choices(matcher)
        if actor:
            ctx["report"] = overlap_report(matcher, actor, per_item, include_rejected=rejected)

    try:
        await run_in_threadpool(work)
    except UserError as err:
        ctx["error"], status = str(err), status_of(err)[0]
    return page(request, "report.html", ctx, status_code=status)
