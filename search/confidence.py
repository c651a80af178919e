"""Confidence of a search hit: the estimated probability that it answers the query.

`score` orders the hits of one query (rank fusion: 1.0 means first in both retrievers), so
the best hit of any query scores about 1, whether it answers the question or not. The
confidence is comparable across queries: a logistic regression (search/calibration.py, the
project's one calibration module) over signals that keep their meaning from one query to
the next, fitted on the tune half of the judged development set (bench/devset_search.json)
by `python -m bench.search_quality --fit`, which writes hit_confidence.json next to this file:

- how close the texts are: the raw cosine, the cosine above the query's mean cosine to the
  whole index (centred), and the gap to the best cosine of the query;
- how many of the query's words the hit contains (coverage, weighted by BM25's idf), the raw
  BM25 score and its share of the query's best;
- whether the retrievers agree: dense and BM25 ranks, both in the top 10;
- what the query is: how many words, how many the index knows at all (a question about
  dental care for children has none), English words, a kind of node it names ("delmålet");
- what the hit is: a measure, a heading (measure group, focus area), a plan or project, of
  the kind the query names or not; whether a name in the query (an actor, a plan) filtered
  to it or lifted it.

The searcher also orders its best 30 candidates by this model (by its log-odds, which have
no ties), which is where most of the held-out ranking gain comes from (README).

A hit is `weak` below the cut chosen on the same data for a stated precision
(`cuts["strong"]`): strong hits answer the query at least that often. An unanswerable
question therefore gets only weak hits, and the page says so instead of showing a "relevance"
near 1.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from search.calibration import Calibrator
from search.index.lexical import QueryTerms
from search.index.normalise import stem
from search.language import english_share

MODEL_FILE = Path(__file__).resolve().with_name("hit_confidence.json")
DEPTH = 100  # as search.searcher.DEPTH: a retriever rank past it counts as DEPTH + 1
HEADINGS = ("MeasureGroup",)
MEASURES = ("Measure", "Initiative")
DOCUMENTS = ("Plan", "Project")
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
# Words that name a kind of node ("Hva er delmålet for ...", "which strategies ..."), as stems.
TYPE_WORDS = {
    "SubGoal": ("delmål", "sub-goal", "subgoal", "objective", "objectives"),
    "Goal": ("mål", "hovedmål", "målsetting", "goal", "goals"),
    "Strategy": ("strategi", "strategy", "strategies"),
    "Challenge": ("utfordring", "challenge", "challenges"),
    "Measure": ("tiltak", "measure", "measures"),
    "MeasureGroup": ("tiltaksgrupp",),
    "Project": ("prosjekt", "project", "projects"),
    "Plan": ("plan", "plans", "handlingsplan", "tiltaksplan"),
}

# Each mode's features: a retriever that did not run contributes nothing.
COMMON = ["q_words", "q_known", "q_english", "cover", "uncovered", "best_cover", "heading", "measure", "document",
          "prose_focus", "named_filter", "named_boost", "type_named", "other_type_named"]
DENSE = ["cos", "cos_centred", "cos_gap", "log_dense_rank"]
LEXICAL = ["bm25", "bm25_rel", "log_bm25_rank"]
FEATURES = {
    "hybrid": DENSE + LEXICAL + ["both_top10", "log_fused_rank"] + COMMON,
    "dense": DENSE + COMMON,
    "bm25": LEXICAL + COMMON,
}


@dataclass
class QuerySignals:
    """What the hit features need to know about the query."""

    words: int
    known: float  # share of the query's words the index knows (exactly, joined or corrected)
    english: float  # share of English function words among the query's words
    words_terms: list[tuple[float, frozenset[str]]]  # per query word: weight (idf), its index terms
    mean_cos: float  # the query's mean cosine to the whole index (0 without a dense run)
    best_cos: float
    best_bm25: float
    best_cover: float = 0.0  # the best coverage among the candidates: does anything cover the query?
    types: frozenset[str] = frozenset()  # kinds of node the query names


def named_types(text: str) -> frozenset[str]:
    """The kinds of node a query asks for by name ("delmålet" -> SubGoal)."""
    stems = {stem(w.lower()) for w in _WORD.findall(unicodedata.normalize("NFKC", text))}
    return frozenset(t for t, names in TYPE_WORDS.items() if stems & {stem(n) for n in names})


def query_signals(index, text: str, terms: QueryTerms, qv: np.ndarray | None, scored: list) -> QuerySignals:
    lexical = index.lexical
    # A word's weight is the idf of its rarest term; a word the index does not know at all
    # weighs as much as the rarest possible term: it is what the index has nothing about.
    words_terms = [(max((lexical.term_idf(t) for t in ts), default=lexical.max_idf()), frozenset(ts))
                   for _, ts in terms.per_word]
    known = (terms.known + terms.fixed) / terms.words if terms.words else 0.0
    mean_cos = float(index.mean_vector @ qv) if qv is not None and len(index.units) else 0.0
    cosines = [s["dense"] for _, s in scored if s["dense"] is not None]
    bm25 = [s["bm25"] for _, s in scored]
    q = QuerySignals(words=terms.words, known=known, english=english_share(text), words_terms=words_terms,
                     mean_cos=mean_cos, best_cos=max(cosines, default=0.0),
                     best_bm25=max(bm25, default=0.0))
    q.types = named_types(text)
    q.best_cover = max((coverage(q, index.unit_terms(row))[0] for row, _ in scored), default=0.0)
    return q


def coverage(q: QuerySignals, unit_terms: frozenset[str]) -> tuple[float, float]:
    """(share of the query's idf mass the unit's words cover, idf mass it leaves uncovered)."""
    total = sum(w for w, _ in q.words_terms)
    covered = sum(w for w, ts in q.words_terms if ts & unit_terms)
    return (covered / total if total else 0.0), total - covered


def _log_rank(rank: int | None) -> float:
    return math.log(min(rank, DEPTH + 1) if rank else DEPTH + 1)


def hit_features(index, q: QuerySignals, row: int, s: dict, fused_rank: int,
                 named: str | None = None) -> dict[str, float]:
    """The features of one candidate (`s` as `Searcher.rank` gives it), for every mode.
    `named`: "filter" if the query is nothing but names that cover this hit, "boost" if a name
    in it lifted the hit."""
    unit = index.units[row]
    cover, uncovered = coverage(q, index.unit_terms(row))
    cos = s["dense"] if s["dense"] is not None else 0.0
    dense_rank, bm25_rank = s.get("dense_rank"), s.get("bm25_rank")
    return {
        "cos": cos,
        "cos_centred": cos - q.mean_cos if s["dense"] is not None else 0.0,
        "cos_gap": q.best_cos - cos if s["dense"] is not None else 0.0,
        "log_dense_rank": _log_rank(dense_rank),
        "bm25": math.log1p(max(s["bm25"], 0.0)),
        "bm25_rel": s["bm25"] / q.best_bm25 if q.best_bm25 > 0 else 0.0,
        "log_bm25_rank": _log_rank(bm25_rank),
        "both_top10": float(bool(dense_rank and bm25_rank and dense_rank <= 10 and bm25_rank <= 10)),
        "log_fused_rank": math.log(fused_rank),
        "q_words": math.log1p(q.words),
        "q_known": q.known,
        "q_english": q.english,
        "cover": cover,
        "uncovered": uncovered,
        "best_cover": q.best_cover,
        "heading": float(unit.type in HEADINGS or (unit.type == "FocusArea" and len(unit.text) < 80)),
        "measure": float(unit.type in MEASURES),
        "document": float(unit.type in DOCUMENTS),
        "prose_focus": float(unit.type == "FocusArea" and len(unit.text) >= 80),
        "named_filter": float(named == "filter"),
        "named_boost": float(named == "boost"),
        "type_named": float(unit.type in q.types),
        "other_type_named": float(bool(q.types) and unit.type not in q.types),
    }


class HitConfidence:
    """The fitted models (one per retrieval mode) and their cuts, from hit_confidence.json."""

    def __init__(self, calibrators: dict[str, Calibrator]):
        self.calibrators = calibrators

    @classmethod
    def load(cls, path: Path = MODEL_FILE) -> HitConfidence:
        data = json.loads(Path(path).read_text())
        return cls({mode: Calibrator.from_json(c) for mode, c in data["models"].items()})

    def save(self, path: Path = MODEL_FILE, meta: dict | None = None) -> None:
        payload = {"meta": meta or {}, "models": {m: c.to_json() for m, c in self.calibrators.items()}}
        tmp = Path(path).with_suffix(".tmp")
        tmp.write_text(json.dumps(payload, ensure_ascii=False, indent=1) + "\n")
        tmp.replace(path)

    def predict(self, features: list[dict[str, float]], mode: str = "hybrid") -> np.ndarray:
        if not features:
            return np.zeros(0)
        cal = self.calibrators[mode]
        return cal.predict(np.array([[f[n] for n in cal.names] for f in features]))

    def log_odds(self, features: list[dict[str, float]], mode: str = "hybrid") -> np.ndarray:
        """The logistic model's score before calibration: strictly ordered, for ranking."""
        if not features:
            return np.zeros(0)
        cal = self.calibrators[mode]
        p = cal.raw(np.array([[f[n] for n in cal.names] for f in features]))
        return np.log(p) - np.log1p(-np.minimum(p, 1 - 1e-12))

    def cut(self, mode: str = "hybrid") -> float:
        return self.calibrators[mode].cuts["strong"]
