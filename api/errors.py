"""JSON errors a person can act on; bad input is never a 500.

Every error is `{"error": "<Norwegian message>"}` (plus "details" for invalid
parameters) with the status that says whose fault it is: 400/422 bad input,
401/403 missing or wrong token, 404 unknown node or page, 406 no acceptable format,
413 upload too large, 503 no graph built yet or too many searches waiting (with
Retry-After). Outside /api a browser asking for HTML gets the same message as a page.
An unexpected exception is a bug: it is logged with its traceback and answered with a
500 that does not leak internals.
"""

import logging
from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from api.negotiation import choose
from api.pages.html import render
from graph.errors import UserError
from graph.store import StoreMissing
from search.embedding.batcher import EmbedderBusy

log = logging.getLogger("regiongraf.api")

# Starlette's default details are English reason phrases; say it in Norwegian.
DEFAULT_MESSAGES = {
    400: "Ugyldig forespørsel.",
    401: "Denne handlingen krever et token: Authorization: Bearer <token>.",
    403: "Ingen tilgang.",
    404: "Fant ikke siden. Se /docs for API-et, eller søk fra forsiden.",
    405: "Metoden er ikke tillatt for denne adressen.",
    406: "Ingen akseptabel variant av ressursen.",
    413: "Forespørselen er for stor.",
    415: "Ukjent innholdstype.",
    422: "Ugyldig forespørsel.",
    429: "For mange forespørsler; prøv igjen om litt.",
    503: "Tjenesten er ikke klar.",
}
TITLES = {400: "Ugyldig forespørsel", 401: "Krever innlogging", 403: "Ingen tilgang", 404: "Fant ikke siden",
          405: "Metoden er ikke tillatt", 406: "Formatet finnes ikke", 413: "For stor forespørsel",
          422: "Ugyldig forespørsel", 500: "Noe gikk galt", 503: "Tjenesten er ikke klar"}

# pydantic error types -> what to tell a person (loc = the parameter's name)
VALIDATION_MESSAGES = {
    "missing": "mangler; den må være med",
    "int_parsing": "må være et heltall",
    "float_parsing": "må være et tall",
    "bool_parsing": "må være true eller false",
    "greater_than_equal": "er for liten",
    "greater_than": "er for liten",
    "less_than_equal": "er for stor",
    "less_than": "er for stor",
    "string_too_short": "er for kort",
    "string_too_long": "er for lang",
    "literal_error": "har en ugyldig verdi",
    "enum": "har en ugyldig verdi",
}


def wants_html(request: Request) -> bool:
    """A browser on a page outside /api: show the error as a page."""
    if request.url.path.startswith("/api/") or request.url.path == "/api":
        return False
    return choose(request.headers.get("accept"), ["jsonld", "html"]) == "html"


def error_response(request: Request, status: int, message: str, headers: dict | None = None,
                   details: list[str] | None = None):
    if wants_html(request):
        text = message + ("" if not details else " " + " ".join(details))
        return render(request, "error.html", {"title": TITLES.get(status, "Feil"), "message": text},
                      status_code=status, headers=headers)
    body = {"error": message}
    if details:
        body["details"] = details
    return JSONResponse(body, status_code=status, headers=headers)


def _describe(e: dict) -> str:
    loc = [str(p) for p in e.get("loc", ()) if p not in ("body", "query", "path", "header", "form")]
    where = ".".join(loc) or "forespørselen"
    msg = VALIDATION_MESSAGES.get(e.get("type", ""))
    ctx = e.get("ctx") or {}
    limit = next((ctx[k] for k in ("ge", "gt", "le", "lt", "min_length", "max_length") if k in ctx), None)
    if msg and limit is not None:
        msg = f"{msg} (grense: {limit})"
    if msg is None:
        expected = ctx.get("expected")
        msg = f"har en ugyldig verdi; forventet {expected}" if expected else f"er ugyldig ({e.get('msg')})"
    return f"«{where}» {msg}"


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(UserError)
    async def user_error(request: Request, exc: UserError):
        return error_response(request, 400, str(exc))

    @app.exception_handler(StoreMissing)
    async def store_missing(request: Request, exc: StoreMissing):
        return error_response(request, 503, str(exc))

    @app.exception_handler(EmbedderBusy)
    async def busy(request: Request, exc: EmbedderBusy):
        return error_response(request, 503, str(exc), headers={"Retry-After": str(exc.retry_after)})

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError):
        problems = [_describe(e) for e in exc.errors()]
        message = "Ugyldig forespørsel: " + "; ".join(problems) if problems else "Ugyldig forespørsel."
        return error_response(request, 422, message, details=problems)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        message = exc.detail if isinstance(exc.detail, str) else None
        if not message or message == _reason(exc.status_code):
            message = DEFAULT_MESSAGES.get(exc.status_code, message or "Feil.")
        if exc.status_code == 304:
            return Response(status_code=304, headers=exc.headers)
        return error_response(request, exc.status_code, message, headers=exc.headers)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception):
        log.exception("Uventet feil ved %s %s", request.method, request.url.path)
        return error_response(
            request, 500,
            "Noe gikk galt hos oss (en feil i tjenesten, ikke i forespørselen din). Feilen er logget; "
            "prøv igjen, og meld fra hvis den gjentar seg.",
        )


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""
