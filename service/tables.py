"""Results as spreadsheets: search hits, overlap pairs and clusters, gaps, the overlap report.

    search_csv(hits, query) -> bytes          one row per hit, best first
    searches_csv([(query, hits), ...])        several queries in one sheet
    pairs_csv(pairs) -> bytes                 one row per pair (duplicates / overlaps)
    clusters_csv(clusters) -> bytes           one row per member of a cluster
    gaps_csv(gaps) -> bytes                   one row per focus area or strategy without measures
    report_csv(report) -> bytes               one row per item of a list (matching/report.py)

The same rows for `?format=csv` on the HTTP API (/api/search, /api/duplicates, /api/gaps,
/api/overlap-report), for `--csv` in the CLI verbs and for the download links on the pages:
every file goes through the one CSV writer (graph/views/spreadsheet.py: UTF-8 with BOM for
Excel, formula cells neutralised). Column names and values are Norwegian; kinds and types
are written as people read them (graph/names.py), the IRIs stay as they are.
"""

from __future__ import annotations

from graph.names import basis_label, kind_label, type_label
from graph.views.spreadsheet import csv_bytes
from matching.report import report_csv

__all__ = ["search_csv", "searches_csv", "pairs_csv", "clusters_csv", "gaps_csv", "report_csv", "csv_name"]

SEARCH_COLUMNS = ["søk", "nr", "sikkerhet", "svakt_treff", "type", "navn", "tekst", "innsatsområde",
                  "tiltaksgruppe", "faggruppe_eller_aktør", "strategier", "id", "strategi_id"]
PAIR_COLUMNS = ["nr", "type", "sikkerhet", "svak", "a", "a_type", "a_aktør", "b", "b_type", "b_aktør",
                "på_tvers_av_aktører", "begrunnelse", "felles_ord", "vurdering", "a_id", "b_id"]
CLUSTER_COLUMNS = ["klynge", "type", "forslag_i_klyngen", "sterkeste", "svakeste", "navn", "medlem_type",
                   "aktør", "id"]
GAP_COLUMNS = ["hva", "nummer", "navn", "innsatsområde", "grunnlag", "begrunnelse", "tiltak",
               "strategier_dekket", "forslag", "forslag_id", "id"]
SEPARATOR = "; "


def csv_name(stem: str) -> str:
    """The download's file name, ASCII only (a header value): "søk" -> "sok.csv"."""
    table = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "Æ": "Ae", "Ø": "O", "Å": "A"})
    safe = "".join(c if c.isascii() and (c.isalnum() or c in "-_.") else "-" for c in stem.translate(table))
    return "-".join(p for p in safe.split("-") if p)[:80] + ".csv"


def _place(ctx: dict) -> tuple[str, str, str]:
    fa = ctx.get("focus_area") or {}
    area = " ".join(x for x in (fa.get("notation"), fa.get("label")) if x)
    group = (ctx.get("measure_group") or {}).get("label") or ""
    who = (ctx.get("actor") or ctx.get("expert_group") or {}).get("label") or ""
    return area, group, who


def search_csv(hits: list[dict], query: str = "") -> bytes:
    return csv_bytes(SEARCH_COLUMNS, _search_rows(hits, query))


def searches_csv(results: list[tuple[str, list[dict]]]) -> bytes:
    """Several queries in one sheet (regiongraf search - --csv): (query, hits) each."""
    return csv_bytes(SEARCH_COLUMNS, [row for query, hits in results for row in _search_rows(hits, query)])


def _search_rows(hits: list[dict], query: str) -> list[dict]:
    rows = []
    for n, h in enumerate(hits, start=1):
        ctx = h.get("context") or {}
        area, group, who = _place(ctx)
        strategies = [s for s in ctx.get("strategies", []) if s.get("relation") != "same_focus_area"]
        rows.append({
            "søk": query, "nr": h.get("rank", n), "sikkerhet": h.get("confidence"), "svakt_treff": bool(h.get("weak")),
            "type": type_label(h.get("type")), "navn": h.get("label"), "tekst": h.get("text"),
            "innsatsområde": area, "tiltaksgruppe": group, "faggruppe_eller_aktør": who,
            "strategier": SEPARATOR.join(s["label"] for s in strategies), "id": h.get("id"),
            "strategi_id": " ".join(s["id"] for s in strategies),
        })
    return rows


def _review(review: dict | None) -> str:
    if not review:
        return ""
    verb = "godtatt" if review.get("decision") == "accept" else "avvist"
    who = f" av {review['by']}" if review.get("by") else ""
    note = f": {review['note']}" if review.get("note") else ""
    return f"{verb}{who} {review.get('date') or ''}".strip() + note


def pairs_csv(pairs: list[dict]) -> bytes:
    rows = []
    for n, p in enumerate(pairs, start=1):
        a, b, why = p["a"], p["b"], p.get("why") or {}
        rows.append({
            "nr": n, "type": kind_label(p.get("kind")),
            "sikkerhet": p["confidence"] if p.get("confidence") is not None else p.get("score"),
            "svak": bool(p.get("weak")),  # below the overlap cut (kind "related")
            "a": a.get("label"), "a_type": type_label(a.get("type")), "a_aktør": a.get("actor") or "",
            "b": b.get("label"), "b_type": type_label(b.get("type")), "b_aktør": b.get("actor") or "",
            "på_tvers_av_aktører": bool(p.get("across_actors")), "begrunnelse": why.get("summary") or "",
            "felles_ord": ", ".join(why.get("shared_terms") or []), "vurdering": _review(p.get("review")),
            "a_id": a.get("id"), "b_id": b.get("id"),
        })
    return csv_bytes(PAIR_COLUMNS, rows)


def clusters_csv(clusters: list[dict]) -> bytes:
    rows = []
    for c in clusters:
        for m in c.get("members", []):
            rows.append({
                "klynge": c.get("id"), "type": kind_label(c.get("kind")), "forslag_i_klyngen": c.get("size"),
                "sterkeste": c.get("score"), "svakeste": c.get("cohesion"), "navn": m.get("label"),
                "medlem_type": type_label(m.get("type")), "aktør": m.get("actor") or "", "id": m.get("id"),
            })
    return csv_bytes(CLUSTER_COLUMNS, rows)


def _suggestions(items: list[dict]) -> tuple[str, str]:
    return (SEPARATOR.join(f"{s['label']} ({s.get('confidence', s['score']):.2f}{', svak' if s.get('weak') else ''})"
                           for s in items),
            " ".join(s["id"] for s in items))


def gaps_csv(gaps: dict) -> bytes:
    rows = []
    for g in gaps.get("focus_areas", []):
        text, ids = _suggestions(g.get("suggestions", []))
        rows.append({
            "hva": "innsatsområde", "nummer": g.get("notation"), "navn": g.get("label"),
            "innsatsområde": " ".join(x for x in (g.get("notation"), g.get("label")) if x),
            "grunnlag": ", ".join(basis_label(b) for b in g.get("basis", [])), "begrunnelse": g.get("reason"),
            "tiltak": g.get("measures"), "strategier_dekket": f"{g.get('strategies_served')} av {g.get('strategies')}",
            "forslag": text, "forslag_id": ids, "id": g.get("id"),
        })
    for s in gaps.get("strategies", []):
        text, ids = _suggestions(s.get("suggestions", []))
        rows.append({
            "hva": "strategi", "navn": s.get("label"), "innsatsområde": s.get("focus_area_label") or "",
            "grunnlag": ", ".join(basis_label(b) for b in s.get("basis", [])), "begrunnelse": s.get("reason"),
            "tiltak": 0, "forslag": text, "forslag_id": ids, "id": s.get("id"),
        })
    return csv_bytes(GAP_COLUMNS, rows)
