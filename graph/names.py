"""Names of what staff name: actors, focus areas and node types, looked up and labelled in one place.

    type_label("Measure") -> "Tiltak"           type_plural("Measure") -> "Tiltak"
    kind_label("duplicate") -> "mulig duplikat" basis_label("structure") -> "kuratert struktur"
    action_label("remove-import") -> "fjernet liste"
    names = Names.of(store)                       cached per store generation
    names.actor("kraftgruppen") -> Actor          IRI, key, label, alternative name, "faggruppe X";
    names.focus_area("5.4") -> FocusArea          IRI, key, notation ("5.4", "4-p1"), label, year;
                                                  a notation means the newest year's area unless a year is given
    names.actor_label(iri), names.focus_area_label(iri)

Matching ignores case and spacing (not punctuation or accents), and accepts the words
"faggruppe(n)" in front of an expert group's name. An unknown name is an UnknownName (a
UserError: bad input, HTTP 400) whose message lists the names there are, in Norwegian.
Singular type labels come from the vocabulary (ontology/regiongraf.ttl, @nb); plurals are
kept here. `node_type("tiltak", allowed)` reads a type given as class name, IRI kind
("measure-group") or Norwegian label.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

import pyoxigraph as ox

from graph import ontology
from graph.errors import UserError
from graph.iri import KINDS
from graph.namespaces import RDFS, RG, SKOS
from graph.store import GraphStore

PLURALS = {
    "Measure": "Tiltak", "Strategy": "Strategier", "Goal": "Overordnede mål", "SubGoal": "Delmål",
    "Challenge": "Utfordringer", "MeasureGroup": "Tiltaksgrupper", "FocusArea": "Innsatsområder",
    "Initiative": "Initiativer (importert)", "Project": "Prosjekter", "Plan": "Planer",
    "ExpertGroup": "Faggrupper", "Organisation": "Organisasjoner", "Programme": "Handlingsprogram",
}
# The values scripts see in JSON (the contracts), as people read them on pages, in the CLI and in CSV.
KIND_LABELS = {  # kind of a pair or a similar node (matching/)
    "confirmed": "bekreftet", "duplicate": "mulig duplikat", "overlap": "overlapp", "related": "beslektet",
}
BASIS_LABELS = {  # the basis of a gap (matching/gaps.py)
    "structure": "kuratert struktur", "inferred_links": "utledede koblinger",
}
ACTION_LABELS = {  # what wrote a store generation (graph/generations.py)
    "build": "bygget", "import": "import", "remove-import": "fjernet liste", "update": "endret (SPARQL)",
    "review": "vurdering", "restore": "hentet tilbake", "refresh": "oppdatert", "eldre": "eldre",
}


def kind_label(kind: str | None) -> str:
    return KIND_LABELS.get(kind or "", kind or "")


def basis_label(basis: str | None) -> str:
    return BASIS_LABELS.get(basis or "", basis or "")


def action_label(action: str | None) -> str:
    return ACTION_LABELS.get(action or "", action or "")


class UnknownName(UserError):
    """A name that matches no actor or focus area."""


_CACHE: dict[str, Names] = {}
_CACHE_LOCK = threading.Lock()
_GROUP_WORDS = re.compile(r"^(faggruppen?|gruppen?)\s+")


@lru_cache(maxsize=1)
def _class_labels() -> dict[str, str]:
    vocab = ontology.vocabulary()
    out: dict[str, str] = {}
    for s, label in vocab.subject_objects(RDFS.label):
        if str(s).startswith(str(RG)) and getattr(label, "language", None) == "nb":
            out[str(s)[len(str(RG)):]] = str(label)
    return out


def type_label(type_name: str | None) -> str:
    """The Norwegian name of a class ("Measure" -> "Tiltak"); the name itself if it has none."""
    if not type_name:
        return ""
    return _class_labels().get(type_name, type_name)


def type_plural(type_name: str) -> str:
    return PLURALS.get(type_name, type_label(type_name))


def node_type(text: str, allowed: tuple[str, ...]) -> str:
    """A type given as class name ("Measure"), IRI kind ("measure") or label ("tiltak") -> class name."""
    wanted = normalise(text)
    for cls in allowed:
        if wanted in {normalise(cls), normalise(KINDS.get(cls, cls)), normalise(type_label(cls)),
                      normalise(type_plural(cls))}:
            return cls
    raise UnknownName(f"Ukjent type «{text}». Kjente typer: {', '.join(allowed)}.")


def normalise(text: str) -> str:
    """How names are compared: case and spacing ignored; letters, accents and punctuation count
    ("Østfold" is not "Ostfold", "A/B" is not "A B": they are different actors)."""
    return " ".join(unicodedata.normalize("NFC", str(text)).casefold().split())


@dataclass(frozen=True)
class Actor:
    id: str
    key: str
    label: str
    type: str  # ExpertGroup | Organisation
    names: tuple[str, ...] = ()
    proposes: bool = False  # has measures or initiatives of its own (rg:proposedBy)

    def to_json(self) -> dict:
        return {"id": self.id, "key": self.key, "label": self.label, "type": self.type}


@dataclass(frozen=True)
class FocusArea:
    id: str
    key: str
    notation: str
    label: str
    names: tuple[str, ...] = ()
    year: str = ""  # the programme year it belongs to

    @property
    def depth(self) -> int:
        return self.notation.count(".") + (1 if "-p" in self.notation else 0)

    def to_json(self) -> dict:
        return {"id": self.id, "key": self.key, "notation": self.notation, "label": self.label, "depth": self.depth,
                "year": self.year}


@dataclass
class Names:
    actors: list[Actor] = field(default_factory=list)  # expert groups first, then by label
    focus_areas: list[FocusArea] = field(default_factory=list)  # by year, then document order
    _by_id: dict[str, str] | None = field(default=None, repr=False, compare=False)

    @property
    def proposers(self) -> list[Actor]:
        """The actors with proposals of their own: what an actor filter offers."""
        return [a for a in self.actors if a.proposes]

    @classmethod
    def of(cls, store: GraphStore) -> Names:
        """The names of the store's current generation (read once per generation)."""
        key = f"{store.key}:{store.generation()}"
        with _CACHE_LOCK:
            found = _CACHE.get(key)
        if found is None:
            found = cls.read(store.reader())
            with _CACHE_LOCK:
                _CACHE.clear()  # one generation at a time: names change only with a write
                _CACHE[key] = found
        return found

    @classmethod
    def read(cls, reader: ox.Store) -> Names:
        return cls(_actors(reader), _focus_areas(reader))

    # -- lookups ---------------------------------------------------------------------
    def actor(self, text: str) -> Actor:
        wanted = normalise(text)
        bare = _GROUP_WORDS.sub("", wanted)
        for a in self.actors:
            keys = {normalise(a.id), normalise(a.key), *(normalise(n) for n in a.names)}
            if wanted in keys or bare in keys:
                return a
        known = ", ".join(sorted({a.label for a in self.actors})) or "ingen"
        raise UnknownName(f"Ukjent aktør «{text}». Kjente aktører: {known}.")

    @property
    def years(self) -> list[str]:
        return sorted({f.year for f in self.focus_areas if f.year})

    def in_year(self, year: str | None = None) -> list[FocusArea]:
        """The focus areas of one programme year (default: the newest)."""
        year = year or (self.years[-1] if self.years else "")
        return [f for f in self.focus_areas if f.year == year]

    def focus_area(self, text: str, year: str | None = None) -> FocusArea:
        """A focus area by IRI or key (exact, any year), or by notation or name in `year` (default:
        the newest year; with several years, "5.4" is ambiguous and means the newest year's 5.4)."""
        wanted = normalise(text)
        for f in self.focus_areas:
            if wanted in (normalise(f.id), normalise(f.key)):
                return f
        scope = self.in_year(year) if self.years else self.focus_areas
        for f in scope:
            if wanted in {normalise(f.notation), *(normalise(n) for n in f.names)}:
                return f
        known = ", ".join(f"{f.notation} {f.label}" for f in scope)
        raise UnknownName(f"Ukjent innsatsområde «{text}». Kjente: {known}.")

    def actor_label(self, iri: str) -> str:
        return self._labels().get(iri) or iri.rsplit("/", 1)[-1]

    def focus_area_label(self, iri: str) -> str:
        return self._labels().get(iri) or iri.rsplit("/", 1)[-1]

    def _labels(self) -> dict[str, str]:
        if self._by_id is None:
            self._by_id = {a.id: a.label for a in self.actors} | {f.id: f.label for f in self.focus_areas}
        return self._by_id


# -- reading ---------------------------------------------------------------------------
def _labels(rows, key: str = "label") -> tuple[dict[str, str], dict[str, set[str]]]:
    """(best label per subject: nb, then no language, then any; all names per subject)."""
    best: dict[str, tuple[int, str]] = {}
    every: dict[str, set[str]] = {}
    for r in rows:
        lit = r[key]
        if lit is None:
            continue
        s = r["s"].value
        every.setdefault(s, set()).add(lit.value)
        rank = {"nb": 0, "no": 0, "": 1}.get(getattr(lit, "language", None) or "", 2)
        if s not in best or rank < best[s][0]:
            best[s] = (rank, lit.value)
    return {s: v for s, (_, v) in best.items()}, every


def _actors(reader: ox.Store) -> list[Actor]:
    rows = list(reader.query(f"""
        SELECT DISTINCT ?s ?cls ?label WHERE {{
          {{ ?x <{RG.proposedBy}> ?s }} UNION {{ ?s a <{RG.Organisation}> }} UNION {{ ?s a <{RG.ExpertGroup}> }}
          OPTIONAL {{ ?s a ?cls FILTER(?cls IN (<{RG.ExpertGroup}>, <{RG.Organisation}>)) }}
          OPTIONAL {{ ?s <{RDFS.label}>|<{SKOS.prefLabel}> ?label }}
        }}""", use_default_graph_as_union=True))
    alt = list(reader.query(f"""
        SELECT DISTINCT ?s ?label WHERE {{ ?s <{SKOS.altLabel}> ?label
          {{ ?s a <{RG.Organisation}> }} UNION {{ ?s a <{RG.ExpertGroup}> }} }}""",
        use_default_graph_as_union=True))
    proposers = {r["s"].value for r in reader.query(
        f"SELECT DISTINCT ?s WHERE {{ ?x <{RG.proposedBy}> ?s }}", use_default_graph_as_union=True)}
    labels, names = _labels(rows)
    _, alt_names = _labels(alt)
    types = {r["s"].value: r["cls"].value[len(str(RG)):] for r in rows if r["cls"] is not None}
    out = []
    for s in {r["s"].value for r in rows}:
        key = s.rsplit("/", 1)[-1]
        out.append(Actor(s, key, labels.get(s, key), types.get(s, ""),
                         tuple(sorted(names.get(s, set()) | alt_names.get(s, set()))), s in proposers))
    return sorted(out, key=lambda a: (a.type != "ExpertGroup", a.label.casefold()))


def _natural(text: str) -> list:
    return [(0, int(t), "") if t.isdigit() else (1, 0, t) for t in re.split(r"(\d+)", text) if t]


def _focus_areas(reader: ox.Store) -> list[FocusArea]:
    rows = list(reader.query(f"""
        SELECT ?s ?notation ?label ?year WHERE {{
          ?s a <{RG.FocusArea}> .
          OPTIONAL {{ ?s <{SKOS.notation}> ?notation }}
          OPTIONAL {{ ?s <{SKOS.prefLabel}>|<{RDFS.label}>|<{SKOS.altLabel}> ?label }}
          OPTIONAL {{ ?s <{RG.inProgramme}>/<{RG.year}> ?year }}
        }}""", use_default_graph_as_union=True))
    labels, names = _labels(rows)
    notations = {r["s"].value: r["notation"].value for r in rows if r["notation"] is not None}
    years = {r["s"].value: r["year"].value for r in rows if r["year"] is not None}
    out = []
    for s in {r["s"].value for r in rows}:
        n = notations.get(s, "")
        out.append(FocusArea(s, s.rsplit("/", 1)[-1], n, labels.get(s, n), tuple(sorted(names.get(s, set()))),
                             years.get(s, "")))
    return sorted(out, key=lambda f: (f.year, _natural(f.notation or f.label)))
