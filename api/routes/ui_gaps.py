"""The gap page ("Uten tiltak" in the menu): focus areas and strategies that no measure serves,
with suggestions.

    GET /hull?k=3

The gaps and their suggestions come from matching.gaps.find_gaps (the same as /api/gaps and
`regiongraf gaps`); this page only shows them, grouped by focus area.
"""

from typing import Annotated

from fastapi import APIRouter, Query, Request

from api.cache import app_cache
from api.deps import StoreDep, get_application
from api.errors import status_of
from api.pages.choices import page
from graph.errors import UserError
from graph.names import BASIS_LABELS
from matching.gaps import find_gaps

router = APIRouter(tags=["nettsider"])



@router.get("/hull", summary="Temaer og strategier uten tiltak", include_in_schema=False)
def gaps_page(request: Request, store: StoreDep, k: Annotated[int, Query(ge=1, le=10)] = 3,
              programme: Annotated[str, Query(max_length=20)] = ""):
    ctx = {"active": "/hull", "k": k, "basis_names": BASIS_LABELS, "gaps": None, "groups": [], "error": None}
    status = 200
    try:
        matcher = get_application(request).matcher()
        cache = app_cache(request.app, "gap_cache", maxsize=16)
        gaps = cache.get(f"{matcher.index.version}-{store.generation()}", (k, programme),
                         lambda: find_gaps(matcher, k=k, programme=programme or None))
        ctx["gaps"] = gaps
        groups: dict[str, dict] = {}
        for s in gaps["strategies"]:
            key = s.get("focus_area") or ""
            groups.setdefault(key, {"id": key, "label": s.get("focus_area_label") or "Uten innsatsområde",
                                    "strategies": []})["strategies"].append(s)
        ctx["groups"] = list(groups.values())
    except UserError as err:
        ctx["error"], status = str(err), status_of(err)[0]
    return page(request, "gaps.html", ctx, status_code=status)
