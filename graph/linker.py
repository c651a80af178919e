"""Links text mentions to the curated plans, projects and organisations.

A node whose text names "SINTEF Ocean" or "Klimasats" gets rg:mentions to that node.
Names come from rdfs:label, skos:prefLabel and skos:altLabel. Matching is on whole
words and case-insensitive, except for acronyms (NAV, EU, FN), which must match
exactly, so "nav" inside an ordinary word never counts. A Norwegian possessive
("Regjeringens", "EUs", "FN's") counts as the name. Names marked rg:matchInText false
(Osloregionen, which the text mostly uses for the region) are not matched. Longer names
claim their span first, so "SINTEF Ocean" does not also count as "SINTEF".
"""

import re

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS

from graph.namespaces import RG

TARGET_CLASSES = (RG.Organisation, RG.Plan, RG.Project)
TEXT_PROPERTIES = (RG.text, DCTERMS.description, RDFS.label)


def _pattern(name: str) -> re.Pattern:
    flags = 0 if name.isupper() else re.IGNORECASE
    return re.compile(rf"(?<!\w){re.escape(name)}(?:'?s)?(?!\w)", flags)


def name_patterns(graph: Graph) -> list[tuple[URIRef, re.Pattern]]:
    """(target, pattern) pairs, longest name first."""
    named = []
    for cls in TARGET_CLASSES:
        for node in set(graph.subjects(RDF.type, cls)):
            if (node, RG.matchInText, Literal(False)) in graph:
                continue
            for p in (RDFS.label, SKOS.prefLabel, SKOS.altLabel):
                for name in graph.objects(node, p):
                    name = str(name).strip()
                    if len(name) >= 3 or (len(name) == 2 and name.isupper()):
                        named.append((name, node))
    named.sort(key=lambda pair: len(pair[0]), reverse=True)
    return [(node, _pattern(name)) for name, node in dict.fromkeys(named)]


def mentions_in(text: str, patterns: list[tuple[URIRef, re.Pattern]]) -> set[URIRef]:
    taken: list[tuple[int, int]] = []
    found = set()
    for target, pattern in patterns:
        for m in pattern.finditer(text):
            if any(m.start() < end and start < m.end() for start, end in taken):
                continue
            taken.append(m.span())
            found.add(target)
    return found


def mention_links(data: Graph, names: Graph) -> Graph:
    """rg:mentions triples for every text in `data` naming something in `names`."""
    patterns = name_patterns(names)
    out = Graph()
    for prop in TEXT_PROPERTIES:
        for node, text in data.subject_objects(prop):
            for target in mentions_in(str(text), patterns):
                if target != node:
                    out.add((node, RG.mentions, target))
    return out
