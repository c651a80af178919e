"""The FastAPI application: wiring only; each resource lives in api/routes/."""

from fastapi import FastAPI

from graph.settings import Settings, get_settings
from graph.store import GraphStore

from .errors import install_error_handlers
from .routes import health


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = FastAPI(
        title="regiongraf",
        description="Kunnskapsgraf og semantisk søk for Osloregionens handlingsprogram.",
        version="0.1.0",
    )
    app.state.settings = settings
    app.state.store = GraphStore(settings.home)
    install_error_handlers(app)
    for router in (health.router,):
        app.include_router(router)
    return app
