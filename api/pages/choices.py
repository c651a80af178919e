"""What the web pages share: rendering, and the filter choices.

The filter choices (themes = focus areas, actors with proposals, types) come from the
names registry (graph/names.py, cached per store generation) and the searchable types of
the search layer, so a page shows its form at once, without waiting for the model.
"""

from __future__ import annotations

from dataclasses import dataclass, field

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

    focus_areas: list[dict]  # {"id", "key", "notation", "label", "depth", "year"}: one year's, document order
    actors: list[dict]  # {"id", "key", "label", "type"}: actors with proposals, expert groups first
    years: list[str] = field(default_factory=list)  # programme years, oldest first
    year: str = ""  # the year the themes are of (the one asked for if there is one, else the newest)

    @classmethod
    def of(cls, store: GraphStore, year: str | None = None) -> Choices:
        """The choices for one programme year (default, or when `year` is not in the graph: the newest)."""
        names = Names.of(store)
        year = year if year in names.years else (names.years[-1] if names.years else "")
        areas = names.in_year(year) if names.years else names.focus_areas
        return cls([f.to_json() for f in areas], [a.to_json() for a in names.proposers], names.years, year)
