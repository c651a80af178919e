"""What the node page shows besides the node's own facts: its neighbourhood picture and
the most similar measures ("lignende tiltak"), with their calibrated confidence, kind and the
reason for each (those below the overlap cut are marked weak, "svak likhet"), and (when the
server takes writes) a form to accept or reject each as a pair with this node.

Both come from elsewhere: the picture from graph/views/neighbourhood.py drawn by
api/pages/picture.py (in Python, no external program), the similar measures from
matching.matcher.Matcher.similar (the same as /api/similar). The similar measures need the
search index: before it is built the page says so (`similar_missing`) instead of leaving
them out without a word.
"""

from __future__ import annotations

import logging

import pyoxigraph as ox
from fastapi import Request
from markupsafe import Markup

from api.pages.html import hrefs
from api.pages.picture import neighbourhood_svg
from graph.errors import NotFound, NotReady, UserError
from graph.views.neighbourhood import neighbourhood
from search.index.version import current_version

log = logging.getLogger("regiongraf.pages")

SIMILAR_K = 6


def node_extras(request: Request, reader: ox.Store, iri: str, label: str | None) -> dict:
    hood = neighbourhood(reader, iri)
    svg = neighbourhood_svg(hood, hrefs(request), f"Nabolaget til «{label or iri}» i grafen")
    return {
        "picture": Markup(svg) if svg else None,
        "hood": hood,
        "similar": similar(request, iri),
        "similar_missing": current_version(request.app.state.settings.index_dir) is None,
        # Accept/reject forms for each similar item when the server takes writes (the token is a field).
        "reviews": bool(request.app.state.settings.token),
    }


def similar(request: Request, iri: str, k: int = SIMILAR_K) -> list[dict] | None:
    """Most similar proposals of other actors, most confident first, each with `kind` and `weak`
    (matching/overlap.py); None when the node is not searchable."""
    try:
        return request.app.state.application.matcher().similar(iri, k=k)["similar"]
    except (NotFound, NotReady):
        return None
    except UserError as err:
        log.warning("Lignende tiltak for %s: %s", iri, err)
        return None


SIMILAR_GROUPS = ("inferred", "confirmed")


def without_similar(sections: list[dict], similar: list[dict] | None) -> list[dict]:
    """The node's link groups (graph/views/describe.py `sections`) without the machine-inferred or
    confirmed pairs that the similar list already shows, with their confidence: each link once."""
    ids = {s["id"] for s in similar or ()}
    if not ids:
        return sections
    out = []
    for group in sections:
        if group["key"] in SIMILAR_GROUPS:
            group = {**group, "targets": [t for t in group["targets"] if t["id"] not in ids]}
            if not group["targets"]:
                continue
        out.append(group)
    return out
