"""GET /api/stats: what is in the graph (the same JSON as `regiongraf stats --json`)."""

from fastapi import APIRouter

from api.deps import StoreDep
from graph.views.stats import stats as graph_stats

router = APIRouter(prefix="/api", tags=["api"])


@router.get("/stats", summary="Hva grafen inneholder")
def stats(store: StoreDep) -> dict:
    """Noder per klasse, tripler per navngitt graf, og tiltak per innsatsområde og aktør."""
    return graph_stats(store)
