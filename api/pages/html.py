"""Server-rendered HTML: one Jinja2 environment, and links that work on any host.

Node IRIs are minted under the configured base (https://data.osloregionen.no), but the
server may run elsewhere (http://127.0.0.1:8000 while testing). Pages therefore link
to our own nodes by path (/doc/{kind}/{key}), which resolves on whatever host serves
the page; IRIs outside the base are linked as they are.
"""

import logging
import re
from pathlib import Path

from fastapi import Request
from fastapi.templating import Jinja2Templates

from api.cache import app_cache
from graph.iri import KINDS, split_iri
from graph.names import type_label, type_plural
from graph.namespaces import RG
from graph.views.about import About, about, norwegian_time

log = logging.getLogger("regiongraf.pages")

VOCABULARY_BASE = str(RG).rsplit("/", 1)[0] + "/"  # https://data.osloregionen.no/def/
TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
STATIC = Path(__file__).resolve().parent.parent / "static"
templates = Jinja2Templates(directory=str(TEMPLATES))


def kind_of(type_name: str) -> str:
    """The IRI path segment of a class ("MeasureGroup" -> "measure-group")."""
    return KINDS.get(type_name, type_name.lower())


def notation_label(notation: str | None) -> str:
    """"4-p1" -> "4 (del 1)": section 4 has two unnumbered parts."""
    if not notation:
        return ""
    return re.sub(r"-p(\d+)$", r" (del \1)", notation)


# Helpers every template may use.
templates.env.globals.update(type_label=type_label, type_plural=type_plural, notation_label=notation_label,
                             kind_of=kind_of)
templates.env.filters["when"] = norwegian_time
templates.env.filters["day"] = lambda iso: norwegian_time(iso, with_time=False)

NAV = [
    ("Søk", "/"),
    ("Overlapp", "/overlapp"),
    ("Uten tiltak", "/hull"),
    ("Endringer", "/endringer"),
    ("Import", "/import"),
    ("Data", "/data"),
    ("SPARQL", "/sparql"),
]


def root(request: Request) -> str:
    return request.scope.get("root_path", "").rstrip("/")


def local_path(base: str, iri: str) -> str | None:
    """Path on this server for one of our IRIs: /doc/... for a node, else the IRI's own path."""
    base = base.rstrip("/")
    parts = split_iri(base, iri)
    if parts:
        return f"/doc/{parts[0]}/{parts[1]}"
    if iri.startswith(base + "/scheme/"):
        return "/doc/scheme/" + iri[len(base) + len("/scheme/"):]
    if iri.startswith(VOCABULARY_BASE):
        # The vocabulary keeps its IRI whatever the base; every server serves a copy.
        return "/def/" + iri[len(VOCABULARY_BASE):]
    return None


SAFE_SCHEMES = ("http://", "https://")


def hrefs(request: Request):
    """A function for templates: where a link to `iri` should point from this page; "" when it must
    not be a link at all (only http(s) addresses become links: never javascript:, data: ...)."""
    base = request.app.state.settings.base_iri
    prefix = root(request)

    def href(iri: str) -> str:
        path = local_path(base, iri)
        if path:
            return prefix + path
        return iri if str(iri).lower().startswith(SAFE_SCHEMES) else ""

    return href


def data_about(request: Request) -> About | None:
    """Which data the page shows (graph/views/about.py), computed once per store generation; None
    before anything is built or when it cannot be read (an error page must still render)."""
    application = getattr(request.app.state, "application", None)
    if application is None:
        return None
    try:
        generation = application.store.generation()
        if generation is None:
            return None
        cache = app_cache(request.app, "about_cache", maxsize=4)
        return cache.get(generation, "about", lambda: about(application.store, request.app.state.settings.base_iri))
    except Exception:  # noqa: BLE001 - the footer must never break a page
        log.exception("Kunne ikke lese hvilke data siden viser")
        return None


def _context(request: Request, context: dict) -> dict:
    return {"request": request, "nav": NAV, "root": root(request), "href": hrefs(request),
            "about": data_about(request)} | context


def render(request: Request, name: str, context: dict, status_code: int = 200, headers: dict | None = None):
    return templates.TemplateResponse(request, name, _context(request, context), status_code=status_code,
                                      headers=headers)


def render_bytes(request: Request, name: str, context: dict) -> bytes:
    """The page as UTF-8, for caching (serve it with media type text/html; charset=utf-8)."""
    return templates.get_template(name).render(_context(request, context)).encode("utf-8")
