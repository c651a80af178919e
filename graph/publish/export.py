"""Whole-dataset export in the standard RDF formats (serialised by Oxigraph)."""

import pyoxigraph as ox

from graph.errors import UserError
from graph.formats import RDF_FORMATS, RdfFormat, lookup
from graph.iri import graph_iri
from graph.namespaces import PREFIXES
from graph.store import GraphStore


def get_format(name: str) -> RdfFormat:
    """The RDF format with this name or alias (any case); UserError if there is none."""
    fmt = lookup(name, RDF_FORMATS)
    if fmt is None:
        known = ", ".join(f.name for f in RDF_FORMATS)
        raise UserError(f"ukjent eksportformat «{name}»; bruk et av: {known}")
    return fmt


def selected_quads(store: GraphStore, base: str, inferred: bool = True):
    # Without the machine-derived graphs: inferred links and lineage (str: URIRef hashes differently).
    skip = set() if inferred else {str(graph_iri(base, "inferred")), str(graph_iri(base, "lineage"))}
    for quad in store.reader().quads_for_pattern(None, None, None, None):
        if not skip or getattr(quad.graph_name, "value", None) not in skip:
            yield quad


def export(store: GraphStore, base: str, fmt: str, inferred: bool = True) -> bytes:
    """The whole dataset; Turtle, N-Triples and RDF/XML get the union of the named graphs."""
    f = get_format(fmt)
    quads = selected_quads(store, base, inferred)
    prefixes = {k: str(v) for k, v in PREFIXES.items()}
    if f.keeps_graphs:
        return ox.serialize(quads, format=f.oxigraph, prefixes=prefixes)
    triples = {q.triple for q in quads}
    return ox.serialize(sorted(triples, key=str), format=f.oxigraph, prefixes=prefixes)
