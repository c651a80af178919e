"""Formats and media types: the one table of each, and the one way to negotiate between them.

Every format name a person can type (`?format=`, `--format`), every file extension in a
URL and every media type a client sends or gets is resolved here:

- `RDF_FORMATS`: the RDF syntaxes (Turtle, TriG, N-Quads, N-Triples, JSON-LD, RDF/XML);
- `RESULTS_FORMATS`: the SPARQL query results formats (JSON, XML, CSV, TSV);
- `HTML` (the pages for people) and `CSV_TABLE` (the measures for spreadsheets).

Each surface (node documents, /sparql, downloads, the catalogue, the CLI) offers a
selection of these, in its own order of preference, and looks names up with `lookup`,
`from_extension` and `from_media_type`. `negotiate` chooses among the offered formats
by the client's `Accept` header (`parse_accept`).

Only pyoxigraph is imported: the SPARQL worker processes import this module.
"""

import math
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

import pyoxigraph as ox

from graph.namespaces import XSD

W3C_FORMATS = "http://www.w3.org/ns/formats/"  # W3C's IRIs for formats (SPARQL service description, VoID)
IANA_MEDIA_TYPES = "https://www.iana.org/assignments/media-types/"


@dataclass(frozen=True, kw_only=True)
class Format:
    """A representation we read or write."""

    name: str  # canonical name: ?format=, --format, and the key in code and in IRIs
    label: str  # its name for people: "Turtle"
    media_type: str  # the media type we serve it as (no parameters)
    extensions: tuple[str, ...]  # file extensions; the first is the one we write
    aliases: tuple[str, ...] = ()  # other names accepted for it (besides the extensions)
    asked_by: tuple[str, ...] = ()  # other media types a client may ask for it with
    parameters: str = ""  # media type parameters for Content-Type, e.g. "; header=present"
    file_type: str | None = None  # EU file-type authority code (DCAT dct:format)
    spec: tuple[str, str] | None = None  # (IRI, title) of its specification

    @property
    def extension(self) -> str:
        return self.extensions[0]

    @property
    def names(self) -> tuple[str, ...]:
        """Every name it answers to, canonical first."""
        return tuple(dict.fromkeys((self.name, *self.extensions, *self.aliases)))

    @property
    def media_types(self) -> tuple[str, ...]:
        """The media types that ask for it, the one served first."""
        return (self.media_type, *self.asked_by)

    @property
    def content_type(self) -> str:
        return self.media_type + self.parameters

    @property
    def iana(self) -> str:
        """The IANA registration of its media type (DCAT dcat:mediaType)."""
        return IANA_MEDIA_TYPES + self.media_type


@dataclass(frozen=True, kw_only=True)
class RdfFormat(Format):
    """An RDF syntax."""

    oxigraph: ox.RdfFormat
    rdflib: str  # rdflib's parser (and serializer) name
    iri: str  # W3C's IRI for the format
    dataset: bool = False  # a dataset syntax: one document holds several named graphs
    prefixes: bool = False  # the syntax can abbreviate IRIs with declared prefixes
    rdflib_pretty: str | None = None  # rdflib's serializer when better than `rdflib`

    @property
    def keeps_graphs(self) -> bool:
        """Whether a whole-dataset export keeps the named graphs (the dataset syntaxes and JSON-LD)."""
        return self.oxigraph.supports_datasets

    @property
    def rdflib_serializer(self) -> str:
        return self.rdflib_pretty or self.rdflib


@dataclass(frozen=True, kw_only=True)
class ResultsFormat(Format):
    """A SPARQL query results format (SELECT and ASK)."""

    oxigraph: ox.QueryResultsFormat
    iri: str  # W3C's IRI for the format


# -- the tables --------------------------------------------------------------------
TURTLE = RdfFormat(
    name="turtle", label="Turtle", media_type="text/turtle", extensions=("ttl",), aliases=("n3",),
    asked_by=("application/x-turtle", "application/turtle", "text/n3", "text/rdf+n3", "application/n3"),
    oxigraph=ox.RdfFormat.TURTLE, rdflib="turtle", iri=W3C_FORMATS + "Turtle", prefixes=True,
    file_type="RDF_TURTLE", spec=("https://www.w3.org/TR/turtle/", "RDF 1.1 Turtle"),
)
TRIG = RdfFormat(
    name="trig", label="TriG", media_type="application/trig", extensions=("trig",),
    oxigraph=ox.RdfFormat.TRIG, rdflib="trig", iri=W3C_FORMATS + "TriG", dataset=True, prefixes=True,
    file_type="RDF_TRIG", spec=("https://www.w3.org/TR/trig/", "RDF 1.1 TriG"),
)
NQUADS = RdfFormat(
    name="nquads", label="N-Quads", media_type="application/n-quads", extensions=("nq",), aliases=("n-quads",),
    asked_by=("text/x-nquads",),
    oxigraph=ox.RdfFormat.N_QUADS, rdflib="nquads", iri=W3C_FORMATS + "N-Quads", dataset=True,
    file_type="RDF_N_QUADS", spec=("https://www.w3.org/TR/n-quads/", "RDF 1.1 N-Quads"),
)
NTRIPLES = RdfFormat(
    name="ntriples", label="N-Triples", media_type="application/n-triples", extensions=("nt",),
    aliases=("n-triples",), asked_by=("text/plain",),
    oxigraph=ox.RdfFormat.N_TRIPLES, rdflib="nt", iri=W3C_FORMATS + "N-Triples",
    file_type="RDF_N_TRIPLES", spec=("https://www.w3.org/TR/n-triples/", "RDF 1.1 N-Triples"),
)
JSONLD = RdfFormat(
    name="jsonld", label="JSON-LD", media_type="application/ld+json", extensions=("jsonld",),
    aliases=("json-ld", "json"), asked_by=("application/json", "application/x-json+ld"),
    oxigraph=ox.RdfFormat.JSON_LD, rdflib="json-ld", iri=W3C_FORMATS + "JSON-LD",
    file_type="JSON_LD", spec=("https://www.w3.org/TR/json-ld11/", "JSON-LD 1.1"),
)
RDFXML = RdfFormat(
    name="rdfxml", label="RDF/XML", media_type="application/rdf+xml", extensions=("rdf",),
    aliases=("xml", "rdf/xml", "rdf-xml", "rdf+xml"), asked_by=("application/xml", "text/xml"),
    oxigraph=ox.RdfFormat.RDF_XML, rdflib="xml", rdflib_pretty="pretty-xml", iri=W3C_FORMATS + "RDF_XML",
    prefixes=True,
    file_type="RDF_XML", spec=("https://www.w3.org/TR/rdf-syntax-grammar/", "RDF 1.1 XML Syntax"),
)
RDF_FORMATS: tuple[RdfFormat, ...] = (TURTLE, TRIG, NQUADS, NTRIPLES, JSONLD, RDFXML)

RESULTS_JSON = ResultsFormat(
    name="json", label="JSON", media_type="application/sparql-results+json", extensions=("srj",),
    asked_by=("application/json",), oxigraph=ox.QueryResultsFormat.JSON, iri=W3C_FORMATS + "SPARQL_Results_JSON",
)
RESULTS_XML = ResultsFormat(
    name="xml", label="XML", media_type="application/sparql-results+xml", extensions=("srx",),
    asked_by=("application/xml", "text/xml"), oxigraph=ox.QueryResultsFormat.XML,
    iri=W3C_FORMATS + "SPARQL_Results_XML",
)
RESULTS_CSV = ResultsFormat(
    name="csv", label="CSV", media_type="text/csv", extensions=("csv",), parameters="; charset=utf-8",
    oxigraph=ox.QueryResultsFormat.CSV, iri=W3C_FORMATS + "SPARQL_Results_CSV",
)
RESULTS_TSV = ResultsFormat(
    name="tsv", label="TSV", media_type="text/tab-separated-values", extensions=("tsv",),
    parameters="; charset=utf-8", oxigraph=ox.QueryResultsFormat.TSV, iri=W3C_FORMATS + "SPARQL_Results_TSV",
)
RESULTS_FORMATS: tuple[ResultsFormat, ...] = (RESULTS_JSON, RESULTS_XML, RESULTS_CSV, RESULTS_TSV)

HTML = Format(name="html", label="HTML", media_type="text/html", extensions=("html",), aliases=("htm",),
              asked_by=("application/xhtml+xml",), parameters="; charset=utf-8")
CSV_TABLE = Format(
    name="csv", label="CSV", media_type="text/csv", extensions=("csv",), parameters="; charset=utf-8; header=present",
    file_type="CSV", spec=("https://www.rfc-editor.org/rfc/rfc4180", "RFC 4180: Common Format for CSV Files"),
)

RDF: dict[str, RdfFormat] = {f.name: f for f in RDF_FORMATS}
RESULTS: dict[str, ResultsFormat] = {f.name: f for f in RESULTS_FORMATS}

F = TypeVar("F", bound=Format)


# -- looking formats up ----------------------------------------------------------------
def lookup(name: str, formats: Iterable[F]) -> F | None:
    """The format of `formats` with this name, alias or extension (any case), or None."""
    key = name.strip().lower()
    return next((f for f in formats if key in f.names), None)


def from_extension(ext: str, formats: Iterable[F]) -> F | None:
    """The format of `formats` a file extension ("ttl", any case, no dot) stands for, or None."""
    key = ext.lower()
    return next((f for f in formats if key in f.extensions), None)


def from_media_type(media_type: str, formats: Iterable[F]) -> F | None:
    """The format of `formats` a media type (parameters allowed) asks for: the one it is
    served as first, then one it stands in for (application/json -> JSON-LD)."""
    key = media_type.split(";")[0].strip().lower()
    formats = list(formats)
    served = next((f for f in formats if f.media_type == key), None)
    return served or next((f for f in formats if key in f.asked_by), None)


def names_list(names: Sequence[str], last: str = "eller") -> str:
    """'a, b eller c': the names for a message or a parameter's description."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} {last} {names[-1]}"


# -- content negotiation -----------------------------------------------------------------
def parse_accept(header: str | None) -> list[tuple[str, float]]:
    """The media ranges of an Accept header with their q values, in the order given.

    'text/turtle;q=0.9, */*;q=0.1' -> [('text/turtle', 0.9), ('*/*', 0.1)]. Media types
    are lower-cased and their other parameters dropped; a part that is not
    `type/subtype` or whose q is not a number is left out; q is kept within [0, 1].
    """
    ranges = []
    for part in (header or "").split(","):
        media, *params = (p.strip() for p in part.split(";"))
        media = media.lower()
        kind, slash, sub = media.partition("/")
        if not (slash and kind and sub) or "/" in sub or any(c.isspace() for c in media) \
                or (kind == "*" and sub != "*"):
            continue
        q = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value.strip())
                except ValueError:
                    q = math.nan
                break  # what follows q are accept-extensions, not media type parameters
        if not math.isfinite(q):
            continue
        ranges.append((media, max(0.0, min(1.0, q))))
    return ranges


def quality(fmt: Format, ranges: list[tuple[str, float]], *, wildcards: bool = True) -> float:
    """The q a client gives a format: the most specific matching range decides.

    From most to least specific: the media type it is served as, another media type that
    asks for it, `type/*`, `*/*`. Without `wildcards` only the first two count.
    """
    best, rank = 0.0, -1
    major = fmt.media_type.split("/")[0]
    for media, q in ranges:
        if media == fmt.media_type:
            r = 3
        elif media in fmt.asked_by:
            r = 2
        elif wildcards and media == f"{major}/*":
            r = 1
        elif wildcards and media == "*/*":
            r = 0
        else:
            continue
        if r > rank or (r == rank and q > best):
            best, rank = q, r
    return best


def negotiate(accept: str | None, offered: Sequence[F], *, named_only: Collection[Format] = ()) -> F | None:
    """The offered format the client likes best, or None when it accepts none of them.

    Ties go to the order offered (the server's preference); no Accept header, or an
    empty one, accepts anything. Formats in `named_only` are chosen only when the
    client names one of their media types (a wildcard does not ask for them).
    """
    ranges = parse_accept(accept) if accept and accept.strip() else [("*/*", 1.0)]
    best, best_q = None, 0.0
    for fmt in offered:
        q = quality(fmt, ranges, wildcards=fmt not in named_only)
        if q > best_q:
            best, best_q = fmt, q
    return best


_XSD_STRING = str(XSD.string)


def term_json(term) -> dict:
    """One RDF term in the SPARQL 1.1 Query Results JSON format (RDF 1.2 triple terms and
    directional language tags included): the one encoder the workers and the remote store use."""
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
            if term.direction is not None:
                out["its:dir"] = str(term.direction)
        elif term.datatype.value != _XSD_STRING:
            out["datatype"] = term.datatype.value
        return out
    return {  # a triple term (RDF 1.2)
        "type": "triple",
        "value": {
            "subject": term_json(term.subject),
            "predicate": term_json(term.predicate),
            "object": term_json(term.object),
        },
    }
