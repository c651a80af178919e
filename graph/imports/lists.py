"""The imported lists in the store: one named graph {base}/graph/import/{actor-key} per actor.

    imported_lists(reader, base) -> list[ImportedList]
    find_list(reader, base, actor) -> ImportedList          (or ImportRefused naming those there are)
"""

from dataclasses import dataclass

import pyoxigraph as ox
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS

from graph.errors import NotFound
from graph.iri import graph_iri
from graph.namespaces import RG


@dataclass(frozen=True)
class ImportedList:
    actor_id: str
    actor: str  # label
    key: str  # the actor's key: the last part of the graph name
    graph: str
    count: int  # initiatives
    source: str | None  # file name it was imported from
    imported: str | None  # xsd:dateTime of the import

    def to_json(self) -> dict:
        return dict(self.__dict__)


def imported_lists(store: ox.Store, base: str) -> list[ImportedList]:
    prefix = str(graph_iri(base, "import/"))
    out = []
    for g in store.named_graphs():
        if not g.value.startswith(prefix):
            continue
        actor = _one(store, g, ox.NamedNode(str(PROV.wasAttributedTo)), g)
        label = _one(store, actor, ox.NamedNode(str(RDFS.label)), None) if actor is not None else None
        count = sum(1 for _ in store.quads_for_pattern(
            None, ox.NamedNode(str(RDF.type)), ox.NamedNode(str(RG.Initiative)), g))
        source = _one(store, g, ox.NamedNode(str(DCTERMS.source)), g)
        when = _one(store, g, ox.NamedNode(str(PROV.generatedAtTime)), g)
        key = g.value[len(prefix):]
        out.append(ImportedList(
            actor_id=actor.value if actor is not None else "", actor=label.value if label is not None else key,
            key=key, graph=g.value, count=count, source=source.value if source is not None else None,
            imported=when.value if when is not None else None,
        ))
    return sorted(out, key=lambda x: x.actor.casefold())


def find_list(store: ox.Store, base: str, actor: str) -> ImportedList:
    """The imported list of `actor`, given by name, key or IRI (case and spacing ignored)."""
    wanted = " ".join(str(actor).split()).casefold()
    lists = imported_lists(store, base)
    for item in lists:
        if wanted in (item.actor.casefold(), item.key.casefold(), item.actor_id.casefold(), item.graph.casefold()):
            return item
    known = ", ".join(f"«{x.actor}»" for x in lists) or "ingen"
    raise NotFound(f"Ingen importert liste fra «{actor}». Importerte lister: {known}.")


def _one(store: ox.Store, s, p, g):
    for q in store.quads_for_pattern(s, p, None, g):
        return q.object
    return None
