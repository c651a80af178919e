"""Terms on their way to and from a remote store.

Blank nodes cannot be named in a later request (and Virtuoso refuses them in INSERT DATA),
so they are stored *skolemised* (RDF 1.1, 3.5): `_:b1` is written as the IRI
`{base}/.well-known/genid/b1` and read back as `_:b1`. Literals of a datatype the server
would rewrite by value (Virtuoso turns "P3Y"^^xsd:duration into "36") are written with a
wrapping datatype and unwrapped when read. Stored graph names are read back as the names
we publish (graph/remote/rewrite.py maps them the other way).

    Codec(skolem, wrap, names).term(json_binding) -> ox term
    codec.encode(term) -> ox term as stored
    codec.solutions(json_doc) -> pyoxigraph QuerySolutions / QueryBoolean
    codec.ntriples(triples) -> bytes
    codec.triples(ntriples_bytes) -> list[ox.Triple]
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

import pyoxigraph as ox

from graph.formats import term_json
from graph.namespaces import XSD

XSD_STRING = str(XSD.string)
XSD_BOOLEAN = "http://www.w3.org/2001/XMLSchema#boolean"
WRAPPED = "urn:x-regiongraf:lexical:"  # + the original datatype IRI
_LABEL = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_\-.]*$")


@dataclass
class Codec:
    skolem: str  # "{base}/.well-known/genid/"
    wrap: tuple[str, ...] = ()
    names: dict[str, str] = field(default_factory=dict)  # stored graph IRI -> published name

    # -- to the server -------------------------------------------------------------
    def encode(self, term):
        if isinstance(term, ox.BlankNode):
            return ox.NamedNode(self.skolem + _label(term.value))
        if isinstance(term, ox.Literal) and self.wrap and term.datatype.value in self.wrap:
            return ox.Literal(term.value, datatype=ox.NamedNode(WRAPPED + term.datatype.value))
        if isinstance(term, ox.Triple):
            return ox.Triple(self.encode(term.subject), self.encode(term.predicate), self.encode(term.object))
        return term

    def sparql(self, term) -> str:
        """A term as it is written in a SPARQL request to the server."""
        return str(self.encode(term))

    def ntriples(self, triples) -> bytes:
        encode = self.encode
        return ox.serialize((ox.Triple(encode(t.subject), t.predicate, encode(t.object)) for t in triples),
                            format=ox.RdfFormat.N_TRIPLES)

    # -- from the server -------------------------------------------------------------
    def decode(self, term):
        if isinstance(term, ox.NamedNode):
            value = term.value
            if value.startswith(self.skolem):
                label = value[len(self.skolem):]
                if _LABEL.match(label):
                    return ox.BlankNode(label)
            name = self.names.get(value)
            return ox.NamedNode(name) if name is not None else term
        if isinstance(term, ox.Literal) and term.datatype.value.startswith(WRAPPED):
            return ox.Literal(term.value, datatype=ox.NamedNode(term.datatype.value[len(WRAPPED):]))
        if isinstance(term, ox.Triple):
            return ox.Triple(self.decode(term.subject), self.decode(term.predicate), self.decode(term.object))
        return term

    def triples(self, body: bytes) -> list[ox.Triple]:
        decode = self.decode
        return [ox.Triple(decode(t.subject), decode(t.predicate), decode(t.object))
                for t in ox.parse(body, format=ox.RdfFormat.N_TRIPLES)]

    def term(self, value: dict):
        """One value of a SPARQL JSON binding as a pyoxigraph term."""
        kind = value.get("type")
        text = value.get("value", "")
        if kind == "uri":
            return self.decode(ox.NamedNode(text))
        if kind == "bnode":
            return ox.BlankNode(_label(text))
        if kind in ("literal", "typed-literal"):
            lang = value.get("xml:lang")
            if lang:
                return ox.Literal(text, language=lang)
            datatype = value.get("datatype")
            if not datatype or datatype == XSD_STRING:
                return ox.Literal(text)
            if datatype == XSD_BOOLEAN and text in ("0", "1"):  # Virtuoso writes booleans as numbers
                text = "true" if text == "1" else "false"
            if datatype.startswith(WRAPPED):
                datatype = datatype[len(WRAPPED):]
            return ox.Literal(text, datatype=ox.NamedNode(datatype))
        if kind == "triple":
            inner = value["value"]
            return ox.Triple(self.term(inner["subject"]), self.term(inner["predicate"]), self.term(inner["object"]))
        raise ValueError(f"ukjent term i SPARQL JSON: {kind}")

    def rows(self, doc: dict) -> tuple[list[str], list[dict]]:
        """Variables and rows (variable -> term) of a SELECT answer."""
        variables = list(doc.get("head", {}).get("vars", []))
        rows = [{k: self.term(v) for k, v in b.items()} for b in doc.get("results", {}).get("bindings", [])]
        return variables, rows

    def solutions(self, doc: dict):
        """A SPARQL JSON answer as pyoxigraph's own result objects, terms decoded."""
        if "boolean" in doc:
            value = doc["boolean"]
            if isinstance(value, str):
                value = value.lower() in ("true", "1")
            return ox.parse_query_results(json.dumps({"head": {}, "boolean": bool(value)}).encode(),
                                          format=ox.QueryResultsFormat.JSON)
        variables, rows = self.rows(doc)
        bindings = [{k: term_json(t) for k, t in row.items()} for row in rows]
        body = json.dumps({"head": {"vars": variables}, "results": {"bindings": bindings}}, ensure_ascii=False)
        return ox.parse_query_results(body.encode(), format=ox.QueryResultsFormat.JSON)


def _label(value: str) -> str:
    """A blank node label that is also safe at the end of an IRI."""
    if _LABEL.match(value):
        return value
    return "x" + value.encode().hex()

