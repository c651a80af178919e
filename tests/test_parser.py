"""The parser against the 2025 document, counted by hand, and against broken documents."""

from collections import Counter

import pytest

from graph.errors import FormatError
from graph.programme.parser import parse_file, parse_text
from graph.settings import REPO

DOC = REPO / "data" / "handlingsprogram-2025.txt"

# Counted by hand from data/handlingsprogram-2025.txt: (section, part, class) -> nodes.
EXPECTED = {
    ("1", None, "Challenge"): 3, ("1", None, "Goal"): 3, ("1", None, "Strategy"): 8,
    ("2", None, "Challenge"): 2, ("2", None, "SubGoal"): 1, ("2", None, "Strategy"): 2,
    ("2.1", None, "Measure"): 11,
    ("3", None, "Challenge"): 3, ("3", None, "SubGoal"): 1, ("3", None, "Strategy"): 3,
    ("3.1", None, "Measure"): 6,
    ("4", 1, "Challenge"): 3, ("4", 1, "SubGoal"): 1, ("4", 1, "Strategy"): 3,
    ("4", 2, "Challenge"): 2, ("4", 2, "SubGoal"): 1, ("4", 2, "Strategy"): 4,
    ("4.1", None, "Measure"): 14,
    ("5.1.1", None, "Measure"): 28,
    ("5.2.1", None, "Measure"): 2,
}


@pytest.fixture(scope="module")
def doc():
    return parse_file(DOC)


def test_counts_per_section_and_class_match_the_hand_count(doc):
    assert Counter((i.section, i.part, i.cls) for i in doc.items) == EXPECTED


def test_title_year_and_table_of_contents_is_not_content(doc):
    assert doc.year == "2025"
    assert doc.title == "Osloregionens handlingsprogram 2025"
    numbers = [s.number for s in doc.sections]
    # Each section once: the table of contents did not produce a second copy.
    assert numbers == ["1", "2", "2.1", "3", "3.1", "4", "4.1", "5", "5.1", "5.1.1", "5.2", "5.2.1",
                       "5.3", "5.3.1", "5.4", "5.4.1", "5.5", "5.5.1"]


def test_expert_groups_from_input_headings(doc):
    groups = {s.number: s.expert_group for s in doc.sections if s.is_input}
    assert groups["2.1"] == "Nærings samarbeid"
    assert groups["4.1"] == "ATP"
    assert groups["5.1.1"] == "kraftgruppen"
    assert groups["5.4.1"] == "faggruppene"


def test_measure_groups_with_and_without_colon(doc):
    titles = [(g.section, g.title) for g in doc.groups]
    assert ("2.1", "Kompetanse og rekruttering") in titles  # "Kompetanse og rekruttering:"
    assert ("5.1.1", "Overordnede tema og interessepolitisk arbeid") in titles  # no colon
    assert ("5.1.1", "Energieffektivisering") in titles
    assert len([g for g in doc.groups if g.section == "5.1.1"]) == 5
    # A blank line inside a group does not end it: "Påvirkning ..." stays in the first group.
    paavirkning = next(i for i in doc.items if i.text.startswith("Påvirkning"))
    assert doc.groups[paavirkning.group].title == "Overordnede tema og interessepolitisk arbeid"


def test_exact_text_and_position_of_a_measure(doc):
    m = [i for i in doc.items if i.section == "4.1"][2]
    assert m.position == 3
    assert m.text.startswith("Grønn mobilitet: Øke satsingen på sykkel")
    assert m.text.endswith("med trygge og sikre løsninger.")


def test_parts_of_section_4_and_one_line_subgoal(doc):
    assert [t for t, _ in doc.section("4").parts] == ["Transport og mobilitet", "By- og regionutvikling"]
    sub = [i for i in doc.items if i.cls == "SubGoal" and i.section == "3"]
    assert sub[0].text.startswith("Styrke hovedstadsregionen")


def test_projects_and_prose(doc):
    names = {p.name: p for p in doc.projects}
    assert set(names) == {"Energistasjoner for grønn næringstransport", "SEADITO"}
    assert names["SEADITO"].section == "5.4"
    assert "Klimasats" in " ".join(names["Energistasjoner for grønn næringstransport"].paragraphs)
    assert doc.section("5.1").paragraphs[0].startswith("Osloregionen er Norges største region")
    # Prose in an input section without measures is kept, not lost.
    assert "ikke spilt inn tiltak" in doc.section("5.3.1").paragraphs[0]


MINIMAL = """Osloregionens handlingsprogram 2026

1. Mål

Utfordringer

- En utfordring

2. Tema

2.1 Innspill på tiltak/tema fra faggruppe Test

Gruppe:

- Et tiltak
"""


def test_another_document_in_the_same_format():
    doc = parse_text(MINIMAL)
    assert doc.year == "2026"
    assert [(i.cls, i.section) for i in doc.items] == [("Challenge", "1"), ("Measure", "2.1")]
    assert doc.groups[0].title == "Gruppe"


@pytest.mark.parametrize(
    "text, line, words",
    [
        ("", 1, "tomt"),
        ("Bare tekst uten tittel\n", 1, "tittel"),
        ("Osloregionens handlingsprogram 2026\n\n1. A\n\n3. C\n", 5, "forventet en av: 1.1, 2"),
        ("Osloregionens handlingsprogram 2026\n\n1. A\n\n- løst punkt\n", 5, "punkt utenfor en liste"),
        ("Osloregionens handlingsprogram 2026\n\n- punkt\n", 3, "punkt før første"),
        ("Osloregionens handlingsprogram 2026\n\nBare prosa her.\n", 3, "ingen nummererte seksjoner"),
        (MINIMAL.replace("Gruppe:\n\n- Et tiltak\n", "Gruppe:\n\nUtenfor.\n"), 13, "følges ikke av punkter"),
    ],
)
def test_format_errors_name_the_line_and_what_was_expected(text, line, words):
    with pytest.raises(FormatError) as err:
        parse_text(text, "x.txt")
    assert err.value.line == line
    assert words in str(err.value)
    assert str(err.value).startswith(f"x.txt, linje {line}:")


def test_bad_encoding_names_the_line(tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes("Osloregionens handlingsprogram 2026\n\n1. Mål – æøå\n".encode("latin-1", "replace"))
    with pytest.raises(FormatError) as err:
        parse_file(path)
    assert "UTF-8" in str(err.value) and err.value.line == 3
