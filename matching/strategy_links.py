"""Each measure's likely strategies within its focus area (inferred, never curated).

The programme lists strategies per focus area ("Ved å ...") and measures per expert group,
but does not say which measure serves which strategy. For every measure, the strategies of
its own focus area (and of that area's parts: section 4 has two) are scored with the same
calibrated confidence as overlaps (matching/overlap.py), and each strategy whose confidence
reaches the "implements" cut is linked. The cut is chosen on bench/devset_strategies.json
(bench/fit_overlap.py) for precision 0.8 (0.9 is reached there by one link only): a measure is
said to implement a strategy only when the model is confident, so the cycling measure no
longer "implements" the freight strategy just because it is the least unlike strategy of its
area. Most measures therefore get no inferred strategy; the gaps say so ("inferred_links").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from matching.overlap import Commitments

SOURCE_TYPES = ("Measure",)


@dataclass
class StrategyLink:
    measure: int  # index rows
    strategy: int
    confidence: float
    rank: int  # 1 = the measure's most likely strategy

    @property
    def score(self) -> float:
        return self.confidence


def candidate_strategies(com: Commitments, row: int, strategies: list[int]) -> list[int]:
    """Strategies in the measure's own focus area, or in a part of it (4 -> 4-p1, 4-p2)."""
    units = com.index.units
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


def scored_candidates(com: Commitments, row: int, strategies: list[int]) -> list[StrategyLink]:
    cands = candidate_strategies(com, row, strategies)
    if not cands:
        return []
    pairs = com.score(np.full(len(cands), row), np.array(cands))
    links = [StrategyLink(row, p.b, p.confidence, 0) for p in pairs]
    links.sort(key=lambda link: (-link.confidence, link.strategy))
    for rank, link in enumerate(links, start=1):
        link.rank = rank
    return links


def implements_cut(com: Commitments) -> float:
    cuts = com.cuts
    return cuts.get("implements", cuts["overlap"])


def infer_strategy_links(com: Commitments, cut: float | None = None) -> list[StrategyLink]:
    """Measure -> strategy links at or above the cut (default: the calibrator's "implements" cut)."""
    cut = implements_cut(com) if cut is None else cut
    units = com.index.units
    rows = com.rows.tolist()  # the commitments (of one programme year, matching/years.py)
    strategies = [i for i in rows if units[i].type == "Strategy"]
    out = []
    for row in rows:
        if units[row].type not in SOURCE_TYPES:
            continue
        out.extend(link for link in scored_candidates(com, row, strategies) if link.confidence >= cut)
    return out
