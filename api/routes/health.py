"""GET /health: is the service up, is there a graph to serve, and do the derived data keep up."""

from fastapi import APIRouter

from api.deps import ApplicationDep

router = APIRouter()


@router.get("/health", tags=["drift"])
def health(app: ApplicationDep) -> dict:
    """`status` is "ok", "ingen graf" (nothing built yet) or "henger etter" (the search index or the
    inferred links lag the graph; `lagging` says which, and the next write or start catches up)."""
    state = app.status()
    if state["generation"] is None:
        status = "ingen graf"
    elif state["lagging"]:
        status = "henger etter"
    else:
        status = "ok"
    return {"status": status, **state}
