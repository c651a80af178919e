"""The build: documents + curated facts + vocabulary -> validated named graphs.

    prepare_build(settings, sources) -> Built     parse, link, align, validate (in memory)
    apply_build(writable_store, built, base)      write them into a new store generation

Everything is parsed, linked and validated in memory first; only a graph that conforms
to the shapes is written (by the application layer, service/application.py, into a new
generation that is then swapped in), so a failing build leaves the previous store untouched.
"""

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.exceptions import ParserError
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS, XSD

from graph import ontology
from graph.errors import UserError, ValidationFailed
from graph.iri import graph_iri, node_iri
from graph.linker import mention_links
from graph.materialise import aligned_triples
from graph.namespaces import RG
from graph.programme.parser import parse_file
from graph.programme.to_rdf import programme_graph
from graph.publish.catalogue import PUBLISHER_KEY
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
    curated += year_links(curated, {n: g for n, g in graphs.items()}, base, settings.curated)
    graphs[graph_iri(base, "curated")] = curated
    for g in graphs.values():
        g += aligned_triples(g, vocab)
    graphs[graph_iri(base, "ontology")] = vocab
    return graphs, origins


def year_links(curated: Graph, programmes: dict[URIRef, Graph], base: str, path: Path) -> Graph:
    """What the curated facts say about every programme year, for the years being built.

    A plan or project names its focus area by number (rg:focusAreaNumber "5.4"), the same in
    every year; it is linked (rg:focusArea) to the focus area with that number in each year
    built, and a number no year has is refused with the years and numbers there are. Each
    programme gets the catalogue's publisher (dct:publisher) when the curated facts hold it.
    """
    out = Graph()
    areas: dict[str, dict[str, URIRef]] = {}  # notation -> year -> focus area
    for g in programmes.values():
        for fa in g.subjects(RDF.type, RG.FocusArea):
            year = str(g.value(g.value(fa, RG.inProgramme), RG.year) or "")
            for notation in g.objects(fa, SKOS.notation):
                areas.setdefault(str(notation), {})[year] = fa
    years = sorted({str(g.value(p, RG.year)) for g in programmes.values() for p in g.subjects(RDF.type, RG.Programme)})
    for node, number in sorted(curated.subject_objects(RG.focusAreaNumber)):
        found = areas.get(str(number).strip(), {})
        if not found:
            label = curated.value(node, RDFS.label) or node
            known = ", ".join(sorted(areas, key=_natural)) or "ingen"
            which = f"dokumentet for {years[0]}" if len(years) == 1 else f"dokumentene for {', '.join(years)}"
            raise UserError(f"{path}: «{label}» hører til innsatsområde {number} (rg:focusAreaNumber), men "
                            f"{which} har ikke noe innsatsområde {number}. Innsatsområdene der: {known}.")
        for fa in found.values():
            out.add((node, RG.focusArea, fa))
    publisher = node_iri(base, "Organisation", PUBLISHER_KEY)
    if (publisher, RDF.type, RG.Organisation) in curated:
        for g in programmes.values():
            for programme in g.subjects(RDF.type, RG.Programme):
                out.add((programme, DCTERMS.publisher, publisher))
    return out


def _natural(text: str) -> list:
    return [(0, int(t), "") if t.isdigit() else (1, 0, t) for t in re.split(r"(\d+)", text) if t]


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
