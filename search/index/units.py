"""Text units: the searchable nodes of the graph, read from the store with SPARQL.

A unit is one node (measure, strategy, goal, plan, imported initiative ...) with
- what a hit shows: IRI, class, label, text;
- what retrieval sees (`index_text`): label and text plus a few fields that help
  retrieval (measure-group title, English labels, aims of plans); chosen on the
  development set (bench/search_quality.py, see README);
- what filters use: focus areas (with their broader areas), actors (rg:proposedBy),
  mentioned organisations/plans/projects, programme years (rg:inProgramme; none for
  curated plans, organisations and imported initiatives, which belong to every year);
- a content hash of everything that goes into the embedding, so that an update
  re-embeds only units whose hash changed.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field

import pyoxigraph as ox

from graph.namespaces import DCTERMS as DCT
from graph.namespaces import RDFS, RG, SKOS

# Classes that become search units, in the order `--type` lists them.
UNIT_TYPES = (
    "Measure", "MeasureGroup", "Strategy", "Challenge", "Goal", "SubGoal",
    "FocusArea", "Initiative", "Project", "Plan",
)

# Literal properties read per unit; the role decides where each ends up.
LITERALS = {
    str(RDFS.label): "label",
    f"{SKOS}prefLabel": "label",
    f"{SKOS}altLabel": "alt",
    f"{DCT}title": "alt",
    str(RG.text): "text",
    f"{DCT}description": "description",
    str(RDFS.comment): "comment",
    f"{SKOS}note": "note",
    str(RG.aim): "aim",
    str(RG.priorityArea): "aim",
    str(RG.theme): "theme",
}
LINKS = {
    str(RG.focusArea): "focus",
    str(RG.proposedBy): "actor",
    str(RG.inGroup): "group",
    str(RG.mentions): "mentions",
    f"{SKOS}broader": "broader",
    str(RG.inProgramme): "programme",
}

# What goes into index_text besides label and text (decided on the dev set, see README).
WITH_GROUP = True  # measure-group title of a measure
WITH_FOCUS = False  # focus-area label of any unit
WITH_ENGLISH = True  # English labels of curated plans/projects (helps English queries)
WITH_MEMBERS = False  # a measure group's index text also lists its members' labels

GRAPH_PRIORITY = ("/graph/curated", "/graph/programme-", "/graph/import/")


@dataclass
class Unit:
    id: str
    type: str
    label: str
    text: str
    index_text: str
    hash: str = ""
    graph: str = ""
    focus_areas: list[str] = field(default_factory=list)  # own areas first, then broader ones
    actors: list[str] = field(default_factory=list)
    mentions: list[str] = field(default_factory=list)
    programmes: list[str] = field(default_factory=list)  # programme years it belongs to; none: every year
    vid: int = -1  # dense-vector id, stable across updates (assigned by the indexer)

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> Unit:
        return cls(**data)


def content_hash(type_: str, index_text: str) -> str:
    return hashlib.sha256(f"{type_}\n{index_text}".encode()).hexdigest()[:20]


def _rows(store: ox.Store, query: str):
    return store.query(query, use_default_graph_as_union=True)


def _values(props) -> str:
    return " ".join(f"<{p}>" for p in props)


class _Literals:
    """All literals of a property role per subject, with language and source graph."""

    def __init__(self):
        self.data: dict[str, dict[str, list[tuple[str, str, str]]]] = {}

    def add(self, s: str, role: str, value: str, lang: str, graph: str) -> None:
        self.data.setdefault(s, {}).setdefault(role, []).append((value, lang, graph))

    def all(self, s: str, role: str, lang: str | None = "nb") -> list[str]:
        vals = self.data.get(s, {}).get(role, [])
        out = [v for v, lg, _ in vals if lang is None or lg in (lang, "")]
        return list(dict.fromkeys(out))

    def best(self, s: str, role: str) -> str:
        """Norwegian (or untagged) value, curated graph first; any language as a last resort."""
        vals = self.data.get(s, {}).get(role, [])
        if not vals:
            return ""

        def rank(item):
            value, lang, graph = item
            lang_rank = 0 if lang in ("nb", "no", "") else 1 if lang == "nn" else 2
            graph_rank = next((i for i, p in enumerate(GRAPH_PRIORITY) if p in graph), len(GRAPH_PRIORITY))
            return (lang_rank, graph_rank, value)

        return min(vals, key=rank)[0]


def load_units(store: ox.Store, types: tuple[str, ...] = UNIT_TYPES) -> list[Unit]:
    """Every node of the given classes, with text, filters and hash; sorted by IRI."""
    classes = " ".join(f"<{RG[t]}>" for t in types)
    typed: dict[str, tuple[str, str]] = {}
    for r in _rows(store, f"""
        SELECT ?s ?cls ?g WHERE {{ GRAPH ?g {{ ?s a ?cls }} VALUES ?cls {{ {classes} }}
          FILTER(isIRI(?s)) FILTER(!STRENDS(STR(?g), "/ontology")) }}"""):
        s, cls, g = r["s"].value, r["cls"].value.rsplit("#", 1)[-1], r["g"].value
        prev = typed.get(s)
        if prev is None or _graph_rank(g) < _graph_rank(prev[1]):
            typed[s] = (cls, g)

    lits = _Literals()
    for r in _rows(store, f"""
        SELECT ?s ?p ?o ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} VALUES ?p {{ {_values(LITERALS)} }}
          FILTER(isLiteral(?o)) FILTER(!STRENDS(STR(?g), "/ontology")) }}"""):
        o = r["o"]
        lits.add(r["s"].value, LITERALS[r["p"].value], o.value, o.language or "", r["g"].value)

    links: dict[str, dict[str, list[str]]] = {}
    for r in _rows(store, f"""
        SELECT DISTINCT ?s ?p ?o WHERE {{ ?s ?p ?o VALUES ?p {{ {_values(LINKS)} }} FILTER(isIRI(?o)) }}"""):
        links.setdefault(r["s"].value, {}).setdefault(LINKS[r["p"].value], []).append(r["o"].value)

    def linked(s: str, role: str) -> list[str]:
        return sorted(set(links.get(s, {}).get(role, [])))

    def with_broader(areas: list[str]) -> list[str]:
        out = list(areas)
        todo = list(areas)
        while todo:
            for b in linked(todo.pop(), "broader"):
                if b not in out:
                    out.append(b)
                    todo.append(b)
        return out

    members: dict[str, list[str]] = {}
    if WITH_MEMBERS:
        for s in sorted(typed):
            for g in linked(s, "group"):
                members.setdefault(g, []).append(lits.best(s, "label"))
    units = []
    for s, (cls, graph) in sorted(typed.items()):
        label = lits.best(s, "label") or s.rsplit("/", 1)[-1]
        text = _display_text(lits, s, cls) or label
        parts = _index_parts(lits, s, cls, label, text)
        if WITH_GROUP:
            parts += [lits.best(g, "label") for g in linked(s, "group")]
        if WITH_FOCUS:
            parts += [lits.best(f, "label") for f in linked(s, "focus")]
        parts += members.get(s, [])
        focus = linked(s, "focus") if cls != "FocusArea" else [s]
        index_text = "\n".join(dict.fromkeys(p.strip() for p in parts if p and p.strip()))
        units.append(Unit(
            id=s, type=cls, label=label, text=text, index_text=index_text,
            hash=content_hash(cls, index_text), graph=graph,
            focus_areas=with_broader(focus), actors=linked(s, "actor"), mentions=linked(s, "mentions"),
            programmes=sorted({p.rsplit("/", 1)[-1] for p in linked(s, "programme")}),
        ))
    return units


def _graph_rank(graph: str) -> int:
    return next((i for i, p in enumerate(GRAPH_PRIORITY) if p in graph), len(GRAPH_PRIORITY))


def _display_text(lits: _Literals, s: str, cls: str) -> str:
    text = lits.best(s, "text")
    if text:
        return text
    # Plans and projects: the document's paragraphs if any, else the curated comment.
    return lits.best(s, "description") or lits.best(s, "comment")


def _index_parts(lits: _Literals, s: str, cls: str, label: str, text: str) -> list[str]:
    parts = []
    if not text.startswith(label.rstrip("…")):
        parts.append(label)
    parts.append(text)
    parts += lits.all(s, "alt")
    parts += lits.all(s, "theme")
    if cls in ("Plan", "Project"):
        parts += [lits.best(s, "comment")] if text != lits.best(s, "comment") else []
        parts += lits.all(s, "aim") + lits.all(s, "note")
        if WITH_ENGLISH:
            parts += lits.all(s, "label", lang="en") + lits.all(s, "alt", lang="en")
    return parts
