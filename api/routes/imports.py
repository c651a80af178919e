"""POST /api/import and DELETE /api/imports/{actor}: a partner's list into the graph, and out again.

Needs the write token. The size limit (REGIONGRAF_MAX_UPLOAD_BYTES) is enforced before
anything is parsed: a Content-Length that is too large is refused at once, and the body
is counted while it streams in, so a client that lies about its length or sends chunks
cannot make the server buffer more than the limit. The token is checked before the body
is read at all.
"""

import logging

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from api.deps import ApplicationDep, SettingsDep, bearer_scheme, require_token

router = APIRouter(prefix="/api", tags=["api"])
log = logging.getLogger("regiongraf.import")

# Room for the multipart boundaries, headers and the actor field around the file itself.
MULTIPART_OVERHEAD = 64 * 1024
UPLOAD_SCHEMA = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file", "actor"],
                    "properties": {
                        "file": {"type": "string", "format": "binary",
                                 "description": "Listen: CSV, JSON, Turtle eller JSON-LD."},
                        "key": {"type": "string",
                                "description": "Valgfri nøkkel for listen, når aktørnavnet alene gir samme "
                                               "nøkkel som en annen aktør (f.eks. «ostfold-2»)."},
                        "actor": {"type": "string", "minLength": 1,
                                  "description": "Aktøren som eier listen, f.eks. «Viken fylkeskommune»."},
                    },
                }
            }
        },
    }
}


def _too_large(limit: int) -> HTTPException:
    mb = limit / 1024 / 1024
    return HTTPException(413, f"Filen er for stor: grensen er {limit} byte ({mb:.1f} MB). Del listen opp, "
                              "eller be driften øke REGIONGRAF_MAX_UPLOAD_BYTES.")


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.strip().isdigit():
            raise HTTPException(400, "Ugyldig Content-Length.")
        if int(declared) > limit + MULTIPART_OVERHEAD:
            raise _too_large(limit)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit + MULTIPART_OVERHEAD:
            raise _too_large(limit)
    return bytes(body)


def _replay(request: Request, body: bytes) -> Request:
    """The same request, with the body we have already read (and counted)."""
    sent = False

    async def receive():
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return Request(request.scope, receive)


@router.post(
    "/import",
    summary="Importer en samarbeidspartners liste",
    dependencies=[Depends(bearer_scheme), Depends(require_token)],
    openapi_extra=UPLOAD_SCHEMA,
    responses={
        400: {"description": "Filen kan ikke leses (meldingen sier hvor og hva)"},
        401: {"description": "Mangler token"},
        403: {"description": "Feil token, eller skriving er slått av"},
        413: {"description": "Filen er for stor"},
        415: {"description": "Ikke multipart/form-data"},
        422: {"description": "Mangler fil eller aktør"},
    },
)
async def import_list(request: Request, settings: SettingsDep, app: ApplicationDep) -> dict:
    """Les inn en liste med initiativer fra en annen aktør (multipart: `file` og `actor`).

    Listen valideres før noe skrives; en ny import fra samme aktør erstatter den forrige.
    Krever `Authorization: Bearer <token>`.
    """
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype != "multipart/form-data":
        raise HTTPException(415, "Send filen som multipart/form-data med feltene «file» og «actor», "
                                 "f.eks. curl -F file=@liste.csv -F actor='Navn'.")
    limit = settings.max_upload_bytes
    body = await _read_body(request, limit)
    form = await _replay(request, body).form(max_files=1, max_fields=10)
    try:
        upload = form.get("file")
        actor = form.get("actor")
        key = form.get("key")
        key = key.strip() if isinstance(key, str) and key.strip() else None
        problems = []
        if not isinstance(upload, UploadFile):
            problems.append("«file» mangler; legg ved listen som fil")
        if not isinstance(actor, str) or not actor.strip():
            problems.append("«actor» mangler; oppgi aktøren som eier listen")
        if problems:
            raise HTTPException(422, "Ugyldig forespørsel: " + "; ".join(problems) + ".")
        data = await upload.read(limit + 1)
        if len(data) > limit:
            raise _too_large(limit)
        if not data.strip():
            raise HTTPException(400, f"{upload.filename or 'Filen'} er tom.")
        filename = upload.filename or "opplastet fil"
    finally:
        await form.close()
    result = await run_in_threadpool(lambda: app.import_list(data, filename, actor.strip(), key=key, progress=log.info))
    return result.to_dict()


@router.delete(
    "/imports/{actor}",
    summary="Fjern en importert liste",
    dependencies=[Depends(bearer_scheme), Depends(require_token)],
    responses={401: {"description": "Mangler token"}, 403: {"description": "Feil token, eller skriving er slått av"},
               404: {"description": "Ingen importert liste fra denne aktøren"}},
)
async def remove_list(actor: str, app: ApplicationDep) -> dict:
    """Fjern listen aktøren har importert (navn, nøkkel eller IRI), med søkeindeks og utledede lenker.

    Krever `Authorization: Bearer <token>`. Forrige versjon av grafen beholdes.
    """
    result = await run_in_threadpool(lambda: app.remove_import(actor, progress=log.info))
    return result.to_dict()
