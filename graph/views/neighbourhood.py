"""A node's neighbourhood along the programme's chain: challenge → goal → strategy → measure → project.

    neighbourhood(reader, iri) -> Neighbourhood | None

The chain has layers (columns in a picture):

    0 Challenge   1 Goal, SubGoal   2 Strategy   3 Measure, Initiative   4 Project, Plan, Organisation

and links between neighbouring layers: a challenge motivates a goal or strategy, a strategy
supports a goal, a measure implements a strategy, anything mentions a project, plan or
organisation. From the node we walk left (what it serves) and right (what serves it,
what it names), never turning back, so a measure shows its strategies and their goals but
not every other measure of those strategies. Containers (focus area, measure group,
expert group) start from their members instead. Inferred similarity links
(skos:closeMatch / relatedMatch) of the node itself are included as lateral links.
Each layer keeps at most MAX_PER_LAYER nodes; the rest are counted in `omitted`.
A chain link that only the machine made (an inferred rg:implements, in the graph
{base}/graph/inferred) is marked `inferred` like the similarity links.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from graph.namespaces import RG, SKOS
from graph.views.describe import NodeNames

LAYER = {
    "Challenge": 0, "Goal": 1, "SubGoal": 1, "Strategy": 2, "Measure": 3, "Initiative": 3,
    "Project": 4, "Plan": 4, "Organisation": 4,
}
CONTAINERS = {  # container type -> predicate pointing from member to container
    "FocusArea": str(RG.focusArea),
    "MeasureGroup": str(RG.inGroup),
    "ExpertGroup": str(RG.proposedBy),
}
MAX_PER_LAYER = 10
MAX_RELATED = 5

MOTIVATES, SUPPORTS, IMPLEMENTS, MENTIONS, PROPOSED_BY = (
    str(RG.motivates), str(RG.supports), str(RG.implements), str(RG.mentions), str(RG.proposedBy))
SIMILAR = (f"{SKOS}closeMatch", f"{SKOS}relatedMatch")
INFERRED_GRAPH = "/graph/inferred"  # {base}/graph/inferred: machine-made links (matching/inferred.py)


@dataclass
class Edge:
    left: str  # drawn left ...
    right: str  # ... to right
    predicate: str
    forward: bool  # True: the RDF triple is left -> right; False: right -> left
    inferred: bool = False


@dataclass
class Neighbourhood:
    centre: str
    nodes: dict[str, dict] = field(default_factory=dict)  # iri -> {"id","type","label","layer"}
    edges: list[Edge] = field(default_factory=list)
    omitted: dict[int, int] = field(default_factory=dict)  # layer -> nodes left out

    @property
    def layers(self) -> list[int]:
        return sorted({n["layer"] for n in self.nodes.values()})


class _Walker:
    def __init__(self, reader: ox.Store):
        self.reader = reader
        self.names = NodeNames(reader)

    def objects(self, s: str, p: str) -> list[str]:
        return [q.object.value for q in self.reader.quads_for_pattern(ox.NamedNode(s), ox.NamedNode(p), None, None)
                if isinstance(q.object, ox.NamedNode)]

    def subjects(self, p: str, o: str) -> list[str]:
        return [q.subject.value for q in self.reader.quads_for_pattern(None, ox.NamedNode(p), ox.NamedNode(o), None)
                if isinstance(q.subject, ox.NamedNode)]

    def type_of(self, iri: str) -> str | None:
        return self.names(iri)["type"]

    def left(self, n: str) -> list[Edge]:
        """Links to the layer on the left: what `n` serves."""
        t = self.type_of(n)
        out: list[Edge] = []
        if t in ("Goal", "SubGoal"):
            out += [Edge(c, n, MOTIVATES, True) for c in self.subjects(MOTIVATES, n)]
        elif t == "Strategy":
            out += [Edge(g, n, SUPPORTS, False) for g in self.objects(n, SUPPORTS)]
            out += [Edge(c, n, MOTIVATES, True) for c in self.subjects(MOTIVATES, n)]
        elif t in ("Measure", "Initiative"):
            out += [Edge(s, n, IMPLEMENTS, False) for s in self.objects(n, IMPLEMENTS)]
        elif t in ("Project", "Plan", "Organisation"):
            out += [Edge(x, n, MENTIONS, True) for x in self.subjects(MENTIONS, n)]
            if t == "Organisation":
                out += [Edge(i, n, PROPOSED_BY, True) for i in self.subjects(PROPOSED_BY, n)
                        if self.type_of(i) == "Initiative"]
        return [e for e in out if self.type_of(e.left) in LAYER and LAYER[self.type_of(e.left)] < LAYER[t]]

    def right(self, n: str) -> list[Edge]:
        """Links to the layer on the right: what serves `n`, and what it names."""
        t = self.type_of(n)
        out: list[Edge] = []
        if t == "Challenge":
            out += [Edge(n, x, MOTIVATES, True) for x in self.objects(n, MOTIVATES)]
        elif t in ("Goal", "SubGoal"):
            out += [Edge(n, s, SUPPORTS, False) for s in self.subjects(SUPPORTS, n)]
        elif t == "Strategy":
            out += [Edge(n, m, IMPLEMENTS, False) for m in self.subjects(IMPLEMENTS, n)]
        if t in LAYER and LAYER[t] < 4:
            out += [Edge(n, p, MENTIONS, True) for p in self.objects(n, MENTIONS)]
        return [e for e in out if self.type_of(e.right) in LAYER and LAYER[self.type_of(e.right)] > LAYER.get(t, 9)]


def neighbourhood(reader: ox.Store, iri: str) -> Neighbourhood | None:
    """The node's neighbourhood (see the module docstring), or None for nodes outside the chain."""
    w = _Walker(reader)
    t = w.type_of(iri)
    if t in LAYER:
        seeds = [iri]
    elif t in CONTAINERS:
        seeds = [m for m in w.subjects(CONTAINERS[t], iri) if w.type_of(m) in LAYER]
        if not seeds:
            return None
    else:
        return None
    hood = Neighbourhood(centre=iri)
    edges: dict[tuple[str, str, str], Edge] = {}

    def add(node: str) -> bool:
        if node in hood.nodes:
            return True
        info = w.names(node)
        layer = LAYER[info["type"]]
        if sum(1 for n in hood.nodes.values() if n["layer"] == layer) >= MAX_PER_LAYER:
            hood.omitted[layer] = hood.omitted.get(layer, 0) + 1
            return False
        hood.nodes[node] = {**info, "layer": layer}
        return True

    seeds = sorted(seeds, key=lambda s: (LAYER[w.type_of(s)], s))
    for s in seeds:
        add(s)
    for direction in ("left", "right"):
        todo = [s for s in seeds if s in hood.nodes]
        seen = set(todo)
        while todo:
            n = todo.pop(0)
            for e in sorted(getattr(w, direction)(n), key=lambda e: (e.left, e.right)):
                other = e.left if direction == "left" else e.right
                if not add(other):
                    continue
                edges.setdefault((e.left, e.right, e.predicate), e)
                if other not in seen:
                    seen.add(other)
                    todo.append(other)
    if t in ("Measure", "Initiative"):
        related = []
        for p in SIMILAR:
            related += [(o, p) for o in w.objects(iri, p)] + [(s, p) for s in w.subjects(p, iri)]
        for other, p in related[:MAX_RELATED]:
            if other != iri and w.type_of(other) in ("Measure", "Initiative") and add(other):
                key = tuple(sorted((iri, other))) + (p,)
                edges.setdefault(key, Edge(iri, other, p, True, inferred=True))
    hood.edges = [e for e in edges.values() if e.left in hood.nodes and e.right in hood.nodes]
    for e in hood.edges:
        if not e.inferred:
            s, o = (e.left, e.right) if e.forward else (e.right, e.left)
            graphs = {getattr(q.graph_name, "value", "") for q in reader.quads_for_pattern(
                ox.NamedNode(s), ox.NamedNode(e.predicate), ox.NamedNode(o), None)}
            e.inferred = bool(graphs) and all(g.endswith(INFERRED_GRAPH) for g in graphs)
    return hood
