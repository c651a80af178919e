"""The build: documents + curated facts + vocabulary -> validated named graphs.

    prepare_build(settings, sources) -> Built     parse, link, align, validate (in memory)
    apply_build(writable_store, built, base)      write them into a new store generation

Everything is parsed, linked and validated in memory first; only a graph that conforms
to the shapes is written (by the application layer, service/application.py, into a new
generation that is then swapped in), so a failing build leaves the previous store untouched.
"""

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.exceptions import ParserError
from rdflib.namespace import DCTERMS, PROV, RDF, XSD

from graph import ontology
from graph.errors import UserError, ValidationFailed
from graph.iri import graph_iri
from graph.linker import mention_links
from graph.materialise import aligned_triples
from graph.namespaces import RG
from graph.programme.parser import parse_file
from graph.programme.to_rdf import programme_graph
from graph.settings import Settings
from graph.store import replace_graph
from graph.validate import validate_graph, violations_only


@dataclass
class Built:
    """A validated build, ready to be written: named graph -> graph, and the meta graph."""

    graphs: dict[URIRef, Graph]
    meta: Graph
    shacl_warnings: int = 0

    def summary(self) -> dict:
        return {"graphs": {str(k): len(v) for k, v in self.graphs.items()}, "shacl_warnings": self.shacl_warnings}


def load_curated(path: Path, base: str) -> Graph:
    g = Graph()
    try:
        # Curated facts use relative IRIs ("id/plan/...") so that they follow the base.
        g.parse(path, format="turtle", publicID=base.rstrip("/") + "/")
    except FileNotFoundError:
        raise UserError(f"{path}: filen med kuraterte fakta finnes ikke") from None
    except (SyntaxError, ParserError, ValueError) as err:
        raise UserError(f"{path}: ugyldig Turtle: {str(err).strip().splitlines()[0][:300]}") from None
    return g


def source_graphs(settings: Settings, sources: list[Path]) -> tuple[dict[URIRef, Graph], dict[URIRef, Path]]:
    """Parse, link and align all sources.

    Returns named graph IRI -> graph (not yet validated), and programme graph IRI -> its file.
    """
    base = settings.base_iri
    vocab = ontology.vocabulary()
    curated = load_curated(settings.curated, base)
    graphs: dict[URIRef, Graph] = {}
    origins: dict[URIRef, Path] = {}
    for src in sources:
        doc = parse_file(src)
        g = programme_graph(doc, base)
        name = graph_iri(base, f"programme-{doc.year}")
        if name in graphs:
            raise UserError(f"{src}: to dokumenter gjelder samme år ({doc.year})")
        graphs[name] = g
        origins[name] = src
    names = curated + Graph()
    for g in graphs.values():
        names += g  # projects named in the documents are link targets too
    for g in graphs.values():
        g += mention_links(g, names)
    graphs[graph_iri(base, "curated")] = curated
    for g in graphs.values():
        g += aligned_triples(g, vocab)
    graphs[graph_iri(base, "ontology")] = vocab
    return graphs, origins


def prepare_build(settings: Settings, sources: list[Path] | None = None, progress=print) -> Built:
    """Parse, link and validate every source in memory. Raises UserError / ValidationFailed."""
    sources = [Path(s) for s in (sources or [settings.source])]
    progress(f"Leser {', '.join(str(s) for s in sources)} ...")
    graphs, origins = source_graphs(settings, sources)
    data = Graph()
    for name, g in graphs.items():
        if not name.endswith("/ontology"):
            data += g
    progress(f"Validerer {len(data)} tripler mot SHACL-formene ...")
    results = validate_graph(data)
    errors = violations_only(results)
    if errors:
        report = "\n".join(f"  - {v}" for v in errors[:20])
        more = f"\n  ... og {len(errors) - 20} til" if len(errors) > 20 else ""
        raise ValidationFailed(report + more, len(errors))
    return Built(graphs, _build_meta(graphs, origins), len(results) - len(errors))


def apply_build(store: ox.Store, built: Built, base: str) -> dict:
    """Write a prepared build into a writable store generation; returns its summary."""
    # Programme graphs not rebuilt now belong to documents no longer given: drop them.
    for old in list(store.named_graphs()):
        if "/graph/programme-" in old.value and URIRef(old.value) not in built.graphs:
            store.remove_graph(old)
    for name, g in built.graphs.items():
        replace_graph(store, name, g)
    replace_graph(store, graph_iri(base, "meta"), built.meta)
    return built.summary()


def _build_meta(graphs: dict[URIRef, Graph], origins: dict[URIRef, Path]) -> Graph:
    """When and from what each source graph was made (kept apart so builds stay comparable)."""
    meta = Graph()
    now = Literal(datetime.now(UTC).isoformat(timespec="seconds"), datatype=XSD.dateTime)
    for name in graphs:
        meta.add((name, RDF.type, PROV.Entity))
        meta.add((name, PROV.generatedAtTime, now))
    for name, src in origins.items():
        meta.add((name, DCTERMS.source, Literal(src.name)))
        meta.add((name, RG.sha256, Literal(hashlib.sha256(src.read_bytes()).hexdigest())))
    return meta
