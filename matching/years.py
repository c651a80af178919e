"""Programme years in matching: duplicates and overlaps pair proposals of one year only.

A measure that carries over from 2025 to 2026 is in the graph twice, once per year. The two
are one proposal at two times, which is lineage (matching/lineage.py), not a duplicate; in a
two-year build the duplicate finder would otherwise report every unchanged measure. So pairs
are made within one programme year: a year's measures with each other and with proposals of no
year (imported initiatives, which are compared with the programme of the year asked for).

    in_year(props, year) -> Proposals     the same scoring, over the rows of that year and of no year
    unit_year(unit) -> "2025" | None
    same_year(a, b) -> bool               False only for two units of different years
"""

from __future__ import annotations

import copy

import numpy as np

from matching.overlap import Proposals


def unit_year(unit) -> str | None:
    return unit.programmes[0] if len(unit.programmes) == 1 else None


def same_year(a, b) -> bool:
    ya, yb = set(a.programmes), set(b.programmes)
    return not ya or not yb or bool(ya & yb)


def in_year(props: Proposals, year: str | None) -> Proposals:
    """`props` restricted to the proposals of `year` and of no year (a shallow copy: the centring,
    the caches and the index are shared). With one year in the index, `props` itself."""
    units = props.index.units
    if not year or len(props.index.years) < 2:
        return props
    keep = np.array([not units[r].programmes or year in units[r].programmes for r in props.rows], dtype=bool)
    out = copy.copy(props)
    out.rows = props.rows[keep]
    return out
