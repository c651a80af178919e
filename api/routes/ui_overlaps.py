"""The overlap page: proposals that say the same or nearly the same, side by side.

    GET /overlapp?across=1&actor=kraftgruppen&kind=duplicate&view=pairs|clusters&n=50&rejected=1

Pairs come from matching.matcher.Matcher.duplicates (the same as /api/duplicates and
`regiongraf duplicates`), groups from Matcher.clusters; each pair shows its score, its
kind and confidence, why it was matched (shared words and shared place in the graph) and the
shared words marked in both texts. A plain GET form: works without JavaScript. When the server
takes writes (a token is configured), each pair has a form to accept or reject it
(POST /vurdering, api/routes/ui_reviews.py); `vurdert=accept|reject` says it was saved.
"""

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request

from api.cache import app_cache
from api.deps import get_application
from api.errors import status_of
from api.pages.choices import page
from api.pages.highlight import Highlighter
from api.pages.html import root
from graph.errors import UserError
from matching.clusters import clusters

router = APIRouter(tags=["nettsider"])

KINDS = {"confirmed": "Bekreftet", "duplicate": "Mulig duplikat", "overlap": "Overlapp", "related": "Svak likhet"}
SAVED = {"accept": "Vurderingen er lagret: paret er godtatt og står nå øverst som bekreftet.",
         "reject": "Vurderingen er lagret: paret er avvist og foreslås ikke igjen."}
DEFAULT_N = 50


def actor_choices(matcher) -> list[dict]:
    return sorted(({"key": iri.rsplit("/", 1)[-1], "id": iri, "label": label}
                   for iri, label in matcher.actor_labels().items()), key=lambda a: a["label"].lower())


def marker_for(tokenizer, pair: dict) -> Highlighter:
    """Marks the words a pair shares (the matcher's shared_terms, tokenized as the index does)."""
    terms = (pair.get("why") or {}).get("shared_terms") or []
    return Highlighter.for_query(tokenizer, " ".join(terms))


def overlaps(request: Request, matcher, actor: str | None, across: bool, kind: str = "",
             include_rejected: bool = False, programme: str | None = None) -> list[dict]:
    """Matcher.duplicates, cached per index version and store generation (the pairs change with the
    index, the staff's decisions with the graph)."""
    cache = app_cache(request.app, "overlap_cache", maxsize=64)
    version = f"{matcher.index.version}+{matcher.store.generation()}"
    pairs = cache.get(version, ("pairs", actor or "", across, include_rejected, programme or ""),
                      lambda: matcher.duplicates(across_actors=across, actor=actor or None,
                                                 include_rejected=include_rejected, programme=programme or None))
    return [p for p in pairs if not kind or p["kind"] == kind]


def here(request: Request) -> str:
    """This page's path and query (without an earlier result notice): where a review form returns."""
    query = urlencode([(k, v) for k, v in request.query_params.multi_items() if k != "vurdert"])
    return request.url.path + (f"?{query}" if query else "")


@router.get("/overlapp", summary="Overlapp og mulige duplikater", include_in_schema=False)
def overlap_page(
    request: Request,
    actor: Annotated[str, Query(max_length=200)] = "",
    across: Annotated[bool, Query()] = False,
    kind: Annotated[str, Query(max_length=20)] = "",
    view: Annotated[str, Query(max_length=20)] = "pairs",
    n: Annotated[int, Query(ge=1, le=1000)] = DEFAULT_N,
    rejected: Annotated[bool, Query()] = False,
    vurdert: Annotated[str, Query(max_length=20)] = "",
    programme: Annotated[str, Query(max_length=20)] = "",
):
    csv_query = urlencode([(k, v) for k, v in (("actor", actor), ("across_actors", "true" if across else ""),
                                               ("include_rejected", "true" if rejected else ""),
                                               ("clusters", "true" if view == "clusters" else ""),
                                               ("format", "csv")) if v])
    ctx = {"active": "/overlapp", "actor": actor, "csv_url": f"{root(request)}/api/duplicates?{csv_query}",
           "across": across, "kind": kind if kind in KINDS else "",
           "view": "clusters" if view == "clusters" else "pairs", "n": n, "kinds": KINDS, "rejected": rejected,
           "pairs": [], "clusters": [], "total": 0, "actors": [], "error": None, "actor_label": None,
           "saved": SAVED.get(vurdert), "review_next": here(request) if request.app.state.settings.token else None}
    status = 200
    try:
        matcher = get_application(request).matcher()
        ctx["actors"] = actor_choices(matcher)
        actor_iri = matcher.resolve_actor(actor) if actor else None
        ctx["actor_label"] = matcher.actor_labels().get(actor_iri) if actor_iri else None
        pairs = overlaps(request, matcher, actor_iri, across, ctx["kind"], rejected, programme)
        ctx["total"] = len(pairs)
        if ctx["view"] == "clusters":
            ctx["clusters"] = clusters(pairs)
        else:
            tokenizer = matcher.index.lexical.tokenizer
            ctx["pairs"] = [(p, marker_for(tokenizer, p)) for p in pairs[:n]]
    except UserError as err:
        ctx["error"], status = str(err), status_of(err)[0]
    return page(request, "overlaps.html", ctx, status_code=status)
