"""What the web pages share: rendering, and the filter choices.

The filter choices (themes = focus areas, actors with proposals, types) come from the
names registry (graph/names.py, cached per store generation) and the searchable types of
the search layer, so a page shows its form at once, without waiting for the model.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from api.pages.html import render
from graph.names import Names
from graph.store import GraphStore
from search.index.units import UNIT_TYPES

SEARCH_TYPES = UNIT_TYPES  # in the order the type filter lists them


def page(request: Request, name: str, context: dict, status_code: int = 200, headers: dict | None = None):
    return render(request, name, context, status_code=status_code, headers=headers)


@dataclass
class Choices:
    """Themes and actors of one store generation, as the forms list them."""

    focus_areas: list[dict]  # {"id", "key", "notation", "label", "depth"}, document order
    actors: list[dict]  # {"id", "key", "label", "type"}: actors with proposals, expert groups first

    @classmethod
    def of(cls, store: GraphStore) -> Choices:
        names = Names.of(store)
        return cls([f.to_json() for f in names.focus_areas], [a.to_json() for a in names.proposers])
