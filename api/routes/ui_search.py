"""The front page: search. One box, filters for type, theme and actor, results as cards.

    GET /?q=...&type=measure&focus_area=5.1&actor=kraftgruppen&k=10&programme=2025

A plain GET form rendered on the server, so it works without JavaScript and every result
page has a URL to share. Matched words are marked with the index's own tokenizer
(api/highlight.py). The search itself is search.searcher.Searcher.search_with_meta, the
same as /api/search and `regiongraf search`.
"""

from typing import Annotated

import anyio
from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool

from api.deps import SettingsDep, StoreDep, get_application, search_slot
from api.errors import status_of
from api.pages.choices import SEARCH_TYPES, Choices, page
from api.pages.highlight import Highlighter
from api.pages.html import kind_of
from graph.errors import UserError

router = APIRouter(tags=["nettsider"])

DEFAULT_K = 10
MORE_K = 30
EXAMPLES = [
    "Hva gjør vi for å få flere til å sykle?",
    "kompetanse og rekruttering",
    "nuclear power",
    "ren Oslofjord",
    "sirkulærøkonomi i bygg",
    "grønn næringstransport",
]
Text = Annotated[str, Query(max_length=2000)]


@router.get("/", summary="Søk (forsiden)", include_in_schema=False)
async def search_page(
    request: Request,
    settings: SettingsDep,
    store: StoreDep,
    q: Text = "",
    type: Annotated[str, Query(max_length=40)] = "",
    focus_area: Annotated[str, Query(max_length=200)] = "",
    actor: Annotated[str, Query(max_length=200)] = "",
    k: Annotated[int, Query(ge=1, le=100)] = DEFAULT_K,
    programme: Annotated[str, Query(max_length=20)] = "",
):
    choices = await run_in_threadpool(Choices.of, store, programme or None)
    ctx = {
        "active": "/", "q": q, "type": type, "focus_area": focus_area, "actor": actor, "k": k,
        "programme": programme,
        "types": [(kind_of(t), t) for t in SEARCH_TYPES], "choices": choices, "examples": EXAMPLES,
        "hits": None, "applied": [], "error": None, "more_k": MORE_K if k < MORE_K else None,
    }
    if not q.strip():
        return page(request, "search.html", ctx)
    def run():
        searcher = get_application(request).searcher()
        result = searcher.search_with_meta(q, k=k, types=[type] if type else None,
                                           focus_area=focus_area or None, actor=actor or None,
                                           programme=programme or None)
        return result, Highlighter.for_query(searcher.index.lexical.tokenizer, result["query"])

    status, headers = 200, None
    try:
        # The model's own concurrency limit, shared with /api/search (api.deps.search_slot).
        result, ctx["mark"] = await anyio.to_thread.run_sync(run, limiter=search_slot(request))
        ctx["hits"] = result["hits"]
        ctx["applied"] = result["applied"]
    except UserError as err:
        ctx["error"], (status, headers) = str(err), status_of(err)
    return page(request, "search.html", ctx, status_code=status, headers=headers)
