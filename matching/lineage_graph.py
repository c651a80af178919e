"""The lineage named graph {base}/graph/lineage: each programme year's items linked to their
counterparts in the year before, as linked data with provenance.

Derived data, like {base}/graph/inferred: recomputed as a whole after every write, once the
search index is up to date (service/application.py), and stamped with the source revision it
was made from (graph/revision.py), so that a lagging lineage graph is caught up at the next
write or start. Staff decisions on lineage links (graph/reviews.py, the review loop of
overlaps) are applied while it is computed: an accepted link is in it with confidence 1, a
rejected one never is.

For consecutive programme years (2025 -> 2026, 2026 -> 2027 ...), every link of
matching/lineage.py becomes

    <new> prov:wasRevisionOf <old> .                 every link
    <new> dct:replaces <old> .                       when the new item merges several old ones
    <{graph}#link-…> a sssom:Mapping, prov:Entity ;  how the link was made
        sssom:subject_id <new> ; sssom:predicate_id prov:wasRevisionOf ; sssom:object_id <old> ;
        sssom:mapping_justification semapv:LexicalMatching (same words) |
            semapv:SemanticSimilarityThresholdMatching (the model) | semapv:ManualMappingCuration ;
        sssom:confidence 0.97 ; sssom:mapping_cardinality "1:1" | "n:1" | "1:n" | "n:n" ;
        rg:changeStatus "reworded" ; sssom:comment "Omformulert på samme sted …"@nb ;
        prov:wasGeneratedBy <{graph}#activity> .

An item of the newer year that revises nothing is new; one of the older year that nothing
revises was dropped (the SPARQL examples in the README ask exactly that).
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pyoxigraph as ox

from graph.iri import graph_iri
from graph.namespaces import DCTERMS, PROV, RDF, RDFS, RG, SEMAPV, SSSOM, XSD
from graph.reviews import read_reviews
from graph.years import year_items, years
from matching.lineage import ATTACH_CUT, CUT, RUN_CUT, Comparison, compare
from matching.lineage_pairs import Context
from matching.reviews import Decisions

JUSTIFICATION = {
    "same-text": str(SEMAPV.LexicalMatching),
    "model": str(SEMAPV.SemanticSimilarityThresholdMatching),
    "attached": str(SEMAPV.SemanticSimilarityThresholdMatching),
    "decision": str(SEMAPV.ManualMappingCuration),
}


@dataclass
class LineageLinks:
    graph: str
    quads: list[ox.Quad]
    comparisons: list[Comparison] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> dict:
        out = {"graph": self.graph, "years": [f"{c.old_year}-{c.new_year}" for c in self.comparisons],
               "links": sum(len(c.links) for c in self.comparisons), "seconds": round(self.seconds, 3)}
        counts: dict[str, int] = {}
        for c in self.comparisons:
            for change in c.changes:
                counts[change.status] = counts.get(change.status, 0) + 1
        out["changes"] = dict(sorted(counts.items()))
        return out


def lineage_graph(base: str) -> str:
    return str(graph_iri(base, "lineage"))


def comparisons(matcher, reader: ox.Store | None = None) -> list[Comparison]:
    """Every consecutive pair of programme years compared, oldest first."""
    base = matcher.settings.base_iri
    reader = reader or matcher.store.reader()
    context = Context.of(matcher.index, Decisions(read_reviews(reader, base), lineage=True))
    found = years(reader)
    return [compare(year_items(reader, base, a), year_items(reader, base, b), context)
            for a, b in zip(found, found[1:], strict=False)]


def _n(iri) -> ox.NamedNode:
    return ox.NamedNode(str(iri))


def _lit(value, datatype=XSD.string, lang: str | None = None) -> ox.Literal:
    if lang:
        return ox.Literal(str(value), language=lang)
    return ox.Literal(str(value), datatype=_n(datatype))


def lineage_quads(base: str, found: list[Comparison], started: str) -> list[ox.Quad]:
    name = _n(lineage_graph(base))
    activity = _n(f"{name.value}#activity")
    now = datetime.now(UTC).isoformat(timespec="seconds")
    quads: list[ox.Quad] = []

    def add(s, p, o) -> None:
        quads.append(ox.Quad(s, _n(p), o, name))

    for comparison in found:
        for change in comparison.changes:
            cardinality = f"{'n' if len(change.old) > 1 else '1'}:{'n' if len(change.new) > 1 else '1'}"
            for link in change.links:
                new, old = _n(link.new.id), _n(link.old.id)
                add(new, PROV.wasRevisionOf, old)
                if change.status == "merged" and len(change.old) > 1:
                    add(new, DCTERMS.replaces, old)
                key = hashlib.sha1(f"{link.new.id}|{link.old.id}".encode()).hexdigest()[:16]
                m = _n(f"{name.value}#link-{key}")
                add(m, RDF.type, _n(SSSOM.Mapping))
                add(m, RDF.type, _n(PROV.Entity))
                add(m, SSSOM.subject_id, new)
                add(m, SSSOM.predicate_id, _n(PROV.wasRevisionOf))
                add(m, SSSOM.object_id, old)
                add(m, SSSOM.subject_label, _lit(link.new.label, lang="nb"))
                add(m, SSSOM.object_label, _lit(link.old.label, lang="nb"))
                add(m, SSSOM.mapping_justification, _n(JUSTIFICATION[link.how]))
                add(m, SSSOM.confidence, _lit(f"{min(1.0, max(0.0, link.confidence)):.4f}", XSD.double))
                add(m, SSSOM.mapping_cardinality, _lit(cardinality))
                add(m, RG.changeStatus, _lit(change.status))
                add(m, SSSOM.comment, _lit(change.why, lang="nb"))
                add(m, SSSOM.mapping_date, _lit(now[:10], XSD.date))
                add(m, PROV.wasGeneratedBy, activity)
                if link.review is not None:
                    add(m, PROV.wasDerivedFrom, _n(link.review.id))
    add(name, RDF.type, _n(PROV.Entity))
    add(name, RDFS.label, _lit("Årganger: hva ble av hvert punkt fra året før", lang="nb"))
    add(name, RDFS.label, _lit("Lineage: what became of each item of the year before", lang="en"))
    add(name, PROV.wasGeneratedBy, activity)
    add(name, PROV.generatedAtTime, _lit(now, XSD.dateTime))
    add(activity, RDF.type, _n(PROV.Activity))
    add(activity, RDFS.label, _lit("Sammenligning av programårene", lang="nb"))
    add(activity, DCTERMS.description, _lit(
        "Items of consecutive programme years linked within their kind: staff decisions first, then the "
        "same words (anchors, which split both documents into hunks), then one-to-one links by a calibrated "
        "logistic model over centred e5 cosine, shared stems, same hunk, same group and mutual best match "
        f"(at least {CUT}), kept in document order within a hunk and place, "
        f"then merges and splits (at least {ATTACH_CUT}), then the last pair of a run of rewrites "
        f"(at least {RUN_CUT}). matching/lineage.py", lang="en"))
    add(activity, PROV.startedAtTime, _lit(started, XSD.dateTime))
    add(activity, PROV.endedAtTime, _lit(now, XSD.dateTime))
    return quads


def lineage_links(matcher, progress=print) -> LineageLinks:
    """The lineage graph's quads for the store and index the matcher reads (nothing is written here)."""
    progress = progress or (lambda *_: None)
    start = time.perf_counter()
    started = datetime.now(UTC).isoformat(timespec="seconds")
    found = comparisons(matcher)
    base = matcher.settings.base_iri
    out = LineageLinks(lineage_graph(base), lineage_quads(base, found, started), found,
                       time.perf_counter() - start)
    if found:
        s = out.summary()
        progress(f"Årganger: {s['links']} koblinger mellom {', '.join(s['years'])} ({out.seconds:.1f} s).")
    return out
