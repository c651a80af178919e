"""The programme across years as staff read it: `regiongraf diff 2025 2026`, /api/diff, /endringer.

    diff_years(matcher, old=None, new=None) -> Diff       default: the two newest years
    Diff.to_json()                                          the --json contract (README)
    Diff.csv() -> bytes                                     one row per change (graph/views/spreadsheet.py)

`changes` holds every measure's change: {"status", "from": [NODE], "to": [NODE], "confidence",
"why", ...}, `from` empty for `new` and `to` empty for `dropped`; a NODE has `id`, `text`,
`section` and where it stands. `lineage` holds the same for challenges, goals, sub-goals and
strategies. Per focus area (by its number, the same in both years) how many measures carried
over unchanged, changed, came and went; and the themes with no measure one year and measures
the other. The classification itself is matching/lineage.py; the staff's decisions on lineage
links are applied there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from graph.errors import UserError
from graph.reviews import read_reviews
from graph.views.spreadsheet import csv_bytes
from graph.years import YearItem, resolve_year, year_items, years
from matching.lineage import STATUS_LABELS, STATUSES, Change, Comparison, compare
from matching.lineage_pairs import Context
from matching.reviews import Decisions
from matching.textdiff import changed_words, word_marks

CSV_COLUMNS = ["status", "endring", "type", "fra_id", "fra_tekst", "fra_sted", "til_id", "til_tekst", "til_sted",
               "sikkerhet", "begrunnelse", "fjernede_ord", "nye_ord"]


def node_json(item: YearItem) -> dict:
    return {"id": item.id, "type": item.type, "label": item.label, "text": item.text, "section": item.section,
            "group": item.group, "place": item.place, "where": item.where(), "year": item.year,
            "focus_area": {"id": item.focus_area, "notation": item.place, "label": item.focus_label}}


def change_json(change: Change) -> dict:
    out = {"status": change.status, "status_label": STATUS_LABELS[change.status], "type": change.type,
           "from": [node_json(i) for i in change.old], "to": [node_json(i) for i in change.new],
           "confidence": round(change.confidence, 3), "why": change.why,
           "links": [link.to_json() for link in change.links]}
    if change.old and change.new and change.status != "unchanged":
        removed, added = changed_words([i.text for i in change.old], [i.text for i in change.new])
        out["words"] = {"removed": removed, "added": added}
    if change.nearest is not None:
        out["nearest"] = {**node_json(change.nearest), "confidence": round(change.nearest_confidence, 3)}
    return out


def side_by_side(change: Change) -> tuple[list[list[dict]], list[list[dict]]]:
    """Each old and each new text as segments, the changed words marked (textdiff.word_marks)."""
    olds, news = [i.text for i in change.old], [i.text for i in change.new]
    if olds and news:
        return word_marks(olds, news)
    plain = [[{"text": t, "changed": False}] for t in olds + news]
    return (plain, []) if olds else ([], plain)


@dataclass
class Diff:
    comparison: Comparison
    years: list[str]

    @property
    def old_year(self) -> str:
        return self.comparison.old_year

    @property
    def new_year(self) -> str:
        return self.comparison.new_year

    @property
    def measures(self) -> list[Change]:
        return self.comparison.of_type("Measure")

    @property
    def others(self) -> list[Change]:
        return [c for c in self.comparison.changes if c.type != "Measure"]

    def counts(self, changes: list[Change] | None = None) -> dict[str, int]:
        changes = self.measures if changes is None else changes
        return {s: sum(1 for c in changes if c.status == s) for s in STATUSES}

    def focus_areas(self) -> list[dict]:
        """Per focus area (by number): measures before and after, and how many carried over
        unchanged, changed (reworded, merged, split, moved within the area), came (new, moved in)
        and went (dropped, moved out)."""
        rows: dict[str, dict] = {}

        def row(item: YearItem) -> dict:
            r = rows.setdefault(item.place, {"notation": item.place, "label": item.focus_label, "before": 0,
                                             "after": 0, "carried_over": 0, "changed": 0, "came": 0, "went": 0})
            if item.year == self.new_year or not r["label"]:
                r["label"] = item.focus_label
            return r

        for c in self.measures:
            for o in c.old:
                row(o)["before"] += 1
            for n in c.new:
                row(n)["after"] += 1
            old_places = {o.place for o in c.old}
            for n in c.new:
                if c.status == "unchanged":
                    row(n)["carried_over"] += 1
                elif c.status == "new" or n.place not in old_places:
                    row(n)["came"] += 1
                else:
                    row(n)["changed"] += 1
            new_places = {n.place for n in c.new}
            for o in c.old:
                if c.status == "dropped" or o.place not in new_places:
                    row(o)["went"] += 1
        return sorted(rows.values(), key=lambda r: _natural(r["notation"]))

    def themes(self) -> dict[str, list[dict]]:
        """Themes (focus areas, by number) without measures one year and with measures the other."""
        areas = {r["notation"]: r for r in self.focus_areas()}
        gained = [{"notation": k, "label": r["label"], "measures": r["after"]} for k, r in areas.items()
                  if r["before"] == 0 and r["after"] > 0]
        lost = [{"notation": k, "label": r["label"], "measures": r["before"]} for k, r in areas.items()
                if r["before"] > 0 and r["after"] == 0]
        return {"gained": gained, "lost": lost}

    def to_json(self) -> dict:
        return {
            "from": self.old_year, "to": self.new_year, "years": self.years,
            "counts": self.counts(), "changes": [change_json(c) for c in self.measures],
            "lineage": [change_json(c) for c in self.others], "lineage_counts": self.counts(self.others),
            "focus_areas": self.focus_areas(), "themes": self.themes(),
        }

    def csv_rows(self) -> list[dict]:
        rows = []
        for c in self.measures + self.others:
            removed, added = (changed_words([i.text for i in c.old], [i.text for i in c.new])
                              if c.old and c.new and c.status != "unchanged" else ([], []))
            rows.append({
                "status": c.status, "endring": STATUS_LABELS[c.status], "type": c.type,
                "fra_id": " | ".join(i.id for i in c.old), "fra_tekst": " | ".join(i.text for i in c.old),
                "fra_sted": " | ".join(i.where() for i in c.old),
                "til_id": " | ".join(i.id for i in c.new), "til_tekst": " | ".join(i.text for i in c.new),
                "til_sted": " | ".join(i.where() for i in c.new),
                "sikkerhet": round(c.confidence, 3), "begrunnelse": c.why,
                "fjernede_ord": "; ".join(removed), "nye_ord": "; ".join(added),
            })
        return rows

    def csv(self) -> bytes:
        return csv_bytes(CSV_COLUMNS, self.csv_rows())


def _natural(text: str) -> list:
    return [(0, int(t), "") if t.isdigit() else (1, 0, t) for t in re.split(r"(\d+)", text) if t]


def pick_years(reader, old: str | None, new: str | None) -> tuple[str, str, list[str]]:
    """The two years to compare: as given (checked), the newest for `new`, the year before `new`
    for `old`. UserError when the graph holds fewer than two years or `old` is not before `new`."""
    found = years(reader)
    if len(found) < 2:
        have = found[0] if found else "ingen"
        raise UserError(f"Grafen har bare ett programår ({have}); bygg med dokumentene for to år, f.eks. "
                        "regiongraf build handlingsprogram-2025.txt handlingsprogram-2026.txt.")
    new_year = resolve_year(reader, new)
    if old is None or str(old).strip() == "":
        earlier = [y for y in found if y < new_year]
        if not earlier:
            raise UserError(f"Det finnes ikke noe programår før {new_year} i grafen (årene: {', '.join(found)}).")
        old_year = earlier[-1]
    else:
        old_year = resolve_year(reader, old)
    if old_year >= new_year:
        raise UserError(f"Sammenlign et tidligere år med et senere: {old_year} er ikke før {new_year}.")
    return old_year, new_year, found


def diff_years(matcher, old: str | None = None, new: str | None = None) -> Diff:
    """What became of each item of year `old` in year `new`, from the graph and the search index
    the matcher reads, with the staff's decisions on lineage links applied."""
    reader = matcher.store.reader()
    base = matcher.settings.base_iri
    old_year, new_year, found = pick_years(reader, old, new)
    context = Context.of(matcher.index, Decisions(read_reviews(reader, base), lineage=True))
    comparison = compare(year_items(reader, base, old_year), year_items(reader, base, new_year), context)
    return Diff(comparison, found)
