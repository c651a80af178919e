"""Content negotiation for documents: which representation of a resource a client gets.

The same resource answers as HTML for people and as RDF for machines. A client chooses
with the `Accept` header, or, for links and browsers, with a file extension
(`/doc/measure/2025-5.1.1-7.ttl`) or `?format=ttl`, which win over `Accept`. The formats,
their names and media types, and the negotiation itself are in graph/formats.py.
"""

from collections.abc import Sequence
from typing import Annotated, Literal

import pyoxigraph as ox
from fastapi import HTTPException, Query
from fastapi.responses import Response
from rdflib import Graph

from graph.formats import (
    CSV_TABLE,
    HTML,
    JSONLD,
    NQUADS,
    NTRIPLES,
    RDFXML,
    TRIG,
    TURTLE,
    Format,
    RdfFormat,
    from_extension,
    lookup,
    negotiate,
)

# What a node document is offered as, in the server's order of preference:
# HTML first, the default for */* and browsers.
OFFERED: tuple[Format, ...] = (HTML, TURTLE, JSONLD, RDFXML, NTRIPLES, TRIG, NQUADS)
# Single graphs (catalogue, VoID, vocabulary): no dataset formats.
GRAPH_OFFERED: tuple[Format, ...] = tuple(f for f in OFFERED if not (isinstance(f, RdfFormat) and f.dataset))


def rdf_formats(offered: Sequence[Format]) -> list[RdfFormat]:
    """The RDF formats among the offered (the alternates a page links to)."""
    return [f for f in offered if isinstance(f, RdfFormat)]


def variant_for(ext: str | None, fmt: str | None, accept: str | None, offered: Sequence[Format]) -> Format:
    """The representation to serve: ?format= beats the extension beats Accept.

    `ext` is a known extension (see split_extension). Raises 400 for an unknown
    ?format=, 406 when nothing offered is acceptable.
    """
    if fmt:
        chosen = lookup(fmt, offered)
        if chosen is None:
            names = ", ".join(f.extension for f in offered)
            raise HTTPException(400, f"Ukjent format «{fmt}». Bruk et av: {names}.")
        return chosen
    if ext:
        return next(f for f in offered if f.extension == ext)
    chosen = negotiate(accept, offered)
    if chosen is None:
        types = ", ".join(f.media_type for f in offered)
        raise HTTPException(
            406, f"Ingen av formatene i Accept ({accept}) finnes for denne ressursen. Tilgjengelig: {types}."
        )
    return chosen


def split_extension(name: str, offered: Sequence[Format]) -> tuple[str, str | None]:
    """'2025-5.1.ttl' -> ('2025-5.1', 'ttl'); keys contain dots, so only offered extensions count."""
    stem, dot, ext = name.rpartition(".")
    fmt = from_extension(ext, offered) if dot and stem else None
    return (stem, fmt.extension) if fmt else (name, None)


def serialize(quads, variant: RdfFormat, prefixes: dict[str, str], context: dict | None = None) -> bytes:
    """Quads as the variant's format; triple formats get the union of the graphs.

    With a JSON-LD `context`, JSON-LD is compacted with it (readable keys such as
    "label" and "focusArea" instead of full IRIs); the context is embedded.
    """
    quads = list(quads)
    if variant.dataset:
        return ox.serialize(quads, format=variant.oxigraph, prefixes=prefixes)
    triples = list(dict.fromkeys(q.triple for q in quads))
    if variant is JSONLD and context is not None:
        g = Graph()
        g.parse(data=ox.serialize(triples, format=NTRIPLES.oxigraph), format=NTRIPLES.rdflib)
        return g.serialize(format=JSONLD.rdflib, context=context, auto_compact=True, encoding="utf-8")
    return ox.serialize(triples, format=variant.oxigraph, prefixes=prefixes)


# `?format=csv` on the result routes (/api/search, /api/duplicates, /api/gaps, /api/overlap-report).
TableFormat = Annotated[Literal["json", "csv"], Query(
    description="json (standard) eller csv: et regneark, UTF-8 med BOM slik at Excel viser æ, ø og å.")]
CSV_RESPONSES = {200: {"content": {"application/json": {}, CSV_TABLE.media_type: {}}}}


def csv_download(body: bytes, filename: str) -> Response:
    """A CSV file (service/tables.py) as a download."""
    return Response(body, media_type=CSV_TABLE.content_type,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
