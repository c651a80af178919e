"""GET /health: is the service up, and is there a graph to serve."""

from fastapi import APIRouter, Depends

from api.deps import get_store
from graph.store import GraphStore

router = APIRouter()


@router.get("/health", tags=["drift"])
def health(store: GraphStore = Depends(get_store)) -> dict:
    gen = store.generation()
    return {"status": "ok" if gen else "ingen graf", "generation": gen}
