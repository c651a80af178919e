"""GET /api/search: hybrid search, the same as `regiongraf search QUERY --json`.

    GET /api/search?q=sykkel&k=10&type=measure&type=strategy&focus_area=4-p1&actor=kraftgruppen&programme=2025
    GET /api/search?q=sykkel&format=csv      the hits as a spreadsheet (service/tables.py)

Answers a JSON array of hits, best first, exactly as the CLI prints it; a hit has at
least id (IRI), type, label, text, score and context (search/searcher.py), and `applied`:
the filters and the actor/theme names found in the query that shaped the result. The searcher
(model and indexes) is loaded once per app on first use and runs in a worker thread, so
the event loop is never blocked by the model.

Searches have a concurrency limit of their own, apart from the threadpool that serves
cheap requests (node pages, stats). Concurrent queries are embedded together in one
forward pass (search/embedding/batcher.py); when REGIONGRAF_SEARCH_QUEUE searches are
already waiting, a new one gets 503 with Retry-After at once (api/errors.py) rather than
joining an unbounded backlog.
"""

from typing import Annotated

import anyio
from fastapi import APIRouter, Query, Request

from api.deps import ApplicationDep, search_slot
from api.negotiation import CSV_RESPONSES, TableFormat, csv_download
from service.tables import csv_name, search_csv

router = APIRouter(prefix="/api", tags=["api"])


@router.get(
    "/search",
    summary="Søk i handlingsprogrammet",
    responses={**CSV_RESPONSES, 400: {"description": "Tomt søk, ukjent type, aktør eller innsatsområde"},
               503: {"description": "Søkeindeksen er ikke bygget ennå, eller for mange søk venter (Retry-After)"}},
)
async def search(
    request: Request,
    app: ApplicationDep,
    q: Annotated[str, Query(min_length=1, max_length=2000, description="Hva du leter etter, med vanlige ord.")],
    k: Annotated[int, Query(ge=1, le=100, description="Antall treff.")] = 10,
    type: Annotated[list[str] | None, Query(max_length=40, description=(
        "Bare disse typene, f.eks. measure, strategy, goal (kan gjentas)."))] = None,
    focus_area: Annotated[str | None, Query(max_length=200, description=(
        "Bare dette innsatsområdet: nummer (5.1), navn eller IRI."))] = None,
    actor: Annotated[str | None, Query(max_length=200, description=(
        "Bare det denne aktøren har foreslått: navn eller IRI (f.eks. Kraftgruppen)."))] = None,
    programme: Annotated[str | None, Query(max_length=20, description=(
        "Programåret det søkes i (f.eks. 2025); standard er det nyeste i grafen."))] = None,
    names: Annotated[bool, Query(description=(
        "Bruk navn på aktører og temaer i søket til å løfte frem eller filtrere treff (som --no-names i CLI-et "
        "når false)."))] = True,
    format: TableFormat = "json",
) -> list[dict]:
    """Semantisk + leksikalsk (hybrid) søk. Treffene viser hvor hvert element hører hjemme."""

    def run() -> list[dict]:
        return app.searcher().search_with_meta(q, k=k, types=type or None, focus_area=focus_area or None,
                                               actor=actor or None, programme=programme or None,
                                               intent=names)["hits"]

    hits = await anyio.to_thread.run_sync(run, limiter=search_slot(request))
    if format == "csv":
        return csv_download(search_csv(hits, q), csv_name(f"sok-{q}"))
    return hits
