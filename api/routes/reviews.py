"""POST /api/reviews and GET /api/reviews: the staff's decisions on proposed pairs.

    POST /api/reviews   {"a": "measure/2025-4.1-3", "b": "initiative/…", "decision": "accept"|"reject",
                         "note": "…", "by": "…"}          token required; the common write result
    GET  /api/reviews   the same JSON array as `regiongraf reviews --json`

The write is the application layer's review (service/application.py), the same as
`regiongraf review` and the buttons on the overlap and node pages. 401 without a token,
403 with a wrong one, 422 for a malformed body (the message names the field), 400 for the
same node twice, 404 for a node that is not in the graph.
"""

import logging
from typing import Annotated, Literal

from fastapi import APIRouter, Depends
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from api.deps import ApplicationDep, bearer_scheme, require_token
from graph.reviews import MAX_BY, MAX_NOTE

router = APIRouter(prefix="/api", tags=["api"])
log = logging.getLogger("regiongraf.reviews")

NodeField = Annotated[str, Field(min_length=1, max_length=1000, description=(
    "Nodens IRI, eller kortform som measure/2025-4.1-3."))]


class ReviewIn(BaseModel):
    """En vurdering av et foreslått par."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "a": "measure/2025-5.1.1-15", "b": "initiative/eksempel-fylkeskommune-ef-03", "decision": "accept",
        "note": "Samme energikontor", "by": "Kari Nordmann"}]})

    a: NodeField
    b: NodeField
    decision: Literal["accept", "reject"] = Field(description="«accept» (godta) eller «reject» (avvis).")
    note: str | None = Field(None, max_length=MAX_NOTE, description="Begrunnelse eller merknad.")
    by: str | None = Field(None, max_length=MAX_BY, description="Hvem som vurderte.")


@router.post(
    "/reviews",
    summary="Godta eller avvis et foreslått par",
    dependencies=[Depends(bearer_scheme), Depends(require_token)],
    responses={
        400: {"description": "Samme node to ganger, eller ugyldig node"},
        401: {"description": "Mangler token"},
        403: {"description": "Feil token, eller skriving er slått av"},
        404: {"description": "En av nodene finnes ikke i grafen"},
        422: {"description": "Ugyldig forespørsel (meldingen nevner feltet)"},
    },
)
async def post_review(review: ReviewIn, app: ApplicationDep) -> dict:
    """Lagre en vurdering av paret (a, b). En ny vurdering av samme par erstatter den forrige.

    Et avvist par foreslås aldri igjen; et godtatt par vises som «confirmed» med sikkerhet 1 og
    blir skos:closeMatch i grafen {base}/graph/reviews. Krever `Authorization: Bearer <token>`.
    """
    result = await run_in_threadpool(
        lambda: app.review(review.a, review.b, review.decision, review.note, review.by, progress=log.info))
    return result.to_dict()


@router.get("/reviews", summary="Alle vurderinger av par")
async def list_reviews(app: ApplicationDep) -> list[dict]:
    """Alle vurderinger, eldste først: a, b, decision, note, by, date og active (false når en av nodene
    ikke finnes lenger; vurderingen beholdes, men brukes ikke)."""
    return [r.to_json() for r in await run_in_threadpool(app.reviews)]
