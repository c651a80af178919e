"""The review buttons on the pages: accept or reject a proposed pair, without JavaScript.

    POST /vurdering    form fields a, b, decision (accept | reject: the button pressed), note, by,
                       token (checked like the API's bearer token), next (the page to return to)

The write is the application layer's review, the same as POST /api/reviews and
`regiongraf review`. On success the browser is sent back (303) to the page it came from,
which then shows the pair as confirmed, or no longer shows it; on failure it gets a page
saying why, with a way back.
"""

import logging
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse

from api.deps import SettingsDep, check_token, get_application
from api.errors import status_of
from api.pages.choices import page
from api.pages.html import root
from api.routes.imports import _read_body, _replay
from graph.errors import UserError

router = APIRouter(tags=["nettsider"])
log = logging.getLogger("regiongraf.reviews")

MAX_FORM_BYTES = 16 * 1024
FIELDS = ("a", "b", "decision", "note", "by", "token", "next")
DEFAULT_BACK = "/overlapp"


def safe_back(request: Request, given: str) -> str:
    """A path on this site to return to (never another host), without an earlier result notice."""
    prefix = root(request)
    parts = urlsplit(given or "")
    if parts.scheme or parts.netloc or not parts.path.startswith("/") or parts.path.startswith("//") \
            or "\\" in given:
        return prefix + DEFAULT_BACK
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query) if k != "vurdert"])
    path = parts.path if not prefix or parts.path.startswith(prefix + "/") else prefix + parts.path
    return urlunsplit(("", "", path, query, parts.fragment))


def _with_result(back: str, decision: str) -> str:
    parts = urlsplit(back)
    query = "&".join(q for q in (parts.query, urlencode({"vurdert": decision})) if q)
    return urlunsplit(("", "", parts.path, query, parts.fragment or "vurdert"))


@router.post("/vurdering", summary="Vurder et par (skjema)", include_in_schema=False)
async def review_submit(request: Request, settings: SettingsDep):
    try:
        body = await _read_body(request, MAX_FORM_BYTES)
        form = await _replay(request, body).form(max_files=0, max_fields=20)
        fields = {k: str(form.get(k) or "") for k in FIELDS}
        await form.close()
    except HTTPException as err:
        return page(request, "review.html", {"error": err.detail, "back": root(request) + DEFAULT_BACK},
                    status_code=err.status_code)
    back = safe_back(request, fields["next"])
    ctx = {"error": None, "back": back, "a": fields["a"], "b": fields["b"]}
    try:
        check_token(settings, fields["token"])
    except HTTPException as err:
        return page(request, "review.html", ctx | {"error": err.detail}, status_code=err.status_code)
    app = get_application(request)
    try:
        await run_in_threadpool(lambda: app.review(fields["a"], fields["b"], fields["decision"],
                                                   fields["note"] or None, fields["by"] or None, progress=log.info))
    except UserError as err:
        return page(request, "review.html", ctx | {"error": str(err)}, status_code=status_of(err)[0])
    return RedirectResponse(_with_result(back, fields["decision"]), status_code=303)
