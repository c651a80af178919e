"""Each measure's most likely strategies within its focus area (inferred, never curated).

The programme lists strategies per focus area ("Ved å ...") and measures per expert group,
but does not say which measure serves which strategy. For every measure, the strategies
of its own focus area (and of that area's parts: section 4 has two) are scored with the
same score as duplicates (search/overlap.py: centred cosine and term containment,
averaged). The best one is kept if it reaches STRATEGY_SCORE, and so is any other within
STRATEGY_MARGIN of the best, since a measure can serve two strategies. Both constants
are calibrated on bench/devset_strategies.json (bench/duplicates_quality.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from matching.overlap import Proposals, combine

STRATEGY_SCORE = 0.06
STRATEGY_MARGIN = 0.05
SOURCE_TYPES = ("Measure",)


@dataclass
class StrategyLink:
    measure: int  # index rows
    strategy: int
    score: float
    semantic: float
    lexical: float
    rank: int  # 1 = the measure's best strategy


def candidate_strategies(props: Proposals, row: int, strategies: list[int]) -> list[int]:
    """Strategies in the measure's own focus area, or in a part of it (4 -> 4-p1, 4-p2)."""
    units = props.index.units
    areas = units[row].focus_areas
    if not areas:
        return []
    own = areas[0]
    out = []
    for s in strategies:
        s_areas = units[s].focus_areas
        if s_areas and (own in s_areas or s_areas[0] in areas):
            out.append(s)
    return out


def scored_candidates(props: Proposals, row: int, strategies: list[int]) -> list[StrategyLink]:
    cands = candidate_strategies(props, row, strategies)
    if not cands:
        return []
    vecs = props.index.vectors
    j = np.array(cands)
    cos = vecs[j] @ vecs[row]
    sem = props.semantic(np.full(len(j), row), j, cos.astype(np.float64))
    links = []
    for s, se in zip(cands, sem.tolist(), strict=True):
        lex = props.lexical(row, s)
        links.append(StrategyLink(row, s, combine(se, lex), se, lex, 0))
    links.sort(key=lambda link: -link.score)
    for rank, link in enumerate(links, start=1):
        link.rank = rank
    return links


def infer_strategy_links(props: Proposals, score: float = STRATEGY_SCORE,
                         margin: float = STRATEGY_MARGIN) -> list[StrategyLink]:
    units = props.index.units
    strategies = [i for i, u in enumerate(units) if u.type == "Strategy"]
    out = []
    for row, u in enumerate(units):
        if u.type not in SOURCE_TYPES:
            continue
        links = scored_candidates(props, row, strategies)
        if not links or links[0].score < score:
            continue
        best = links[0].score
        out.extend(link for link in links if link.score >= score and link.score >= best - margin)
    return out
