"""The import page: upload a partner's list, see what came in (or exactly why it was refused),
then its overlaps with the programme; and the lists imported so far, each of which can be
removed again.

    GET  /import                 the form (file, actor, token) and the imported lists
    POST /import                 multipart form; the token is a form field, checked like the API's
                                 bearer token (api.deps.check_token, constant time)
    GET  /import/fjern?actor=K   the confirmation step: "Fjerne listen fra X (N initiativer)?"
    POST /import/fjern           actor and token as form fields: the application layer's
                                 remove_import, the same as DELETE /api/imports/{actor} and
                                 `regiongraf remove-import`; the import page then says what was
                                 removed (the previous version of the graph is kept: restore)

The import itself is the application layer's import_list, the same as POST /api/import and
`regiongraf import`: the list is validated as a whole, and a refused file changes nothing.
The overlaps are matching.matcher.Matcher.duplicates for the actor, across actors.
"""

import logging
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from api.deps import SettingsDep, StoreDep, check_token, get_application
from api.errors import status_of
from api.pages.choices import Choices, page
from api.routes.imports import _read_body, _replay, _too_large
from api.routes.ui_overlaps import KINDS, marker_for
from graph.errors import StoreMissing, UserError
from graph.imports.lists import find_list, imported_lists
from graph.views.describe import NodeNames

router = APIRouter(tags=["nettsider"])
log = logging.getLogger("regiongraf.import")

MAX_OVERLAPS = 10
MAX_LISTED = 50


def _form(request: Request, store, **extra):
    try:
        actors = [a for a in Choices.of(store).actors if a["type"] == "Organisation"]
        lists = imported_lists(store.reader(), request.app.state.settings.base_iri)
    except StoreMissing:
        actors, lists = [], []
    ctx = {"active": "/import", "actor": "", "error": None, "result": None, "actors": actors, "lists": lists,
           "removed": None, "writes_enabled": bool(request.app.state.settings.token), "kinds": KINDS} | extra
    return ctx


@router.get("/import", summary="Importer en liste (skjema)", include_in_schema=False)
def import_form(request: Request, store: StoreDep):
    return page(request, "import.html", _form(request, store))


@router.post("/import", summary="Importer en liste (skjema)", include_in_schema=False)
async def import_submit(request: Request, settings: SettingsDep, store: StoreDep):
    actor, key = "", None
    try:
        body = await _read_body(request, settings.max_upload_bytes)
        form = await _replay(request, body).form(max_files=1, max_fields=10)
        try:
            actor = str(form.get("actor") or "").strip()
            key = str(form.get("key") or "").strip() or None
            check_token(settings, str(form.get("token") or ""))
            upload = form.get("file")
            if not isinstance(upload, UploadFile) or not upload.filename:
                raise HTTPException(422, "Velg filen med listen du vil importere.")
            if not actor:
                raise HTTPException(422, "Oppgi aktøren som eier listen, f.eks. «Viken fylkeskommune».")
            data = await upload.read(settings.max_upload_bytes + 1)
            if len(data) > settings.max_upload_bytes:
                raise _too_large(settings.max_upload_bytes)
            filename = upload.filename
        finally:
            await form.close()
    except HTTPException as err:
        ctx = _form(request, store, actor=actor, error=err.detail, status=err.status_code)
        return page(request, "import.html", ctx, status_code=err.status_code)
    app = get_application(request)
    try:
        written = await run_in_threadpool(lambda: app.import_list(data, filename, actor, key=key, progress=log.info))
    except UserError as err:  # ImportRefused: the message names the file, the row and the field
        ctx = _form(request, store, actor=actor, key=key, error=str(err), refused=True, filename=filename)
        return page(request, "import.html", ctx, status_code=status_of(err)[0])
    result = written.to_dict()
    imported = await run_in_threadpool(_imported, store, result["ids"])
    pairs, overlap_error = await run_in_threadpool(_overlaps, app, result["actor_id"])
    ctx = _form(request, store, actor=actor, result=result, imported=imported, pairs=pairs,
                overlap_error=overlap_error, actor_key=result["actor_id"].rsplit("/", 1)[-1], filename=filename)
    return page(request, "import.html", ctx)


def _imported(store, ids: list[str]) -> list[dict]:
    names = NodeNames(store.reader())
    return [names(i) for i in ids[:MAX_LISTED]]


def _overlaps(app, actor_id: str):
    try:
        matcher = app.matcher()
        pairs = matcher.duplicates(actor=actor_id, across_actors=True, limit=MAX_OVERLAPS)
        tokenizer = matcher.index.lexical.tokenizer
        return [(p, marker_for(tokenizer, p)) for p in pairs], None
    except UserError as err:
        return [], str(err)


Short = Annotated[str, Query(max_length=300)]


@router.get("/import/fjern", summary="Fjern en importert liste (bekreft)", include_in_schema=False)
def remove_confirm(request: Request, store: StoreDep, actor: Short = ""):
    """The confirmation step: which list, how many initiatives, and the token."""
    found = find_list(store.reader(), request.app.state.settings.base_iri, actor)  # NotFound: 404 page
    return page(request, "remove_import.html", {
        "active": "/import", "list": found, "error": None,
        "writes_enabled": bool(request.app.state.settings.token),
    })


@router.post("/import/fjern", summary="Fjern en importert liste", include_in_schema=False)
async def remove_submit(request: Request, settings: SettingsDep, store: StoreDep,
                        actor: Annotated[str, Form(max_length=300)] = "",
                        token: Annotated[str, Form(max_length=1000)] = ""):
    found = find_list(store.reader(), settings.base_iri, actor)  # NotFound: 404 page
    try:
        check_token(settings, token)
    except HTTPException as err:
        ctx = {"active": "/import", "list": found, "error": err.detail, "writes_enabled": bool(settings.token)}
        return page(request, "remove_import.html", ctx, status_code=err.status_code)
    app = get_application(request)
    result = await run_in_threadpool(lambda: app.remove_import(found.graph, progress=log.info))
    return page(request, "import.html", _form(request, store, removed=result.to_dict()))
