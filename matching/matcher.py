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

Staff decisions (graph/reviews.py) are applied last, to what scoring proposed
(matching/reviews.py): `duplicates` and `similar` are the scored lists (`scored_duplicates`,
`scored_similar`) with rejected pairs dropped and accepted pairs confirmed.
"""

from __future__ import annotations

import threading

import numpy as np

from graph.errors import NotFound, UserError
from graph.iri import expand
from graph.names import Names
from graph.reviews import read_reviews
from graph.store import open_store
from graph.years import resolve_year
from matching import overlap, years
from matching.clusters import clusters as make_clusters
from matching.confidence import load_calibrator
from matching.explain import GraphFacts, evidence, reasons
from matching.features import NAMES
from matching.reviews import Decisions
from search.index.version import SearchIndex

MAX_SIMILAR = 100


class NodeNotFound(NotFound):
    """The node asked for is not in the index (HTTP 404)."""


class Matcher:
    def __init__(self, settings, index: SearchIndex | None = None):
        self.settings = settings
        self.index = index or SearchIndex.load(settings.index_dir)
        self.store = open_store(settings)
        self.all_com = overlap.Commitments(self.index, load_calibrator(settings))
        self._by_year: dict[str | None, overlap.Commitments] = {}
        self.com = self.commitments()  # the newest programme year's (matching/years.py)
        self._decisions: tuple[str | None, Decisions] | None = None
        self._lock = threading.Lock()

    def commitments(self, programme: str | None = None) -> overlap.Commitments:
        """The commitments of one programme year (default: the newest) and of no year: pairs are never
        made across years, since a measure and its own predecessor are lineage, not duplicates."""
        year = self.year(programme)
        if year not in self._by_year:
            self._by_year[year] = years.in_year(self.all_com, year)
        return self._by_year[year]

    def year(self, programme: str | None = None) -> str | None:
        """The programme year asked for (checked), the newest if none; None with one year only."""
        return resolve_year(self.store.reader(), programme) if len(self.index.years) > 1 or programme else None

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

    def scored_duplicates(self, across_actors: bool = False, actor: str | None = None,
                          min_score: float | None = None, limit: int | None = None,
                          explain: bool = True, programme: str | None = None) -> list[dict]:
        """Pairs best first, as scored (see overlap.find_pairs); no staff decisions applied.
        `min_score` is a confidence (0-1); without it the overlap cut applies, and below it pairs
        are listed as weak "related". Pairs of one programme year (default: the newest)."""
        if min_score is not None and not -1.0 <= float(min_score) <= 1.0:
            raise UserError("min_score må være en sikkerhet mellom 0 og 1 (under 0: alle kandidater).")
        actor_iri = self.resolve_actor(actor)
        pairs = overlap.find_pairs(self.commitments(programme), min_confidence=min_score, actor=actor_iri,
                                   across_actors=across_actors)
        if limit is not None:
            pairs = pairs[:limit]
        facts = self.facts([r for p in pairs for r in (p.a, p.b)]) if explain else None
        return [self.pair_json(p, facts) for p in pairs]

    def clusters(self, **kwargs) -> list[dict]:
        return make_clusters(self.duplicates(**kwargs))

    def scored_similar(self, node: str, k: int = 10) -> dict:
        """The k nearest commitments of other actors, as scored; no staff decisions applied."""
        if not isinstance(k, int) or not 1 <= k <= MAX_SIMILAR:
            raise UserError(f"Antall (k) må være et heltall fra 1 til {MAX_SIMILAR}.")
        node_id = self.resolve_node(node)
        row = self.index.row_of[node_id]
        found = overlap.similar_to(self.commitments(years.unit_year(self.index.units[row])), node_id, k)
        facts = self.facts([row] + [p.b for p in found])
        results = []
        for p in found:
            item = self.pair_json(p, facts)
            results.append({**item["b"], **{key: item[key] for key in (
                "score", "confidence", "kind", "weak", "semantic", "lexical", "cosine", "features", "why")}})
        return {"node": self.node(row), "similar": results}

    # -- staff decisions, applied after scoring (matching/reviews.py) ---------------------
    def decisions(self) -> Decisions:
        """The decisions in the current store generation (read once per generation)."""
        gen = self.store.generation()
        with self._lock:
            if self._decisions is not None and self._decisions[0] == gen:
                return self._decisions[1]
        made = Decisions(read_reviews(self.store.reader(), self.settings.base_iri))
        with self._lock:
            self._decisions = (gen, made)
        return made

    def pair_between(self, a: str, b: str, explain: bool = True) -> dict | None:
        """The pair dict for two given nodes, scored like any other; None if one is not in the index."""
        i, j = self.index.row_of.get(a), self.index.row_of.get(b)
        if i is None or j is None or i == j:
            return None
        units = self.index.units
        com = self.commitments(years.unit_year(units[i]) or years.unit_year(units[j]))
        pair = overlap._ordered(com.score(np.array([i]), np.array([j]))[0], units)
        return self.pair_json(pair, self.facts([i, j]) if explain else None)

    def _fits(self, a: str, b: str, actor_iri: str | None, across_actors: bool, year: str | None = None) -> bool:
        ua, ub = self.index.units[self.index.row_of[a]], self.index.units[self.index.row_of[b]]
        if actor_iri and actor_iri not in ua.actors and actor_iri not in ub.actors:
            return False
        if year and any(u.programmes and year not in u.programmes for u in (ua, ub)):
            return False  # a confirmed pair of another programme year
        return not (across_actors and set(ua.actors) & set(ub.actors))

    def duplicates(self, across_actors: bool = False, actor: str | None = None, min_score: float | None = None,
                   limit: int | None = None, explain: bool = True, include_rejected: bool = False,
                   programme: str | None = None) -> list[dict]:
        """Pairs best first, staff decisions applied: confirmed pairs first (also those the model
        did not propose), rejected pairs left out unless `include_rejected`."""
        decisions = self.decisions()
        actor_iri = self.resolve_actor(actor)
        # Ask scoring for as many more as rejection can remove, so that `limit` still holds.
        wanted = None if limit is None else limit + (0 if include_rejected else decisions.rejected_count)
        pairs = self.scored_duplicates(across_actors=across_actors, actor=actor_iri, min_score=min_score,
                                       limit=wanted, explain=explain, programme=programme)
        missing = []
        year = self.year(programme)
        for r in decisions.unlisted_accepted([(p["a"]["id"], p["b"]["id"]) for p in pairs]):
            if r.a in self.index.row_of and r.b in self.index.row_of and self._fits(r.a, r.b, actor_iri,
                                                                                     across_actors, year):
                pair = self.pair_between(r.a, r.b, explain)
                if pair is not None:
                    missing.append(pair)
        out = decisions.apply_to_pairs(pairs, include_rejected, missing)
        return out if limit is None else out[:limit]

    def similar(self, node: str, k: int = 10, include_rejected: bool = False) -> dict:
        """The k nearest proposals of other actors, staff decisions applied (see duplicates)."""
        if not isinstance(k, int) or not 1 <= k <= MAX_SIMILAR:
            raise UserError(f"Antall (k) må være et heltall fra 1 til {MAX_SIMILAR}.")
        node_id = self.resolve_node(node)
        decisions = self.decisions()
        rejected = sum(1 for r in decisions.involving(node_id) if r.decision == "reject")
        found = self.scored_similar(node_id, k=min(MAX_SIMILAR, k + (0 if include_rejected else rejected)))
        missing = []
        for r in decisions.unlisted_accepted([(node_id, s["id"]) for s in found["similar"]], node=node_id):
            other = r.b if r.a == node_id else r.a
            pair = self.pair_between(node_id, other)
            if pair is not None:
                side = pair["b"] if pair["b"]["id"] == other else pair["a"]
                missing.append({**side, **{key: pair[key] for key in pair if key not in ("a", "b", "across_actors")}})
        found["similar"] = decisions.apply_to_similar(node_id, found["similar"], include_rejected, missing)[:k]
        return found
