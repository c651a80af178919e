"""Reading an actor's list that is already RDF in our vocabulary (Turtle or JSON-LD).

The file must describe at least one rg:Initiative. It may only say things about its own
initiatives (and blank nodes under them, and the actor), never about nodes of the
programme or of other actors, so an import can add but not overwrite. An initiative is an
rg:Initiative and nothing else of ours (an import never adds a measure to the programme),
described with the properties a CSV import gives it; blank nodes carry none of our terms;
links are http(s) only; text carries no characters XML cannot hold. Initiatives without
rg:proposedBy get the importing actor; one that names another actor is refused.
Remote JSON-LD contexts are never fetched: a file either has an inline context or uses ours.
"""

import json
import re

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.exceptions import ParserError
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS

from graph import ontology
from graph.imports.tabular import ImportRefused, check_text, parse_json_value
from graph.namespaces import RG, SCHEMA, bind_prefixes


def _describe(err: Exception, filename: str, kind: str) -> str:
    """rdflib's "at line 3 of <>: Bad syntax (Prefix "rdfs:" not bound) at ^ in: ..." as our message."""
    text = str(err).strip()
    m = re.match(r"at line (\d+) of <[^>]*>:\s*Bad syntax \((.*?)\) at \^", text, re.S)
    if m:
        return f"{filename}, linje {m.group(1)}: ugyldig {kind} ({m.group(2)})"
    lines = text.splitlines()
    return f"{filename}: ugyldig {kind} ({(lines[0] if lines else type(err).__name__)[:300]})"


def _inline_context(value, filename: str):
    """Replace string (remote) contexts by ours, or refuse them; returns the JSON to parse."""
    def fix(ctx):
        if isinstance(ctx, str):
            if "regiongraf" in ctx or ctx.endswith("context.jsonld"):
                return _our_context()
            raise ImportRefused(
                f"{filename}: JSON-LD-konteksten «{ctx[:80]}» hentes ikke fra nettet; "
                "legg konteksten inn i filen eller utelat den (da brukes regiongrafs kontekst)"
            )
        if isinstance(ctx, list):
            return [fix(c) for c in ctx]
        return ctx

    def walk(node):
        if isinstance(node, dict):
            return {k: (fix(v) if k == "@context" else walk(v)) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    return walk(value)


def _our_context():
    try:
        return ontology.context().get("@context", {})
    except FileNotFoundError:
        return {}


def parse_rdf(text: str, fmt: str, filename: str, base: str) -> Graph:
    g = Graph()
    bind_prefixes(g)
    public = base.rstrip("/") + "/"
    try:
        if fmt == "json-ld":
            value = _inline_context(parse_json_value(text, filename), filename)
            has_context = any(isinstance(v, dict) and "@context" in v
                              for v in (value if isinstance(value, list) else [value]))
            extra = {} if has_context else {"context": _our_context()}
            g.parse(data=json.dumps(value), format="json-ld", publicID=public, base=public, **extra)
        else:
            g.parse(data=text, format="turtle", publicID=public)
    except ImportRefused:
        raise
    except RecursionError:
        raise ImportRefused(f"{filename}: strukturen er nøstet for dypt til å leses") from None
    except (SyntaxError, ParserError, ValueError, TypeError, KeyError) as err:
        kind = "JSON-LD" if fmt == "json-ld" else "Turtle"
        raise ImportRefused(_describe(err, filename, kind)) from None
    return g


# What a file may say about its initiatives and its actor (the rest is refused whole).
INITIATIVE_PROPERTIES = {
    RDF.type, RDFS.label, SKOS.prefLabel, SKOS.altLabel, RDFS.comment, RDFS.seeAlso, RG.text, RG.theme,
    RG.focusArea, RG.proposedBy, RG.implements, RG.mentions, RG.position, DCTERMS.description,
    DCTERMS.identifier, DCTERMS.source, DCTERMS.subject, SCHEMA.url,
}
ACTOR_PROPERTIES = {RDF.type, RDFS.label, SKOS.prefLabel, SKOS.altLabel, SCHEMA.url}
LINK_SCHEMES = ("http://", "https://")


def check_terms(g: Graph, initiatives: set, actor: URIRef, filename: str) -> None:
    """Only our own initiatives' (and the actor's) facts, in the allowed terms, with safe values."""
    for s, p, o in g:
        where = f"{filename}: <{s}>" if isinstance(s, URIRef) else f"{filename}: en blank node"
        if isinstance(s, BNode):
            if str(p).startswith(str(RG)) or (p == RDF.type and str(o).startswith(str(RG))):
                raise ImportRefused(f"{where} bruker regiongrafs begrep <{p if p != RDF.type else o}>; "
                                    "bare initiativene selv kan beskrives med dem")
        elif s in initiatives:
            if p not in INITIATIVE_PROPERTIES:
                raise ImportRefused(f"{where} (<{p}>): egenskapen kan ikke importeres for et initiativ")
            if p == RDF.type and o != RG.Initiative:
                raise ImportRefused(f"{where} (rdf:type): et importert initiativ kan ikke også være <{o}>; "
                                    "en import kan ikke legge til tiltak, strategier eller annet i programmet")
        elif s == actor:
            if p not in ACTOR_PROPERTIES or (p == RDF.type and o != RG.Organisation):
                raise ImportRefused(f"{where} (<{p}>): om aktøren kan bare navn, type og nettside importeres")
        if isinstance(o, URIRef) and not str(o).startswith(LINK_SCHEMES):
            raise ImportRefused(f"{where} (<{p}>): «{str(o)[:80]}» er ikke en http(s)-adresse")
        for term in (s, p, o):
            if isinstance(term, URIRef | Literal):
                check_text(str(term), where)


def check_rdf(g: Graph, actor: URIRef, filename: str) -> list[URIRef]:
    """The file's initiatives, after checking it only describes them; adds missing rg:proposedBy."""
    initiatives = sorted(set(g.subjects(RDF.type, RG.Initiative)), key=str)
    if not initiatives:
        raise ImportRefused(
            f"{filename}: fant ingen noder av typen rg:Initiative "
            f"(<{RG.Initiative}>); bare initiativer kan importeres"
        )
    for node in initiatives:
        if isinstance(node, BNode):
            raise ImportRefused(f"{filename}: et rg:Initiative er en blank node; gi hvert initiativ en IRI")
    allowed = set(initiatives) | {actor}
    check_terms(g, set(initiatives), actor, filename)
    for s in set(g.subjects()):
        if isinstance(s, URIRef) and s not in allowed:
            raise ImportRefused(
                f"{filename}: <{s}> er ikke et rg:Initiative i filen; en import kan bare beskrive "
                "egne initiativer (og aktøren)"
            )
    for node in initiatives:
        owners = set(g.objects(node, RG.proposedBy))
        if not owners:
            g.add((node, RG.proposedBy, actor))
        elif owners != {actor}:
            other = ", ".join(f"<{o}>" for o in owners)
            raise ImportRefused(
                f"{filename}: <{node}> (rg:proposedBy): er foreslått av {other}, men importeres for <{actor}>"
            )
        if g.value(node, RG.text) is None and g.value(node, RDFS.label) is not None:
            g.add((node, RG.text, g.value(node, RDFS.label)))
    return initiatives
