"""Programme years in one graph: which years there are, which is the newest, and one year's
items as plain data (what lineage, the diff and the year filters read).

Every programme document is its own named graph ({base}/graph/programme-{year}) with its own
IRIs: the keys of programme nodes begin with the year (measure/2026-4.1-3, focus-area/2026-5.4).
Search, pages and the API default to the newest year and take a year to show another.

    years(reader) -> ["2025", "2026"]              every programme year in the store, oldest first
    newest(reader) -> "2026" | None
    resolve_year(reader, given) -> "2026"          None or "" -> the newest; an unknown year -> UnknownYear
    year_of(base, iri) -> "2025" | None            the year of a programme node, read off its IRI
    year_items(reader, base, year) -> [YearItem]   challenges, goals, sub-goals, strategies, measures
    lineage_of(reader, base, iri) -> {"before": [...], "after": [...]}   its links in {base}/graph/lineage
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

import pyoxigraph as ox

from graph.errors import UserError
from graph.iri import graph_iri, split_iri
from graph.namespaces import RDFS, RG, SKOS

# Kinds whose keys begin with the programme year ({year}-...).
YEAR_KINDS = ("programme", "focus-area", "challenge", "goal", "sub-goal", "strategy", "measure-group", "measure")
# The items that carry over from year to year (lineage), in document order of their kinds.
LINEAGE_TYPES = ("Challenge", "Goal", "SubGoal", "Strategy", "Measure")
# What became of an item from one year to the next (matching/lineage.py), and how people say it.
STATUS_LABELS = {"unchanged": "uendret", "reworded": "omformulert", "moved": "flyttet", "merged": "slått sammen",
                 "split": "delt", "dropped": "tatt ut", "new": "nytt"}
_YEAR = re.compile(r"^(\d{4})(?:-|$)")


class UnknownYear(UserError):
    """A programme year the store does not hold (HTTP 400)."""


def years(reader: ox.Store) -> list[str]:
    rows = reader.query(f"SELECT DISTINCT ?y WHERE {{ ?p a <{RG.Programme}> ; <{RG.year}> ?y }}",
                        use_default_graph_as_union=True)
    return sorted({r["y"].value for r in rows})


def newest(reader: ox.Store) -> str | None:
    found = years(reader)
    return found[-1] if found else None


def resolve_year(reader: ox.Store, given: str | int | None) -> str | None:
    """The year asked for, checked; the newest when none is given (None when no programme is built)."""
    known = years(reader)
    if given is None or str(given).strip() == "":
        return known[-1] if known else None
    text = str(given).strip()
    if text not in known:
        listed = ", ".join(known) or "ingen"
        raise UnknownYear(f"Ukjent programår «{text}». Årene i grafen: {listed}.")
    return text


def year_of(base: str, iri: str) -> str | None:
    """The programme year of one of our programme nodes, from its key; None for other nodes."""
    parts = split_iri(base, iri)
    if parts is None or parts[0] not in YEAR_KINDS:
        return None
    found = _YEAR.match(parts[1])
    return found.group(1) if found else None


@dataclass
class YearItem:
    """One challenge, goal, sub-goal, strategy or measure of one year, and where it stands."""

    id: str
    type: str  # class local name
    year: str
    text: str
    label: str
    section: str  # rg:sectionNumber: the section it stands in ("4", "5.1.1")
    place: str  # the notation of its focus area, part included ("2", "4-p1", "5.1")
    focus_area: str  # IRI
    focus_label: str
    position: int
    line: int
    group: str | None = None  # the title of its measure group (measures)
    group_id: str | None = None

    @property
    def kind(self) -> str:
        return self.id.rsplit("/", 2)[-2]

    @property
    def short_id(self) -> str:
        """{kind}/{key}, as the truth tables and the CLI write ids."""
        return "/".join(self.id.rsplit("/", 2)[-2:])

    def where(self) -> str:
        """The place as people read it: "4.1 «Transport og mobilitet»", "4-p2"."""
        if self.type == "Measure":
            return f"{self.section} «{self.group}»" if self.group else f"{self.section} (uten tiltaksgruppe)"
        return self.place

    def to_json(self) -> dict:
        return asdict(self)


def year_items(reader: ox.Store, base: str, year: str, types: tuple[str, ...] = LINEAGE_TYPES) -> list[YearItem]:
    """The items of one programme year in document order (by source line)."""
    g = ox.NamedNode(str(graph_iri(base, f"programme-{year}")))
    classes = " ".join(f"<{RG[t]}>" for t in types)
    rows = reader.query(f"""
        SELECT ?n ?cls ?text ?label ?section ?pos ?line ?fa ?notation ?falabel ?group ?gtitle WHERE {{
          GRAPH {g} {{
            ?n a ?cls ; <{RG.text}> ?text ; <{RDFS.label}> ?label ; <{RG.sectionNumber}> ?section ;
               <{RG.position}> ?pos ; <{RG.sourceLine}> ?line ; <{RG.focusArea}> ?fa .
            VALUES ?cls {{ {classes} }}
            OPTIONAL {{ ?fa <{SKOS.notation}> ?notation }}
            OPTIONAL {{ ?fa <{SKOS.prefLabel}> ?falabel }}
            OPTIONAL {{ ?n <{RG.inGroup}> ?group . ?group <{RDFS.label}> ?gtitle }}
          }}
        }}""")
    out: dict[str, YearItem] = {}
    for r in rows:
        n = r["n"].value
        if n in out:
            continue
        out[n] = YearItem(
            id=n, type=r["cls"].value.rsplit("#", 1)[-1], year=year, text=r["text"].value, label=r["label"].value,
            section=r["section"].value, place=r["notation"].value if r["notation"] else r["section"].value,
            focus_area=r["fa"].value, focus_label=r["falabel"].value if r["falabel"] else "",
            position=int(r["pos"].value), line=int(r["line"].value),
            group=r["gtitle"].value if r["gtitle"] else None, group_id=r["group"].value if r["group"] else None,
        )
    return sorted(out.values(), key=lambda i: (i.line, i.id))


def lineage_of(reader: ox.Store, base: str, iri: str) -> dict[str, list[dict]]:
    """A node's lineage links ({base}/graph/lineage, matching/lineage_graph.py): what it revises
    ("before": the year before) and what revises it ("after"), each {"id", "label", "status",
    "status_label", "confidence", "why", "confirmed"}."""
    g = ox.NamedNode(str(graph_iri(base, "lineage")))
    node = ox.NamedNode(iri)
    out: dict[str, list[dict]] = {"before": [], "after": []}
    if not reader.contains_named_graph(g):
        return out
    sssom = "https://w3id.org/sssom/"
    rows = reader.query(f"""
        SELECT ?s ?o ?status ?conf ?why ?just ?sl ?ol WHERE {{ GRAPH {g} {{
          ?m <{sssom}subject_id> ?s ; <{sssom}object_id> ?o .
          OPTIONAL {{ ?m <{RG.changeStatus}> ?status }} OPTIONAL {{ ?m <{sssom}confidence> ?conf }}
          OPTIONAL {{ ?m <{sssom}comment> ?why }} OPTIONAL {{ ?m <{sssom}mapping_justification> ?just }}
          OPTIONAL {{ ?m <{sssom}subject_label> ?sl }} OPTIONAL {{ ?m <{sssom}object_label> ?ol }}
          FILTER(?s = {node} || ?o = {node}) }} }}""")
    for r in rows:
        before = r["s"] == node
        other, label = (r["o"], r["ol"]) if before else (r["s"], r["sl"])
        status = r["status"].value if r["status"] else ""
        out["before" if before else "after"].append({
            "id": other.value, "label": label.value if label else other.value.rsplit("/", 1)[-1],
            "year": year_of(base, other.value), "status": status, "status_label": STATUS_LABELS.get(status, status),
            "confidence": float(r["conf"].value) if r["conf"] else None, "why": r["why"].value if r["why"] else "",
            "confirmed": bool(r["just"]) and r["just"].value.endswith("ManualMappingCuration"),
        })
    for links in out.values():
        links.sort(key=lambda x: x["id"])
    return out
