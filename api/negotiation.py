"""Content negotiation: which representation of a resource a client gets.

The same resource answers as HTML for people and as RDF for machines. A client chooses
with the `Accept` header, or, for links and browsers, with a file extension
(`/doc/measure/2025-5.1.1-7.ttl`) or `?format=ttl`, which win over `Accept`.
"""

from dataclasses import dataclass

import pyoxigraph as ox
from fastapi import HTTPException
from rdflib import Graph


@dataclass(frozen=True)
class Variant:
    ext: str
    media_type: str
    label: str
    rdf: ox.RdfFormat | None  # None = HTML
    quads: bool = False


VARIANTS = {
    v.ext: v
    for v in (
        Variant("html", "text/html", "HTML", None),
        Variant("ttl", "text/turtle", "Turtle", ox.RdfFormat.TURTLE),
        Variant("jsonld", "application/ld+json", "JSON-LD", ox.RdfFormat.JSON_LD),
        Variant("rdf", "application/rdf+xml", "RDF/XML", ox.RdfFormat.RDF_XML),
        Variant("nt", "application/n-triples", "N-Triples", ox.RdfFormat.N_TRIPLES),
        Variant("trig", "application/trig", "TriG", ox.RdfFormat.TRIG, quads=True),
        Variant("nq", "application/n-quads", "N-Quads", ox.RdfFormat.N_QUADS, quads=True),
    )
}
RDF_VARIANTS = [v for v in VARIANTS.values() if v.rdf is not None]
# Other names for the same variants, in ?format= and in Accept.
FORMAT_ALIASES = {
    "turtle": "ttl", "json-ld": "jsonld", "json": "jsonld", "xml": "rdf", "rdfxml": "rdf", "rdf-xml": "rdf",
    "rdf/xml": "rdf", "ntriples": "nt", "n-triples": "nt", "nquads": "nq", "n-quads": "nq", "htm": "html",
}
MEDIA_ALIASES = {
    "application/xhtml+xml": "html",
    "application/x-turtle": "ttl",
    "text/n3": "ttl",
    "application/json": "jsonld",
    "application/xml": "rdf",
    "text/xml": "rdf",
    "text/plain": "nt",
    "application/n-quads": "nq",
    "text/x-nquads": "nq",
}
MEDIA_TYPES = {v.media_type: v.ext for v in VARIANTS.values()} | MEDIA_ALIASES


def parse_accept(header: str) -> list[tuple[str, float]]:
    """Media ranges with their q values, e.g. [('text/turtle', 1.0), ('*/*', 0.1)]."""
    out = []
    for part in header.split(","):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        if not media:
            continue
        q = 1.0
        for f in fields[1:]:
            name, _, value = f.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value)))
                except ValueError:
                    q = 0.0
        out.append((media, q))
    return out


def _quality(media_type: str, ext: str, ranges: list[tuple[str, float]]) -> float:
    """The q the client gives this variant: the most specific matching range decides."""
    best, specificity = 0.0, -1
    kind = media_type.split("/")[0]
    for media, q in ranges:
        if MEDIA_TYPES.get(media) == ext:
            spec = 3 if media == media_type else 2
        elif media == f"{kind}/*":
            spec = 1
        elif media == "*/*":
            spec = 0
        else:
            continue
        if spec > specificity or (spec == specificity and q > best):
            best, specificity = q, spec
    return best


def choose(accept: str | None, offered: list[str]) -> str | None:
    """The offered extension the client likes best (ties go to the order offered), or None."""
    if not accept or not accept.strip():
        return offered[0]
    ranges = parse_accept(accept)
    scored = [(_quality(VARIANTS[ext].media_type, ext, ranges), -i, ext) for i, ext in enumerate(offered)]
    q, _, ext = max(scored)
    return ext if q > 0 else None


def variant_for(ext: str | None, fmt: str | None, accept: str | None, offered: list[str]) -> Variant:
    """The representation to serve: ?format= beats the extension beats Accept.

    Raises 400 for an unknown ?format=, 406 when nothing offered is acceptable.
    """
    if fmt:
        key = FORMAT_ALIASES.get(fmt.lower().strip(), fmt.lower().strip())
        if key not in offered:
            raise HTTPException(400, f"Ukjent format «{fmt}». Bruk et av: {', '.join(offered)}.")
        return VARIANTS[key]
    if ext:
        return VARIANTS[ext]
    chosen = choose(accept, offered)
    if chosen is None:
        types = ", ".join(VARIANTS[e].media_type for e in offered)
        raise HTTPException(
            406, f"Ingen av formatene i Accept ({accept}) finnes for denne ressursen. Tilgjengelig: {types}."
        )
    return VARIANTS[chosen]


def split_extension(name: str, offered: list[str]) -> tuple[str, str | None]:
    """'2025-5.1.ttl' -> ('2025-5.1', 'ttl'); keys contain dots, so only known extensions count."""
    stem, dot, ext = name.rpartition(".")
    if dot and stem and ext.lower() in offered:
        return stem, ext.lower()
    return name, None


def serialize(quads, variant: Variant, prefixes: dict[str, str], context: dict | None = None) -> bytes:
    """Quads as the variant's format; triple formats get the union of the graphs.

    With a JSON-LD `context`, JSON-LD is compacted with it (readable keys such as
    "label" and "focusArea" instead of full IRIs); the context is embedded.
    """
    quads = list(quads)
    if variant.quads:
        return ox.serialize(quads, format=variant.rdf, prefixes=prefixes)
    triples = list(dict.fromkeys(q.triple for q in quads))
    if variant.ext == "jsonld" and context is not None:
        g = Graph()
        g.parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), format="nt")
        return g.serialize(format="json-ld", context=context, auto_compact=True, encoding="utf-8")
    return ox.serialize(triples, format=variant.rdf, prefixes=prefixes)
