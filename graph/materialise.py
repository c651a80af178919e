"""Adds the published-vocabulary types and properties that our terms are aligned with.

A partner who knows schema.org, SKOS or PROV-O but not regiongraf still reads the data:
a rg:Measure is also a schema:Action, rg:focusArea is also dct:subject, and so on.
"""

from rdflib import Graph
from rdflib.namespace import RDF, RDFS

from graph.namespaces import RG


def _external_supers(vocab: Graph, term, relation) -> set:
    """All superterms of `term` outside our namespace, following our own terms transitively."""
    seen, out, todo = set(), set(), [term]
    while todo:
        current = todo.pop()
        for sup in vocab.objects(current, relation):
            if sup in seen:
                continue
            seen.add(sup)
            if str(sup).startswith(str(RG)):
                todo.append(sup)
            else:
                out.add(sup)
    return out


def aligned_triples(data: Graph, vocab: Graph) -> Graph:
    out = Graph()
    class_map, prop_map = {}, {}
    for s, p, o in data:
        if p == RDF.type and str(o).startswith(str(RG)):
            if o not in class_map:
                class_map[o] = _external_supers(vocab, o, RDFS.subClassOf)
            for sup in class_map[o]:
                out.add((s, RDF.type, sup))
        elif str(p).startswith(str(RG)):
            if p not in prop_map:
                prop_map[p] = _external_supers(vocab, p, RDFS.subPropertyOf)
            for sup in prop_map[p]:
                out.add((s, sup, o))
    return out
