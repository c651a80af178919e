"""What the graph says about one node: its RDF description and a readable summary.

The RDF description of a node (what its IRI dereferences to) is its *symmetric concise
bounded description* over all named graphs, plus names for its neighbours:

- every triple with the node as subject, following blank-node objects to their end
  (annotations such as PROV-O/SSSOM details of an inferred link come along);
- every triple with the node as object (incoming links: the strategy that supports a
  goal, the group whose skos:member it is), with blank-node subjects followed likewise;
- for every node linked in or out: its rdfs:label, skos:prefLabel and regiongraf type,
  so that a client can show a link without fetching the other end;
- the SSSOM mapping records that name the node (sssom:subject_id / object_id) in full: how an
  inferred or lineage link was made, with its confidence and reason.

Each quad keeps its named graph, so TriG/N-Quads show where a statement comes from
(the programme, curated facts, an import, or machine inference).

The readable summary (`node_view`, for the JSON API and the node page) has the links twice:
`links`/`backlinks` group them by property, as the RDF has them, for scripts; `sections`
groups them by meaning for people, each linked node once: where the node sits (`context`)
is not repeated, a link made both ways (skos:closeMatch) or both curated and inferred is
listed once, curated before inferred. Staff-confirmed pairs (the reviews graph) are their own
group; machine-inferred links come last, each with what the machine thinks it is and its
confidence (sssom:confidence of its mapping record in the inferred graph).
"""

import re
from functools import lru_cache

import pyoxigraph as ox
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS

from graph import ontology
from graph.iri import graph_iri
from graph.names import type_label
from graph.namespaces import RG, SCHEMA, SSSOM
from graph.years import lineage_of, year_of, years

TYPE = ox.NamedNode(str(RDF.type))
LABEL = ox.NamedNode(str(RDFS.label))
PREF_LABEL = ox.NamedNode(str(SKOS.prefLabel))
BROADER = ox.NamedNode(str(SKOS.broader))
NAME_PROPERTIES = (LABEL, PREF_LABEL)
RG_NS = str(RG)

# Shown as the node's own text fields, not in the attribute table.
TEXT = str(RG.text)
DESCRIPTION = str(DCTERMS.description)
OWN_FIELDS = {str(RDFS.label), str(SKOS.prefLabel), TEXT, DESCRIPTION, str(RDF.type)}

# Norwegian names for the published-vocabulary properties the data uses; ours come from
# the vocabulary's rdfs:label@nb.
EXTERNAL_NAMES = {
    str(RDFS.label): "navn",
    str(SKOS.prefLabel): "foretrukket navn",
    str(SKOS.altLabel): "alternativt navn",
    str(SKOS.notation): "nummer",
    str(SKOS.note): "merknad",
    str(RDFS.comment): "kommentar",
    str(SKOS.broader): "del av innsatsområde",
    str(SKOS.narrower): "har underområde",
    str(SKOS.member): "har medlem",
    str(SKOS.inScheme): "i begrepssystem",
    str(SKOS.hasTopConcept): "har toppbegrep",
    str(SKOS.closeMatch): "nært samsvar",
    str(SKOS.relatedMatch): "beslektet",
    str(SKOS.exactMatch): "samme som",
    str(PROV.wasRevisionOf): "ny versjon av (året før)",
    str(DCTERMS.replaces): "erstatter (slått sammen)",
    str(DCTERMS.title): "tittel",
    str(DCTERMS.abstract): "visjon",
    str(DCTERMS.description): "beskrivelse",
    str(DCTERMS.isPartOf): "del av",
    str(DCTERMS.subject): "emne",
    str(DCTERMS.source): "kilde",
    str(DCTERMS.references): "viser til",
    str(DCTERMS.relation): "relatert til",
    str(RDFS.seeAlso): "se også",
    str(SCHEMA.url): "nettside",
    str(SCHEMA.member): "medlem",
}
# Incoming links read from the other end: "<strategy> supports <goal>" is "støttes av" on the goal.
INVERSE_NAMES = {
    str(RG.inProgramme): "inneholder",
    str(RG.focusArea): "innhold i innsatsområdet",
    str(RG.inGroup): "tiltak i gruppen",
    str(RG.proposedBy): "har foreslått",
    str(RG.motivates): "begrunnes av",
    str(RG.supports): "støttes av",
    str(RG.implements): "gjennomføres av",
    str(RG.mentions): "nevnt av",
    str(RG.leadPartner): "hovedansvarlig for",
    str(SKOS.broader): "underområder",
    str(SKOS.member): "medlem av",
    str(SKOS.inScheme): "begreper",
    str(SKOS.hasTopConcept): "toppbegrep i",
    str(SKOS.closeMatch): "nært samsvar",
    str(SKOS.relatedMatch): "beslektet",
    str(DCTERMS.isPartOf): "består av",
    str(PROV.wasRevisionOf): "ny versjon (året etter)",
    str(DCTERMS.replaces): "erstattet av (slått sammen)",
}
# Links grouped by meaning for the node page: (property, incoming) -> (group key, name), in page order.
SKOS_NS = str(SKOS)
MEANINGS: list[tuple[tuple[str, bool], tuple[str, str]]] = [
    ((str(RG.implements), False), ("implements", "Gjennomfører")),
    ((str(RG.supports), False), ("supports", "Støtter")),
    ((str(RG.motivates), False), ("motivates", "Begrunner")),
    ((str(RG.motivates), True), ("motivated_by", "Begrunnes av")),
    ((str(RG.supports), True), ("supported_by", "Støttes av")),
    ((str(RG.implements), True), ("implemented_by", "Gjennomføres av")),
    ((str(RG.mentions), False), ("mentions", "Nevner")),
    ((str(RG.mentions), True), ("mentioned_by", "Nevnt av")),
    ((str(RG.leadPartner), False), ("lead_partner", "Ledes av")),
    ((str(RG.leadPartner), True), ("leads", "Leder")),
    ((str(SKOS.broader), True), ("narrower", "Underområder")),
    ((str(RG.focusArea), True), ("contents", "Innhold i innsatsområdet")),
    ((str(RG.inGroup), True), ("group_members", "Tiltak i gruppen")),
    ((str(RG.proposedBy), True), ("proposals", "Har foreslått")),
    ((str(RG.inProgramme), True), ("programme_contents", "Innhold i handlingsprogrammet")),
]
MEANING = dict(MEANINGS)
SIMILARITY = {str(SKOS.closeMatch), str(SKOS.relatedMatch)}
CONFIRMED = ("confirmed", "Bekreftet samme forslag (vurdert av saksbehandler)")
INFERRED = ("inferred", "Maskinutledet")
PROPOSALS = ("Measure", "Initiative")

# Order of the types in a list of links (document order, then the things it names).
TYPE_ORDER = ["Programme", "FocusArea", "Challenge", "Goal", "SubGoal", "Strategy", "MeasureGroup",
              "Measure", "ExpertGroup", "Initiative", "Project", "Plan", "Organisation"]


def _nb(values) -> str | None:
    """The Norwegian bokmål value if there is one, else one without language, else any."""
    values = list(values)
    for lang in ("nb", "no", None, "nn", "en"):
        for v in values:
            if (getattr(v, "language", None) or None) == lang:
                return v.value if isinstance(v, ox.Literal) else str(v)
    return (values[0].value if isinstance(values[0], ox.Literal) else str(values[0])) if values else None


def _natural(text: str) -> list:
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", text)]


@lru_cache
def _vocabulary_terms() -> tuple[dict, dict, dict]:
    """(class labels, property labels, external superproperties of our properties), from ontology/."""
    vocab = ontology.vocabulary()
    class_labels, prop_labels, supers = {}, {}, {}
    for term in set(vocab.subjects(RDFS.label, None)):
        if not str(term).startswith(RG_NS):
            continue
        name = _nb(vocab.objects(term, RDFS.label))
        local = str(term)[len(RG_NS):]
        (class_labels if local[:1].isupper() else prop_labels)[str(term)] = name
    for prop in set(vocab.subjects(RDFS.subPropertyOf, None)):
        if not str(prop).startswith(RG_NS):
            continue
        seen, out, todo = set(), set(), [prop]
        while todo:
            for sup in vocab.objects(todo.pop(), RDFS.subPropertyOf):
                if sup in seen:
                    continue
                seen.add(sup)
                if str(sup).startswith(RG_NS):
                    todo.append(sup)
                else:
                    out.add(str(sup))
        supers[str(prop)] = out
    return class_labels, prop_labels, supers


def property_name(prop: str, incoming: bool = False) -> str:
    if incoming and prop in INVERSE_NAMES:
        return INVERSE_NAMES[prop]
    name = _vocabulary_terms()[1].get(prop) or EXTERNAL_NAMES.get(prop)
    if name is None:
        name = re.split(r"[#/]", prop.rstrip("/#"))[-1]
    return f"{name} (inn)" if incoming else name


# -- the RDF description ------------------------------------------------------------
def named_node(iri: str) -> ox.NamedNode | None:
    """The IRI as a node, or None when it is not a valid IRI (so not one of ours)."""
    try:
        return ox.NamedNode(iri)
    except ValueError:
        return None


def exists(reader: ox.Store, iri: str) -> bool:
    node = named_node(iri)
    return node is not None and next(iter(reader.quads_for_pattern(node, None, None, None)), None) is not None


def _closure(reader: ox.Store, start: ox.BlankNode, out: dict, seen: set) -> None:
    todo = [start]
    while todo:
        b = todo.pop()
        if b in seen:
            continue
        seen.add(b)
        for q in reader.quads_for_pattern(b, None, None, None):
            out.setdefault(q, None)
            if isinstance(q.object, ox.BlankNode):
                todo.append(q.object)


def description(reader: ox.Store, iri: str) -> list[ox.Quad] | None:
    """The node's quads (see the module docstring), or None if the store knows nothing about it."""
    node = named_node(iri)
    own = list(reader.quads_for_pattern(node, None, None, None)) if node is not None else []
    if not own:
        return None
    out: dict[ox.Quad, None] = {}  # ordered set
    seen: set = set()
    neighbours: dict[ox.NamedNode, None] = {}
    for q in own:
        out.setdefault(q, None)
        if isinstance(q.object, ox.BlankNode):
            _closure(reader, q.object, out, seen)
        elif isinstance(q.object, ox.NamedNode) and q.predicate != TYPE:
            neighbours.setdefault(q.object, None)
    records = (ox.NamedNode(str(SSSOM.subject_id)), ox.NamedNode(str(SSSOM.object_id)))
    for q in reader.quads_for_pattern(None, None, node, None):
        out.setdefault(q, None)
        if isinstance(q.subject, ox.BlankNode):
            _closure(reader, q.subject, out, seen)
        elif q.predicate in records:  # a mapping record about a link of this node: all of it
            for r in reader.quads_for_pattern(q.subject, None, None, q.graph_name):
                out.setdefault(r, None)
        elif isinstance(q.subject, ox.NamedNode):
            neighbours.setdefault(q.subject, None)
    neighbours.pop(node, None)
    for n in neighbours:
        for prop in NAME_PROPERTIES:
            for q in reader.quads_for_pattern(n, prop, None, None):
                out.setdefault(q, None)
        for q in reader.quads_for_pattern(n, TYPE, None, None):
            if q.object.value.startswith(RG_NS):
                out.setdefault(q, None)
    return list(out)


# -- the readable summary (JSON API and HTML page) -----------------------------------
class NodeNames:
    """Label and type of nodes, looked up once per request."""

    def __init__(self, reader: ox.Store):
        self.reader = reader
        self.cache: dict[str, dict] = {}

    def __call__(self, iri: str) -> dict:
        if iri not in self.cache:
            n = ox.NamedNode(iri)
            label = _nb(q.object for p in NAME_PROPERTIES
                        for q in self.reader.quads_for_pattern(n, p, None, None))
            types = [q.object.value[len(RG_NS):] for q in self.reader.quads_for_pattern(n, TYPE, None, None)
                     if q.object.value.startswith(RG_NS)]
            self.cache[iri] = {"id": iri, "type": types[0] if types else None, "label": label}
        return dict(self.cache[iri])


def _sort_key(target: dict) -> tuple:
    t = target.get("type")
    return (TYPE_ORDER.index(t) if t in TYPE_ORDER else len(TYPE_ORDER), _natural(target["id"]))


def _group(pairs: list[tuple[str, dict]], incoming: bool) -> list[dict]:
    groups: dict[str, list] = {}
    for prop, target in pairs:
        same = next((t for t in groups.setdefault(prop, []) if t["id"] == target["id"]), None)
        if same is None:
            groups[prop].append(target)
        elif not target.get("inferred"):  # stated by a source too (a confirmed lineage link)
            same["inferred"] = False
    out = []
    for prop, targets in groups.items():
        out.append({
            "property": prop,
            "name": property_name(prop, incoming),
            "inferred": all(t.get("inferred") for t in targets),
            "targets": sorted(targets, key=_sort_key),
        })
    # Our own properties first, then the published vocabularies.
    return sorted(out, key=lambda g: (not g["property"].startswith(RG_NS), g["name"]))


def _aligned(prop: str, target: str, links: set[tuple[str, str]]) -> bool:
    """True for a materialised superproperty link (dct:subject next to rg:focusArea)."""
    supers = _vocabulary_terms()[2]
    return not prop.startswith(RG_NS) and any(
        t == target and prop in supers.get(p, ()) for p, t in links
    )


def node_view(reader: ox.Store, base: str, iri: str) -> dict | None:
    """A node as plain data: what it is, its text, where it sits, and its links in and out.

    Links are grouped by property, with names for people; links that only repeat one of
    ours in a published vocabulary (the build adds dct:subject next to rg:focusArea) are
    left out here but stay in the RDF. Inferred links carry "inferred": true.
    """
    node = named_node(iri)
    own = list(reader.quads_for_pattern(node, None, None, None)) if node is not None else []
    if not own:
        return None
    derived_graphs = {str(graph_iri(base, "inferred")), str(graph_iri(base, "lineage"))}
    inferred_graph = str(graph_iri(base, "inferred"))
    reviews_graph = str(graph_iri(base, "reviews"))
    lineage_graph = str(graph_iri(base, "lineage"))
    names = NodeNames(reader)

    def is_inferred(q: ox.Quad) -> bool:
        return getattr(q.graph_name, "value", None) in derived_graphs

    types = sorted({q.object.value for q in own if q.predicate == TYPE})
    ours = [t[len(RG_NS):] for t in types if t.startswith(RG_NS)]
    labels = [q.object for q in own if q.predicate in NAME_PROPERTIES]
    texts = [q.object for q in own if q.predicate.value == TEXT]
    descriptions = [q.object for q in own if q.predicate.value == DESCRIPTION]

    attributes: dict[str, list[str]] = {}
    out_pairs: list[tuple[str, dict]] = []
    out_quads: list[tuple[ox.Quad, dict]] = []
    out_links = {(q.predicate.value, q.object.value) for q in own if not isinstance(q.object, ox.BlankNode)}
    for q in own:
        prop = q.predicate.value
        if prop in OWN_FIELDS or isinstance(q.object, ox.BlankNode):
            continue
        if _aligned(prop, q.object.value, out_links):
            continue
        if isinstance(q.object, ox.Literal):
            values = attributes.setdefault(prop, [])
            if q.object.value not in values:
                values.append(q.object.value)
        elif isinstance(q.object, ox.NamedNode):
            target = names(q.object.value)
            target["inferred"] = is_inferred(q)
            out_pairs.append((prop, target))
            out_quads.append((q, target))

    # Mapping records (sssom:subject_id/object_id) are provenance of links shown already,
    # not links a reader follows; they stay in the RDF but not in the summary.
    in_quads = [q for q in reader.quads_for_pattern(None, None, node, None)
                if isinstance(q.subject, ox.NamedNode) and not q.predicate.value.startswith(str(SSSOM))]
    in_links = {(q.predicate.value, q.subject.value) for q in in_quads}
    in_pairs: list[tuple[str, dict]] = []
    in_kept: list[tuple[ox.Quad, dict]] = []
    for q in in_quads:
        if not _aligned(q.predicate.value, q.subject.value, in_links):
            source = names(q.subject.value)
            source["inferred"] = is_inferred(q)
            in_pairs.append((q.predicate.value, source))
            in_kept.append((q, source))

    year = year_of(base, iri)
    all_years = years(reader) if year else []
    context = _context(reader, own, names, is_inferred)
    node_type = ours[0] if ours else None
    # Lineage links have a section of their own on the page ("Årganger"), so they are not repeated here.
    sections = _sections(reader, node, node_type, context,
                         [(q, t) for q, t in out_quads if getattr(q.graph_name, "value", None) != lineage_graph],
                         [(q, s) for q, s in in_kept if getattr(q.graph_name, "value", None) != lineage_graph],
                         inferred_graph, reviews_graph)
    return {
        "id": iri,
        "year": year,  # the programme year of a programme node (None for plans, organisations ...)
        "years": all_years,  # every programme year in the graph (for a programme node)
        "newest_year": all_years[-1] if all_years else None,
        "lineage": lineage_of(reader, base, iri) if year else {"before": [], "after": []},
        "type": ours[0] if ours else None,
        "type_label": type_label(ours[0]) if ours else None,
        "types": types,
        "label": _nb(labels),
        "text": _nb(texts),
        "description": _nb(descriptions),
        "context": context,
        "sections": sections,
        "attributes": [{"property": p, "name": property_name(p), "values": v} for p, v in attributes.items()],
        "links": _group(out_pairs, incoming=False),
        "backlinks": _group(in_pairs, incoming=True),
        "graphs": sorted({q.graph_name.value for q in own if isinstance(q.graph_name, ox.NamedNode)}),
    }


def _confidences(reader: ox.Store, node: ox.NamedNode, graph: str) -> dict[str, float]:
    """Other node -> sssom:confidence of the mapping records that link it with `node` in `graph`."""
    g = ox.NamedNode(graph)
    conf = ox.NamedNode(str(SSSOM.confidence))
    out: dict[str, float] = {}
    for mine, theirs in ((SSSOM.subject_id, SSSOM.object_id), (SSSOM.object_id, SSSOM.subject_id)):
        for q in reader.quads_for_pattern(None, ox.NamedNode(str(mine)), node, g):
            other = next(iter(reader.quads_for_pattern(q.subject, ox.NamedNode(str(theirs)), None, g)), None)
            value = next(iter(reader.quads_for_pattern(q.subject, conf, None, g)), None)
            if other is None or value is None:
                continue
            try:
                c = float(value.object.value)
            except ValueError:
                continue
            out[other.object.value] = max(c, out.get(other.object.value, 0.0))
    return out


def _inferred_relation(node_type: str | None, target: dict, prop: str) -> str:
    """What the machine thinks a link is, in words for staff."""
    if node_type in PROPOSALS and target.get("type") == "Strategy":
        return "kan gjennomføre"
    if node_type == "Strategy" and target.get("type") in PROPOSALS:
        return "kan gjennomføres av"
    if prop == str(SKOS.closeMatch):
        return "mulig duplikat"
    if prop == str(SKOS.relatedMatch):
        return "overlapp"
    return property_name(prop)


def _context_ids(context: dict) -> set[str]:
    ids = set()
    for key in ("programme", "focus_area", "group", "expert_group", "actor"):
        if context.get(key):
            ids.add(context[key]["id"])
    ids.update(b["id"] for b in context.get("broader", []))
    return ids


def _sections(reader: ox.Store, node: ox.NamedNode, node_type: str | None, context: dict,
              out_quads: list[tuple[ox.Quad, dict]], in_quads: list[tuple[ox.Quad, dict]],
              inferred_graph: str, reviews_graph: str) -> list[dict]:
    """The links grouped by meaning, each linked node once (see the module docstring)."""
    shown = _context_ids(context) | {node.value}
    groups: dict[str, dict] = {}
    order: list[str] = [key for _, (key, _) in MEANINGS]
    inferred: dict[str, dict] = {}
    confidences: dict[str, float] | None = None
    for incoming, pairs in ((False, out_quads), (True, in_quads)):
        for q, target in pairs:
            prop = q.predicate.value
            graph = getattr(q.graph_name, "value", None)
            if graph == inferred_graph:
                if confidences is None:
                    confidences = _confidences(reader, node, inferred_graph)
                item = inferred.setdefault(target["id"], {
                    **target, "inferred": True, "relation": _inferred_relation(node_type, target, prop),
                    "confidence": confidences.get(target["id"]),
                })
                if item["relation"] not in ("kan gjennomføre", "kan gjennomføres av"):
                    item["relation"] = _inferred_relation(node_type, target, prop)
                continue
            if prop in SIMILARITY and graph == reviews_graph:
                key, name = CONFIRMED
            elif (prop, incoming) in MEANING:
                key, name = MEANING[(prop, incoming)]
            else:
                key, name = f"{'in' if incoming else 'out'}:{prop}", property_name(prop, incoming)
                if key not in order:
                    order.append(key)
            group = groups.setdefault(key, {"key": key, "name": name, "inferred": False, "targets": []})
            if not any(t["id"] == target["id"] for t in group["targets"]):
                group["targets"].append({**target, "inferred": False})
    order.append(CONFIRMED[0])
    out = []
    for key in order:
        group = groups.get(key)
        if not group:
            continue
        group["targets"] = [t for t in sorted(group["targets"], key=_sort_key) if t["id"] not in shown]
        shown.update(t["id"] for t in group["targets"])
        if group["targets"]:
            out.append(group)
    machine = [t for t in inferred.values() if t["id"] not in shown]
    if machine:
        machine.sort(key=lambda t: (-(t["confidence"] or 0.0), _sort_key(t)))
        out.append({"key": INFERRED[0], "name": INFERRED[1], "inferred": True, "targets": machine})
    return out


def _context(reader: ox.Store, own: list[ox.Quad], names: NodeNames, is_inferred) -> dict:
    """Where the node sits: programme, focus area (with its broader areas), group, expert group."""

    def targets(prop, type_name=None) -> list[dict]:
        out = []
        for q in own:
            if q.predicate.value == str(prop) and isinstance(q.object, ox.NamedNode):
                t = names(q.object.value)
                if type_name is None or t["type"] == type_name:
                    t["inferred"] = is_inferred(q)
                    if t not in out:
                        out.append(t)
        return sorted(out, key=_sort_key)

    def broader_chain(iri: str) -> list[dict]:
        chain, seen = [], {iri}
        current = iri
        while True:
            up = next(iter(reader.quads_for_pattern(ox.NamedNode(current), BROADER, None, None)), None)
            if up is None or up.object.value in seen:
                return chain
            seen.add(up.object.value)
            chain.append(names(up.object.value))
            current = up.object.value

    context: dict = {}
    programme = targets(RG.inProgramme)
    if programme:
        context["programme"] = programme[0]
    focus = targets(RG.focusArea)
    if focus:
        context["focus_area"] = focus[0]
        context["broader"] = broader_chain(focus[0]["id"])
    elif any(q.predicate == BROADER for q in own):
        context["broader"] = broader_chain(own[0].subject.value)
    for key, prop, type_name in (
        ("group", RG.inGroup, None),
        ("expert_group", RG.proposedBy, "ExpertGroup"),
        ("actor", RG.proposedBy, "Organisation"),
    ):
        found = targets(prop, type_name)
        if found:
            context[key] = found[0]
    strategies = targets(RG.implements)
    if strategies:
        context["strategies"] = strategies
    section = [q.object.value for q in own if q.predicate.value == str(RG.sectionNumber)]
    if section:
        context["section"] = section[0]
    return context
