"""The FastAPI application: wiring only; each resource lives in api/routes/."""

import logging
import threading
import time
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles

from api.errors import install_error_handlers
from api.http_head import HeadAsGet
from api.pages.html import STATIC
from api.routes import (
    diff,
    docs,
    downloads,
    duplicates,
    gaps,
    health,
    history,
    imports,
    linked_data,
    nodes,
    overlap_report,
    rebuild,
    reviews,
    search,
    similar,
    sparql,
    stats,
    ui_diff,
    ui_gaps,
    ui_import,
    ui_overlaps,
    ui_report,
    ui_reviews,
    ui_search,
)
from graph.settings import Settings, get_settings
from graph.sparql.pool import QueryPool
from graph.views.about import product_version
from service.application import Application

log = logging.getLogger("regiongraf")


@asynccontextmanager
async def lifespan(app: FastAPI):
    application: Application = app.state.application
    settings: Settings = app.state.settings
    if settings.remote:
        # A replica on a remote store: its own search index is built (or brought up to date by
        # content hash) before the first request, then a watcher follows writes made elsewhere.
        await run_in_threadpool(lambda: application.follow(log.info))
        stop = threading.Event()
        watcher = threading.Thread(target=_follow, args=(application, stop), name="regiongraf-follow", daemon=True)
        watcher.start()
    else:
        # Derived data that lag the graph (a crash between a write and its refresh) are brought up
        # to date before the first request, so search never serves a stale index.
        await run_in_threadpool(lambda: application.catch_up(log.info, build_missing=False))
    yield
    if settings.remote:
        stop.set()
        watcher.join(timeout=5)
    app.state.sparql.close()  # stop the SPARQL worker processes


def _follow(application: Application, stop: threading.Event) -> None:
    """Every REGIONGRAF_STORE_POLL seconds: keep the index up with the remote store; now and then
    drop stored graph versions no state needs any more (graph/remote/store.py)."""
    settings = application.settings
    cleaned = time.monotonic()
    while not stop.wait(max(0.2, settings.store_poll)):
        try:
            application.follow(log.info)
            if time.monotonic() - cleaned > max(10.0, settings.store_grace):
                application.store.clean()
                cleaned = time.monotonic()
        except Exception:  # noqa: BLE001 - the store may be down for a while; try again next time
            log.exception("Kunne ikke følge lageret")


def create_app(settings: Settings | None = None, embedder=None) -> FastAPI:
    """The app; `embedder` shares an already loaded model (tests, benchmarks)."""
    settings = settings or get_settings()
    app = FastAPI(
        title="regiongraf",
        description="Kunnskapsgraf og semantisk søk for Osloregionens handlingsprogram.",
        version=product_version(),
        lifespan=lifespan,
        # /docs and /redoc are served by api/routes/docs.py from local assets (no CDN: they work offline).
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    # Worker processes start on the first query; with a remote store they need the network to reach it.
    # The application runs SPARQL updates on the same workers, under their own time limit.
    app.state.sparql = QueryPool(settings.sparql_workers, network=settings.remote)
    app.state.application = Application(settings, embedder, serving=True, sparql_pool=app.state.sparql)
    install_error_handlers(app)
    # Open data: any web page may read it; writes still need the token.
    app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["GET", "HEAD", "OPTIONS"],
                       expose_headers=["Link", "Content-Location", "ETag"])
    app.add_middleware(HeadAsGet)  # HEAD works wherever GET does
    for router in (health.router, sparql.router, stats.router, search.router, nodes.router, imports.router,
                   rebuild.router, history.router, linked_data.router, downloads.router, ui_search.router,
                   duplicates.router, similar.router, gaps.router, reviews.router, overlap_report.router,
                   ui_overlaps.router, ui_gaps.router, ui_import.router, ui_reviews.router,
                   ui_report.router, diff.router, ui_diff.router, docs.router):
        app.include_router(router)
    # The OpenAPI UI's scripts and styles (from the fastapi-offline package); before /static, which would
    # otherwise take the whole prefix.
    app.mount(docs.OPENAPI_ASSETS_PATH, StaticFiles(directory=docs.OPENAPI_ASSETS), name="openapi-assets")
    app.mount("/static", StaticFiles(directory=STATIC), name="static")  # CSS, icons and a little JS for the pages
    return app
