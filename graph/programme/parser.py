"""Parser for the action-programme text format (Osloregionens handlingsprogram).

The format, as the expert groups' basis documents use it:

- a preamble: a vision line, the title "... handlingsprogram YYYY", intro paragraphs;
- an optional table of contents ("Innholdsfortegnelse"), whose entries end in page numbers;
- numbered sections "2." / "5.1" / "5.1.1" in order;
- in ordinary sections, list headings ("Utfordringer", "Overordnede mål", "Delmål",
  "Strategier", "Overordnede strategier") followed by bullets or a paragraph, unnumbered
  part headings (a short line followed by a list heading), prose paragraphs, and named
  projects ("Prosjekt *Name*", "EU-prosjektet *Name*") with their own paragraphs;
- "Innspill på tiltak/tema fra faggruppe X" sections holding measures as bullets under
  measure-group headings (with or without a trailing colon).
"""

import re
from pathlib import Path

from graph.errors import FormatError
from graph.programme.document import Group, Item, Programme, Project, Section

LIST_HEADINGS = {
    "utfordringer": "Challenge",
    "overordnede mål": "Goal",
    "delmål": "SubGoal",
    "strategier": "Strategy",
    "overordnede strategier": "Strategy",
}
TITLE_RE = re.compile(r"handlingsprogram\w*\s+(\d{4})", re.IGNORECASE)
HEADING_RE = re.compile(r"^(\d+(?:\.\d+)*)\.?\s+(\S.*?)\s*$")
TOC_ENTRY_RE = re.compile(r"(\t|\.{2,}|\s{2,})\s*\d+\s*$")
BULLET_RE = re.compile(r"^\s*[-–•]\s+(\S.*?)\s*$")
PROJECT_RE = re.compile(r"^(?:(?:[\w-]*prosjekt(?:et)?)\s+)?\*([^*]+)\*\s*$", re.IGNORECASE)
INPUT_RE = re.compile(r"^Innspill på tiltak/tema(?:er)? fra (.+?)\s*:?\s*$", re.IGNORECASE)
SHORT = 90


def expert_group_name(source: str) -> str:
    """'faggruppe ATP' -> 'ATP'; 'faggrupper og kraftgruppen' -> 'kraftgruppen'."""
    source = source.strip().rstrip(":").strip()
    m = re.match(r"faggrupper og (.+)$", source, re.IGNORECASE)
    if m:
        return m.group(1)
    m = re.match(r"faggruppe (.+)$", source, re.IGNORECASE)
    return m.group(1) if m else source


def _list_heading(line: str) -> str | None:
    return LIST_HEADINGS.get(line.strip().rstrip(":").strip().lower())


def _looks_like_heading(text: str) -> bool:
    t = text.strip()
    return bool(t) and len(t) <= SHORT and not t.endswith((".", "?", "!")) and not BULLET_RE.match(t)


def _successors(prev: list[int]) -> list[list[int]]:
    """Section numbers that may follow `prev`: a first child or the next sibling at any level."""
    if not prev:
        return [[1]]
    out = [prev + [1]]
    for level in range(len(prev) - 1, -1, -1):
        out.append(prev[:level] + [prev[level] + 1])
    return out


def _fmt(nums: list[int]) -> str:
    return ".".join(map(str, nums))


class _Parser:
    def __init__(self, text: str, path: str | None):
        self.lines = text.splitlines()
        self.path = path
        self.doc: Programme | None = None
        self.section: Section | None = None
        self.numbers: list[int] = []
        self.state: str | None = None  # current list class, or "project"
        self.part = 0
        self.positions: dict[tuple, int] = {}
        self.group: int | None = None
        self.last_item: Item | None = None
        self.list_items = 0

    def error(self, line: int, message: str) -> FormatError:
        return FormatError(line, message, self.path)

    def next_nonblank(self, i: int) -> str | None:
        for j in range(i + 1, len(self.lines)):
            if self.lines[j].strip():
                return self.lines[j]
        return None

    def parse(self) -> Programme:
        if not any(line.strip() for line in self.lines):
            raise self.error(1, "dokumentet er tomt; forventet et handlingsprogram i tekstformat")
        i = self._preamble()
        for idx in range(i, len(self.lines)):
            self._line(idx)
        if not self.doc.sections:
            raise self.error(
                len(self.lines), "fant ingen nummererte seksjoner (forventet f.eks. '1. Overordnede mål')"
            )
        for sec in self.doc.sections:
            if sec.is_input and sec.parent is None:
                raise self.error(sec.line, "en innspillseksjon må ligge under et tema (f.eks. 2.1 under 2)")
        return self.doc

    # -- preamble and table of contents --------------------------------
    def _preamble(self) -> int:
        title = year = None
        vision: list[str] = []
        intro: list[str] = []
        in_toc = False
        for idx, raw in enumerate(self.lines):
            line = raw.strip()
            if not line:
                continue
            m = HEADING_RE.match(line)
            if line.lower().rstrip(":") == "innholdsfortegnelse":
                in_toc = True
                continue
            if in_toc and m and TOC_ENTRY_RE.search(line):
                continue
            if m and self._is_heading(m):
                if title is None:
                    raise self.error(
                        idx + 1,
                        "fant første seksjon før tittelen; forventet en tittel med årstall, "
                        "f.eks. 'Osloregionens handlingsprogram 2025'",
                    )
                self.doc = Programme(title=title, year=year, vision=" ".join(vision) or None, intro=intro)
                return idx
            if in_toc:
                raise self.error(idx + 1, f"uventet linje i innholdsfortegnelsen: «{line[:60]}»")
            if BULLET_RE.match(line):
                raise self.error(idx + 1, "punkt før første nummererte seksjon; forventet tittel eller innledning")
            t = TITLE_RE.search(line)
            if title is None and t and len(line) <= SHORT:
                title, year = line, t.group(1)
            elif title is None:
                vision.append(line)
            else:
                intro.append(line)
        if title is None:
            raise self.error(1, "fant ingen tittel med årstall, f.eks. 'Osloregionens handlingsprogram 2025'")
        raise self.error(len(self.lines), "fant ingen nummererte seksjoner (forventet f.eks. '1. Overordnede mål')")

    @staticmethod
    def _is_heading(m: re.Match) -> bool:
        title = m.group(2)
        return title[0].isalpha() and len(title) <= 120 and not title.endswith((".", "?", "!"))

    # -- body -------------------------------------------------------------
    def _line(self, idx: int) -> None:
        raw = self.lines[idx]
        line = raw.strip()
        lineno = idx + 1
        if not line:
            self.last_item = None
            return
        if "\x00" in raw:
            raise self.error(lineno, "ugyldig tegn (NUL) i teksten")
        m = HEADING_RE.match(line)
        if m and self._is_heading(m):
            self._section(m, lineno)
            return
        if self.section.is_input:
            self._input_line(idx, line, lineno)
        else:
            self._focus_line(idx, line, lineno)

    def _section(self, m: re.Match, lineno: int) -> None:
        nums = [int(n) for n in m.group(1).split(".")]
        allowed = _successors(self.numbers)
        if nums not in allowed:
            expected = ", ".join(_fmt(a) for a in allowed)
            raise self.error(
                lineno, f"seksjon {_fmt(nums)} passer ikke i rekkefølgen; forventet en av: {expected}"
            )
        self.numbers = nums
        title = m.group(2).rstrip(":").rstrip(".").strip()
        inp = INPUT_RE.match(title + ":")
        sec = Section(
            number=_fmt(nums), title=title, line=lineno,
            expert_group=expert_group_name(inp.group(1)) if inp else None,
        )
        self.doc.sections.append(sec)
        self.section = sec
        self.state = None
        self.part = 0
        self.group = None
        self.last_item = None

    def _add_item(self, cls: str, text: str, lineno: int, part_key=None) -> None:
        sec = self.section.number
        key = (sec, self.part, cls) if part_key is None else part_key
        self.positions[key] = self.positions.get(key, 0) + 1
        item = Item(
            cls=cls, text=text, line=lineno, section=sec,
            part=self.part or None, position=self.positions[key], group=self.group,
        )
        self.doc.items.append(item)
        self.last_item = item
        self.list_items += 1

    def _continuation(self, line: str) -> bool:
        """A wrapped bullet: a non-bullet line right under a bullet continues it."""
        if self.last_item is not None and not BULLET_RE.match(line):
            self.last_item.text = f"{self.last_item.text} {line}"
            return True
        return False

    def _focus_line(self, idx: int, line: str, lineno: int) -> None:
        heading = _list_heading(line)
        if heading:
            self.state = heading
            self.list_items = 0
            self.last_item = None
            return
        p = PROJECT_RE.match(line)
        if p:
            self.doc.projects.append(Project(name=p.group(1).strip(), line=lineno, section=self.section.number))
            self.state = "project"
            self.last_item = None
            return
        nxt = self.next_nonblank(idx)
        # A short line before a list heading opens a part, unless it is the first entry of
        # the current list (a one-line "Delmål" followed by "Strategier").
        list_waiting = self.state in LIST_HEADINGS.values() and self.list_items == 0
        if _looks_like_heading(line) and nxt is not None and _list_heading(nxt) and not list_waiting:
            self.part += 1
            self.section.parts.append((line.rstrip(":"), lineno))
            self.state = None
            return
        bullet = BULLET_RE.match(line)
        if self.state in LIST_HEADINGS.values():
            if bullet:
                self._add_item(self.state, bullet.group(1), lineno)
            elif not self._continuation(line):
                self._add_item(self.state, line, lineno)
            return
        if bullet:
            raise self.error(
                lineno,
                "punkt utenfor en liste; forventet en overskrift som 'Utfordringer', 'Overordnede mål', "
                "'Delmål' eller 'Strategier' før punktene",
            )
        if self.state == "project":
            self.doc.projects[-1].paragraphs.append(line)
        else:
            self.section.paragraphs.append(line)

    def _input_line(self, idx: int, line: str, lineno: int) -> None:
        bullet = BULLET_RE.match(line)
        if bullet:
            self._add_item("Measure", bullet.group(1), lineno, part_key=(self.section.number, "Measure"))
            return
        nxt = self.next_nonblank(idx)
        next_is_bullet = nxt is not None and BULLET_RE.match(nxt) is not None
        if _looks_like_heading(line) and next_is_bullet:
            pos = sum(1 for g in self.doc.groups if g.section == self.section.number) + 1
            self.doc.groups.append(Group(line.rstrip(":").strip(), lineno, self.section.number, pos))
            self.group = len(self.doc.groups) - 1
            self.last_item = None
            return
        if line.endswith(":") and len(line) <= SHORT:
            raise self.error(lineno, f"tiltaksgruppen «{line}» følges ikke av punkter ('- tiltak')")
        if self._continuation(line):
            return
        self.section.paragraphs.append(line)


def parse_text(text: str, path: str | None = None) -> Programme:
    return _Parser(text.replace("\r\n", "\n").replace("\ufeff", ""), path).parse()


def parse_file(path: Path) -> Programme:
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise FormatError(0, "filen finnes ikke", str(path)) from None
    except IsADirectoryError:
        raise FormatError(0, "dette er en mappe, ikke en fil", str(path)) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise FormatError(line, "teksten er ikke gyldig UTF-8", str(path)) from None
    return parse_text(text, str(path))
