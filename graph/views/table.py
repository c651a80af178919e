"""The measures as a table, for people who live in spreadsheets (tiltak.csv).

One row per rg:Measure, in document order: where it sits (programme year, section,
position, focus area, group, expert group) and the strategies it implements. A
strategy link from machine inference is marked "(utledet)" after its name and can be
left out with inferred=False.
"""

import re

import pyoxigraph as ox
from rdflib.namespace import RDF

from graph.iri import graph_iri
from graph.namespaces import RG
from graph.views.describe import NodeNames
from graph.views.spreadsheet import csv_bytes

COLUMNS = ["id", "år", "kapittel", "nr", "kortnavn", "tekst", "innsatsområde", "innsatsområde_id",
           "tiltaksgruppe", "faggruppe", "strategier", "strategi_id"]
INFERRED_MARK = " (utledet)"


def _first(reader: ox.Store, node: ox.NamedNode, prop) -> ox.Quad | None:
    return next(iter(reader.quads_for_pattern(node, ox.NamedNode(str(prop)), None, None)), None)


def _value(reader: ox.Store, node: ox.NamedNode, prop) -> str:
    q = _first(reader, node, prop)
    return q.object.value if q else ""


def _natural(text: str) -> list:
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", text)]


def measure_rows(reader: ox.Store, base: str, inferred: bool = True) -> list[dict[str, str]]:
    names = NodeNames(reader)
    inferred_graph = str(graph_iri(base, "inferred"))
    measures = {q.subject for q in reader.quads_for_pattern(None, ox.NamedNode(str(RDF.type)),
                                                            ox.NamedNode(str(RG.Measure)), None)
                if isinstance(q.subject, ox.NamedNode)}
    rows = []
    for m in measures:
        me = names(m.value)
        programme = _first(reader, m, RG.inProgramme)
        focus = _first(reader, m, RG.focusArea)
        group = _first(reader, m, RG.inGroup)
        expert = [names(q.object.value) for q in reader.quads_for_pattern(m, ox.NamedNode(str(RG.proposedBy)),
                                                                          None, None)]
        strategies: dict[str, str] = {}
        for q in reader.quads_for_pattern(m, ox.NamedNode(str(RG.implements)), None, None):
            is_inferred = getattr(q.graph_name, "value", None) == inferred_graph
            if is_inferred and not inferred:
                continue
            label = names(q.object.value)["label"] or q.object.value
            # A curated link wins over an inferred one to the same strategy.
            if q.object.value not in strategies or not is_inferred:
                strategies[q.object.value] = label + (INFERRED_MARK if is_inferred else "")
        order = sorted(strategies, key=_natural)
        rows.append({
            "id": m.value,
            "år": _value(reader, programme.object, RG.year) if programme else "",
            "kapittel": _value(reader, m, RG.sectionNumber),
            "nr": _value(reader, m, RG.position),
            "kortnavn": me["label"] or "",
            "tekst": _value(reader, m, RG.text),
            "innsatsområde": (names(focus.object.value)["label"] or "") if focus else "",
            "innsatsområde_id": focus.object.value if focus else "",
            "tiltaksgruppe": (names(group.object.value)["label"] or "") if group else "",
            "faggruppe": "; ".join(e["label"] or e["id"] for e in expert),
            "strategier": "; ".join(strategies[s] for s in order),
            "strategi_id": " ".join(order),
        })
    rows.sort(key=lambda r: (r["år"], _natural(r["kapittel"]), int(r["nr"] or 0), r["id"]))
    return rows


def measures_csv(reader: ox.Store, base: str, inferred: bool = True) -> bytes:
    """RFC 4180 CSV in UTF-8 with a byte-order mark, formula cells neutralised (views/spreadsheet.py)."""
    return csv_bytes(COLUMNS, measure_rows(reader, base, inferred))
