"""Turns a parsed Programme into RDF in the regiongraf vocabulary."""

import re

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS, XSD

from graph.iri import node_iri, slug
from graph.namespaces import RG, bind_prefixes
from graph.programme.document import Item, Programme

NB = "nb"


def short_label(text: str, limit: int = 100) -> str:
    """First sentence (or clause), cut at a word boundary: a readable name for a long text."""
    first = re.split(r"(?<=[.!?])\s+", text.strip(), maxsplit=1)[0].rstrip(".")
    if len(first) <= limit:
        return first
    cut = first[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + "…"


def scheme_iri(base: str, year: str) -> URIRef:
    return URIRef(f"{base.rstrip('/')}/scheme/themes-{year}")


class _Builder:
    def __init__(self, doc: Programme, base: str):
        self.doc = doc
        self.base = base
        self.g = Graph()
        bind_prefixes(self.g)
        self.year = doc.year
        self.programme = node_iri(base, "Programme", self.year)

    def iri(self, cls: str, key: str) -> URIRef:
        return node_iri(self.base, cls, key)

    def focus_iri(self, section: str, part: int | None = None) -> URIRef:
        key = f"{self.year}-{section}" + (f"-p{part}" if part else "")
        return self.iri("FocusArea", key)

    def add_common(self, node: URIRef, cls: str, label: str, section: str | None, line: int,
                   position: int | None = None) -> None:
        g = self.g
        g.add((node, RDF.type, RG[cls]))
        g.add((node, RDFS.label, Literal(label, lang=NB)))
        g.add((node, RG.inProgramme, self.programme))
        g.add((node, RG.sourceLine, Literal(line, datatype=XSD.integer)))
        if section:
            g.add((node, RG.sectionNumber, Literal(section)))
        if position is not None:
            g.add((node, RG.position, Literal(position, datatype=XSD.integer)))

    def build(self) -> Graph:
        g, doc = self.g, self.doc
        g.add((self.programme, RDF.type, RG.Programme))
        g.add((self.programme, RDFS.label, Literal(doc.title, lang=NB)))
        g.add((self.programme, DCTERMS.title, Literal(doc.title, lang=NB)))
        g.add((self.programme, RG.year, Literal(self.year, datatype=XSD.gYear)))
        if doc.vision:
            g.add((self.programme, DCTERMS.abstract, Literal(doc.vision, lang=NB)))
        if doc.intro:
            g.add((self.programme, DCTERMS.description, Literal("\n\n".join(doc.intro), lang=NB)))
        scheme = scheme_iri(self.base, self.year)
        g.add((scheme, RDF.type, SKOS.ConceptScheme))
        g.add((scheme, RDFS.label, Literal(f"Temaer i handlingsprogrammet {self.year}", lang=NB)))
        g.add((scheme, DCTERMS.isPartOf, self.programme))
        self.sections(scheme)
        self.items()
        self.groups()
        self.projects()
        return g

    def sections(self, scheme: URIRef) -> None:
        g, doc = self.g, self.doc
        for sec in doc.sections:
            if sec.is_input:
                self.expert_group(sec.expert_group)
                # Prose in an input section ("no measures were proposed") describes its theme.
                if sec.paragraphs:
                    self.describe(self.focus_iri(sec.parent), sec.paragraphs)
                continue
            fa = self.focus_iri(sec.number)
            self.concept(fa, sec.title, sec.number, sec.line, scheme)
            if sec.parent:
                g.add((fa, SKOS.broader, self.focus_iri(sec.parent)))
            else:
                g.add((scheme, SKOS.hasTopConcept, fa))
            if sec.paragraphs:
                self.describe(fa, sec.paragraphs)
            for n, (title, line) in enumerate(sec.parts, start=1):
                part = self.focus_iri(sec.number, n)
                self.concept(part, title, f"{sec.number}", line, scheme)
                g.set((part, SKOS.notation, Literal(f"{sec.number}-p{n}")))
                g.add((part, SKOS.broader, fa))

    def concept(self, node: URIRef, title: str, number: str, line: int, scheme: URIRef) -> None:
        g = self.g
        self.add_common(node, "FocusArea", title, number, line)
        g.add((node, SKOS.prefLabel, Literal(title, lang=NB)))
        g.add((node, SKOS.notation, Literal(number)))
        g.add((node, SKOS.inScheme, scheme))

    def describe(self, node: URIRef, paragraphs: list[str]) -> None:
        existing = self.g.value(node, DCTERMS.description)
        text = "\n\n".join(([str(existing)] if existing else []) + paragraphs)
        self.g.set((node, DCTERMS.description, Literal(text, lang=NB)))

    def expert_group(self, name: str) -> URIRef:
        node = self.iri("ExpertGroup", slug(name))
        if (node, RDF.type, RG.ExpertGroup) not in self.g:
            self.g.add((node, RDF.type, RG.ExpertGroup))
            label = name[0].upper() + name[1:]
            if not name.lower().startswith(("faggrupp", "kraftgrupp")):
                label = f"Faggruppe {name}"
            self.g.add((node, RDFS.label, Literal(label, lang=NB)))
        return node

    def item_iri(self, item: Item) -> URIRef:
        scope = item.section + (f"-p{item.part}" if item.part else "")
        return self.iri(item.cls, f"{self.year}-{scope}-{item.position}")

    def items(self) -> None:
        g, doc = self.g, self.doc
        by_scope: dict[tuple, dict[str, list[URIRef]]] = {}
        for item in doc.items:
            node = self.item_iri(item)
            self.add_common(node, item.cls, short_label(item.text), item.section, item.line, item.position)
            g.add((node, RG.text, Literal(item.text, lang=NB)))
            focus_section = doc.focus_section(item.section)
            g.add((node, RG.focusArea, self.focus_iri(focus_section, item.part)))
            if item.cls == "Measure":
                sec = doc.section(item.section)
                g.add((node, RG.proposedBy, self.expert_group(sec.expert_group)))
                if item.group is not None:
                    group = self.group_iri(item.group)
                    g.add((node, RG.inGroup, group))
                    g.add((group, SKOS.member, node))
            by_scope.setdefault((item.section, item.part), {}).setdefault(item.cls, []).append(node)
        # Challenges motivate, and strategies support, the ends of their own section or part.
        for kinds in by_scope.values():
            ends = kinds.get("SubGoal", []) + kinds.get("Goal", [])
            for end in ends:
                for challenge in kinds.get("Challenge", []):
                    g.add((challenge, RG.motivates, end))
                for strategy in kinds.get("Strategy", []):
                    g.add((strategy, RG.supports, end))

    def group_iri(self, index: int) -> URIRef:
        grp = self.doc.groups[index]
        return self.iri("MeasureGroup", f"{self.year}-{grp.section}-{grp.position}")

    def groups(self) -> None:
        g, doc = self.g, self.doc
        for index, grp in enumerate(doc.groups):
            node = self.group_iri(index)
            self.add_common(node, "MeasureGroup", grp.title, grp.section, grp.line, grp.position)
            g.add((node, RG.focusArea, self.focus_iri(doc.focus_section(grp.section))))
            g.add((node, RG.proposedBy, self.expert_group(doc.section(grp.section).expert_group)))

    def projects(self) -> None:
        g = self.g
        for proj in self.doc.projects:
            node = self.iri("Project", slug(proj.name))
            self.add_common(node, "Project", proj.name, proj.section, proj.line)
            g.add((node, RG.focusArea, self.focus_iri(self.doc.focus_section(proj.section))))
            if proj.paragraphs:
                self.describe(node, proj.paragraphs)


def programme_graph(doc: Programme, base: str) -> Graph:
    return _Builder(doc, base).build()
