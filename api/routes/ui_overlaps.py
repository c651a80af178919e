"""The overlap page: proposals that say the same or nearly the same, side by side.

    GET /overlapp?across=1&actor=kraftgruppen&kind=duplicate&view=pairs|clusters&n=50

Pairs come from matching.matcher.Matcher.duplicates (the same as /api/duplicates and
`regiongraf duplicates`), groups from Matcher.clusters; each pair shows its score, its
kind and confidence, why it was matched (shared words and shared place in the graph) and the shared
words marked in both texts. A plain GET form: works without JavaScript.
"""

from typing import Annotated

from fastapi import APIRouter, Query, Request

from api.cache import app_cache
from api.deps import get_application
from api.errors import status_of
from api.pages.choices import page
from api.pages.highlight import Highlighter
from graph.errors import UserError
from matching.clusters import clusters

router = APIRouter(tags=["nettsider"])

KINDS = {"duplicate": "Mulig duplikat", "overlap": "Overlapp", "related": "Svak likhet"}
DEFAULT_N = 50


def actor_choices(matcher) -> list[dict]:
    return sorted(({"key": iri.rsplit("/", 1)[-1], "id": iri, "label": label}
                   for iri, label in matcher.actor_labels().items()), key=lambda a: a["label"].lower())


def marker_for(tokenizer, pair: dict) -> Highlighter:
    """Marks the words a pair shares (the matcher's shared_terms, tokenized as the index does)."""
    terms = (pair.get("why") or {}).get("shared_terms") or []
    return Highlighter(tokenizer, [t for word in terms for t in tokenizer(word)])


def overlaps(request: Request, matcher, actor: str | None, across: bool, kind: str = "") -> list[dict]:
    """Matcher.duplicates, cached per index version (the pairs change only with the index)."""
    cache = app_cache(request.app, "overlap_cache", maxsize=64)
    pairs = cache.get(matcher.index.version, ("pairs", actor or "", across),
                      lambda: matcher.duplicates(across_actors=across, actor=actor or None))
    return [p for p in pairs if not kind or p["kind"] == kind]


@router.get("/overlapp", summary="Overlapp og mulige duplikater", include_in_schema=False)
def overlap_page(
    request: Request,
    actor: Annotated[str, Query(max_length=200)] = "",
    across: Annotated[bool, Query()] = False,
    kind: Annotated[str, Query(max_length=20)] = "",
    view: Annotated[str, Query(max_length=20)] = "pairs",
    n: Annotated[int, Query(ge=1, le=1000)] = DEFAULT_N,
):
    ctx = {"active": "/overlapp", "actor": actor, "across": across, "kind": kind if kind in KINDS else "",
           "view": "clusters" if view == "clusters" else "pairs", "n": n, "kinds": KINDS,
           "pairs": [], "clusters": [], "total": 0, "actors": [], "error": None, "actor_label": None}
    status = 200
    try:
        matcher = get_application(request).matcher()
        ctx["actors"] = actor_choices(matcher)
        actor_iri = matcher.resolve_actor(actor) if actor else None
        ctx["actor_label"] = matcher.actor_labels().get(actor_iri) if actor_iri else None
        pairs = overlaps(request, matcher, actor_iri, across, ctx["kind"])
        ctx["total"] = len(pairs)
        if ctx["view"] == "clusters":
            ctx["clusters"] = clusters(pairs)
        else:
            tokenizer = matcher.index.lexical.tokenizer
            ctx["pairs"] = [(p, marker_for(tokenizer, p)) for p in pairs[:n]]
    except UserError as err:
        ctx["error"], status = str(err), status_of(err)[0]
    return page(request, "overlaps.html", ctx, status_code=status)
