"""Another actor's list, prepared for the graph: parsed, linked and validated in memory.

    prepare(settings, reader, data, filename, actor) -> PreparedImport

The file (CSV, JSON list, Turtle or JSON-LD in our vocabulary) is read, turned into
rg:Initiative nodes, linked (mentions, aligned types) and validated against the SHACL
shapes entirely in memory; a broken file raises ImportRefused and nothing is written.
The application layer (service/application.py) then writes the actor's named graph
{base}/graph/import/{actor-slug} as a whole, so importing the same list again replaces it.
"""

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import PurePath

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, XSD

from graph import ontology
from graph.imports.initiatives import FocusArea, initiatives_graph
from graph.imports.rdf import check_rdf, parse_rdf
from graph.imports.tabular import (
    ImportConflict,
    ImportRefused,
    decode,
    looks_like_jsonld,
    parse_csv,
    parse_json,
    parse_json_value,
)
from graph.iri import graph_iri, node_iri, slug, split_iri
from graph.linker import TARGET_CLASSES, mention_links
from graph.materialise import aligned_triples
from graph.names import Names, normalise
from graph.namespaces import RG, SCHEMA, bind_prefixes
from graph.settings import Settings
from graph.validate import validate_graph, violations_only

FORMATS = ("csv", "json", "turtle", "json-ld")
EXTENSIONS = {
    ".csv": "csv", ".tsv": "csv", ".txt": "csv", ".json": "json", ".jsonld": "json-ld",
    ".ttl": "turtle", ".turtle": "turtle", ".nt": "turtle",
}
FIELD_OF_PATH = {
    str(RDFS.label): "title", str(RG.text): "description", str(DCTERMS.identifier): "id",
    str(SCHEMA.url): "url", str(RG.theme): "theme",
}


@dataclass
class PreparedImport:
    name: URIRef  # the named graph that will hold the list
    graph: Graph
    actor: str  # label of the actor organisation
    actor_id: str  # its IRI
    format: str
    count: int  # initiatives in the list
    replaced: int  # initiatives the previous version of this list had (0 = first import)
    ids: list[str] = field(default_factory=list)

    def summary(self) -> dict:
        return {"actor": self.actor, "actor_id": self.actor_id, "graph": str(self.name), "format": self.format,
                "count": self.count, "replaced": self.replaced, "ids": self.ids}


def detect_format(filename: str, text: str) -> str:
    ext = PurePath(filename or "").suffix.lower()
    fmt = EXTENSIONS.get(ext)
    head = text.lstrip()[:1]
    if fmt in (None, "json") and head in ("[", "{"):
        return "json-ld" if looks_like_jsonld(parse_json_value(text, filename)) else "json"
    if fmt is None:
        starts = text.lstrip()[:200].lower()
        if starts.startswith(("@prefix", "@base", "prefix", "base", "<")):
            return "turtle"
        return "csv"
    return fmt


# ----------------------------------------------------------------------------- reading the store


def _rows(store: ox.Store, query: str):
    return list(store.query(query, use_default_graph_as_union=True))


def find_actor(store: ox.Store, base: str, actor: str, key: str | None = None) -> tuple[URIRef, str, str]:
    """(IRI, key, label) of the organisation that owns a list: one actor, one key, both ways.

    The same name (its label or an alternative name, ignoring case and spacing) is always the
    same organisation. A new name gets a new key from its words (graph/iri.py slug); if that
    key already belongs to another actor ("Ostfold" vs "Østfold", "A/B" vs "A B"), or the name
    gives no key at all ("!!!"), the import is refused with a message that names the existing
    actor and offers `key` (--key), so that one list never silently replaces another.
    """
    wanted = normalise(actor)
    organisations = [a for a in Names.read(store).actors if a.type == "Organisation"]
    by_key = {a.key: a for a in organisations}
    if key is not None:
        if not key or slug(key) != key:
            raise ImportRefused(f"Ugyldig nøkkel «{key}»: bruk små bokstaver, tall og bindestrek, f.eks. "
                                f"«{slug(actor) or 'min-liste'}».")
        owner = by_key.get(key)
        if owner is not None and wanted not in {normalise(n) for n in (owner.label, *owner.names)}:
            raise ImportConflict(f"Nøkkelen «{key}» brukes allerede av «{owner.label}». Velg en annen nøkkel, "
                                 f"eller bruk navnet «{owner.label}» for å erstatte den listen.")
        if owner is not None:
            return URIRef(owner.id), owner.key, owner.label
        return node_iri(base, "Organisation", key), key, actor.strip()
    for a in organisations:
        if wanted in {normalise(n) for n in (a.label, *a.names)} and split_iri(base, a.id):
            return URIRef(a.id), a.key, a.label
    new_key = slug(actor)
    if not new_key:
        raise ImportRefused(f"Aktørnavnet «{actor}» inneholder ingen bokstaver eller tall å lage en nøkkel av; "
                            "oppgi en nøkkel med --key (f.eks. --key min-liste).")
    owner = by_key.get(new_key)
    if owner is not None:
        raise ImportConflict(
            f"«{actor.strip()}» får nøkkelen «{new_key}», som allerede brukes av «{owner.label}». Bruk nøyaktig "
            f"navnet «{owner.label}» for å erstatte den listen, eller velg en egen nøkkel med --key.")
    return node_iri(base, "Organisation", new_key), new_key, actor.strip()


def defined_elsewhere(store: ox.Store, node: URIRef, own_graph: URIRef) -> bool:
    return any(
        q.graph_name != ox.NamedNode(str(own_graph))
        for q in store.quads_for_pattern(ox.NamedNode(str(node)), ox.NamedNode(str(RDF.type)), None, None)
    )


def focus_areas(store: ox.Store) -> list[FocusArea]:
    rows = _rows(store, f"""
        SELECT ?fa ?notation ?label WHERE {{ ?fa a <{RG.FocusArea}> .
          OPTIONAL {{ ?fa <http://www.w3.org/2004/02/skos/core#notation> ?notation }}
          OPTIONAL {{ ?fa <http://www.w3.org/2004/02/skos/core#prefLabel>|<{RDFS.label}> ?label }} }}""")
    out: dict[str, FocusArea] = {}
    for r in rows:
        fa = out.setdefault(r["fa"].value, FocusArea(URIRef(r["fa"].value), "", []))
        if r["notation"] and not fa.notation:
            fa.notation = r["notation"].value
        if r["label"] and r["label"].value not in fa.labels:
            fa.labels.append(r["label"].value)
    return list(out.values())


def _to_rdflib(quads) -> Graph:
    g = Graph()
    data = ox.serialize((q.triple for q in quads), format=ox.RdfFormat.N_TRIPLES)
    if data:
        g.parse(data=data.decode("utf-8"), format="nt")
    return g


def names_graph(store: ox.Store) -> Graph:
    """Everything the linker may link to: organisations, plans and projects with their names."""
    g = Graph()
    for cls in TARGET_CLASSES:
        for q in store.quads_for_pattern(None, ox.NamedNode(str(RDF.type)), ox.NamedNode(str(cls)), None):
            g += _to_rdflib(store.quads_for_pattern(q.subject, None, None, None))
    return g


def context_graph(store: ox.Store, new: Graph) -> Graph:
    """What the shapes need to see around the new nodes: the nodes they point to, and their types."""
    g = Graph()
    objects = {o for o in new.objects() if isinstance(o, URIRef)} - set(new.subjects())
    for o in objects:
        described = _to_rdflib(store.quads_for_pattern(ox.NamedNode(str(o)), None, None, None))
        g += described
        for o2 in {x for x in described.objects() if isinstance(x, URIRef)}:
            g += _to_rdflib(store.quads_for_pattern(ox.NamedNode(str(o2)), ox.NamedNode(str(RDF.type)), None, None))
    return g


def check_collisions(store: ox.Store, base: str, initiatives: list[URIRef], own_graph: URIRef,
                     filename: str) -> None:
    """An initiative IRI that another source already describes would merge two nodes: refuse it.

    Graphs that only link nodes do not count: the inferred links (rebuilt from the sources) and
    the staff's decisions on pairs (graph/reviews.py: a confirmed pair links its two nodes, and
    must keep doing so when the list is imported again).
    """
    own = ox.NamedNode(str(own_graph))
    derived = {ox.NamedNode(str(graph_iri(base, name))) for name in ("inferred", "lineage", "reviews")}
    for node in initiatives:
        for q in store.quads_for_pattern(ox.NamedNode(str(node)), None, None, None):
            if q.graph_name != own and q.graph_name not in derived:
                raise ImportRefused(
                    f"{filename}: <{node}> finnes allerede i {q.graph_name.value}; velg andre id-er "
                    "(eller et annet aktørnavn), så ikke to lister beskriver samme node"
                )


def count_initiatives(store: ox.Store, graph: URIRef) -> int:
    return sum(1 for _ in store.quads_for_pattern(
        None, ox.NamedNode(str(RDF.type)), ox.NamedNode(str(RG.Initiative)), ox.NamedNode(str(graph))))


# ----------------------------------------------------------------------------- building


def _graph_meta(g: Graph, name: URIRef, actor: URIRef, filename: str, data: bytes, fmt: str) -> None:
    g.add((name, RDF.type, PROV.Entity))
    g.add((name, DCTERMS.source, Literal(filename)))
    g.add((name, DCTERMS.format, Literal(fmt)))
    g.add((name, PROV.wasAttributedTo, actor))
    g.add((name, PROV.generatedAtTime,
           Literal(datetime.now(UTC).isoformat(timespec="seconds"), datatype=XSD.dateTime)))
    g.add((name, RG.sha256, Literal(hashlib.sha256(data).hexdigest())))


def _refuse_violations(new: Graph, context: Graph, where: dict, filename: str) -> None:
    results = violations_only(validate_graph(new + context))
    subjects = {str(s) for s in new.subjects()}
    mine = [v for v in results if v.focus in subjects]
    if not mine:
        return
    first = mine[0]
    place = where.get(URIRef(first.focus), f"<{first.focus}>")
    fld = FIELD_OF_PATH.get(first.path or "", first.path.rsplit("#", 1)[-1].rsplit("/", 1)[-1] if first.path else None)
    field_txt = f", felt «{fld}»" if fld else ""
    more = f" (og {len(mine) - 1} brudd til)" if len(mine) > 1 else ""
    raise ImportRefused(f"{filename}, {place}{field_txt}: {first.message}{more}")


def prepare(settings: Settings, store: ox.Store, data: bytes, filename: str, actor: str,
            key: str | None = None) -> PreparedImport:
    """Parse, link and validate in memory (`store`: a reader of the current generation)."""
    if not actor or not actor.strip():
        raise ImportRefused("oppgi aktøren som eier listen (--actor «Navn»)")
    if len(data) > settings.max_upload_bytes:
        raise ImportRefused(f"{filename}: filen er større enn grensen på {settings.max_upload_bytes} byte")
    text = decode(data, filename)
    fmt = detect_format(filename, text)
    base = settings.base_iri
    actor_iri, actor_slug, actor_label = find_actor(store, base, actor, key)
    name = graph_iri(base, f"import/{actor_slug}")
    where: dict[URIRef, str] = {}
    if fmt in ("csv", "json"):
        records = parse_csv(text, filename) if fmt == "csv" else parse_json(parse_json_value(text, filename), filename)
        g, where = initiatives_graph(records, base, actor_iri, actor_slug, filename, focus_areas(store))
        initiatives = list(where)
    else:
        g = parse_rdf(text, fmt, filename, base)
        initiatives = check_rdf(g, actor_iri, filename)
    check_collisions(store, base, initiatives, name, filename)
    bind_prefixes(g)
    if not defined_elsewhere(store, actor_iri, name):
        g.add((actor_iri, RDF.type, RG.Organisation))
        g.add((actor_iri, RDFS.label, Literal(actor_label, lang="nb")))
    g += mention_links(g, names_graph(store) + g)
    g += aligned_triples(g, ontology.vocabulary())
    _refuse_violations(g, context_graph(store, g), where, filename)
    _graph_meta(g, name, actor_iri, PurePath(filename).name, data, fmt)
    return PreparedImport(
        name=name, graph=g, actor=actor_label, actor_id=str(actor_iri), format=fmt,
        count=len(initiatives), replaced=count_initiatives(store, name), ids=[str(i) for i in initiatives],
    )
