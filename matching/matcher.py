"""Duplicates, overlaps and similar nodes as JSON: what the CLI, the API and the inferred graph use.

A NODE is {"id", "type", "label", "text", "actor", "actor_id", "graph"}; `actor` is the
label of rg:proposedBy (the expert group of a measure, the importing organisation of an
initiative; null for a node nobody proposed, such as a strategy or a plan). A pair is
{"a": NODE, "b": NODE, "score", "confidence", "kind", "weak", "features", "semantic", "lexical",
"cosine", "across_actors", "why"}: `score` IS the calibrated `confidence` (the estimated
probability that staff would call the pair worth coordinating, matching/confidence.py), the
same number wherever the pair appears; `kind` is duplicate | overlap | related and `weak` is
true exactly for `related` (below the overlap cut); `features` are the model's inputs
(matching/features.py); "why" (matching/explain.py) adds the shared words, the shared place
in the graph and what pushed the confidence up or down. See matching/overlap.py.

This is the seam for staff reviews: `duplicates` and `similar` return these pair dicts, best
first, and a review layer may filter or confirm them afterwards.
"""

from __future__ import annotations

import threading

import numpy as np

from graph.errors import NotFound, UserError
from graph.iri import CLASS_OF_KIND
from graph.store import GraphStore
from matching import overlap
from matching.clusters import clusters as make_clusters
from matching.confidence import load_calibrator
from matching.explain import GraphFacts, evidence, reasons
from matching.features import NAMES
from search.index.version import SearchIndex

RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
MAX_SIMILAR = 100


class NodeNotFound(NotFound):
    """The node asked for is not in the index (HTTP 404)."""


class Matcher:
    def __init__(self, settings, index: SearchIndex | None = None):
        self.settings = settings
        self.index = index or SearchIndex.load(settings.index_dir)
        self.store = GraphStore(settings.home)
        self.com = overlap.Commitments(self.index, load_calibrator(settings))
        self._actor_labels: dict[str, str] | None = None
        self._lock = threading.Lock()

    # -- names -----------------------------------------------------------------
    def actor_labels(self) -> dict[str, str]:
        with self._lock:
            if self._actor_labels is None:
                actors = sorted({a for u in self.index.units for a in u.actors})
                labels: dict[str, str] = {}
                if actors:
                    values = " ".join(f"<{a}>" for a in actors)
                    rows = self.store.reader().query(
                        f"""SELECT ?a ?l WHERE {{ VALUES ?a {{ {values} }} ?a <{RDFS_LABEL}> ?l
                            FILTER(LANG(?l) IN ("nb", "")) }}""", use_default_graph_as_union=True)
                    for r in rows:
                        labels.setdefault(r["a"].value, r["l"].value)
                self._actor_labels = {a: labels.get(a, a.rsplit("/", 1)[-1]) for a in actors}
            return self._actor_labels

    def resolve_actor(self, actor: str | None) -> str | None:
        """An actor given as IRI, key ("nav", "atp") or label -> its IRI."""
        if not actor:
            return None
        key = " ".join(str(actor).split()).casefold()
        for iri, label in self.actor_labels().items():
            short = iri.rsplit("/", 1)[-1].casefold()
            if key in (iri.casefold(), short, label.casefold()) or key == f"faggruppe {short}":
                return iri
        known = ", ".join(sorted(set(self.actor_labels().values())))
        raise UserError(f"Ukjent aktør «{actor}». Kjente aktører: {known}.")

    def resolve_node(self, node: str) -> str:
        """A full IRI, or {kind}/{key} ("measure/2025-4.1-3") under the configured base."""
        node = str(node).strip()
        candidates = [node]
        if not node.startswith(("http://", "https://")):
            candidates.append(f"{self.settings.base_iri}/id/{node.lstrip('/')}")
        for c in candidates:
            if c in self.index.row_of:
                return c
        kind = node.split("/", 1)[0] if "/" in node and not node.startswith("http") else None
        hint = "" if kind is None or kind in CLASS_OF_KIND else f" (ukjent nodetype «{kind}»)"
        raise NodeNotFound(f"Fant ikke noden «{node}» i søkeindeksen{hint}.")

    def node(self, row: int) -> dict:
        u = self.index.units[row]
        labels = self.actor_labels()
        actor_id = u.actors[0] if u.actors else None
        return {
            "id": u.id, "type": u.type, "label": u.label, "text": u.text,
            "actor": labels.get(actor_id) if actor_id else None, "actor_id": actor_id, "graph": u.graph,
        }

    # -- pairs -----------------------------------------------------------------
    def pair_json(self, p: overlap.Pair, facts: GraphFacts | None) -> dict:
        a, b = self.node(p.a), self.node(p.b)
        vecs = self.index.vectors
        out = {
            "a": a, "b": b, "score": round(p.confidence, 4), "confidence": round(p.confidence, 4),
            "kind": p.kind, "weak": p.weak,
            "semantic": round(p.feature("semantic"), 4), "lexical": round(p.feature("shared_terms"), 4),
            "cosine": round(float(vecs[p.a] @ vecs[p.b]), 4),
            "features": {n: round(float(v), 4) for n, v in zip(NAMES, p.features, strict=True)},
            "across_actors": bool(self.com.across(np.array([p.a]), np.array([p.b]))[0]),
        }
        if facts is not None:
            ua, ub = self.index.units[p.a], self.index.units[p.b]
            out["why"] = reasons(self.index.lexical.tokenizer, facts, ua.id, overlap.unit_text(ua),
                                 ub.id, overlap.unit_text(ub))
            out["why"]["evidence"] = evidence(self.com.calibrator, p.features)
        return out

    def facts(self, rows) -> GraphFacts:
        return GraphFacts(self.store.reader(), self.settings.base_iri, [self.index.units[r].id for r in rows])

    def duplicates(self, across_actors: bool = False, actor: str | None = None, min_score: float | None = None,
                   limit: int | None = None, explain: bool = True) -> list[dict]:
        """Pairs best first (see overlap.find_pairs). `min_score` is a confidence (0-1); without it
        the overlap cut applies, below it pairs are listed as weak "related"."""
        if min_score is not None and not -1.0 <= float(min_score) <= 1.0:
            raise UserError("min_score må være et tall mellom 0 og 1.")
        actor_iri = self.resolve_actor(actor)
        pairs = overlap.find_pairs(self.com, min_confidence=min_score, actor=actor_iri, across_actors=across_actors)
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
        found = overlap.similar_to(self.com, node_id, k)
        facts = self.facts([row] + [p.b for p in found])
        results = []
        for p in found:
            item = self.pair_json(p, facts)
            results.append({**item["b"], **{key: item[key] for key in (
                "score", "confidence", "kind", "weak", "semantic", "lexical", "cosine", "features", "why")}})
        return {"node": self.node(row), "similar": results}
