"""Lineage: what became of each item of one programme year in the next.

    compare(old, new, context) -> Comparison        old, new: YearItems (graph/years.py) of two years
    Context.of(index, decisions)                    vectors, stems, decisions, model (matching/lineage_pairs.py)
    fit_calibrator(rows) -> Calibrator              from judged pairs (bench/lineage_quality.py --fit)

Each challenge, goal, sub-goal, strategy and measure of the newer year is linked to its
counterpart(s) in the older one, within its kind, in six steps:

1. staff decisions: an accepted pair is linked (confidence 1), a rejected pair never is
   (the review loop of overlaps, graph/reviews.py; decisions win over the model);
2. anchors: items with the same words (case, punctuation and spacing aside) are linked one
   to one, those in the same place first. The anchors that keep their order split both
   documents into hunks, as a text diff does: what stands between the same two anchors in
   both years is likely the same thing rewritten;
3. the rest: every old-new pair of one kind gets a calibrated probability of being linked,
   from the centred e5 cosine of the two texts, the share of their word stems in common,
   whether they stand in the same hunk, whether in the same measure group (or focus area),
   and whether they are each other's best match (of all items of their kind in the other year,
   unchanged ones included, each is the other's most similar text, with a rival on each side:
   what finds a bullet moved and rewritten, which has no hunk or group to help it); one logistic
   model (search/calibration.py), fitted on judged pairs of the hand-made tuning editions
   (matching/lineage_confidence.json). Pairs are linked one to one, most probable first, down to
   CUT; then the model's links within one hunk and one place are put in
   document order (a rewrite keeps the order of its bullets): the probabilities decide which items
   have a counterpart, the order decides which is whose;
4. merges and splits: an item still unlinked joins a linked, changed item of the other year if
   their probability reaches ATTACH_CUT and the item belongs in it: the other holds most of the
   item's stems (CONTAINS), or the item brings words the other's partners lack (the other's stems
   and those of its partners with the item agree better, by FILLS in Dice, than without it: a
   merge written anew), or the probability alone reaches ATTACH_ALONE; never an item whose
   counterpart has its very words (an unchanged measure is not split);
5. runs of rewrites: one old and one new item left alone between the same two neighbouring links
   of their place, at least one of them a rewrite, are linked if their probability reaches
   RUN_CUT. The group rewrote that stretch, so what stands where a rewritten bullet stood is
   likely rewritten too; between two unchanged neighbours a bullet is as often replaced as
   rewritten, so there the model alone decides;
6. status, from the links of each item: one to one with the same text in the same place
   `unchanged`, in another measure group or section (focus area for the other kinds)
   `moved`, else `reworded`; several to one `merged`, one to several `split`; no link
   `dropped` (old) or `new` (new).

Every link carries its confidence and a reason in Norwegian; so does every change.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

import numpy as np

from graph.years import STATUS_LABELS as STATUS_LABELS  # re-exported: the labels of STATUSES
from graph.years import YearItem
from matching.lineage_pairs import FEATURES, Context, Pairs, place_key, same_place
from matching.textdiff import loose, normalise
from search.calibration import Calibrator, fit

STATUSES = ("unchanged", "reworded", "moved", "merged", "split", "dropped", "new")
# Chosen on the tuning editions (bench/editions/, bench/lineage_quality.py): on A and D every cut from
# 0.30 to 0.50 classified the same changes, and CUT sits in the middle of that range. With E added and
# the model refitted on A, D and E, every cut from 0.25 to 0.55 gets all but 6 or 7 of their 79 changes
# right; lower cuts link D's traps (a new bullet where a dropped one stood) when chosen without D
# (leave one edition out), so CUT stays. With F and the mutual best match, left out one edition at a
# time (bench/lineage_quality.py --loeo), every CUT from 0.25 to 0.60 and every ATTACH_CUT from 0.20 to
# 0.60 classifies the tuning editions alike.
CUT = 0.4  # a one-to-one link needs at least this probability
ATTACH_CUT = 0.5  # so does a merge or split link
CONTAINS = 0.6  # share of a left-over item's stems its merge or split partner must hold ...
FILLS = 0.05  # ... or how much closer (Dice) it brings the partners' words to it (0.001-0.10 alike)
ATTACH_ALONE = 0.9  # ... unless their probability alone is this high
# The last pair of a run of rewrites (step 5): left out one edition at a time, every floor from 0.06
# to 0.15 classifies the tuning editions alike; below, F's trap in a run of rewrites is linked, above,
# a rewrite of E or D is lost. RUN_CUT is the middle.
RUN_CUT = 0.1
NEAREST = 0.05  # a new or dropped item names its nearest counterpart from this probability


@dataclass
class Link:
    old: YearItem
    new: YearItem
    confidence: float
    how: str  # decision | same-text | model | attached
    features: dict[str, float] = field(default_factory=dict)
    review: object | None = None  # graph.reviews.Review of an accepted decision

    def to_json(self) -> dict:
        out = {"from": self.old.id, "to": self.new.id, "confidence": round(self.confidence, 3), "how": self.how,
               "features": {k: round(v, 4) for k, v in self.features.items()}}
        if self.review is not None:
            r = self.review
            out["review"] = {"decision": r.decision, "by": r.by, "date": r.date, "note": r.note, "id": r.id}
        return out


@dataclass
class Change:
    status: str
    old: list[YearItem]
    new: list[YearItem]
    confidence: float
    why: str
    links: list[Link] = field(default_factory=list)
    nearest: YearItem | None = None  # new or dropped: the likeliest counterpart, had there been one
    nearest_confidence: float = 0.0

    @property
    def type(self) -> str:
        return (self.new or self.old)[0].type

    @property
    def items(self) -> list[YearItem]:
        return self.old + self.new


@dataclass
class Comparison:
    old_year: str
    new_year: str
    changes: list[Change]

    @property
    def links(self) -> list[Link]:
        return [link for c in self.changes for link in c.links]

    def of_type(self, *types: str) -> list[Change]:
        return [c for c in self.changes if c.type in types]


# -- the comparison --------------------------------------------------------------------
class _Linker:
    def __init__(self, old: list[YearItem], new: list[YearItem], ctx: Context):
        self.ctx = ctx
        self.old, self.new = old, new
        self.pairs = Pairs(old, new, ctx)
        self.links: list[Link] = []
        self.of_old: dict[str, list[Link]] = {}
        self.of_new: dict[str, list[Link]] = {}
        self.rejected: set[tuple[str, str]] = set()

    def link(self, o: YearItem, n: YearItem, confidence: float, how: str, review=None) -> None:
        found = Link(o, n, confidence, how, dict(self.pairs.features(o, n)) if self.pairs.hunk_old else {}, review)
        self.links.append(found)
        self.of_old.setdefault(o.id, []).append(found)
        self.of_new.setdefault(n.id, []).append(found)

    def unlink(self, link: Link) -> None:
        self.links.remove(link)
        for side, item in ((self.of_old, link.old), (self.of_new, link.new)):
            side[item.id].remove(link)
            if not side[item.id]:
                del side[item.id]

    def free(self, item: YearItem) -> bool:
        return item.id not in self.of_old and item.id not in self.of_new

    def allowed(self, o: YearItem, n: YearItem) -> bool:
        return o.type == n.type and (o.id, n.id) not in self.rejected

    def run(self) -> list[Link]:
        self.decisions()
        anchors = self.anchors()
        self.pairs.set_hunks(anchors + [(link.old, link.new) for link in self.links if link.how == "decision"])
        for link in self.links:  # features of the links made before the hunks were known
            link.features = dict(self.pairs.features(link.old, link.new))
            if link.how == "same-text":
                link.confidence = self.pairs.p(link.old, link.new)
        self.one_to_one()
        self.in_order()
        self.merges_and_splits()
        self.runs()
        return self.links

    def decisions(self) -> None:
        for o in self.old:
            for n in self.new:
                review = self.ctx.decided(o.id, n.id)
                if review is None:
                    continue
                if review.decision == "accept":
                    self.link(o, n, 1.0, "decision", review)
                else:
                    self.rejected.add((o.id, n.id))

    def anchors(self) -> list[tuple[YearItem, YearItem]]:
        """Same words, one to one: in the same place first, then the nearest in the document."""
        by_text: dict[tuple[str, str], list[YearItem]] = {}
        for n in self.new:
            if self.free(n):
                by_text.setdefault((n.type, loose(n.text)), []).append(n)
        candidates = []
        for o in self.old:
            if not self.free(o):
                continue
            for n in by_text.get((o.type, loose(o.text)), []):
                if self.allowed(o, n):
                    candidates.append((not same_place(o, n), o.section != n.section, abs(o.line - n.line), o, n))
        candidates.sort(key=lambda c: (c[0], c[1], c[2], c[3].id, c[4].id))
        out = []
        for *_, o, n in candidates:
            if self.free(o) and self.free(n):
                self.link(o, n, 1.0, "same-text")
                out.append((o, n))
        return out

    def one_to_one(self) -> None:
        scored = []
        for o in self.old:
            if not self.free(o):
                continue
            for n in self.new:
                if self.free(n) and self.allowed(o, n):
                    p = self.pairs.p(o, n)
                    if p >= CUT:
                        scored.append((-p, o.line, n.line, o, n))
        scored.sort(key=lambda s: s[:3])
        for neg_p, _, _, o, n in scored:
            if self.free(o) and self.free(n):
                self.link(o, n, -neg_p, "model")

    def in_order(self) -> None:
        """The model's one-to-one links of one hunk and one place, paired again in document order.

        When several paraphrased items stand between the same two anchors in the same measure
        group (focus area for the other kinds) in both years, the most probable pair first can
        cross two links: the first old item to the second new one and the second to the first.
        The group work rewrites bullets where they stand; no in-place link of the tuning editions'
        truth tables crosses another (bench/editions/README.md). So the items greedy linked keep
        their links, in order: the k-th old item goes with the k-th new one. Links made by staff
        decisions and by the same words, and links to another place (moves), are left as they are.
        """
        groups: dict[tuple, list[Link]] = {}
        for link in self.links:
            o, n = link.old, link.new
            hunk = self.pairs.hunk_old.get(o.id)
            if link.how == "model" and same_place(o, n) and hunk == self.pairs.hunk_new.get(n.id):
                groups.setdefault((hunk, o.type, place_key(o)), []).append(link)
        for links in groups.values():
            olds = sorted((link.old for link in links), key=lambda i: i.line)
            news = sorted((link.new for link in links), key=lambda i: i.line)
            ordered = list(zip(olds, news, strict=True))
            if {(link.old.id, link.new.id) for link in links} == {(o.id, n.id) for o, n in ordered}:
                continue
            if not all(self.allowed(o, n) for o, n in ordered):
                continue
            for link in links:
                self.unlink(link)
            for o, n in ordered:
                self.link(o, n, self.pairs.p(o, n), "model")

    def merges_and_splits(self) -> None:
        """Left-over items join a changed, linked item that holds most of their words."""
        progress = True
        while progress:
            progress = False
            for o in self.old:
                best = None if o.id in self.of_old else self._partner(o, new_side=False)
                if best is not None:
                    self.link(o, best, self.pairs.p(o, best), "attached")
                    progress = True
            for n in self.new:
                best = None if n.id in self.of_new else self._partner(n, new_side=True)
                if best is not None:
                    self.link(best, n, self.pairs.p(best, n), "attached")
                    progress = True

    def _partner(self, item: YearItem, new_side: bool) -> YearItem | None:
        """The linked item of the other year that `item` (left over) belongs with, if any."""
        best, best_p = None, ATTACH_CUT
        others = self.old if new_side else self.new
        linked = self.of_old if new_side else self.of_new
        for other in others:
            if other.id not in linked:
                continue
            o, n = (other, item) if new_side else (item, other)
            if not self.allowed(o, n):
                continue
            p = self.pairs.p(o, n)
            partners = [link.new if new_side else link.old for link in linked[other.id]]
            if (self.pairs.contains(item, other) < CONTAINS and p < ATTACH_ALONE
                    and self.pairs.fills(item, partners, other) < FILLS):
                continue
            # An item whose counterpart has its very words is whole: it was not split or merged.
            if any(normalise(x.text) == normalise(other.text) for x in partners):
                continue
            if p >= best_p:
                best, best_p = other, p
        return best

    def runs(self) -> None:
        """The last pair left in a run of rewrites (step 5): one old and one new item, the only ones
        left between the same two neighbouring links of their place (measure group, or focus area;
        the place's start or end counts as a neighbour), in order in both years, at least one of
        the two neighbours rewritten (not the same text).

        E.g. three adjacent bullets of a group rewritten, two linked by step 3, the third pair too
        unlike to reach CUT: it stands where a rewritten bullet stood, next to a rewritten neighbour,
        and is linked if its probability reaches RUN_CUT. Between two unchanged neighbours a bullet
        is as often replaced as rewritten (the tuning editions' traps), so such a pair is left to the
        model; so is any gap with more than one item left on either side.
        """
        places: dict[tuple, list[Link]] = {}
        for link in self.links:
            if same_place(link.old, link.new):
                places.setdefault((link.old.type, place_key(link.old)), []).append(link)
        left_old = [o for o in self.old if o.id not in self.of_old]
        left_new = [n for n in self.new if n.id not in self.of_new]
        for key, links in places.items():
            links.sort(key=lambda link: (link.old.line, link.new.line))
            bounds = [None, *links, None]
            for before, after in itertools.pairwise(bounds):
                if not any(x is not None and normalise(x.old.text) != normalise(x.new.text) for x in (before, after)):
                    continue
                lo_old, lo_new = (before.old.line, before.new.line) if before else (-1, -1)
                hi_old, hi_new = (after.old.line, after.new.line) if after else (float("inf"), float("inf"))
                if lo_new >= hi_new:
                    continue  # crossed or shared (a merge): no gap
                olds = [o for o in left_old if (o.type, place_key(o)) == key and lo_old < o.line < hi_old]
                news = [n for n in left_new if (n.type, place_key(n)) == key and lo_new < n.line < hi_new]
                if len(olds) == len(news) == 1 and self.allowed(olds[0], news[0]):
                    p = self.pairs.p(olds[0], news[0])
                    if p >= RUN_CUT:
                        self.link(olds[0], news[0], p, "model")


def compare(old: list[YearItem], new: list[YearItem], ctx: Context) -> Comparison:
    """What became of each item of the older year (`old`) in the newer one (`new`)."""
    old_year = old[0].year if old else ""
    new_year = new[0].year if new else ""
    linker = _Linker(old, new, ctx)
    linker.run()
    changes = _changes(linker, old_year, new_year)
    return Comparison(old_year, new_year, changes)


def _changes(linker: _Linker, old_year: str, new_year: str) -> list[Change]:
    """Connected groups of links, each one change; unlinked items are dropped or new."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for link in linker.links:
        parent[find(link.old.id)] = find(link.new.id)
    groups: dict[str, tuple[list[YearItem], list[YearItem], list[Link]]] = {}
    for o in linker.old:
        if o.id in linker.of_old:
            groups.setdefault(find(o.id), ([], [], []))[0].append(o)
    for n in linker.new:
        if n.id in linker.of_new:
            groups.setdefault(find(n.id), ([], [], []))[1].append(n)
    for link in linker.links:
        groups[find(link.new.id)][2].append(link)
    changes = []
    for olds, news, links in groups.values():
        status = _status(olds, news)
        confidence = min(link.confidence for link in links)
        changes.append(Change(status, olds, news, confidence, _why(status, olds, news, links, linker, new_year),
                              links))
    pairs = linker.pairs
    for o in linker.old:
        if o.id not in linker.of_old:
            best = max(((pairs.p(o, n), n) for n in linker.new if linker.allowed(o, n)), default=(0.0, None),
                       key=lambda t: t[0])
            changes.append(Change("dropped", [o], [], 1.0 - best[0],
                                  _why_alone("dropped", best, new_year, old_year), [], best[1], best[0]))
    for n in linker.new:
        if n.id not in linker.of_new:
            best = max(((pairs.p(o, n), o) for o in linker.old if linker.allowed(o, n)), default=(0.0, None),
                       key=lambda t: t[0])
            changes.append(Change("new", [], [n], 1.0 - best[0], _why_alone("new", best, new_year, old_year), [],
                                  best[1], best[0]))
    changes.sort(key=_order)
    return changes


def _order(change: Change) -> tuple:
    first = (change.new or change.old)[0]
    return (_natural(first.section), first.line, first.id)


def _natural(text: str) -> list:
    return [(0, int(t), "") if t.isdigit() else (1, 0, t) for t in re.split(r"(\d+)", text) if t]


def _status(olds: list[YearItem], news: list[YearItem]) -> str:
    if len(olds) == 1 and len(news) == 1:
        o, n = olds[0], news[0]
        if not same_place(o, n):
            return "moved"
        return "unchanged" if normalise(o.text) == normalise(n.text) else "reworded"
    return "merged" if len(olds) >= len(news) else "split"


def _pct(x: float) -> str:
    return f"{round(100 * x)} %"


def _why(status: str, olds, news, links: list[Link], linker: _Linker, new_year: str) -> str:
    pairs = linker.pairs
    o, n = olds[0], news[0]
    if status == "unchanged":
        text = f"Samme tekst på samme sted ({n.where()})."
    elif status == "reworded":
        text = (f"Omformulert på samme sted ({n.where()}); {_pct(pairs.features(o, n)['shared_words'])} av "
                "ordstammene er felles.")
    elif status == "moved":
        text = f"Flyttet fra {o.where()} til {n.where()}; "
        text += ("uendret tekst." if normalise(o.text) == normalise(n.text) else
                 f"også omformulert ({_pct(pairs.features(o, n)['shared_words'])} felles ordstammer).")
    elif status == "merged":
        held = ", ".join(_pct(pairs.contains(x, n)) for x in olds)
        text = (f"Slått sammen: {len(olds)} punkter fra {o.year} ble {'ett' if len(news) == 1 else len(news)} "
                f"i {new_year}; det nye rommer {held} av ordstammene deres.")
    else:
        held = ", ".join(_pct(pairs.contains(x, o)) for x in news)
        text = (f"Delt: ett punkt fra {o.year} ble {len(news)} i {new_year}; {held} av ordstammene i de nye "
                "står i det gamle.")
    for link in links:
        r = link.review
        if r is not None:
            who = f" av {r.by}" if r.by else ""
            text += f" Koblingen {link.old.short_id} → {link.new.short_id} er bekreftet{who} {r.date}."
    return text


def _why_alone(status: str, best: tuple[float, YearItem | None], new_year: str, old_year: str) -> str:
    p, other = best
    text = f"Ingen etterfølger i {new_year}." if status == "dropped" else f"Ingen forgjenger i {old_year}."
    if other is not None and p >= NEAREST:
        text += f" Nærmest: «{other.label}» ({other.short_id}, sannsynlighet {_pct(p)})."
    return text


# -- fitting ---------------------------------------------------------------------------------
def judged_rows(old: list[YearItem], new: list[YearItem], ctx: Context, truth: set[tuple[str, str]]) -> list[dict]:
    """Every old-new pair of one kind that steps 3 to 5 would score (the anchors of step 2 taken
    out), with its features and whether it is a link in `truth` ({(old id, new id)})."""
    linker = _Linker(old, new, ctx)
    linker.decisions()
    anchors = linker.anchors()
    linker.pairs.set_hunks(anchors)
    anchored = {o.id for o, _ in anchors} | {n.id for _, n in anchors}
    rows = []
    for o in old:
        for n in new:
            if o.type != n.type or o.id in anchored or n.id in anchored:
                continue
            rows.append({"old": o.id, "new": n.id, "type": o.type, **linker.pairs.features(o, n),
                         "label": int((o.id, n.id) in truth)})
    return rows


def fit_calibrator(rows: list[dict], l2: float = 1.0, meta: dict | None = None) -> Calibrator:
    """The lineage confidence: logistic regression over FEATURES (no isotonic step: the judged
    pairs are few and nearly separable, and isotonic steps would claim 0 and 1)."""
    X = np.array([[r[f] for f in FEATURES] for r in rows], dtype=np.float64)
    y = np.array([r["label"] for r in rows], dtype=np.float64)
    cal = fit(X, y, list(FEATURES), l2=l2, isotonic=False)
    cal.cuts = {"link": CUT, "attach": ATTACH_CUT}
    cal.meta = meta or {}
    return cal
