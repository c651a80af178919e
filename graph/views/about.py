"""Which data this is: the source documents and their dates, when the data were built and last
changed, the imported lists, and the product's version; for the line under every page.

    about(store, base) -> About | None        None before anything is built
    product_version() -> "0.1.0"
    norwegian_time("2026-11-28T21:07:01Z") -> "28.11.2026 kl. 22.07"   (Norwegian time)

Read from the meta graph ({base}/graph/meta: dct:source, rg:sha256 and prov:generatedAtTime
per source graph, written by every build), the imported lists (graph/imports/lists.py) and
the store's history of generations (graph/generations.py). Cheap, but the pages compute it
once per store generation (api/pages/html.py through api/cache.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata

import pyoxigraph as ox
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS

from graph.imports.lists import ImportedList, imported_lists
from graph.iri import graph_iri
from graph.names import action_label
from graph.namespaces import RG
from graph.store import GraphStore

FALLBACK_VERSION = "0.1.0"  # pyproject.toml's, when the package is not installed (a bare checkout)

try:
    from zoneinfo import ZoneInfo

    OSLO = ZoneInfo("Europe/Oslo")
except Exception:  # noqa: BLE001 - no time zone data: show UTC and say so
    OSLO = None


def product_version() -> str:
    try:
        return metadata.version("regiongraf")
    except metadata.PackageNotFoundError:
        return FALLBACK_VERSION


def norwegian_time(iso: str | None, with_time: bool = True) -> str:
    """An xsd:dateTime as Norwegians write it, in Norwegian time ("28.11.2026 kl. 22.07")."""
    if not iso:
        return ""
    try:
        when = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return iso
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    when = when.astimezone(OSLO) if OSLO else when.astimezone(UTC)
    text = when.strftime("%d.%m.%Y")
    if with_time:
        text += when.strftime(" kl. %H.%M") + ("" if OSLO else " UTC")
    return text


@dataclass(frozen=True)
class Source:
    file: str  # the document's file name (dct:source)
    graph: str  # the named graph it became
    title: str | None  # the programme's name, when the graph holds one
    sha256: str | None
    read: str | None  # xsd:dateTime it was read (prov:generatedAtTime)

    def to_json(self) -> dict:
        return dict(self.__dict__)


@dataclass
class About:
    version: str
    generation: str
    sources: list[Source] = field(default_factory=list)
    built: str | None = None  # the latest build (prov:generatedAtTime in the meta graph)
    changed: str | None = None  # when the data last changed (the newest write that is not a refresh)
    change: str | None = None  # by what (build, import, review ...)
    imports: list[ImportedList] = field(default_factory=list)

    def to_json(self) -> dict:
        return {
            "version": self.version, "generation": self.generation,
            "sources": [s.to_json() for s in self.sources], "built": self.built, "changed": self.changed,
            "change": self.change, "imports": [i.to_json() for i in self.imports],
        }

    @property
    def change_label(self) -> str:
        return action_label(self.change)


def _one(store: ox.Store, s, p, g):
    for q in store.quads_for_pattern(s, ox.NamedNode(str(p)), None, g):
        return q.object
    return None


def about(store: GraphStore, base: str) -> About | None:
    generation = store.generation()
    if generation is None:
        return None
    reader = store.reader()
    meta = ox.NamedNode(str(graph_iri(base, "meta")))
    sources, times = [], []
    for q in reader.quads_for_pattern(None, ox.NamedNode(str(PROV.generatedAtTime)), None, meta):
        times.append(q.object.value)
    for q in reader.quads_for_pattern(None, ox.NamedNode(str(DCTERMS.source)), None, meta):
        g = q.subject
        sha = _one(reader, g, RG.sha256, meta)
        read = _one(reader, g, PROV.generatedAtTime, meta)
        programme = next(iter(reader.quads_for_pattern(None, ox.NamedNode(str(RDF.type)),
                                                       ox.NamedNode(str(RG.Programme)), g)), None)
        title = _one(reader, programme.subject, RDFS.label, g) if programme is not None else None
        sources.append(Source(q.object.value, g.value, title.value if title is not None else None,
                              sha.value if sha is not None else None, read.value if read is not None else None))
    sources.sort(key=lambda s: s.file)
    history = store.history()
    ids = [h.id for h in history]
    # The newest write up to the current generation; a refresh (index, inferred links) changes no source.
    upto = history[: ids.index(generation) + 1] if generation in ids else []
    entry = next((h for h in reversed(upto) if h.action != "refresh"), upto[-1] if upto else None)
    return About(
        version=product_version(), generation=generation, sources=sources, built=max(times, default=None),
        changed=entry.time if entry else None, change=entry.action if entry else None,
        imports=imported_lists(reader, base),
    )
