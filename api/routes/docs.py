"""The API documentation pages and the favicon, served without any CDN.

    GET /docs          Swagger UI (try the API in the browser)
    GET /redoc         ReDoc (the same OpenAPI description, for reading)
    GET /favicon.ico   the icon browsers ask for on every page (api/static/favicon.ico)

FastAPI's own documentation pages load their scripts from a CDN, which a machine without
internet (or behind a strict proxy) cannot reach: the page stays blank. These load the
assets that the Python package fastapi-offline ships (Swagger UI 5 and ReDoc 2, MIT and
Apache licensed), mounted by api/app.py at OPENAPI_ASSETS_PATH, so /docs works offline.
"""

from importlib.resources import files
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import FileResponse, HTMLResponse

from api.pages.html import STATIC, root

router = APIRouter(include_in_schema=False)

OPENAPI_ASSETS = Path(str(files("fastapi_offline") / "static"))  # swagger-ui-bundle.js, swagger-ui.css, redoc
OPENAPI_ASSETS_PATH = "/static/openapi"
FAVICON = STATIC / "favicon.ico"


def _title(request: Request, what: str) -> str:
    return f"{request.app.title} – API-dokumentasjon ({what})"


@router.get("/docs")
def swagger_ui(request: Request) -> HTMLResponse:
    prefix = root(request)
    page = get_swagger_ui_html(
        openapi_url=prefix + request.app.openapi_url,
        title=_title(request, "Swagger UI"),
        swagger_js_url=f"{prefix}{OPENAPI_ASSETS_PATH}/swagger-ui-bundle.js",
        swagger_css_url=f"{prefix}{OPENAPI_ASSETS_PATH}/swagger-ui.css",
        swagger_favicon_url=f"{prefix}/static/favicon.svg",
        oauth2_redirect_url=prefix + request.app.swagger_ui_oauth2_redirect_url,
        swagger_ui_parameters=request.app.swagger_ui_parameters,
    )
    # The page's language, so screen readers read the Norwegian descriptions as Norwegian.
    return HTMLResponse(page.body.decode().replace("<html>", '<html lang="nb">', 1))


@router.get("/docs/oauth2-redirect")
def swagger_ui_redirect() -> HTMLResponse:
    return get_swagger_ui_oauth2_redirect_html()


@router.get("/redoc")
def redoc(request: Request) -> HTMLResponse:
    prefix = root(request)
    page = get_redoc_html(
        openapi_url=prefix + request.app.openapi_url,
        title=_title(request, "ReDoc"),
        redoc_js_url=f"{prefix}{OPENAPI_ASSETS_PATH}/redoc.standalone.js",
        redoc_favicon_url=f"{prefix}/static/favicon.svg",
        with_google_fonts=False,
    )
    return HTMLResponse(page.body.decode().replace("<html>", '<html lang="nb">', 1))


@router.get("/favicon.ico")
def favicon() -> FileResponse:
    return FileResponse(FAVICON, media_type="image/vnd.microsoft.icon",
                        headers={"Cache-Control": "public, max-age=86400"})
