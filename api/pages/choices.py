"""What the web pages share: rendering with the page helpers, and the filter choices.

The filter choices (themes = focus areas, actors, types) are read from the current
store generation with SPARQL and cached until the next generation, so a page shows
its form at once, without waiting for the search model to load.
"""

from __future__ import annotations

import re
import threading

from fastapi import Request

from api.pages.html import render, templates
from graph.iri import KINDS, split_iri
from graph.namespaces import RG
from graph.store import GraphStore
from graph.views.describe import class_label

SKOS = "http://www.w3.org/2004/02/skos/core#"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
# Types one can search for, in the order the filter lists them (search/units.py UNIT_TYPES).
SEARCH_TYPES = ("Measure", "Strategy", "Goal", "SubGoal", "Challenge", "MeasureGroup", "FocusArea",
                "Initiative", "Project", "Plan")
_PLURALS = {
    "Measure": "Tiltak", "Strategy": "Strategier", "Goal": "Overordnede mål", "SubGoal": "Delmål",
    "Challenge": "Utfordringer", "MeasureGroup": "Tiltaksgrupper", "FocusArea": "Innsatsområder",
    "Initiative": "Initiativer (importert)", "Project": "Prosjekter", "Plan": "Planer",
}


def type_label(type_name: str | None) -> str:
    return class_label(type_name) or (type_name or "")


def type_plural(type_name: str) -> str:
    return _PLURALS.get(type_name, type_label(type_name))


def kind_of(type_name: str) -> str:
    return KINDS.get(type_name, type_name.lower())


def notation_label(notation: str | None) -> str:
    """"4-p1" -> "4 (del 1)": section 4 has two unnumbered parts."""
    if not notation:
        return ""
    return re.sub(r"-p(\d+)$", r" (del \1)", notation)


# Helpers for every template (the UI pages and the node page's extras).
templates.env.globals.update(type_label=type_label, type_plural=type_plural, notation_label=notation_label,
                             kind_of=kind_of)


def page(request: Request, name: str, context: dict, status_code: int = 200, headers: dict | None = None):
    return render(request, name, context, status_code=status_code, headers=headers)


def doc_path(request: Request, iri: str) -> str | None:
    parts = split_iri(request.app.state.settings.base_iri, iri)
    return f"/doc/{parts[0]}/{parts[1]}" if parts else None


# -- filter choices -------------------------------------------------------------
class Choices:
    """Themes and actors of one store generation."""

    _lock = threading.Lock()
    _cached: tuple[str, Choices] | None = None

    def __init__(self, focus_areas: list[dict], actors: list[dict]):
        self.focus_areas = focus_areas  # {"id", "notation", "label", "depth"}, document order
        self.actors = actors  # {"id", "key", "label", "type"}, expert groups first

    @classmethod
    def of(cls, store: GraphStore) -> Choices:
        reader = store.reader()
        gen = store.generation() or ""
        with cls._lock:
            if cls._cached and cls._cached[0] == gen:
                return cls._cached[1]
        made = cls(_focus_areas(reader), _actors(reader))
        with cls._lock:
            cls._cached = (gen, made)
        return made

    def actor_key(self, iri: str) -> str:
        return iri.rsplit("/", 1)[-1]

    def find_actor(self, key: str | None) -> dict | None:
        if not key:
            return None
        k = key.strip().lower()
        for a in self.actors:
            if k in (a["key"].lower(), a["id"].lower(), a["label"].lower()):
                return a
        return None

    def find_focus_area(self, key: str | None) -> dict | None:
        if not key:
            return None
        k = key.strip().lower()
        for f in self.focus_areas:
            if k in (f["notation"].lower(), f["id"].lower(), f["label"].lower()):
                return f
        return None


def _natural(text: str) -> list:
    return [(0, int(t), "") if t.isdigit() else (1, 0, t) for t in re.split(r"(\d+)", text) if t]


def _best(rows, key: str) -> dict[str, str]:
    out: dict[str, tuple[int, str]] = {}
    for r in rows:
        lit = r[key]
        if lit is None:
            continue
        rank = {"nb": 0, "no": 0, "": 1}.get(lit.language or "", 2)
        s = r["s"].value
        if s not in out or rank < out[s][0]:
            out[s] = (rank, lit.value)
    return {k: v for k, (_, v) in out.items()}


def _focus_areas(reader) -> list[dict]:
    rows = list(reader.query(f"""
        SELECT ?s ?notation ?label WHERE {{
          ?s a <{RG.FocusArea}> .
          OPTIONAL {{ ?s <{SKOS}notation> ?notation }}
          OPTIONAL {{ {{ ?s <{SKOS}prefLabel> ?label }} UNION {{ ?s <{RDFS_LABEL}> ?label }} }}
        }}""", use_default_graph_as_union=True))
    labels = _best(rows, "label")
    notations = {r["s"].value: r["notation"].value for r in rows if r["notation"] is not None}
    out = []
    for s in {r["s"].value for r in rows}:
        n = notations.get(s, "")
        depth = n.count(".") + (1 if "-p" in n else 0)
        out.append({"id": s, "notation": n, "label": labels.get(s, n), "depth": depth})
    return sorted(out, key=lambda f: _natural(f["notation"] or f["label"]))


def _actors(reader) -> list[dict]:
    rows = list(reader.query(f"""
        SELECT DISTINCT ?s ?cls ?label WHERE {{
          ?x <{RG.proposedBy}> ?s .
          OPTIONAL {{ ?s a ?cls FILTER(STRSTARTS(STR(?cls), "{RG}")) }}
          OPTIONAL {{ ?s <{RDFS_LABEL}> ?label }}
        }}""", use_default_graph_as_union=True))
    labels = _best(rows, "label")
    types = {r["s"].value: r["cls"].value[len(str(RG)):] for r in rows if r["cls"] is not None}
    out = [{"id": s, "key": s.rsplit("/", 1)[-1], "label": labels.get(s, s.rsplit("/", 1)[-1]),
            "type": types.get(s, "")} for s in {r["s"].value for r in rows}]
    return sorted(out, key=lambda a: (a["type"] != "ExpertGroup", a["label"].lower()))
