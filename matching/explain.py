"""Why two nodes were matched: the words they share and what they have in common in the graph.

Shared terms are Norwegian stems and compound parts (search/normalise.py, the same
tokenizer as the BM25 index), shown as the word the first text uses ("sykkelparkering"
and "sykkel" share "sykkel"). Shared context is read from the store in one query per
batch: the same focus area, measure group, strategy (curated rg:implements, or inferred
in the inferred graph), actor, and the organisations, plans or projects both mention.
"""

from __future__ import annotations

import pyoxigraph as ox

from graph.iri import graph_iri
from graph.namespaces import RG
from matching.features import LABELS, NAMES
from search.index.normalise import stem, words

RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
MAX_TERMS = 12
RELATIONS = {
    str(RG.focusArea): "same_focus_area",
    str(RG.inGroup): "same_measure_group",
    str(RG.implements): "same_strategy",
    str(RG.proposedBy): "same_actor",
    str(RG.mentions): "both_mention",
}
PHRASES = {
    "same_focus_area": "samme innsatsområde",
    "same_measure_group": "samme tiltaksgruppe",
    "same_strategy": "samme strategi",
    "same_actor": "samme aktør",
    "both_mention": "begge nevner",
}


def surface_terms(tokenizer, text: str) -> dict[str, str]:
    """term -> how to show it: the word whose own stem it is, else the compound part, else the
    compound word itself (for parts too short to read alone, "god" in "godstrafikk")."""
    own: dict[str, str] = {}
    parts: dict[str, str] = {}
    for w in words(text):
        s = stem(w)
        for t in tokenizer(w):
            if t == s:
                own.setdefault(t, w)
            else:
                parts.setdefault(t, t if len(t) >= 4 else w)
    return {**parts, **own}


def shared_terms(tokenizer, text_a: str, text_b: str) -> list[str]:
    a = surface_terms(tokenizer, text_a)
    b = set(surface_terms(tokenizer, text_b))
    order = {t: i for i, t in enumerate(tokenizer(text_a))}
    shown: list[str] = []
    for term, word in sorted(a.items(), key=lambda tw: order.get(tw[0], 0)):
        if term in b and word not in shown and not term.isdigit():
            shown.append(word)
    # A word and its own compound parts say the same thing twice: keep the longest.
    shown = [w for w in shown if not any(w != o and w in o for o in shown)]
    return shown[:MAX_TERMS]


class GraphFacts:
    """Focus areas, groups, strategies, actors and mentions of a set of nodes, with labels."""

    def __init__(self, store: ox.Store, base: str, nodes: list[str]):
        self.facts: dict[str, dict[str, dict[str, bool]]] = {}  # node -> relation -> {target: inferred}
        self.labels: dict[str, str] = {}
        inferred = str(graph_iri(base, "inferred"))
        for chunk in _chunks(sorted(set(nodes)), 500):
            values = " ".join(f"<{n}>" for n in chunk)
            preds = " ".join(f"<{p}>" for p in RELATIONS)
            query = f"""SELECT ?s ?p ?o ?g ?label WHERE {{
                VALUES ?s {{ {values} }} VALUES ?p {{ {preds} }}
                GRAPH ?g {{ ?s ?p ?o }} FILTER(isIRI(?o))
                OPTIONAL {{ ?o <{RDFS_LABEL}> ?label FILTER(LANG(?label) IN ("nb", "")) }} }}"""
            for r in store.query(query, use_default_graph_as_union=True):
                rel = RELATIONS[r["p"].value]
                target = r["o"].value
                is_inferred = r["g"].value == inferred
                per = self.facts.setdefault(r["s"].value, {}).setdefault(rel, {})
                per[target] = per.get(target, True) and is_inferred
                if r["label"] is not None:
                    self.labels.setdefault(target, r["label"].value)

    def shared(self, a: str, b: str) -> list[dict]:
        fa, fb = self.facts.get(a, {}), self.facts.get(b, {})
        out = []
        for rel in RELATIONS.values():
            for target in sorted(set(fa.get(rel, {})) & set(fb.get(rel, {}))):
                item = {"relation": rel, "id": target, "label": self.labels.get(target, target.rsplit("/", 1)[-1])}
                if rel == "same_strategy":
                    item["inferred"] = fa[rel][target] or fb[rel][target]
                out.append(item)
        return out


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def summary(terms: list[str], context: list[dict]) -> str:
    """One Norwegian sentence: "Felles ord: ...; begge: samme innsatsområde «Kraft»."""
    parts = []
    if terms:
        parts.append("felles ord: " + ", ".join(terms))
    if context:
        bits = []
        for c in context:
            extra = " (utledet)" if c.get("inferred") else ""
            bits.append(f"{PHRASES[c['relation']]} «{c['label']}»{extra}")
        parts.append("begge har " + ", ".join(bits))
    if not parts:
        return "Lik betydning uten felles ord eller felles plass i grafen."
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + "."


def reasons(tokenizer, facts: GraphFacts, a_id: str, a_text: str, b_id: str, b_text: str) -> dict:
    terms = shared_terms(tokenizer, a_text, b_text)
    context = facts.shared(a_id, b_id)
    return {"shared_terms": terms, "shared_context": context, "summary": summary(terms, context)}


def evidence(calibrator, features) -> list[dict]:
    """What moved the confidence: each feature's push on the log-odds (weight x standardised
    value, search/calibration.py), strongest first; features the model does not use are left out."""
    values = {n: float(v) for n, v in zip(NAMES, features, strict=True)}
    if list(calibrator.names) != list(NAMES):
        return []
    pushes = calibrator.contributions(values)
    out = [{"feature": n, "label": LABELS.get(n, n), "value": round(values[n], 4), "push": round(p, 3)}
           for n, p in pushes.items() if abs(p) >= 0.05]
    out.sort(key=lambda e: -abs(e["push"]))
    return out
