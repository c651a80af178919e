"""Hybrid search over the graph: dense + BM25, fused, with graph context and filters.

`Searcher.load(settings)` opens the indexes and the model once; `search()` answers one
query and notices when `regiongraf build` or an import has written a newer index.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass

import numpy as np

from graph.errors import UserError
from graph.names import Names, node_type
from graph.store import open_store
from graph.years import resolve_year, year_of
from search import fusion
from search.confidence import HitConfidence, hit_features, query_signals
from search.context import ContextReader
from search.embedding.backend import load_embedder
from search.index.lexical import QueryTerms
from search.index.units import UNIT_TYPES
from search.index.version import SearchIndex, current_version
from search.query_intent import BOOST, Intent

MAX_QUERY_CHARS = 2000
MAX_K = 100
DEPTH = 100  # candidates taken from each retriever before fusion
EXACT_SUBSET = 5_000  # with an IVF index, a filter leaving this few units is scored exactly
CONFIDENCE_DEPTH = 30  # candidates given a confidence (and reordered by it, with RERANK)
RERANK = True  # order the best candidates by confidence (decided on the dev set)
COVERS = True  # a name also stands for what it publishes, funds or leads (decided on the dev set)
NAME_FALLBACK = True  # a name that covers nothing searchable lifts instead of filtering to nothing
# Headings (a measure group's title, a focus area without prose) are a few words long, and a
# short passage sits close to any short query in the dense space; without this prior they
# crowd out the measures under them. Factor on the fused score, chosen on the dev set.
TYPE_PRIOR: dict[str, float] = {"MeasureGroup": 0.8, "FocusArea": 0.8}
# Control and format characters, and lone surrogates (which the model's tokenizer rejects).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ud800-\udfff]")


def clean_query(query) -> str:
    """The query as searched: control characters removed, whitespace collapsed; or UserError."""
    if not isinstance(query, str):
        raise UserError("Søket må være tekst.")
    if len(query) > MAX_QUERY_CHARS:
        raise UserError(f"Søket er for langt ({len(query)} tegn); bruk høyst {MAX_QUERY_CHARS} tegn.")
    text = unicodedata.normalize("NFC", _CONTROL.sub(" ", query))
    text = " ".join(text.split())
    if not any(ch.isalnum() for ch in text):
        raise UserError("Tomt søk: skriv inn minst ett ord.")
    return text


@dataclass
class Candidates:
    """One query's candidates (row, scores) best first, and what shaped them."""

    query: str  # as searched (cleaned)
    index: SearchIndex
    retrieval_query: str  # without the actor names taken out of it
    mode: str
    applied: list[dict]
    boosts: dict[int, tuple[float, list[str]]]
    named: np.ndarray  # rows a name in the query filtered to or lifted
    name_filter: bool  # the query is nothing but names: `named` is a filter, not a boost
    scored: list[tuple[int, dict]]
    terms: QueryTerms
    qv: np.ndarray | None


class Searcher:
    def __init__(self, settings, embedder, index: SearchIndex, confidence: HitConfidence | None = None):
        self.settings = settings
        self.embedder = embedder
        self.index = index
        self.store = open_store(settings)
        self.contexts = ContextReader()
        self.confidence = confidence or HitConfidence.load()
        self._lock = threading.Lock()
        self._check_model()

    @classmethod
    def load(cls, settings, embedder=None, confidence: HitConfidence | None = None) -> Searcher:
        index = SearchIndex.load(settings.index_dir)
        if embedder is None:
            embedder = load_embedder(settings)
        return cls(settings, embedder, index, confidence)

    def _check_model(self) -> None:
        if self.index.model != self.embedder.name or self.index.manifest["dim"] != self.embedder.dim:
            raise UserError(
                f"Søkeindeksen er laget med modellen «{self.index.model}», men modellen som er valgt er "
                f"«{self.embedder.name}». Kjør 'regiongraf build' på nytt."
            )

    def refresh(self) -> SearchIndex:
        """Switch to a newer index version if one has been written since the last call."""
        latest = current_version(self.settings.index_dir)
        if latest and latest != self.index.version:
            with self._lock:
                if latest != self.index.version:
                    self.index = SearchIndex.load(self.settings.index_dir, latest)
                    self._check_model()
        return self.index

    # -- validation of filters -------------------------------------------------
    def resolve_types(self, types) -> set[str] | None:
        """Type filters as class names, IRI kinds or Norwegian labels -> class names."""
        return {node_type(str(t), UNIT_TYPES) for t in types} if types else None

    def resolve_actor(self, actor: str | None, index: SearchIndex | None = None) -> str | None:
        """An actor filter given as name, key, IRI or "faggruppe X" -> its IRI (graph/names.py)."""
        return Names.of(self.store).actor(actor).id if actor else None

    def resolve_focus_area(self, focus: str | None, index: SearchIndex | None = None,
                           programme: str | None = None) -> str | None:
        """A theme filter given as notation (5.4), name, key or IRI -> its IRI (graph/names.py); a
        notation or name means that theme in the programme year searched (default: the newest)."""
        return Names.of(self.store).focus_area(focus, programme).id if focus else None

    def resolve_programme(self, programme: str | int | None) -> str | None:
        """The programme year to search: the one given (checked), else the newest."""
        return resolve_year(self.store.reader(), programme)

    # -- search ----------------------------------------------------------------
    def search(self, query: str, k: int = 10, types=None, focus_area: str | None = None,
               actor: str | None = None, intent: bool = True, programme: str | None = None) -> list[dict]:
        return self.search_with_meta(query, k, types, focus_area, actor, intent, programme=programme)["hits"]

    def search_with_meta(self, query: str, k: int = 10, types=None, focus_area: str | None = None,
                         actor: str | None = None, intent: bool = True, mode: str = "hybrid",
                         programme: str | None = None) -> dict:
        """{"query", "hits", "applied"}: hits best first; `applied` lists filters and boosts used.
        Every hit has a `confidence` in [0, 1] and is `weak` below the model's cut. With several
        programme years, only the `programme` year's nodes (default: the newest) and nodes of no
        year (plans, organisations, imported initiatives) are searched."""
        if not isinstance(k, int) or isinstance(k, bool) or not 1 <= k <= MAX_K:
            raise UserError(f"Antall treff (k) må være et heltall fra 1 til {MAX_K}.")
        found = self.candidates(query, types, focus_area, actor, intent, mode, programme)
        scored = self.with_confidence(found, depth=max(k, CONFIDENCE_DEPTH))
        hits = self._hits(found.index, scored[:k], found.boosts, found.applied, self.confidence.cut(mode))
        return {"query": found.query, "hits": hits, "applied": found.applied}

    def candidates(self, query: str, types=None, focus_area: str | None = None, actor: str | None = None,
                   intent: bool = True, mode: str = "hybrid", programme: str | None = None) -> Candidates:
        """Every candidate of a query, ranked by the fused score, with what shaped them."""
        text = clean_query(query)
        index = self.refresh()
        type_set = self.resolve_types(types)
        actor_iri = self.resolve_actor(actor, index)
        year = self.resolve_programme(programme) if len(index.years) > 1 or programme else None
        focus_iri = self.resolve_focus_area(focus_area, index, year)
        year_rows = index.year_mask(year)
        applied = _filters_applied(type_set, actor_iri, focus_iri, index)
        if year_rows is not None:
            applied.insert(0, {"kind": "filter", "what": "programme", "value": year,
                               "message": f"Bare treff fra handlingsprogrammet {year}"
                                          + (" (det nyeste)." if year == index.years[-1] else ".")})

        found = index.detector.detect(text) if intent else Intent(retrieval_query=text)
        if year_rows is not None:
            found = _themes_in_year(found, index, year, self.settings.base_iri)
        # A query that is only an actor's or a plan's name lists what it covers; a theme name
        # ("transport og mobilitet") stays a boost, since its measures sit in several areas.
        as_filter = found.only_names and all(m.entity.kind != "focus_area" for m in found.matches)
        allowed = _allowed_rows(index, type_set, actor_iri, focus_iri)
        if year_rows is not None:
            allowed = year_rows if allowed is None else allowed & year_rows
        named = np.zeros(len(index.units), dtype=bool)
        for m in found.matches if as_filter else ():
            named[_name_rows(index, m.entity)] = True
        if NAME_FALLBACK and as_filter and not (named if allowed is None else allowed & named).any():
            # The name covers nothing searchable (or nothing the filters leave): lift, don't empty.
            as_filter = False
        applied += [m.applied(as_filter=as_filter) for m in found.matches]
        if as_filter:
            allowed = named if allowed is None else allowed & named
            boosts = {}
        else:
            boosts = _boost_rows(index, found, allowed)
            named[:] = False
            named[list(boosts)] = True
        details: dict = {}
        scored = self.rank(index, found.retrieval_query, allowed, boosts, mode=mode, details=details)
        return Candidates(query=text, index=index, retrieval_query=found.retrieval_query, mode=mode,
                          applied=applied, boosts=boosts, named=named, name_filter=as_filter, scored=scored,
                          terms=details["terms"], qv=details["qv"])

    def features(self, found: Candidates, depth: int = CONFIDENCE_DEPTH) -> list[dict[str, float]]:
        """The confidence features (search/confidence.py) of the `depth` best candidates."""
        head = found.scored[:depth]
        if not head:
            return []
        signals = query_signals(found.index, found.retrieval_query, found.terms, found.qv, head)
        how = "filter" if found.name_filter else "boost"
        return [hit_features(found.index, signals, row, s, i, how if found.named[row] else None)
                for i, (row, s) in enumerate(head, start=1)]

    def with_confidence(self, found: Candidates, depth: int = CONFIDENCE_DEPTH) -> list[tuple[int, dict]]:
        """The candidates, the `depth` best with "confidence" added and, with RERANK, ordered by it."""
        head, tail = found.scored[:depth], found.scored[depth:]
        features = self.features(found, depth)
        confidence = self.confidence.predict(features, found.mode)
        for (_, s), c in zip(head, confidence, strict=True):
            s["confidence"] = float(c)
        if RERANK and found.mode == "hybrid" and head:
            # By the model's log-odds: the calibrated probabilities have ties (isotonic steps).
            order = np.argsort(-self.confidence.log_odds(features, found.mode), kind="stable")
            head = [head[i] for i in order]
        return head + tail

    def rank(self, index: SearchIndex, text: str, allowed: np.ndarray | None,
             boosts: dict[int, tuple[float, list[str]]], mode: str = "hybrid",
             details: dict | None = None) -> list[tuple[int, dict]]:
        """(row, scores) best first. mode: hybrid | dense | bm25 (dense and bm25 are the baselines
        the benchmarks and the overlap finder compare with); `details`, if given, receives the
        query's vector ("qv") and BM25 terms ("terms")."""
        n = len(index.units)
        terms = index.lexical.query_terms(text)
        if details is not None:
            details.update(terms=terms, qv=None)
        if n == 0 or (allowed is not None and not allowed.any()):
            return []
        lex_all = index.lexical.scores(terms) if mode != "dense" else np.zeros(n, np.float32)
        if allowed is not None:
            lex_all = np.where(allowed, lex_all, 0.0)
        lex_top = _top_positive(lex_all, DEPTH)
        qv = self.embedder.embed_queries([text])[0] if mode != "bm25" else None
        if details is not None:
            details["qv"] = qv
        dense_rows: list[int] = []
        if qv is not None:
            dense_rows = self._dense_candidates(index, qv, allowed)
        rows = list(dict.fromkeys([*dense_rows, *lex_top, *self._boost_candidates(index, boosts, qv)]))
        if allowed is not None:
            rows = [r for r in rows if allowed[r]]
        if not rows:
            return []
        idx = np.array(rows)
        cos = index.vectors[idx] @ qv if qv is not None else np.zeros(len(rows), np.float32)
        dense = dict(zip(rows, cos.tolist(), strict=True)) if qv is not None else {}
        lexical = dict(zip(rows, lex_all[idx].tolist(), strict=True))
        if mode == "dense":
            fused = dense
        elif mode == "bm25":
            fused = {r: s for r, s in lexical.items() if s > 0}
        else:
            fused = fusion.rrf(dense, lexical)
        if mode == "hybrid" and TYPE_PRIOR:
            for row in fused:
                fused[row] *= TYPE_PRIOR.get(index.units[row].type, 1.0)
        for row, (boost, _) in boosts.items():
            if row in fused:
                fused[row] *= 1.0 + boost
        dense_rank = fusion.ranks(dense) if dense else {}
        lex_rank = fusion.ranks({r: s for r, s in lexical.items() if s > 0})
        order = sorted(fused, key=lambda r: (-fused[r], r))
        return [(r, {
            "score": float(fused[r]),
            "dense": float(dense[r]) if r in dense else None,
            "bm25": float(lexical[r]),
            "dense_rank": dense_rank.get(r),
            "bm25_rank": lex_rank.get(r),
        }) for r in order]

    @staticmethod
    def _boost_candidates(index: SearchIndex, boosts: dict, qv: np.ndarray | None) -> list[int]:
        """Boosted rows join the candidates; of many (a large actor), the DEPTH nearest."""
        rows = list(boosts)
        if len(rows) <= DEPTH or qv is None:
            return rows
        idx = np.array(rows)
        cos = index.vectors[idx] @ qv
        return idx[np.argpartition(-cos, DEPTH - 1)[:DEPTH]].tolist()

    def _dense_candidates(self, index: SearchIndex, qv: np.ndarray, allowed: np.ndarray | None) -> list[int]:
        """Rows of the DEPTH nearest vectors (among `allowed`).

        Flat: FAISS with an id selector (exact). IVF with a filter: a small allowed set is scored
        exactly; a large one searched with more probes, so that a filter does not cost recall.
        """
        nprobe = None
        if allowed is not None and index.dense.kind != "flat":
            count = int(allowed.sum())
            if count <= EXACT_SUBSET:
                rows = np.flatnonzero(allowed)
                cos = index.vectors[rows] @ qv
                return rows[np.argsort(-cos)[:DEPTH]].tolist()
            nprobe = index.dense.probes_for(count / len(index.units))
        allowed_vids = index.vids[allowed] if allowed is not None else None
        _, vids = index.dense.search(qv, DEPTH, allowed=allowed_vids, nprobe=nprobe)
        return index.rows_of_vids(v for v in vids[0] if v >= 0)

    def _hits(self, index: SearchIndex, top, boosts, applied, cut: float) -> list[dict]:
        ids = [index.units[r].id for r, _ in top]
        contexts = {}
        if ids:
            reader = self.store.reader()
            contexts = self.contexts.contexts(reader, self.store.generation() or "", ids, index.names)
        hits = []
        for rank, (row, s) in enumerate(top, start=1):
            u = index.units[row]
            ctx = contexts.get(u.id) or {}
            hits.append({
                "id": u.id,
                "type": u.type,
                "label": u.label,
                "text": u.text,
                "score": round(s["score"], 6),
                "confidence": round(s.get("confidence", 0.0), 3),
                "weak": s.get("confidence", 0.0) < cut,
                "rank": rank,
                "graph": u.graph,
                "programme": u.programmes[0] if len(u.programmes) == 1 else None,
                "match": {
                    "dense": None if s["dense"] is None else round(s["dense"], 6),
                    "bm25": round(s["bm25"], 6),
                    "dense_rank": s["dense_rank"],
                    "bm25_rank": s["bm25_rank"],
                    "boosted_by": boosts.get(row, (0.0, []))[1],
                },
                "applied": applied,
                "context": ctx,
            })
        return hits


def _top_positive(scores: np.ndarray, depth: int) -> list[int]:
    pos = np.flatnonzero(scores > 0)
    if len(pos) > depth:
        pos = pos[np.argpartition(-scores[pos], depth - 1)[:depth]]
    return pos[np.argsort(-scores[pos], kind="stable")].tolist()


def _allowed_rows(index: SearchIndex, types, actor, focus) -> np.ndarray | None:
    if not (types or actor or focus):
        return None
    mask = np.ones(len(index.units), dtype=bool)
    if types:
        mask &= np.isin(index.types, list(types))
    if actor:
        mask &= index.mask_for("actor", actor)
    if focus:
        mask &= index.mask_for("focus_area", focus)
    return mask


def _themes_in_year(found: Intent, index: SearchIndex, year: str, base: str) -> Intent:
    """A theme named in the query ("kraft") stands for that theme in the year searched: every year
    has its own focus area with the same number and name, and the detector matched one of them."""
    same = {(e.notation, year_of(base, e.id)): e for e in index.entities if e.kind == "focus_area"}
    for m in found.matches:
        e = m.entity
        if e.kind == "focus_area" and year_of(base, e.id) not in (None, year):
            m.entity = same.get((e.notation, year), e)
    return found


def _name_rows(index: SearchIndex, entity) -> list[int]:
    """Rows a name stands for: what the actor proposed, the theme holds, or what mentions the
    node; with COVERS also what it publishes, funds or leads and the parts of those."""
    rows = list(index.rows_for(entity.kind, entity.id))
    for node in getattr(entity, "covers", ()) if COVERS else ():
        rows += index.rows_for("mentions", node)
    return list(dict.fromkeys(rows))


def _boost_rows(index: SearchIndex, intent: Intent, allowed) -> dict[int, tuple[float, list[str]]]:
    """Rows lifted by names in the query: row -> (boost factor, labels of what matched)."""
    out: dict[int, tuple[float, list[str]]] = {}
    for m in intent.matches:
        e = m.entity
        for r in _name_rows(index, e):
            if allowed is not None and not allowed[r]:
                continue
            boost, labels = out.get(r, (0.0, []))
            out[r] = (max(boost, BOOST[e.kind]), [*labels, e.label])
    return out


def _filters_applied(types, actor, focus, index: SearchIndex) -> list[dict]:
    labels = {e.id: e.label for e in index.entities}
    out = []
    if types:
        out.append({"kind": "filter", "what": "type", "value": sorted(types),
                    "message": f"Bare treff av typen {', '.join(sorted(types))}."})
    if actor:
        out.append({"kind": "filter", "what": "actor", "id": actor, "label": labels.get(actor, actor),
                    "message": f"Bare treff foreslått av {labels.get(actor, actor)}."})
    if focus:
        out.append({"kind": "filter", "what": "focus_area", "id": focus, "label": labels.get(focus, focus),
                    "message": f"Bare treff innen temaet «{labels.get(focus, focus)}»."})
    return out
