"""The overlap report of one actor's list: every item, with its best counterparts elsewhere.

    report = overlap_report(matcher, "Eksempel fylkeskommune", per_item=3)
    report_csv(report) -> bytes            one row per item, for spreadsheets

One entry per item of the list (an imported list's initiatives, or an expert group's
measures), in list order, with up to `per_item` counterparts from other actors, best
first: the pairs of `Matcher.duplicates(actor=..., across_actors=True)`, so the same
pairs, thresholds and staff decisions as the overlap page (confirmed pairs first, rejected
ones left out unless asked for). Each counterpart says how sure the match is (`confidence`
when the scorer gives one, and the score), why, and where it sits in the programme: focus
area, measure group, expert group (or the actor of another list). An item without any is
"ingen match".
"""

from __future__ import annotations

import re

from graph.errors import UserError
from graph.names import KIND_LABELS, type_label
from graph.views.spreadsheet import csv_bytes
from search.context import read_contexts

PER_ITEM = 3
MAX_PER_ITEM = 20
PROPOSALS = ("Measure", "Initiative")
NO_MATCH = "ingen match"

CSV_COLUMNS = [
    "nr", "element_id", "element", "status", "motpart_id", "motpart", "motpart_type", "motpart_aktør",
    "sikkerhet", "skår", "type", "begrunnelse", "innsatsområde", "tiltaksgruppe", "faggruppe",
    "vurdering", "andre_motparter", "andre_motparter_id",
]


def _natural(text: str) -> list:
    return [(0, int(t), "") if t.isdigit() else (1, 0, t) for t in re.split(r"(\d+)", text) if t]


def _place(ctx: dict | None) -> dict:
    ctx = ctx or {}

    def pick(node, *keys):
        return {k: node.get(k) for k in ("id", "label", *keys)} if node else None

    return {
        "focus_area": pick(ctx.get("focus_area"), "notation"),
        "parent_focus_area": pick(ctx.get("parent_focus_area"), "notation"),
        "measure_group": pick(ctx.get("measure_group")),
        "expert_group": pick(ctx.get("expert_group")),
        "actor": pick(ctx.get("actor"), "type"),
    }


def _counterpart(pair: dict, other: dict, place: dict) -> dict:
    why = pair.get("why") or {}
    out = {
        "id": other["id"], "type": other["type"], "label": other["label"], "text": other["text"],
        "actor": other.get("actor"), "confidence": pair.get("confidence"), "score": pair["score"],
        "kind": pair["kind"], "reason": why.get("summary"), "why": why, "where": place,
    }
    if "review" in pair:
        out["review"] = pair["review"]
    return out


def overlap_report(matcher, actor: str, per_item: int = PER_ITEM, include_rejected: bool = False) -> dict:
    """The report for `actor` (name, key or IRI): its items in list order, each with counterparts."""
    if not isinstance(per_item, int) or not 1 <= per_item <= MAX_PER_ITEM:
        raise UserError(f"Antall motparter per element (per_item) må være et heltall fra 1 til {MAX_PER_ITEM}.")
    actor_iri = matcher.resolve_actor(actor)
    idx = matcher.index
    rows = [r for r, u in enumerate(idx.units) if actor_iri in u.actors and u.type in PROPOSALS]
    rows.sort(key=lambda r: _natural(idx.units[r].id.rsplit("/", 1)[-1]))
    items = {idx.units[r].id: matcher.node(r) for r in rows}
    found: dict[str, list[tuple[dict, dict]]] = {i: [] for i in items}
    for p in matcher.duplicates(actor=actor_iri, across_actors=True, include_rejected=include_rejected):
        mine, other = (p["a"], p["b"]) if p["a"]["id"] in items else (p["b"], p["a"])
        if mine["id"] in items and len(found[mine["id"]]) < per_item:
            found[mine["id"]].append((p, other))
    others = sorted({o["id"] for matches in found.values() for _, o in matches})
    places = read_contexts(matcher.store.reader(), others) if others else {}
    entries = []
    for n, (item_id, item) in enumerate(items.items(), start=1):
        matches = [_counterpart(p, o, _place(places.get(o["id"]))) for p, o in found[item_id]]
        entries.append({"nr": n, "item": item, "matched": bool(matches), "matches": matches})
    matched = sum(1 for e in entries if e["matched"])
    return {
        "actor": matcher.actor_labels().get(actor_iri, actor_iri), "actor_id": actor_iri,
        "per_item": per_item, "include_rejected": include_rejected,
        "counts": {"items": len(entries), "matched": matched, "unmatched": len(entries) - matched},
        "items": entries,
    }


def where_text(place: dict) -> str:
    """"5.1 Kraft › Termisk energi · Kraftgruppen": where a counterpart sits, in one line."""
    path = []
    fa = place.get("focus_area")
    if fa:
        path.append(" ".join(x for x in (fa.get("notation"), fa.get("label")) if x))
    if place.get("measure_group"):
        path.append(place["measure_group"]["label"])
    text = " › ".join(path)
    who = place.get("expert_group") or place.get("actor")
    if who:
        text = f"{text} · {who['label']}" if text else who["label"]
    return text


def _review_text(m: dict) -> str:
    r = m.get("review")
    if not r:
        return ""
    verb = "godtatt" if r["decision"] == "accept" else "avvist"
    who = f" av {r['by']}" if r.get("by") else ""
    return f"{verb}{who} {r.get('date') or ''}".strip() + (f": {r['note']}" if r.get("note") else "")


def report_rows(report: dict) -> list[dict]:
    """One row per item: the best counterpart in full, the others named."""
    rows = []
    for e in report["items"]:
        item = e["item"]
        row = {"nr": e["nr"], "element_id": item["id"], "element": item["label"],
               "status": "match" if e["matched"] else NO_MATCH}
        if e["matches"]:
            best, rest = e["matches"][0], e["matches"][1:]
            place = best["where"]
            fa = place.get("focus_area")
            row.update({
                "motpart_id": best["id"], "motpart": best["label"], "motpart_type": type_label(best["type"]),
                "motpart_aktør": best.get("actor") or "",
                "sikkerhet": best["confidence"] if best["confidence"] is not None else "",
                "skår": best["score"], "type": KIND_LABELS.get(best["kind"], best["kind"]),
                "begrunnelse": best.get("reason") or "",
                "innsatsområde": " ".join(x for x in (fa.get("notation"), fa.get("label")) if x) if fa else "",
                "tiltaksgruppe": place["measure_group"]["label"] if place.get("measure_group") else "",
                "faggruppe": place["expert_group"]["label"] if place.get("expert_group") else "",
                "vurdering": _review_text(best),
                "andre_motparter": "; ".join(f"{m['label']} ({_strength(m)})" for m in rest),
                "andre_motparter_id": " ".join(m["id"] for m in rest),
            })
        rows.append(row)
    return rows


def _strength(m: dict) -> str:
    if m.get("confidence") is not None:
        return f"sikkerhet {m['confidence']:.2f}"
    return f"skår {m['score']:.2f}"


def report_csv(report: dict) -> bytes:
    return csv_bytes(CSV_COLUMNS, report_rows(report))
