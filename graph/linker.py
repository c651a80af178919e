"""Links text mentions to the curated plans, projects and organisations.

A node whose text names "SINTEF Ocean" or "Klimasats" gets rg:mentions to that node.
Names come from rdfs:label, skos:prefLabel and skos:altLabel. Matching is on whole
words and case-insensitive, except for acronyms (NAV, EU), which must match exactly,
so "nav" inside an ordinary word never counts.
"""

import re

from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS

from .namespaces import RG

TARGET_CLASSES = (RG.Organisation, RG.Plan, RG.Project)
TEXT_PROPERTIES = (RG.text, DCTERMS.description, RDFS.label)


def _pattern(name: str) -> re.Pattern:
    flags = 0 if name.isupper() else re.IGNORECASE
    # \w-boundaries that also treat the hyphen in "EU-prosjektet" as a boundary.
    return re.compile(rf"(?<![\w]){re.escape(name)}(?![\w])", flags)


def name_patterns(graph: Graph) -> list[tuple[URIRef, re.Pattern]]:
    out = []
    for cls in TARGET_CLASSES:
        for node in set(graph.subjects(RDF.type, cls)):
            names = {str(n) for p in (RDFS.label, SKOS.prefLabel, SKOS.altLabel) for n in graph.objects(node, p)}
            # Longest names first, so "SINTEF Ocean" wins over "SINTEF" in the same place.
            for name in sorted(names, key=len, reverse=True):
                if len(name) >= 3:
                    out.append((node, _pattern(name)))
    return out


def mention_links(data: Graph, names: Graph) -> Graph:
    """rg:mentions triples for every text in `data` naming something in `names`."""
    patterns = name_patterns(names)
    out = Graph()
    for prop in TEXT_PROPERTIES:
        for node, text in data.subject_objects(prop):
            for target, pattern in patterns:
                if target != node and pattern.search(str(text)):
                    out.add((node, RG.mentions, target))
    return out
