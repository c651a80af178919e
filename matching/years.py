"""Programme years in matching: duplicates and overlaps pair commitments of one year only.

A measure that carries over from 2025 to 2026 is in the graph twice, once per year. The two
are one proposal at two times, which is lineage (matching/lineage.py), not a duplicate; in a
two-year build the duplicate finder would otherwise report every unchanged measure (and the
predecessor would take the first place in every candidate list). So pairs are made within one
programme year: a year's commitments with each other and with nodes of no year (imported
initiatives, which are compared with the programme of the year asked for).

    in_year(com, year) -> Commitments     the same model, over the rows of that year and of no year
    unit_year(unit) -> "2025" | None
    same_year(a, b) -> bool               False only for two units of different years
"""

from __future__ import annotations

import numpy as np

from matching.overlap import Commitments


def unit_year(unit) -> str | None:
    return unit.programmes[0] if len(unit.programmes) == 1 else None


def same_year(a, b) -> bool:
    ya, yb = set(a.programmes), set(b.programmes)
    return not ya or not yb or bool(ya & yb)


def in_year(com: Commitments, year: str | None) -> Commitments:
    """`com` restricted to the commitments of `year` and of no year: candidates are searched and
    paired among those rows only (the calibrator and the retriever's matrices are shared). With one
    year in the index, or no year asked for, `com` itself."""
    units = com.index.units
    if not year or len(com.index.years) < 2:
        return com
    keep = np.array([not u.programmes or year in u.programmes for u in units], dtype=bool)
    return Commitments(com.index, com.calibrator, keep=keep, retriever=com.lists.retriever)
