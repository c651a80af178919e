"""Gaps: focus areas and strategies that no measure serves, with the closest candidates.

Two bases, always said per gap:
- "structure": from the curated graph and the document. A focus area is served when a
  measure has it (rg:focusArea), or one of its sub-areas, or, for an unnumbered part
  such as 4-p1, the area it is a part of. A strategy is served by curated rg:implements.
- "inferred_links": from the inferred graph. A strategy is served when a measure is
  linked to it there (search/strategy_links.py); a focus area with strategies is a gap on
  this basis when none of them is served either way.

For each gap the measures and initiatives most likely to serve it are suggested: the gap's
own text searched as every commitment is (search/batch.py), scored with the overlap model's
calibrated confidence (matching/overlap.py), with the reasons; a suggestion below the
overlap cut says it is weak.

With several programme years, the gaps are those of one year (default: the newest), and the
suggestions come from that year's measures and from imported initiatives.
"""

from __future__ import annotations

from graph.iri import graph_iri
from graph.namespaces import RG
from graph.years import year_of
from matching import overlap

SKOS = "http://www.w3.org/2004/02/skos/core#"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SUGGESTIONS = 5


def _rows(store, query: str):
    return list(store.query(query, use_default_graph_as_union=True))


def _structure(store, inferred_graph: str) -> dict:
    areas: dict[str, dict] = {}
    for r in _rows(store, f"""
        SELECT ?fa ?label ?notation ?broader WHERE {{ ?fa a <{RG.FocusArea}> .
          OPTIONAL {{ ?fa <{SKOS}prefLabel> ?label }} OPTIONAL {{ ?fa <{SKOS}notation> ?notation }}
          OPTIONAL {{ ?fa <{SKOS}broader> ?broader }} }}"""):
        a = areas.setdefault(r["fa"].value, {"label": "", "notation": "", "broader": None})
        if r["label"] is not None:
            a["label"] = a["label"] or r["label"].value
        if r["notation"] is not None:
            a["notation"] = a["notation"] or r["notation"].value
        if r["broader"] is not None:
            a["broader"] = r["broader"].value
    measure_areas: dict[str, int] = {}
    for r in _rows(store, f"""SELECT ?fa (COUNT(DISTINCT ?m) AS ?n) WHERE {{
                                ?m a <{RG.Measure}> ; <{RG.focusArea}> ?fa }} GROUP BY ?fa"""):
        measure_areas[r["fa"].value] = int(r["n"].value)
    strategies: dict[str, dict] = {}
    for r in _rows(store, f"""
        SELECT ?s ?label ?fa WHERE {{ ?s a <{RG.Strategy}> .
          OPTIONAL {{ ?s <{RDFS_LABEL}> ?label }} OPTIONAL {{ ?s <{RG.focusArea}> ?fa }} }}"""):
        st = strategies.setdefault(r["s"].value, {"label": "", "focus_area": None, "curated": 0, "inferred": 0})
        if r["label"] is not None:
            st["label"] = st["label"] or r["label"].value
        if r["fa"] is not None:
            st["focus_area"] = r["fa"].value
    for r in store.query(f"""SELECT ?s ?g (COUNT(DISTINCT ?m) AS ?n) WHERE {{
                               GRAPH ?g {{ ?m <{RG.implements}> ?s }} }} GROUP BY ?s ?g"""):
        st = strategies.get(r["s"].value)
        if st is not None:
            st["inferred" if r["g"].value == inferred_graph else "curated"] += int(r["n"].value)
    return {"areas": areas, "measure_areas": measure_areas, "strategies": strategies}


def _is_part(area: dict) -> bool:
    return "-p" in area["notation"]


def area_served(fa: str, areas: dict, measure_areas: dict) -> int:
    """Measures that serve a focus area by structure (own, sub-areas, or the whole of a part)."""
    count = measure_areas.get(fa, 0)
    for other, a in areas.items():
        node = a["broader"]
        while node is not None and other != fa:  # descendants
            if node == fa:
                count += measure_areas.get(other, 0)
                break
            node = areas.get(node, {}).get("broader")
    if _is_part(areas[fa]) and areas[fa]["broader"]:
        count += measure_areas.get(areas[fa]["broader"], 0)
    return count


def suggestions(matcher, node_id: str, k: int = SUGGESTIONS, programme: str | None = None) -> list[dict]:
    """The measures and initiatives most likely to serve a gap, by the overlap model's
    confidence (matching/overlap.py), best first; each says whether it is `weak`. Only
    those of the programme year (default: the newest) and of no year."""
    idx, com = matcher.index, matcher.commitments(programme)
    row = idx.row_of.get(node_id)
    if row is None:
        return []
    decisions = matcher.decisions()  # a pair staff rejected is not suggested again
    partner = com.proposal & com.eligible & (com.owner != com.owner[row])
    partner[[r for r in range(len(partner)) if partner[r] and decisions.rejected(node_id, idx.units[r].id)]] = False
    top = overlap.neighbours(com, row, partner, k)
    facts = matcher.facts([row] + [p.b for p in top])
    out = []
    for p in top:
        item = matcher.pair_json(p, facts)
        out.append({**item["b"], "score": item["score"], "confidence": item["confidence"], "kind": item["kind"],
                    "weak": item["weak"], "why": item["why"], "focus_areas": idx.units[p.b].focus_areas[:1]})
    return out


def find_gaps(matcher, k: int = SUGGESTIONS, programme: str | None = None) -> dict:
    base = matcher.settings.base_iri
    year = matcher.year(programme)
    inferred = str(graph_iri(base, "inferred"))
    s = _structure(matcher.store.reader(), inferred)
    areas, strategies = s["areas"], s["strategies"]

    def this_year(iri: str) -> bool:
        return year is None or year_of(base, iri) in (None, year)

    out_areas = []
    for fa, a in sorted(areas.items(), key=lambda kv: _sort_key(kv[1]["notation"])):
        if not this_year(fa):
            continue
        measures = area_served(fa, areas, s["measure_areas"])
        own = [st for st in strategies.values() if st["focus_area"] == fa]
        served_strategies = [st for st in own if st["curated"] or st["inferred"]]
        basis = []
        if measures == 0:
            basis.append("structure")
        if own and not served_strategies:
            basis.append("inferred_links")
        if not basis:
            continue
        reasons = []
        if "structure" in basis:
            reasons.append("ingen tiltak hører til dette innsatsområdet, heller ikke til underområdene")
        if "inferred_links" in basis:
            reasons.append(f"ingen av de {len(own)} strategiene har et tiltak, verken i handlingsprogrammet "
                           "eller blant koblingene maskinen har foreslått")
        out_areas.append({
            "id": fa, "type": "FocusArea", "label": a["label"], "notation": a["notation"],
            "basis": basis, "reason": "; ".join(reasons).capitalize() + ".",
            "measures": measures, "strategies": len(own), "strategies_served": len(served_strategies),
            "suggestions": suggestions(matcher, fa, k, year),
        })
    out_strategies = []
    for sid, st in sorted(strategies.items(), key=lambda kv: _strategy_key(kv[0])):
        if st["curated"] or st["inferred"] or not this_year(sid):
            continue
        fa = areas.get(st["focus_area"] or "", {})
        out_strategies.append({
            "id": sid, "type": "Strategy", "label": st["label"], "focus_area": st["focus_area"],
            "focus_area_label": fa.get("label"), "basis": ["structure", "inferred_links"],
            "reason": ("Ingen tiltak gjennomfører strategien, verken i handlingsprogrammet eller blant "
                       "koblingene maskinen har foreslått."),
            "curated_links": 0, "inferred_links": 0,
            "suggestions": suggestions(matcher, sid, k, year),
        })
    return {
        "programme": year,
        "focus_areas": out_areas,
        "strategies": out_strategies,
        "note": ("basis «structure» = kuratert struktur (rg:focusArea, kuraterte rg:implements); "
                 "«inferred_links» = de utledede tiltak–strategi-koblingene i " + inferred + "."),
    }


def _sort_key(notation: str):
    return [int(p) if p.isdigit() else p for p in notation.replace("-", ".").split(".")]


def _strategy_key(iri: str):
    return _sort_key(iri.rsplit("/", 1)[-1])

