"""One node as JSON: what it is, its text, where it sits, and its links in and out.

The same facts as the node's HTML page (/doc/{kind}/{key}); for the web UI and scripts.
"""

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request

from api.deps import SettingsDep, StoreDep
from api.pages.html import root
from graph.iri import CLASS_OF_KIND, node_ref, split_iri
from graph.settings import Settings
from graph.views.describe import node_view

router = APIRouter(prefix="/api", tags=["api"])

RESPONSES = {404: {"description": "Ukjent node"}, 400: {"description": "Ugyldig id"}}


def resolve_id(settings: Settings, given: str) -> str:
    """Accepts a full IRI under the base, /id/{kind}/{key}, id/{kind}/{key} or {kind}/{key} (graph.iri.node_ref)."""
    try:
        return node_ref(settings.base_iri, given)
    except ValueError as err:  # a foreign IRI names no node here (404); anything else is malformed (400)
        raise HTTPException(404 if "://" in given else 400, str(err)) from None


def _node(request: Request, settings: Settings, store, iri: str) -> dict:
    view = node_view(store.reader(), settings.base_iri, iri)
    if view is None:
        raise HTTPException(404, f"Fant ingen node med IRI {iri}.")
    kind, key = split_iri(settings.base_iri, iri)
    view["doc"] = f"{root(request)}/doc/{kind}/{key}"
    return view


@router.get("/node", summary="Én node, slått opp med IRI", responses=RESPONSES)
def node_by_id(
    request: Request,
    settings: SettingsDep,
    store: StoreDep,
    id: Annotated[str, Query(min_length=1, max_length=2000,
                             description="Nodens IRI, eller kortform som measure/2025-5.1.1-7")],
) -> dict:
    """Noden med etikett, type, tekst, plassering (innsatsområde, gruppe, faggruppe) og lenker."""
    return _node(request, settings, store, resolve_id(settings, id))


@router.get("/nodes/{kind}/{key}", summary="Én node, slått opp med type og nøkkel", responses=RESPONSES)
def node_by_key(request: Request, kind: str, key: str, settings: SettingsDep, store: StoreDep) -> dict:
    """Som /api/node, men med IRI-ens sti: /api/nodes/measure/2025-5.1.1-7."""
    if kind not in CLASS_OF_KIND:
        raise HTTPException(404, f"Ukjent nodetype «{kind}». Kjente typer: {', '.join(CLASS_OF_KIND)}.")
    return _node(request, settings, store, f"{settings.base_iri}/id/{kind}/{key}")
