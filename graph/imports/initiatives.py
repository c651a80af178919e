"""Records from an actor's list -> rg:Initiative nodes in that actor's named graph.

IRIs: {base}/id/initiative/{actor-slug}-{id or row number}; the actor is an
rg:Organisation {base}/id/organisation/{actor-slug} (a curated one when it exists).
A theme that names a focus area ("5.1", "Kraft", "5.1 Kraft") also links rg:focusArea.
"""

import re
from dataclasses import dataclass

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS

from graph.imports.tabular import ImportRefused, Record
from graph.iri import node_iri, slug
from graph.namespaces import RG, SCHEMA, bind_prefixes

NB = "nb"


@dataclass
class FocusArea:
    iri: URIRef
    notation: str
    labels: list[str]


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


def match_focus_areas(theme: str, areas: list[FocusArea]) -> list[URIRef]:
    """Focus areas a theme names: by number ("5.1"), label ("Kraft") or both ("5.1 Kraft")."""
    out = []
    for part in re.split(r"[;|]", theme):
        t = _norm(part)
        if not t:
            continue
        for fa in areas:
            names = {_norm(fa.notation)} | {_norm(lab) for lab in fa.labels}
            names |= {_norm(f"{fa.notation} {lab}") for lab in fa.labels}
            names |= {_norm(f"{fa.notation}. {lab}") for lab in fa.labels}
            if t in names and fa.iri not in out:
                out.append(fa.iri)
    return out


def record_key(rec: Record) -> str:
    return (slug(rec.id) if rec.id else "") or str(rec.number)


def check_keys(records: list[Record], filename: str) -> None:
    seen: dict[str, Record] = {}
    for rec in records:
        key = record_key(rec)
        if key in seen:
            first = seen[key]
            raise ImportRefused(
                f"{filename}, {rec.where}, felt «id»: id «{rec.id or key}» gir samme nøkkel som "
                f"{first.where}; hvert initiativ trenger en egen id"
            )
        seen[key] = rec


def initiatives_graph(records: list[Record], base: str, actor: URIRef, actor_slug: str,
                      filename: str, areas: list[FocusArea]) -> tuple[Graph, dict[URIRef, str]]:
    """The initiative triples, and where each node came from (for error messages)."""
    check_keys(records, filename)
    g = Graph()
    bind_prefixes(g)
    where: dict[URIRef, str] = {}
    for rec in records:
        node = node_iri(base, "Initiative", f"{actor_slug}-{record_key(rec)}")
        where[node] = rec.where
        g.add((node, RDF.type, RG.Initiative))
        g.add((node, RDFS.label, Literal(rec.title, lang=NB)))
        g.add((node, RG.text, Literal(rec.description or rec.title, lang=NB)))
        g.add((node, RG.proposedBy, actor))
        g.add((node, DCTERMS.source, Literal(filename)))
        g.add((node, RG.position, Literal(rec.number)))
        if rec.id:
            g.add((node, DCTERMS.identifier, Literal(rec.id)))
        if rec.url:
            g.add((node, SCHEMA.url, URIRef(rec.url)))
        if rec.theme:
            g.add((node, RG.theme, Literal(rec.theme, lang=NB)))
            for fa in match_focus_areas(rec.theme, areas):
                g.add((node, RG.focusArea, fa))
    return g, where
