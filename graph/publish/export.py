"""Whole-dataset export in the standard RDF formats (serialised by Oxigraph)."""

from dataclasses import dataclass

import pyoxigraph as ox

from graph.errors import UserError
from graph.iri import graph_iri
from graph.namespaces import PREFIXES
from graph.store import GraphStore


@dataclass(frozen=True)
class Format:
    name: str
    rdf: ox.RdfFormat
    media_type: str
    extension: str

    @property
    def quads(self) -> bool:
        return self.rdf.supports_datasets


FORMATS = {
    f.name: f
    for f in (
        Format("turtle", ox.RdfFormat.TURTLE, "text/turtle", "ttl"),
        Format("trig", ox.RdfFormat.TRIG, "application/trig", "trig"),
        Format("nquads", ox.RdfFormat.N_QUADS, "application/n-quads", "nq"),
        Format("nt", ox.RdfFormat.N_TRIPLES, "application/n-triples", "nt"),
        Format("jsonld", ox.RdfFormat.JSON_LD, "application/ld+json", "jsonld"),
        Format("xml", ox.RdfFormat.RDF_XML, "application/rdf+xml", "rdf"),
    )
}
ALIASES = {
    "ttl": "turtle", "n-triples": "nt", "ntriples": "nt", "n-quads": "nquads", "nq": "nquads",
    "json-ld": "jsonld", "rdfxml": "xml", "rdf": "xml", "rdf/xml": "xml",
}


def get_format(name: str) -> Format:
    key = ALIASES.get(name.lower(), name.lower())
    if key not in FORMATS:
        known = ", ".join(FORMATS)
        raise UserError(f"ukjent eksportformat «{name}»; bruk et av: {known}")
    return FORMATS[key]


def selected_quads(store: GraphStore, base: str, inferred: bool = True):
    skip = set() if inferred else {str(graph_iri(base, "inferred"))}  # str: URIRef hashes differently
    for quad in store.reader().quads_for_pattern(None, None, None, None):
        if not skip or getattr(quad.graph_name, "value", None) not in skip:
            yield quad


def export(store: GraphStore, base: str, fmt: str, inferred: bool = True) -> bytes:
    """The whole dataset; Turtle, N-Triples and RDF/XML get the union of the named graphs."""
    f = get_format(fmt)
    quads = selected_quads(store, base, inferred)
    prefixes = {k: str(v) for k, v in PREFIXES.items()}
    if f.quads:
        return ox.serialize(quads, format=f.rdf, prefixes=prefixes)
    triples = {q.triple for q in quads}
    return ox.serialize(sorted(triples, key=str), format=f.rdf, prefixes=prefixes)
