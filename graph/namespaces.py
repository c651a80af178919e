"""RDF namespaces used across the project: every vocabulary IRI is spelt here, once."""

from rdflib import Namespace
from rdflib.namespace import DCAT, DCTERMS, ORG, OWL, PROV, RDF, RDFS, SKOS, VOID, XSD

RG = Namespace("https://data.osloregionen.no/def/regiongraf#")
SCHEMA = Namespace("https://schema.org/")
FIBO_GAO = Namespace("https://spec.edmcouncil.org/fibo/ontology/FND/GoalsAndObjectives/Objectives/")
SSSOM = Namespace("https://w3id.org/sssom/")
SEMAPV = Namespace("https://w3id.org/semapv/vocab/")
SH = Namespace("http://www.w3.org/ns/shacl#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")

PREFIXES = {
    "rg": RG,
    "schema": SCHEMA,
    "skos": SKOS,
    "dct": DCTERMS,
    "prov": PROV,
    "org": ORG,
    "owl": OWL,
    "rdf": RDF,
    "rdfs": RDFS,
    "xsd": XSD,
    "dcat": DCAT,
    "void": VOID,
    "sssom": SSSOM,
    "semapv": SEMAPV,
    "fibo-gao": FIBO_GAO,
}


def bind_prefixes(graph) -> None:
    for prefix, ns in PREFIXES.items():
        graph.bind(prefix, ns, override=True)
