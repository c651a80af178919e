"""Staff decisions applied to what the matcher proposes: the step after scoring.

The decisions themselves are linked data (graph/reviews.py); this module only reads them
and applies them to pair dicts ({"a": NODE, "b": NODE, "score", "kind", "why", ...}) and to
the items of a similar list, whatever scored them. Decisions beat the model:

- a rejected pair is dropped (with `include_rejected` it stays, with its model kind and a
  "review" saying who rejected it and why);
- an accepted pair becomes kind "confirmed" with confidence 1 (the model's kind is kept as
  "model_kind"), is listed first, and is listed even when the model did not propose it;
- a decision whose nodes no longer both exist is inactive and not applied.

    decisions = Decisions(read_reviews(reader, base))
    decisions.apply_to_pairs(pairs, include_rejected=False) -> pairs
    decisions.apply_to_similar(node_id, items, include_rejected=False) -> items
    decisions.decided(a, b) -> Review | None      (inferred links skip every decided pair)
    judged_pairs(decisions) -> [{"a", "b", "label", ...}]   reviewed pairs as judged data (calibrate)
    Decisions(reviews, lineage=True)              the decisions on lineage links instead
                                                  (matching/lineage.py applies them)
"""

from __future__ import annotations

from graph.reviews import Review, pair_key

CONFIRMED = "confirmed"


class Decisions:
    def __init__(self, reviews: list[Review], lineage: bool = False):
        """The active decisions on pairs (duplicates, overlaps), or with `lineage` on lineage links
        (a node and its counterpart in another programme year); the two never mix."""
        self.all = [r for r in reviews if r.lineage == lineage]
        self.by_pair: dict[frozenset, Review] = {r.key: r for r in self.all if r.active}

    def __len__(self) -> int:
        return len(self.by_pair)

    def decided(self, a: str, b: str) -> Review | None:
        return self.by_pair.get(pair_key(a, b))

    def rejected(self, a: str, b: str) -> bool:
        r = self.decided(a, b)
        return r is not None and r.decision == "reject"

    @property
    def accepted(self) -> list[Review]:
        return [r for r in self.by_pair.values() if r.decision == "accept"]

    @property
    def rejected_count(self) -> int:
        return sum(1 for r in self.by_pair.values() if r.decision == "reject")

    def involving(self, node: str) -> list[Review]:
        return [r for r in self.by_pair.values() if node in (r.a, r.b)]

    # -- applying ----------------------------------------------------------------------
    @staticmethod
    def annotate(item: dict, review: Review) -> dict:
        """The decision on one pair or similar item (a new dict; the input is left alone)."""
        out = dict(item)
        out["review"] = {"decision": review.decision, "note": review.note, "by": review.by, "date": review.date,
                         "id": review.id}
        if review.decision == "accept":
            out["model_kind"] = item.get("kind")
            out["kind"] = CONFIRMED
            out["confidence"] = 1.0
        return out

    def apply_to_pairs(self, pairs: list[dict], include_rejected: bool = False,
                       missing_confirmed: list[dict] | None = None) -> list[dict]:
        """Pairs best first, decisions applied; `missing_confirmed` are accepted pairs the model
        did not propose (built by the caller, which knows how to score a pair)."""
        confirmed, rest = [], []
        for p in pairs:
            review = self.decided(p["a"]["id"], p["b"]["id"])
            if review is None:
                rest.append(p)
            elif review.decision == "accept":
                confirmed.append(self.annotate(p, review))
            elif include_rejected:
                rest.append(self.annotate(p, review))
        for p in missing_confirmed or []:
            confirmed.append(self.annotate(p, self.decided(p["a"]["id"], p["b"]["id"])))
        return confirmed + rest

    def apply_to_similar(self, node: str, items: list[dict], include_rejected: bool = False,
                         missing_confirmed: list[dict] | None = None) -> list[dict]:
        """Like apply_to_pairs, for the items of `similar` (each item is the other node)."""
        confirmed, rest = [], []
        for item in items:
            review = self.decided(node, item["id"])
            if review is None:
                rest.append(item)
            elif review.decision == "accept":
                confirmed.append(self.annotate(item, review))
            elif include_rejected:
                rest.append(self.annotate(item, review))
        for item in missing_confirmed or []:
            confirmed.append(self.annotate(item, self.decided(node, item["id"])))
        return confirmed + rest

    def unlisted_accepted(self, listed: list[tuple[str, str]], node: str | None = None) -> list[Review]:
        """Accepted decisions (involving `node`, if given) whose pair is not among `listed`."""
        seen = {pair_key(a, b) for a, b in listed}
        return [r for r in self.accepted if r.key not in seen and (node is None or node in (r.a, r.b))]


def judged_pairs(decisions: Decisions) -> list[dict]:
    """The active decisions as judged pairs for fitting the overlap confidence: label 1 = accepted."""
    return [{"a": r.a, "b": r.b, "label": 1 if r.decision == "accept" else 0, "decision": r.decision,
             "source": "review", "by": r.by, "date": r.date} for r in decisions.by_pair.values()]
