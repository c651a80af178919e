"""Staff decisions on proposed pairs, as linked data in the named graph {base}/graph/reviews.

One decision per pair of nodes (in either order); a later decision on the same pair replaces
the earlier one. Each is an SSSOM mapping record, written like the machine's records in
{base}/graph/inferred (matching/inferred.py) but justified by manual curation:

    <{base}/graph/reviews#review-…> a sssom:Mapping, prov:Entity ;
        sssom:subject_id <a> ; sssom:object_id <b> ; sssom:predicate_id skos:closeMatch ;
        sssom:predicate_modifier "Not" ;                       # only when rejected
        sssom:mapping_justification semapv:ManualMappingCuration ;
        sssom:confidence 1.0 ; sssom:subject_label … ; sssom:object_label … ;
        sssom:author_label "Kari" ; dct:creator <…#agent-kari> ; prov:wasAttributedTo <…#agent-kari> ;
        sssom:mapping_date "2026-03-02"^^xsd:date ; prov:generatedAtTime "…"^^xsd:dateTime ;
        sssom:comment "…"@nb .

An accepted pair is also the plain triple a skos:closeMatch b (both ways; SKOS declares it
symmetric) in the same graph: curated, not inferred.

A pair of two programme nodes of different years is a decision on *lineage* (matching/lineage.py):
the same record with sssom:predicate_id prov:wasRevisionOf, the newer node as subject; accepted,
it is the plain triple newer prov:wasRevisionOf older. The review loop is one and the same; the
predicate tells the two apart (`Review.lineage`). closeMatch rather than relatedMatch
because accepting says "these are the same proposal, or should be handled as one"; a
pair that is only worth knowing about is simply not rejected. A rejected pair is the
negated mapping (SSSOM's predicate_modifier Not) and no triple.

A decision stays in the graph when one of its nodes disappears (a list removed, a measure
renumbered), but is not applied: it is *inactive*, and its closeMatch triples are left out
until both nodes exist again. `sync_review_links` keeps that true; the application layer
runs it in every write (service/application.py), in the same store generation.

    new_review(reader, base, a, b, decision, note, by) -> Review  checked: nodes exist, fields valid
    read_reviews(reader, base) -> list[Review]                  every decision, with `active`
    record_review(writable, base, review) -> Review | None       the decision it replaced
    sync_review_links(writable, base) -> int                     closeMatch triples written
    node_exists(reader, base, iri) -> bool
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

import pyoxigraph as ox

from graph.errors import NotFound, UserError
from graph.iri import expand, graph_iri, slug
from graph.namespaces import DCTERMS, PROV, RDF, RDFS, SEMAPV, SKOS, SSSOM, XSD
from graph.revision import DERIVED_GRAPHS
from graph.views.describe import NodeNames
from graph.years import year_of

DECISIONS = ("accept", "reject")
NOT = "Not"  # SSSOM predicate_modifier: the mapping does not hold
PREDICATE = str(SKOS.closeMatch)
REVISION = str(PROV.wasRevisionOf)  # a decision on lineage: subject = the newer node
MANUAL = str(SEMAPV.ManualMappingCuration)


@dataclass
class Review:
    a: str
    b: str
    decision: str  # accept | reject
    note: str | None = None
    by: str | None = None
    date: str = ""  # sssom:mapping_date, YYYY-MM-DD
    time: str = ""  # prov:generatedAtTime, ISO 8601 UTC
    a_label: str | None = None
    b_label: str | None = None
    active: bool = True  # both nodes exist in the graph
    missing: list[str] = field(default_factory=list)  # the nodes that do not
    id: str = ""  # the mapping record's IRI
    predicate: str = PREDICATE  # skos:closeMatch (a pair) or prov:wasRevisionOf (lineage: a = newer)

    @property
    def key(self) -> frozenset[str]:
        return pair_key(self.a, self.b)

    @property
    def lineage(self) -> bool:
        return self.predicate == REVISION

    def to_json(self) -> dict:
        return asdict(self)


def pair_key(a: str, b: str) -> frozenset[str]:
    return frozenset((a, b))


def reviews_graph(base: str) -> str:
    return str(graph_iri(base, "reviews"))


def record_iri(base: str, a: str, b: str) -> str:
    key = hashlib.sha1("|".join(sorted((a, b))).encode()).hexdigest()[:16]
    return f"{reviews_graph(base)}#review-{key}"


def agent_iri(base: str, name: str) -> str:
    return f"{reviews_graph(base)}#agent-{slug(name)}"


def _n(iri) -> ox.NamedNode:
    return ox.NamedNode(str(iri))


def _lit(value, datatype=XSD.string, lang: str | None = None) -> ox.Literal:
    if lang:
        return ox.Literal(str(value), language=lang)
    return ox.Literal(str(value), datatype=_n(datatype))


# -- reading -----------------------------------------------------------------------------
def _source_graphs(reader: ox.Store, base: str) -> list[str]:
    """The named graphs a node must be typed in to exist: all but the reviews and the derived graphs."""
    skip = {reviews_graph(base)} | {str(graph_iri(base, name)) for name in DERIVED_GRAPHS}
    return sorted(g.value for g in reader.named_graphs() if g.value not in skip)


def existing_nodes(reader: ox.Store, base: str, iris) -> set[str]:
    """Those of `iris` that are typed nodes in a source graph (not only named by a review or an inference).

    Each source graph is named in the query (a UNION), not reached through `GRAPH ?g` and a FILTER
    on ?g: on a remote store the graph names are rewritten only where a query names them
    (graph/remote/rewrite.py), and Virtuoso answers `FILTER(EXISTS …)` after a BIND as true for any
    node and gives `BIND(EXISTS …)` as 1/0 integers instead of booleans."""
    iris = sorted(set(iris))
    graphs = _source_graphs(reader, base)
    if not iris or not graphs:
        return set()
    values = " ".join(str(_n(iri)) for iri in iris)
    union = " UNION ".join(f"{{ GRAPH {_n(g)} {{ ?n a ?t }} }}" for g in graphs)
    return {r["n"].value for r in reader.query(f"SELECT DISTINCT ?n WHERE {{ VALUES ?n {{ {values} }} {union} }}")}


def node_exists(reader: ox.Store, base: str, iri: str) -> bool:
    """True when `iri` is a typed node in a source graph (not only named by a review or an inference)."""
    return iri in existing_nodes(reader, base, [iri])


def read_reviews(reader: ox.Store, base: str) -> list[Review]:
    """Every decision in the reviews graph, oldest first, each saying whether it applies now."""
    g = _n(reviews_graph(base))
    if not reader.contains_named_graph(g):
        return []
    rows = reader.query(f"""
        SELECT ?m ?a ?b ?pred ?mod ?note ?by ?date ?time ?al ?bl WHERE {{
          GRAPH {g} {{
            ?m a <{SSSOM.Mapping}> ; <{SSSOM.subject_id}> ?a ; <{SSSOM.object_id}> ?b ;
               <{SSSOM.mapping_justification}> <{MANUAL}> .
            OPTIONAL {{ ?m <{SSSOM.predicate_id}> ?pred }}
            OPTIONAL {{ ?m <{SSSOM.predicate_modifier}> ?mod }}
            OPTIONAL {{ ?m <{SSSOM.comment}> ?note }}
            OPTIONAL {{ ?m <{SSSOM.author_label}> ?by }}
            OPTIONAL {{ ?m <{SSSOM.mapping_date}> ?date }}
            OPTIONAL {{ ?m <{PROV.generatedAtTime}> ?time }}
            OPTIONAL {{ ?m <{SSSOM.subject_label}> ?al }}
            OPTIONAL {{ ?m <{SSSOM.object_label}> ?bl }}
          }}
        }}""")
    rows = list(rows)
    exists = existing_nodes(reader, base, [r[v].value for r in rows for v in ("a", "b")])
    out: dict[str, Review] = {}
    for r in rows:
        m = r["m"].value
        if m in out:  # a record with a repeated optional value (hand-edited): keep the first
            continue
        val = _values(r)
        a, b = r["a"].value, r["b"].value
        a_ok, b_ok = a in exists, b in exists
        out[m] = Review(
            a=a, b=b, decision="reject" if val("mod") == NOT else "accept", note=val("note"), by=val("by"),
            date=val("date") or "", time=val("time") or "", a_label=val("al"), b_label=val("bl"),
            active=a_ok and b_ok, missing=[n for n, ok in ((a, a_ok), (b, b_ok)) if not ok], id=m,
            predicate=REVISION if val("pred") == REVISION else PREDICATE,
        )
    # One decision per pair: should a hand edit leave two records for a pair, the newest wins.
    newest: dict[frozenset, Review] = {}
    for rev in sorted(out.values(), key=_when):
        newest[rev.key] = rev
    return sorted(newest.values(), key=_when)


def _when(rev: Review) -> tuple[float, str]:
    try:
        moment = datetime.fromisoformat(rev.time)
        return ((moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp(), rev.id)
    except ValueError:  # a hand-edited record without a usable time sorts first
        return (0.0, rev.id)


def _values(row):
    def val(name: str) -> str | None:
        return row[name].value if row[name] is not None else None

    return val


# -- writing -----------------------------------------------------------------------------
def _record_quads(base: str, rev: Review) -> list[ox.Quad]:
    g = _n(reviews_graph(base))
    m = _n(rev.id)
    quads = []

    def add(s, p, o):
        quads.append(ox.Quad(s, _n(p), o, g))

    add(m, RDF.type, _n(SSSOM.Mapping))
    add(m, RDF.type, _n(PROV.Entity))
    add(m, SSSOM.subject_id, _n(rev.a))
    add(m, SSSOM.predicate_id, _n(rev.predicate))
    add(m, SSSOM.object_id, _n(rev.b))
    if rev.decision == "reject":
        add(m, SSSOM.predicate_modifier, _lit(NOT))
    add(m, SSSOM.mapping_justification, _n(MANUAL))
    add(m, SSSOM.confidence, _lit("1.0", XSD.double))
    if rev.a_label:
        add(m, SSSOM.subject_label, _lit(rev.a_label, lang="nb"))
    if rev.b_label:
        add(m, SSSOM.object_label, _lit(rev.b_label, lang="nb"))
    if rev.by:
        agent = _n(agent_iri(base, rev.by))
        add(m, SSSOM.author_label, _lit(rev.by))
        add(m, DCTERMS.creator, agent)
        add(m, PROV.wasAttributedTo, agent)
        add(agent, RDF.type, _n(PROV.Agent))
        add(agent, RDF.type, _n(DCTERMS.Agent))
        add(agent, RDFS.label, _lit(rev.by))
    add(m, SSSOM.mapping_date, _lit(rev.date, XSD.date))
    add(m, PROV.generatedAtTime, _lit(rev.time, XSD.dateTime))
    if rev.note:
        add(m, SSSOM.comment, _lit(rev.note, lang="nb"))
    return quads


def _remove_record(store: ox.Store, base: str, record: str) -> None:
    g = _n(reviews_graph(base))
    m = _n(record)
    agents = {q.object for q in store.quads_for_pattern(m, _n(DCTERMS.creator), None, g)}
    for q in list(store.quads_for_pattern(m, None, None, g)):
        store.remove(q)
    for agent in agents:  # an agent no other decision names goes with it
        if not any(True for _ in store.quads_for_pattern(None, None, agent, g)):
            for q in list(store.quads_for_pattern(agent, None, None, g)):
                store.remove(q)


def _describe_graph(store: ox.Store, base: str) -> None:
    g = _n(reviews_graph(base))
    for p, o in ((RDF.type, _n(PROV.Entity)), (RDFS.label, _lit("Vurderte par", lang="nb")),
                 (RDFS.label, _lit("Reviewed pairs", lang="en"))):
        store.add(ox.Quad(g, _n(p), o, g))


def record_review(store: ox.Store, base: str, rev: Review) -> Review | None:
    """Write one decision into a writable store, replacing any earlier one on the same pair
    (in either order). Returns the decision it replaced, if any."""
    rev.id = record_iri(base, rev.a, rev.b)
    previous = next((r for r in read_reviews(store, base) if r.key == rev.key), None)
    for record in {rev.id} | ({previous.id} if previous else set()):
        _remove_record(store, base, record)
    _describe_graph(store, base)
    store.extend(_record_quads(base, rev))
    return previous


def sync_review_links(store: ox.Store, base: str) -> int:
    """Make the reviews graph's skos:closeMatch (pairs) and prov:wasRevisionOf (lineage) triples
    say exactly: accepted and active.

    Runs in every write, so that a decision whose node vanished stops linking to it in the
    same generation (and links again when the node comes back).
    """
    g = _n(reviews_graph(base))
    if not store.contains_named_graph(g):
        return 0
    close, revision = _n(PREDICATE), _n(REVISION)
    for predicate in (close, revision):
        for q in list(store.quads_for_pattern(None, predicate, None, g)):
            store.remove(q)
    count = 0
    for rev in read_reviews(store, base):
        if rev.decision == "accept" and rev.active:
            a, b = _n(rev.a), _n(rev.b)
            if rev.lineage:
                store.add(ox.Quad(a, revision, b, g))
                count += 1
                continue
            store.add(ox.Quad(a, close, b, g))
            store.add(ox.Quad(b, close, a, g))
            count += 2
    return count


# -- a new decision, checked ---------------------------------------------------------------
MAX_NOTE = 2000
MAX_BY = 200


def _text(value, name: str, limit: int) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise UserError(f"«{name}» må være en tekst.")
    text = " ".join(value.split()) if name == "by" else value.strip()
    if len(text) > limit:
        raise UserError(f"«{name}» er for lang (høyst {limit} tegn).")
    return text or None


def new_review(reader: ox.Store, base: str, a: str, b: str, decision: str, note: str | None = None,
               by: str | None = None, now: datetime | None = None) -> Review:
    """A decision on the pair (a, b), each given as an IRI or short form, checked against the graph.

    Raises UserError naming the field at fault (`a`, `b`, `decision`, `note`, `by`), or
    NotFound (HTTP 404) when a node is well-formed but not in the graph.
    """
    decision = str(decision or "").strip().lower()
    if decision not in DECISIONS:
        raise UserError(f"«decision» må være «accept» (godta) eller «reject» (avvis), ikke «{decision}».")
    ids = {}
    for name, given in (("a", a), ("b", b)):
        if not isinstance(given, str) or not given.strip():
            raise UserError(f"«{name}» mangler; oppgi noden som IRI eller kortform som measure/2025-4.1-3.")
        try:
            ids[name] = expand(base, given)
        except UserError as err:
            raise type(err)(f"«{name}»: {err}") from None
        if not node_exists(reader, base, ids[name]):
            raise NotFound(f"«{name}»: fant ingen node {ids[name]} i grafen.")
    if ids["a"] == ids["b"]:
        raise UserError("«b» er samme node som «a»; en vurdering gjelder to ulike noder.")
    predicate = PREDICATE
    years = (year_of(base, ids["a"]), year_of(base, ids["b"]))
    if None not in years and years[0] != years[1]:
        # Two years: a decision on lineage, the newer node first (newer prov:wasRevisionOf older).
        predicate = REVISION
        if years[0] < years[1]:
            ids["a"], ids["b"] = ids["b"], ids["a"]
    names = NodeNames(reader)
    now = now or datetime.now(UTC)
    return Review(
        a=ids["a"], b=ids["b"], decision=decision, note=_text(note, "note", MAX_NOTE), by=_text(by, "by", MAX_BY),
        date=now.astimezone(UTC).date().isoformat(), time=now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        a_label=names(ids["a"])["label"], b_label=names(ids["b"])["label"], predicate=predicate,
    )
