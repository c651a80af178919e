"""Duplicates, overlaps and similar nodes as JSON: what the CLI, the API and the inferred graph use.

A NODE is {"id", "type", "label", "text", "actor", "actor_id", "graph"}; `actor` is the
label of rg:proposedBy (the expert group of a measure, the importing organisation of an
initiative). A pair is {"a": NODE, "b": NODE, "score", "kind", "cosine", "semantic",
"lexical", "why"}; see search/overlap.py for the scores and search/explain.py for "why".
"""

from __future__ import annotations

from graph.errors import NotFound, UserError
from graph.iri import expand
from graph.names import Names
from graph.store import GraphStore
from matching import overlap
from matching.clusters import clusters as make_clusters
from matching.explain import GraphFacts, reasons
from search.index.version import SearchIndex

MAX_SIMILAR = 100


class NodeNotFound(NotFound):
    """The node asked for is not in the index (HTTP 404)."""


class Matcher:
    def __init__(self, settings, index: SearchIndex | None = None):
        self.settings = settings
        self.index = index or SearchIndex.load(settings.index_dir)
        self.store = GraphStore(settings.home)
        self.props = overlap.Proposals(self.index)

    # -- names -----------------------------------------------------------------
    def names(self) -> Names:
        return Names.of(self.store)

    def actor_labels(self) -> dict[str, str]:
        """Label of every actor with proposals in the index (for the overlap page's actor choice)."""
        names = self.names()
        return {a: names.actor_label(a) for a in sorted({a for u in self.index.units for a in u.actors})}

    def resolve_actor(self, actor: str | None) -> str | None:
        """An actor given as IRI, key ("nav", "atp"), label or "faggruppe X" -> its IRI."""
        return self.names().actor(actor).id if actor else None

    def resolve_node(self, node: str) -> str:
        """A full IRI, or {kind}/{key} ("measure/2025-4.1-3") under the configured base."""
        iri = expand(self.settings.base_iri, node)
        if iri not in self.index.row_of:
            raise NodeNotFound(f"Fant ikke noden «{node}» i søkeindeksen.")
        return iri

    def node(self, row: int) -> dict:
        u = self.index.units[row]
        actor_id = u.actors[0] if u.actors else None
        return {
            "id": u.id, "type": u.type, "label": u.label, "text": u.text,
            "actor": self.names().actor_label(actor_id) if actor_id else None, "actor_id": actor_id, "graph": u.graph,
        }

    # -- pairs -----------------------------------------------------------------
    def pair_json(self, p: overlap.Pair, facts: GraphFacts | None) -> dict:
        a, b = self.node(p.a), self.node(p.b)
        out = {
            "a": a, "b": b, "score": round(p.score, 4), "kind": p.kind,
            "cosine": round(p.cosine, 4), "semantic": round(p.semantic, 4), "lexical": round(p.lexical, 4),
            "across_actors": not (set(self.index.units[p.a].actors) & set(self.index.units[p.b].actors)),
        }
        if facts is not None:
            ua, ub = self.index.units[p.a], self.index.units[p.b]
            out["why"] = reasons(self.index.lexical.tokenizer, facts, ua.id, overlap.unit_text(ua),
                                 ub.id, overlap.unit_text(ub))
        return out

    def facts(self, rows) -> GraphFacts:
        return GraphFacts(self.store.reader(), self.settings.base_iri, [self.index.units[r].id for r in rows])

    def duplicates(self, across_actors: bool = False, actor: str | None = None, min_score: float | None = None,
                   limit: int | None = None, explain: bool = True) -> list[dict]:
        """Pairs best first (see overlap.find_pairs)."""
        if min_score is not None and not -1.0 <= float(min_score) <= 1.0:
            raise UserError("min_score må være et tall mellom -1 og 1.")
        actor_iri = self.resolve_actor(actor)
        pairs = overlap.find_pairs(self.props, min_score=min_score, actor=actor_iri, across_actors=across_actors)
        if limit is not None:
            pairs = pairs[:limit]
        facts = self.facts([r for p in pairs for r in (p.a, p.b)]) if explain else None
        return [self.pair_json(p, facts) for p in pairs]

    def clusters(self, **kwargs) -> list[dict]:
        return make_clusters(self.duplicates(**kwargs))

    def similar(self, node: str, k: int = 10) -> dict:
        if not isinstance(k, int) or not 1 <= k <= MAX_SIMILAR:
            raise UserError(f"Antall (k) må være et heltall fra 1 til {MAX_SIMILAR}.")
        node_id = self.resolve_node(node)
        row = self.index.row_of[node_id]
        found = overlap.similar_to(self.props, node_id, k)
        facts = self.facts([row] + [p.b for p in found])
        results = []
        for p in found:
            item = self.pair_json(p, facts)
            results.append({**item["b"], "score": item["score"], "kind": item["kind"], "cosine": item["cosine"],
                            "semantic": item["semantic"], "lexical": item["lexical"], "why": item["why"]})
        return {"node": self.node(row), "similar": results}
