"""The parsed action programme as plain data, before it becomes RDF."""

from dataclasses import dataclass, field


@dataclass
class Item:
    """One challenge, goal, sub-goal, strategy or measure, with its exact text."""

    cls: str  # Challenge | Goal | SubGoal | Strategy | Measure
    text: str
    line: int
    section: str  # section number the item stands in, e.g. "4" or "5.1.1"
    part: int | None = None  # unnumbered part of a section (section 4 has two)
    position: int = 0  # 1-based within its heading (or within the input section for measures)
    group: int | None = None  # index into Programme.groups, measures only


@dataclass
class Group:
    """A measure-group heading ("Kompetanse og rekruttering:")."""

    title: str
    line: int
    section: str
    position: int


@dataclass
class Section:
    number: str
    title: str
    line: int
    # "Innspill på tiltak/tema fra faggruppe X" sections hold measures, not structure.
    expert_group: str | None = None
    paragraphs: list[str] = field(default_factory=list)
    parts: list[tuple[str, int]] = field(default_factory=list)  # (title, line)

    @property
    def is_input(self) -> bool:
        return self.expert_group is not None

    @property
    def parent(self) -> str | None:
        head, _, _ = self.number.rpartition(".")
        return head or None


@dataclass
class Project:
    name: str
    line: int
    section: str
    paragraphs: list[str] = field(default_factory=list)


@dataclass
class Programme:
    title: str
    year: str
    vision: str | None = None
    intro: list[str] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)
    projects: list[Project] = field(default_factory=list)

    def section(self, number: str) -> Section:
        return next(s for s in self.sections if s.number == number)

    def focus_section(self, number: str) -> str:
        """The focus area a section's content belongs to: an input section counts for its parent."""
        sec = self.section(number)
        return sec.parent if sec.is_input and sec.parent else sec.number
