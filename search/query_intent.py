"""Names in a query: actors, themes and named plans/projects/organisations.

"faggruppe ATP sykkel", "kraftgruppen", "Oslofjorden", "samarbeid med NAV": a query that
names something the graph knows uses it. The names come from the graph (labels and
alternative labels of expert groups, focus areas, plans, projects and organisations) plus
a few curated aliases for themes. Matching is on word stems in order, so "faggruppen ATP"
and "Oslofjordens" match too; acronyms (ATP, NAV, EU) match only in capitals, as in
graph/linker.py, so that "nav" the word is not NAV the agency.

What a match does (decided on the dev set, see README) is a boost, not a filter:
- actor (expert group or organisation that proposes things): its units are lifted
  strongly, and the name is taken out of the text that is searched for;
- theme (focus area): units in that area (or its parts) are lifted;
- mention (plan, project, organisation): units that mention it, and the node itself.
A query that is nothing but actor or plan/project/organisation names ("faggruppe ATP",
"NAV"), perhaps with words that ask for a list ("Hva har faggruppe ATP spilt inn?"), filters
on them instead: the union of what the names cover (for an organisation also what it
publishes, funds or leads, `Entity.covers`); a name that covers nothing searchable stays a
boost. Theme names stay boosts. Explicit filters (--actor, --focus-area, --type) are always
strict filters.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

import pyoxigraph as ox

from graph.namespaces import DCTERMS as DCT
from graph.namespaces import RDFS, RG, SCHEMA, SKOS
from search.index.normalise import STOPWORDS, stem

# Curated theme names by focus-area notation: what people call the theme besides its title.
THEME_ALIASES = {
    "5.4": ["Oslofjorden", "Oslofjord", "indre Oslofjord"],
    "5.2": ["sirkulær økonomi", "sirkulærøkonomi", "ombruk"],
    "5.3": ["næringstransport"],
    "5.1": ["kraft"],
}
# Names too generic to mean one actor ("faggruppene" = all the expert groups).
GENERIC_ACTORS = {"faggruppene", "faggrupper", "the expert groups (jointly)"}
ACTOR_WORDS = ("faggrupp", "grupp", "group")  # an alternative actor name must contain one

BOOST = {"actor": 1.0, "focus_area": 0.5, "mentions": 0.5}
# Words that only ask for a list of what a name covers: "Hva har faggruppe Klima og miljø
# spilt inn?", "Hvilke tiltak har Oslofjordplanen?". With names, such a query is still
# "nothing but names" and filters. Compared as stems.
LISTING_WORDS = (
    "spilt", "spille", "innspill", "foreslått", "foreslå", "forslag", "tiltak", "tiltakene", "bidrag",
    "bidratt", "levert", "kommet", "sagt", "ment", "proposed", "propose", "proposal", "proposals",
    "suggested", "input", "measures", "contributions",
)
LISTING = True  # decided on the dev set
WORD_RE = re.compile(r"[^\W_]+", re.UNICODE)


def _tokens(text: str) -> list[tuple[str, str, int, int]]:
    """(stem, raw, start, end) of every non-stopword word."""
    text = unicodedata.normalize("NFKC", text)
    out = []
    for m in WORD_RE.finditer(text):
        raw = m.group(0)
        low = raw.lower()
        if low in STOPWORDS:
            continue
        out.append((stem(low), raw, m.start(), m.end()))
    return out


def _is_acronym(name: str) -> bool:
    return name.isupper() and 2 <= len(name) <= 8 and " " not in name


@dataclass
class Entity:
    id: str
    kind: str  # actor | focus_area | mentions
    label: str
    names: list[str]
    type: str = ""
    notation: str = ""
    # Nodes a name stands for besides itself and what mentions it: what an organisation
    # publishes, funds or leads, and the parts and wholes of a plan or project.
    covers: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        return self.__dict__.copy()


@dataclass
class Match:
    entity: Entity
    matched: str
    start: int
    end: int

    def applied(self, as_filter: bool = False) -> dict:
        e = self.entity
        if as_filter:
            what = {
                "actor": f"viser bare treff foreslått av {e.label}",
                "focus_area": f"viser bare treff innen temaet «{e.label}»",
                "mentions": f"viser bare {e.label} og treff som nevner det",
            }[e.kind]
            return {
                "kind": "filter", "what": e.kind, "id": e.id, "label": e.label, "matched": self.matched,
                "message": f"Søket er navnet «{self.matched}»: {what}.",
            }
        what = {
            "actor": f"treff foreslått av {e.label} er løftet frem",
            "focus_area": f"treff innen temaet «{e.label}» er løftet frem",
            "mentions": f"treff som nevner {e.label} er løftet frem",
        }[e.kind]
        return {
            "kind": "boost", "what": e.kind, "id": e.id, "label": e.label, "matched": self.matched,
            "message": f"Søket nevner «{self.matched}»: {what}.",
        }


@dataclass
class Intent:
    matches: list[Match] = field(default_factory=list)
    retrieval_query: str = ""
    only_names: bool = False  # nothing but names: the names act as filters


def _label_rows(store: ox.Store, cls: str):
    """Names per node: {property local name: [(value, language)]}, curated-graph values first."""
    q = f"""SELECT ?s ?p ?o ?g WHERE {{ ?s a <{RG[cls]}> . GRAPH ?g {{ ?s ?p ?o }}
        VALUES ?p {{ <{RDFS}label> <{SKOS}prefLabel> <{SKOS}altLabel> <{SKOS}notation> <{RG.matchInText}> }}
        }}"""
    rows = sorted(store.query(q, use_default_graph_as_union=True),
                  key=lambda r: (not r["g"].value.endswith("/graph/curated"), r["o"].value))
    data: dict[str, dict[str, list]] = {}
    for r in rows:
        o = r["o"]
        lang = getattr(o, "language", None) or ""
        values = data.setdefault(r["s"].value, {}).setdefault(r["p"].value.rsplit("#", 1)[-1], [])
        if (o.value, lang) not in values:
            values.append((o.value, lang))
    return data


def _pick(values: list[tuple[str, str]]) -> str:
    """The first Norwegian (or untagged) value; values come curated graph first."""
    for want in ("nb", "no", ""):
        for v, lang in values:
            if lang == want:
                return v
    return values[0][0] if values else ""


def entities_from_store(store: ox.Store) -> list[Entity]:
    """Everything a query may name, with the names to look for (stored with the index)."""
    out: list[Entity] = []
    proposers = {r["o"].value for r in store.query(
        f"SELECT DISTINCT ?o WHERE {{ ?s <{RG.proposedBy}> ?o }}", use_default_graph_as_union=True)}
    for s, d in sorted(_label_rows(store, "ExpertGroup").items()):
        labels = d.get("label", [])
        label = _pick(labels)
        if label.lower() in GENERIC_ACTORS:  # listed (a filter may name it), never detected in queries
            out.append(Entity(s, "actor", label, [], "ExpertGroup"))
            continue
        names = [v for v, _ in labels]
        names += [v for v, _ in d.get("altLabel", []) if any(w in v.lower() for w in ACTOR_WORDS)]
        names += [w for v, _ in labels for w in v.split() if _is_acronym(w)]
        out.append(Entity(s, "actor", label, sorted(set(names)), "ExpertGroup"))
    covers = _covers(store)
    for cls in ("Organisation", "Plan", "Project"):
        for s, d in sorted(_label_rows(store, cls).items()):
            if any(v.lower() == "false" for v, _ in d.get("matchInText", [])):
                continue
            labels = d.get("label", []) + d.get("altLabel", [])
            names = sorted({v for v, _ in labels if len(v) >= 2})
            kind = "actor" if s in proposers and cls == "Organisation" else "mentions"
            out.append(Entity(s, kind, _pick(d.get("label", [])), names, cls, covers=covers.get(s, [])))
    for s, d in sorted(_label_rows(store, "FocusArea").items()):
        notation = _pick(d.get("notation", []))
        label = _pick(d.get("prefLabel", []) or d.get("label", []))
        names = {v for v, _ in d.get("prefLabel", []) + d.get("label", [])}
        names.update(THEME_ALIASES.get(notation, []))
        out.append(Entity(s, "focus_area", label, sorted(names), "FocusArea", notation))
    return out


def _covers(store: ox.Store) -> dict[str, list[str]]:
    """node -> what else its name stands for: what it publishes, funds or leads (dct:publisher,
    schema:funder, rg:leadPartner), and the parts and wholes (dct:isPartOf) of it and of those."""
    direct: dict[str, set[str]] = {}
    for r in store.query(f"""SELECT DISTINCT ?o ?n WHERE {{ ?n ?p ?o
            VALUES ?p {{ <{DCT}publisher> <{SCHEMA}funder> <{RG.leadPartner}> }} }}""",
                         use_default_graph_as_union=True):
        direct.setdefault(r["o"].value, set()).add(r["n"].value)
    parts: dict[str, set[str]] = {}
    for r in store.query(f"SELECT DISTINCT ?a ?b WHERE {{ ?a <{DCT}isPartOf> ?b }}", use_default_graph_as_union=True):
        a, b = r["a"].value, r["b"].value
        parts.setdefault(a, set()).add(b)
        parts.setdefault(b, set()).add(a)
    out: dict[str, list[str]] = {}
    for node in set(direct) | set(parts):
        nodes = {node} | direct.get(node, set())
        nodes |= {p for n in list(nodes) for p in parts.get(n, ())}
        nodes.discard(node)
        out[node] = sorted(nodes)
    return out


class Detector:
    """Finds entity names in queries; built once per index version."""

    def __init__(self, entities: list[Entity]):
        self.entities = entities
        self.patterns: list[tuple[tuple[str, ...], bool, str, Entity]] = []
        for e in entities:
            for name in e.names:
                acronym = _is_acronym(name)
                stems = tuple(s for s, *_ in _tokens(name))
                if stems:
                    self.patterns.append((stems, acronym, name, e))
        # Longest names first: "SINTEF Ocean" before "SINTEF", "faggruppe ATP" before "ATP".
        self.patterns.sort(key=lambda p: -len(p[0]))

    def detect(self, query: str) -> Intent:
        toks = _tokens(query)
        stems = [t[0] for t in toks]
        taken = [False] * len(toks)
        matches: list[Match] = []
        seen: set[str] = set()
        for pattern, acronym, name, entity in self.patterns:
            n = len(pattern)
            for i in range(len(toks) - n + 1):
                if tuple(stems[i:i + n]) != pattern or any(taken[i:i + n]):
                    continue
                if acronym and toks[i][1] != name:
                    continue
                for j in range(i, i + n):
                    taken[j] = True
                if entity.id not in seen:
                    seen.add(entity.id)
                    matches.append(Match(entity, query[toks[i][2]:toks[i + n - 1][3]], toks[i][2],
                                         toks[i + n - 1][3]))
        listing = {stem(w) for w in LISTING_WORDS} if LISTING else set()
        only_names = bool(matches) and all(t or st in listing for t, st in zip(taken, stems, strict=True))
        retrieval = query
        actor_spans = sorted(((m.start, m.end) for m in matches if m.entity.kind == "actor"), reverse=True)
        for start, end in actor_spans:
            retrieval = retrieval[:start] + " " + retrieval[end:]
        retrieval = " ".join(retrieval.split())
        if not _tokens(retrieval):
            retrieval = query  # the query is only a name: search for the name itself
        return Intent(matches=matches, retrieval_query=retrieval, only_names=only_names)
