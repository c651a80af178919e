"""Access to the files in ontology/: vocabulary, SHACL shapes, JSON-LD context."""

import json
from functools import lru_cache
from pathlib import Path

from rdflib import Graph

from graph.settings import REPO

ONTOLOGY_DIR = REPO / "ontology"
VOCABULARY = ONTOLOGY_DIR / "regiongraf.ttl"
SHAPES = ONTOLOGY_DIR / "shapes.ttl"
CONTEXT = ONTOLOGY_DIR / "context.jsonld"


def _parse(path: Path) -> Graph:
    g = Graph()
    g.parse(path, format="turtle")
    return g


@lru_cache
def vocabulary() -> Graph:
    return _parse(VOCABULARY)


@lru_cache
def shapes() -> Graph:
    return _parse(SHAPES)


@lru_cache
def context() -> dict:
    return json.loads(CONTEXT.read_text(encoding="utf-8"))
