"""The front page: search. One box, filters for type, theme and actor, results as cards.

    GET /?q=...&type=measure&focus_area=5.1&actor=kraftgruppen&k=10&programme=2025&names=0

A plain GET form rendered on the server, so it works without JavaScript and every result
page has a URL to share. Matched words are marked with the index's own tokenizer
(api/pages/highlight.py). The search itself is search.searcher.Searcher.search_with_meta, the
same as /api/search and `regiongraf search`, whose result says every filter and boost it
applied (`applied`).

No filter is silent. Every filter that shapes the hits is listed above them with a link that
removes it: the ones chosen in the form, and the ones the search chose on the user's behalf
because the query names an actor or a plan ("kraftgruppen" lists Kraftgruppen's proposals).
The form shows such a filter too: the actor drop-down selects the actor the query named (and a
hidden `fra_sok` remembers that it was the query's choice, so that choosing «Alle aktører»
really removes it). `names=0` turns the names in the query off, as `--no-names` in the CLI.
The hits can be taken away as CSV (/api/search?...&format=csv, the same search).
"""

import re
from typing import Annotated
from urllib.parse import urlencode

import anyio
from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool

from api.deps import SettingsDep, StoreDep, get_application, search_slot
from api.errors import status_of
from api.pages.choices import SEARCH_TYPES, Choices, page
from api.pages.highlight import Highlighter
from api.pages.html import kind_of
from graph.errors import UserError
from graph.names import type_plural

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
Short = Annotated[str, Query(max_length=200)]


class Params:
    """The page's query parameters, and links to the same search with some of them changed."""

    KEYS = ("q", "type", "focus_area", "actor", "k", "programme", "names")

    def __init__(self, root: str, **values):
        self.root = root
        self.values = values

    def url(self, path: str = "/", **changes) -> str:
        values = self.values | changes
        pairs = [(k, values[k]) for k in self.KEYS
                 if values.get(k) not in (None, "") and not (k == "k" and values[k] == DEFAULT_K)]
        return f"{self.root}{path}?{urlencode(pairs)}"


def _type_names(value: list[str]) -> str:
    return ", ".join(type_plural(t).lower() for t in value)


def active_filters(applied: list[dict], params: Params, choices: Choices) -> tuple[list[dict], str]:
    """The filters that shaped the hits, each with a link that removes it; and the actor key the
    query's name chose (to show in the form), or ""."""
    explicit = {a["what"]: a for a in applied if a["kind"] == "filter" and "matched" not in a}
    named = [a for a in applied if a["kind"] == "filter" and "matched" in a]
    out = []
    if "type" in explicit:
        out.append({"what": "Type", "label": _type_names(explicit["type"]["value"]),
                    "remove": params.url(type="")})
    if "focus_area" in explicit:
        out.append({"what": "Tema", "label": explicit["focus_area"]["label"], "remove": params.url(focus_area="")})
    chosen = ""
    named_actor = next((a for a in named if a["what"] == "actor"), None)
    if "actor" in explicit:
        a = explicit["actor"]
        same = named_actor is not None and named_actor["id"] == a["id"]
        out.append({"what": "Aktør", "label": a["label"],
                    "note": f"også fra søkeordet «{named_actor['matched']}»" if same else None,
                    "remove": params.url(actor="", names="0" if same else params.values.get("names"))})
    for a in named:
        if "actor" in explicit and a["what"] == "actor" and a["id"] == explicit["actor"]["id"]:
            continue
        what = {"actor": "Aktør", "mentions": "Nevner", "focus_area": "Tema"}.get(a["what"], "Filter")
        out.append({"what": what, "label": a["label"], "note": f"fra søkeordet «{a['matched']}»",
                    "remove": params.url(names="0")})
        if a["what"] == "actor" and not chosen:
            chosen = next((c["key"] for c in choices.actors if c["id"] == a["id"]), "")
    return out, chosen


def searched_text(result: dict) -> str:
    """The words the search looked for: an actor's name found in the query filters or lifts its
    proposals and is taken out of the searched text (search/query_intent.py), so it is not marked."""
    text = result["query"]
    for a in result["applied"]:
        if a.get("what") == "actor" and a.get("matched"):
            text = re.sub(re.escape(a["matched"]), " ", text, flags=re.IGNORECASE)
    return text


@router.get("/", summary="Søk (forsiden)", include_in_schema=False)
async def search_page(
    request: Request,
    settings: SettingsDep,
    store: StoreDep,
    q: Text = "",
    type: Annotated[str, Query(max_length=40)] = "",
    focus_area: Short = "",
    actor: Short = "",
    k: Annotated[int, Query(ge=1, le=100)] = DEFAULT_K,
    programme: Annotated[str, Query(max_length=20)] = "",
    names: Annotated[str, Query(max_length=5)] = "",
    fra_sok: Short = "",
):
    choices = await run_in_threadpool(Choices.of, store, programme or None)
    names = "0" if names in ("0", "false", "nei") else ""
    if fra_sok and actor != fra_sok:  # the actor the query's name chose was changed in the form
        names = "0"
    params = Params(request.scope.get("root_path", "").rstrip("/"), q=q, type=type, focus_area=focus_area,
                    actor=actor, k=k, names=names, programme=programme)
    ctx = {
        "active": "/", "q": q, "type": type, "focus_area": focus_area, "actor": actor, "k": k, "names": names,
        "programme": programme,
        "types": [(kind_of(t), t) for t in SEARCH_TYPES], "choices": choices, "examples": EXAMPLES,
        "hits": None, "applied": [], "filters": [], "chosen_actor": "", "error": None,
        "more_k": MORE_K if k < MORE_K else None, "more_url": params.url(k=MORE_K),
        "names_on_url": params.url(names=""), "names_off_url": params.url(names="0"),
        "csv_url": params.url("/api/search") + "&format=csv",
    }
    if not q.strip():
        return page(request, "search.html", ctx)

    def run():
        searcher = get_application(request).searcher()
        result = searcher.search_with_meta(q, k=k, types=[type] if type else None, focus_area=focus_area or None,
                                           actor=actor or None, programme=programme or None, intent=not names)
        searched = searched_text(result)
        terms = searcher.index.lexical.query_terms(searched)
        mark = Highlighter.for_query(searcher.index.lexical.tokenizer, searched,
                                     extra=terms.corrected + terms.translated)
        return result, mark

    status, headers = 200, None
    try:
        # The model's own concurrency limit, shared with /api/search (api.deps.search_slot).
        result, ctx["mark"] = await anyio.to_thread.run_sync(run, limiter=search_slot(request))
        ctx["hits"] = result["hits"]
        ctx["applied"] = result["applied"]
        ctx["filters"], ctx["chosen_actor"] = active_filters(result["applied"], params, choices)
    except UserError as err:
        ctx["error"], (status, headers) = str(err), status_of(err)
    return page(request, "search.html", ctx, status_code=status, headers=headers)

