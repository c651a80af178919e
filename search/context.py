"""Where a hit sits in the graph: its focus area, measure group, expert group or actor, and
the goals, strategies, challenges, measures, projects, plans and organisations it links to,
each with its label, so that a reader needs no second query.

Read with a few SPARQL queries per result page (VALUES over the hits) from the current
store generation, and cached per generation: a new build or import empties the cache.
"""

from __future__ import annotations

import threading
from collections import ChainMap, OrderedDict

import pyoxigraph as ox

from graph.namespaces import DCTERMS as DCT
from graph.namespaces import RDFS, RG, SCHEMA, SKOS

# predicate -> (name of the relation seen from the subject, seen from the object)
RELATIONS = {
    str(RG.implements): ("implements", "implemented_by"),
    str(RG.supports): ("supports", "supported_by"),
    str(RG.motivates): ("motivates", "motivated_by"),
    str(RG.mentions): ("mentions", "mentioned_by"),
    f"{SKOS}closeMatch": ("close_match", "close_match"),
    f"{SKOS}relatedMatch": ("related_match", "related_match"),
    f"{DCT}isPartOf": ("part_of", "has_part"),
    f"{SKOS}member": ("has_member", "member_of"),
    str(RG.leadPartner): ("lead_partner", "lead_partner_of"),
    f"{SCHEMA}funder": ("funder", "funds"),
}
# class of the linked node -> list in the context
LISTS = {
    "Goal": "goals", "SubGoal": "goals", "Strategy": "strategies", "Challenge": "challenges",
    "Measure": "measures", "Initiative": "measures", "Project": "projects", "Plan": "plans",
    "Organisation": "organisations",
}
LIST_NAMES = ("goals", "strategies", "challenges", "measures", "projects", "plans", "organisations", "related")
MAX_PER_LIST = 20
CACHE_SIZE = 5000


def _values(iris) -> str:
    return " ".join(f"<{i}>" for i in iris)


def _local(iri: str) -> str:
    return iri.rsplit("#", 1)[-1]


class ContextReader:
    def __init__(self):
        self._cache: OrderedDict[tuple[str, str], dict] = OrderedDict()
        self._goals: tuple[str, dict] | None = None  # (generation, goals per focus area)
        self._lock = threading.Lock()

    def contexts(self, store: ox.Store, generation: str, hits: list[str],
                 names: dict[str, dict] | None = None) -> dict[str, dict]:
        """Context per hit IRI (cached per store generation); `names` as for read_contexts."""
        out, missing = {}, []
        with self._lock:
            for iri in hits:
                ctx = self._cache.get((generation, iri))
                if ctx is None:
                    missing.append(iri)
                else:
                    self._cache.move_to_end((generation, iri))
                    out[iri] = ctx
        if missing:
            if self._goals is None or self._goals[0] != generation:
                self._goals = (generation, area_goals(store))
            fresh = read_contexts(store, missing, self._goals[1], names)
            with self._lock:
                for iri, ctx in fresh.items():
                    self._cache[(generation, iri)] = ctx
                    out[iri] = ctx
                # Old generations go first: drop whatever is not this generation, then the oldest.
                for key in [k for k in self._cache if k[0] != generation]:
                    del self._cache[key]
                while len(self._cache) > CACHE_SIZE:
                    self._cache.popitem(last=False)
        return out


def _labels(rows) -> dict[str, str]:
    """Best label per node from rows with ?n, ?label and ?lg (its graph): Norwegian or untagged,
    the curated graph's name before the parsed document's."""
    best: dict[str, tuple[int, int, str]] = {}
    for r in rows:
        lab = r["label"]
        if lab is None:
            continue
        lang = lab.language or ""
        rank = 0 if lang in ("nb", "no", "") else 1 if lang == "nn" else 2
        graph = r["lg"]
        curated = 0 if graph is not None and graph.value.endswith("/graph/curated") else 1
        key = r["n"].value
        if key not in best or (rank, curated, lab.value) < best[key]:
            best[key] = (rank, curated, lab.value)
    return {k: v for k, (_, _, v) in best.items()}


def _query(store: ox.Store, q: str):
    return list(store.query(q, use_default_graph_as_union=True))


def area_goals(store: ox.Store) -> dict[str, list[dict]]:
    """Goals and sub-goals per focus area, counting those of its parts (4 has 4-p1 and 4-p2)."""
    rows = _query(store, f"""
        SELECT ?fa ?n ?cls ?label WHERE {{
          VALUES ?cls {{ <{RG.Goal}> <{RG.SubGoal}> }}
          ?n a ?cls .
          {{ ?n <{RG.focusArea}> ?fa }} UNION {{ ?n <{RG.focusArea}>/<{SKOS}broader> ?fa }}
          OPTIONAL {{ GRAPH ?lg {{ ?n <{RDFS.label}> ?label }} }}
        }}""")
    labels = _labels(rows)
    out: dict[str, list[dict]] = {}
    for r in rows:
        fa, n = r["fa"].value, r["n"].value
        if not any(g["id"] == n for g in out.get(fa, [])):
            out.setdefault(fa, []).append({"id": n, "type": _local(r["cls"].value), "label": labels.get(n, "")})
    for goals in out.values():
        goals.sort(key=lambda g: g["id"])
    return out


def node_names(store: ox.Store, iris) -> dict[str, dict]:
    """{"type", "label", "notation"} of nodes, read from the store."""
    if not iris:
        return {}
    rows = _query(store, f"""
        SELECT ?n ?cls ?label ?lg ?notation WHERE {{
          VALUES ?n {{ {_values(iris)} }}
          OPTIONAL {{ ?n a ?cls FILTER(STRSTARTS(STR(?cls), "{RG}")) }}
          OPTIONAL {{ GRAPH ?lg {{ ?n <{RDFS.label}> ?label }} }}
          OPTIONAL {{ ?n <{SKOS}notation> ?notation }}
        }}""")
    labels = _labels(rows)
    out: dict[str, dict] = {}
    for r in rows:
        n = r["n"].value
        entry = out.setdefault(n, {"type": None, "label": labels.get(n, ""), "notation": None})
        if r["cls"] is not None and entry["type"] is None:
            entry["type"] = _local(r["cls"].value)
        if r["notation"] is not None and entry["notation"] is None:
            entry["notation"] = r["notation"].value
    return out


def read_contexts(store: ox.Store, iris: list[str], area_goals_cache: dict | None = None,
                  names: dict[str, dict] | None = None) -> dict[str, dict]:
    """Context per IRI. `names` (id -> type/label/notation, e.g. from the search index) saves
    looking up the labels of linked nodes; whatever it lacks is read from the store."""
    vals = _values(iris)
    ctx = {i: _empty() for i in iris}
    structure = _query(store, f"""
        SELECT ?s ?role ?n WHERE {{
          VALUES ?s {{ {vals} }}
          {{ ?s <{RG.focusArea}> ?n . BIND("focus" AS ?role) }}
          UNION {{ ?s <{RG.focusArea}>/<{SKOS}broader> ?n . BIND("parent" AS ?role) }}
          UNION {{ ?s a <{RG.FocusArea}> ; <{SKOS}broader> ?n . BIND("parent" AS ?role) }}
          UNION {{ ?s <{RG.inGroup}> ?n . BIND("group" AS ?role) }}
          UNION {{ ?s <{RG.proposedBy}> ?n . BIND("actor" AS ?role) }}
        }}""")
    preds = _values(RELATIONS)
    links = _query(store, f"""
        SELECT ?s ?p ?dir ?n WHERE {{
          VALUES ?s {{ {vals} }}
          {{ ?s ?p ?n . VALUES ?p {{ {preds} }} BIND("out" AS ?dir) }}
          UNION {{ ?n ?p ?s . VALUES ?p {{ {preds} }} BIND("in" AS ?dir) }}
          UNION {{ ?s <{RG.implements}>/<{RG.supports}> ?n . BIND(<{RG.supports}> AS ?p) BIND("via" AS ?dir) }}
          FILTER(isIRI(?n))
        }}""")
    known = names or {}
    missing = sorted({r["n"].value for r in structure + links if r["n"].value not in known})
    names = ChainMap(node_names(store, missing), known)  # no copy of a large `names`

    # Focus area (and its broader area), measure group, proposer.
    for r in structure:
        s, role, n = r["s"].value, r["role"].value, r["n"].value
        info = names.get(n, {})
        node = {"id": n, "label": info.get("label", "")}
        c = ctx[s]
        if role in ("focus", "parent"):
            key = "focus_area" if role == "focus" else "parent_focus_area"
            node["notation"] = info.get("notation")
            if c[key] is None or (node["notation"] and c[key].get("notation") is None):
                c[key] = node
        elif role == "group":
            c["measure_group"] = node
        elif role == "actor":
            c["actor"] = {**node, "type": info.get("type")}
            if info.get("type") == "ExpertGroup":
                c["expert_group"] = node
    for c in ctx.values():
        # A focus area hit shows its broader area as its place.
        if c["focus_area"] is None and c["parent_focus_area"] is not None:
            c["focus_area"], c["parent_focus_area"] = c["parent_focus_area"], None

    # Direct links both ways, plus goals reached through an implemented strategy.
    for r in links:
        s, n, p, d = r["s"].value, r["n"].value, r["p"].value, r["dir"].value
        info = names.get(n, {})
        cls = info.get("type")
        rel = {"out": RELATIONS[p][0], "in": RELATIONS[p][1], "via": "via_strategy"}[d]
        key = "related" if p in (f"{SKOS}closeMatch", f"{SKOS}relatedMatch") else LISTS.get(cls)
        if key is None or n == s:
            continue
        _append(ctx[s][key], {"id": n, "type": cls, "label": info.get("label", ""), "relation": rel})

    # Goals and sub-goals of the hit's focus area (and its parts): what the hit works towards.
    goals = area_goals(store) if area_goals_cache is None else area_goals_cache
    for s, c in ctx.items():
        areas = [c["focus_area"]["id"]] if c["focus_area"] else []
        if s in goals:  # a focus area hit: the goals of the area itself
            areas = [s]
        for area in areas:
            for goal in goals.get(area, []):
                if goal["id"] != s:
                    _append(c["goals"], {**goal, "relation": "same_focus_area"})
    for c in ctx.values():
        for key in LIST_NAMES:
            c[key].sort(key=lambda x: (x["relation"] == "same_focus_area", x["id"]))
    return ctx


def _append(items: list[dict], item: dict) -> None:
    if len(items) < MAX_PER_LIST and not any(i["id"] == item["id"] for i in items):
        items.append(item)


def _empty() -> dict:
    return {
        "focus_area": None, "parent_focus_area": None, "measure_group": None,
        "expert_group": None, "actor": None,
        **{k: [] for k in LIST_NAMES},
    }
