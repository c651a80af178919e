"""Lineage between programme years (matching/lineage.py, textdiff.py, diff.py) on small hand-made
years: no model, vectors from the words themselves, so each test says exactly what it checks."""

import hashlib

import numpy as np
import pytest

from graph.views.spreadsheet import BOM
from graph.years import YearItem
from matching import lineage, lineage_pairs
from matching.diff import Diff, change_json
from matching.lineage import compare
from matching.lineage_pairs import Context, load_calibrator
from matching.textdiff import changed_words, word_diff, word_marks

BASE = "https://data.osloregionen.no/id/"
DIM = 256


def _vector(text: str) -> np.ndarray:
    """A bag of hashed words: texts that share words point the same way."""
    v = np.zeros(DIM)
    for w in text.lower().replace(",", " ").replace(".", " ").split():
        v[int(hashlib.md5(w.encode()).hexdigest(), 16) % DIM] += 1.0
    return v / (np.linalg.norm(v) or 1.0)


def item(year: str, key: str, text: str, section: str = "4.1", group: str | None = "Transport", line: int = 0,
         type_: str = "Measure", place: str | None = None) -> YearItem:
    kind = {"Measure": "measure", "Strategy": "strategy"}[type_]
    return YearItem(id=f"{BASE}{kind}/{year}-{key}", type=type_, year=year, text=text, label=text[:40],
                    section=section, place=place or section.rsplit(".", 1)[0], focus_area=f"{BASE}focus-area/{year}-4",
                    focus_label="Transport", position=1, line=line, group=group)


class Review:
    def __init__(self, decision, by="Kari"):
        self.decision, self.by, self.date, self.note, self.id = decision, by, "2026-03-02", None, "urn:review"


def context(texts: dict[str, str], decisions: dict | None = None) -> Context:
    decisions = decisions or {}
    return Context(vector=lambda node: _vector(texts[node]), stems=lambda t: t.lower().replace(".", "").split(),
                   decided=lambda a, b: decisions.get((a, b)) or decisions.get((b, a)),
                   calibrator=load_calibrator(), mean=np.zeros(DIM))


def run(old: list[YearItem], new: list[YearItem], decisions=None):
    texts = {i.id: i.text for i in old + new}
    return compare(old, new, context(texts, decisions))


def statuses(comparison) -> dict[tuple, str]:
    return {(tuple(i.id.rsplit("/", 1)[-1] for i in c.old), tuple(i.id.rsplit("/", 1)[-1] for i in c.new)): c.status
            for c in comparison.changes}


BUS = "Samordne billettstruktur for buss og tog på tvers av fylkesgrenser."
ZONES = "Felles soneinndeling for kollektivtransport for å gjøre kortere reiser mer attraktive."
RAIL = "Jernbanen som ryggraden i transportsystemet, inkludert grenbaner for person- og godstrafikk."
BIKE = "Øke satsingen på sykkel og gange med trygg sykkelparkering ved alle stasjoner i regionen."
FREIGHT = "Bedre logistikk og godstransport i Osloregionen med koordinering mellom aktører."


def test_the_calibrated_model_is_shipped_and_names_its_features():
    cal = load_calibrator()
    assert cal is not None, "matching/lineage_confidence.json is missing: run python -m bench.lineage_quality --fit"
    assert cal.names == list(lineage.FEATURES)
    assert "tuning editions" in cal.meta.get("fitted_on", "")


def test_same_text_in_the_same_place_is_unchanged_even_when_keys_shift():
    old = [item("2025", "4.1-1", BUS, line=1), item("2025", "4.1-2", ZONES, line=2)]
    new = [item("2026", "4.1-1", RAIL, line=1), item("2026", "4.1-2", BUS, line=2),
           item("2026", "4.1-3", ZONES, line=3)]
    got = statuses(run(old, new))
    assert got[(("2025-4.1-1",), ("2026-4.1-2",))] == "unchanged"
    assert got[(("2025-4.1-2",), ("2026-4.1-3",))] == "unchanged"
    assert got[((), ("2026-4.1-1",))] == "new"


def test_a_rewording_in_place_is_reworded_and_its_changed_words_are_marked():
    reworded = "Samordne billettstrukturen for buss, trikk og tog på tvers av fylkesgrensene."
    c = run([item("2025", "4.1-1", BUS, line=1)], [item("2026", "4.1-1", reworded, line=1)])
    assert [ch.status for ch in c.changes] == ["reworded"]
    out = change_json(c.changes[0])
    assert out["from"][0]["text"] == BUS and out["to"][0]["text"] == reworded
    assert "trikk" in " ".join(out["words"]["added"])
    assert 0 < out["confidence"] <= 1 and "Omformulert" in out["why"]


def test_another_group_or_section_is_moved_and_says_from_where():
    old = [item("2025", "4.1-1", FREIGHT, group="Godstransport og logistikk", line=1)]
    new = [item("2026", "5.3.1-1", FREIGHT, section="5.3.1", group=None, line=9)]
    change = run(old, new).changes[0]
    assert change.status == "moved"
    assert "4.1 «Godstransport og logistikk»" in change.why and "5.3.1" in change.why and "uendret tekst" in change.why


def test_two_into_one_is_merged_and_one_into_two_is_split():
    invest = "Manglende investeringer i transportsystemet generelt, spesielt kollektivtransport."
    rethink = "Revurdering av hele kollektivsystemet og manglende investeringer i Osloregionen."
    merged = ("Manglende investeringer i transportsystemet generelt og i kollektivtransporten spesielt, og en "
              "revurdering av hele kollektivsystemet i Osloregionen.")
    bike_a = "Øke satsingen på sykkel og gange."
    bike_b = "Trygg sykkelparkering ved alle stasjoner i regionen."
    old = [item("2025", "4.1-1", invest, line=1), item("2025", "4.1-2", rethink, line=2),
           item("2025", "4.1-3", BIKE, line=3)]
    new = [item("2026", "4.1-1", merged, line=1), item("2026", "4.1-2", bike_a, line=2),
           item("2026", "4.1-3", bike_b, line=3)]
    got = statuses(run(old, new))
    assert got[(("2025-4.1-1", "2025-4.1-2"), ("2026-4.1-1",))] == "merged"
    assert got[(("2025-4.1-3",), ("2026-4.1-2", "2026-4.1-3"))] == "split"


def test_rewritten_neighbours_in_one_hunk_are_linked_in_document_order():
    """Two adjacent bullets of one group, both rewritten, between the same two unchanged ones: each
    rewrite borrows words from the other bullet, so the most probable pair first crosses the links.
    Order decides who is whose (matching/lineage.py, step 3)."""
    tickets = "Samordne billettstruktur for kollektivtransport på tvers av fylkesgrenser og transportformer."
    zones = "Felles soneinndeling for kollektivtransport slik at korte reiser blir mer attraktive."
    tickets_new = "Felles billett for kollektivtransport på tvers av fylkene, slik at reiser blir enklere."
    zones_new = "Like takstsoner på tvers av fylkesgrenser og transportformer, slik at korte reiser lønner seg."
    old = [item("2025", "4.1-1", BUS, line=1), item("2025", "4.1-2", tickets, line=2),
           item("2025", "4.1-3", zones, line=3), item("2025", "4.1-4", RAIL, line=4)]
    new = [item("2026", "4.1-1", BUS, line=1), item("2026", "4.1-2", tickets_new, line=2),
           item("2026", "4.1-3", zones_new, line=3), item("2026", "4.1-4", RAIL, line=4)]
    ctx = context({i.id: i.text for i in old + new})
    greedy = lineage._Linker(old, new, ctx)  # steps 1-3 without the order: these texts must cross
    greedy.pairs.set_hunks(greedy.anchors())
    greedy.one_to_one()
    assert {(x.old.line, x.new.line) for x in greedy.links if x.how == "model"} == {(2, 3), (3, 2)}, \
        "the texts no longer make greedy linking cross; the test needs texts that do"
    comparison = compare(old, new, ctx)
    assert statuses(comparison) == {
        (("2025-4.1-1",), ("2026-4.1-1",)): "unchanged", (("2025-4.1-2",), ("2026-4.1-2",)): "reworded",
        (("2025-4.1-3",), ("2026-4.1-3",)): "reworded", (("2025-4.1-4",), ("2026-4.1-4",)): "unchanged"}
    pairs = lineage_pairs.Pairs(old, new, ctx)
    pairs.set_hunks([(old[0], new[0]), (old[3], new[3])])
    for link in comparison.links:  # each link carries the probability of its own pair
        if link.how == "model":
            assert link.confidence == pytest.approx(pairs.p(link.old, link.new))


def test_a_bullet_moved_and_rewritten_is_found_as_each_others_best_match():
    """Another section, another hunk of words: only being each other's most similar text (of all the
    items of their kind, the unchanged ones too) carries the pair over CUT (matching/lineage.py, step 3)."""
    rewritten = "Samordne godstransporten i Osloregionen bedre, slik at aktørene utnytter kapasiteten."
    kept = (BUS, ZONES, RAIL)
    old = [*(item("2025", f"4.1-{k}", text, line=k) for k, text in enumerate(kept, 1)),
           item("2025", "4.1-4", FREIGHT, group="Godstransport og logistikk", line=5)]
    new = [*(item("2026", f"4.1-{k}", text, line=k) for k, text in enumerate(kept, 1)),
           item("2026", "5.3.1-1", rewritten, section="5.3.1", group=None, line=9)]
    comparison = run(old, new)
    assert statuses(comparison)[(("2025-4.1-4",), ("2026-5.3.1-1",))] == "moved"
    link = next(x for x in comparison.links if x.how == "model")
    assert link.features["mutual_best"] == 1.0
    assert load_calibrator().predict_one({**link.features, "mutual_best": 0.0}) < lineage.CUT <= link.confidence


def test_the_last_rewrite_of_a_run_is_linked_but_a_lone_replacement_is_not():
    """The same old and new bullet, too unlike for CUT: where its neighbour was rewritten too it is the
    last rewrite of a run (step 5); between two unchanged neighbours it is a bullet replaced by another."""
    tickets = "Samordne billettstruktur for kollektivtransport på tvers av fylkesgrenser og transportformer."
    tickets_new = ("Samordne billettstrukturen på tvers av fylkesgrenser, slik at kortere reiser med "
                   "kollektivtransport blir mer attraktive.")
    zones = "Felles soneinndeling for kollektivtransport for å gjøre kortere reiser mer attraktive."
    zones_new = "Felles soneinndeling i hele Osloregionen og like priser for buss og tog."
    old = [item("2025", f"4.1-{k}", text, line=k) for k, text in enumerate((RAIL, tickets, zones, BIKE), 1)]
    in_run = [item("2026", f"4.1-{k}", text, line=k) for k, text in enumerate((RAIL, tickets_new, zones_new, BIKE), 1)]
    alone = [item("2026", f"4.1-{k}", text, line=k) for k, text in enumerate((RAIL, tickets, zones_new, BIKE), 1)]
    comparison = run(old, in_run)
    got = statuses(comparison)
    assert got[(("2025-4.1-2",), ("2026-4.1-2",))] == got[(("2025-4.1-3",), ("2026-4.1-3",))] == "reworded"
    last = next(x for x in comparison.links if x.old.id == old[2].id)
    assert lineage.RUN_CUT <= last.confidence < lineage.CUT
    got = statuses(run(old, alone))
    assert got[(("2025-4.1-3",), ())] == "dropped" and got[((), ("2026-4.1-3",))] == "new"


def test_a_merge_written_anew_takes_the_member_whose_words_it_adds():
    """The merged bullet holds only half of one member's stems (below CONTAINS), but that member
    brings the words its partner lacks (FILLS); the bullet whose words the partner already brings
    stays dropped (step 4)."""
    levels = ("Styrke samarbeidet mellom forvaltningsnivåer (stat, fylke, kommune) for felles planlegging og felles "
              "forståelse av utfordringene.")
    across = ("Behov for koordinering av transport på tvers av soner og fylkesgrenser, med fokus på bo- og "
              "arbeidsmarkedsregioner.")
    merged = ("Styrke samarbeidet mellom stat, fylke og kommune om felles planlegging og koordinering av transport på "
              "tvers av soner og fylkesgrenser, med vekt på bo- og arbeidsmarkedsregioner.")
    hubs = "Knutepunktutvikling, med bedre samarbeid mellom stat, fylkeskommune og kommune."
    old = [item("2025", f"4.1-{k}", text, line=k) for k, text in enumerate((RAIL, levels, across, hubs, BIKE), 1)]
    new = [item("2026", f"4.1-{k}", text, line=k) for k, text in enumerate((RAIL, merged, BIKE), 1)]
    got = statuses(run(old, new))
    assert got[(("2025-4.1-2", "2025-4.1-3"), ("2026-4.1-2",))] == "merged"
    assert got[(("2025-4.1-4",), ())] == "dropped"
    pairs = lineage_pairs.Pairs(old, new, context({i.id: i.text for i in old + new}))
    assert pairs.contains(old[1], new[1]) < lineage.CONTAINS <= pairs.contains(old[2], new[1])
    assert pairs.fills(old[1], [old[2]], new[1]) >= lineage.FILLS > pairs.fills(old[3], old[1:3], new[1])


def test_an_unchanged_item_is_never_split_by_a_close_new_neighbour():
    """The trap of the editions: a new measure right under an unchanged one, on the same theme."""
    nature = "Felles tilnærming til naturregnskap, potensielt koordinert gjennom en sentral instans."
    trap = "Utarbeide en felles veileder for naturregnskap og arealregnskap i kommunene."
    got = statuses(run([item("2025", "3.1-1", nature, line=1)],
                       [item("2026", "3.1-1", nature, line=1), item("2026", "3.1-2", trap, line=2)]))
    assert got == {(("2025-3.1-1",), ("2026-3.1-1",)): "unchanged", ((), ("2026-3.1-2",)): "new"}


def test_identical_duplicates_that_became_one_are_merged_not_dropped():
    press = "Felles press på politikere for energieffektivisering og et kunnskapsgrunnlag for prioriteringer."
    edited = "Felles press på politikere for energieffektivisering, og et felles kunnskapsgrunnlag for prioriteringer."
    old = [item("2025", "5.1.1-8", press, section="5.1.1", group="Overordnede tema", line=1),
           item("2025", "5.1.1-27", press, section="5.1.1", group="Energieffektivisering", line=20)]
    new = [item("2026", "5.1.1-26", edited, section="5.1.1", group="Energieffektivisering", line=20)]
    assert [c.status for c in run(old, new).changes] == ["merged"]


def test_something_gone_is_dropped_and_something_unrelated_is_new():
    got = statuses(run([item("2025", "4.1-1", FREIGHT, line=1)], [item("2026", "4.1-1", BIKE, line=1)]))
    assert got == {(("2025-4.1-1",), ()): "dropped", ((), ("2026-4.1-1",)): "new"}


def test_staff_decisions_win_over_the_model():
    old, new = [item("2025", "4.1-1", FREIGHT, line=1)], [item("2026", "4.1-1", BIKE, line=1)]
    accepted = run(old, new, {(new[0].id, old[0].id): Review("accept")})
    assert [c.status for c in accepted.changes] == ["reworded"]
    assert accepted.changes[0].confidence == 1.0 and "bekreftet av Kari" in accepted.changes[0].why
    same_old, same_new = [item("2025", "4.1-1", BUS, line=1)], [item("2026", "4.1-1", BUS, line=1)]
    rejected = run(same_old, same_new, {(same_new[0].id, same_old[0].id): Review("reject")})
    assert sorted(c.status for c in rejected.changes) == ["dropped", "new"]


def test_strategies_are_moved_between_focus_areas_and_never_linked_to_measures():
    text = "Ved å sikre arealnøytralitet og bevare naturmangfold i by- og regionsutviklingen"
    old = [item("2025", "4-p2-4", text, section="4", group=None, type_="Strategy", place="4-p2", line=5),
           item("2025", "4.1-1", BUS, line=9)]
    new = [item("2026", "3-4", text, section="3", group=None, type_="Strategy", place="3", line=2),
           item("2026", "4.1-1", text, line=9)]
    got = statuses(run(old, new))
    assert got[(("2025-4-p2-4",), ("2026-3-4",))] == "moved"
    assert got[(("2025-4.1-1",), ())] == "dropped"


def test_the_diff_contract_counts_per_focus_area_and_themes_that_gained_measures():
    old = [item("2025", "4.1-1", BUS, line=1), item("2025", "4.1-2", FREIGHT, line=2)]
    new = [item("2026", "4.1-1", BUS, line=1),
           item("2026", "5.4.1-1", "Nettverk for kommunene rundt Oslofjorden.", section="5.4.1", group=None, line=9)]
    d = Diff(run(old, new), ["2025", "2026"]).to_json()
    assert d["from"] == "2025" and d["to"] == "2026"
    for c in d["changes"]:
        assert set(c) >= {"status", "from", "to", "confidence", "why"}
        for node in c["from"] + c["to"]:
            assert set(node) >= {"id", "text", "section"}
        assert (c["from"] == []) == (c["status"] == "new") and (c["to"] == []) == (c["status"] == "dropped")
    assert d["counts"] == {"unchanged": 1, "reworded": 0, "moved": 0, "merged": 0, "split": 0, "dropped": 1, "new": 1}
    areas = {a["notation"]: a for a in d["focus_areas"]}
    assert (areas["4"]["carried_over"], areas["4"]["went"], areas["4"]["before"], areas["4"]["after"]) == (1, 1, 2, 1)
    assert areas["5.4"]["came"] == 1
    assert [t["notation"] for t in d["themes"]["gained"]] == ["5.4"] and d["themes"]["lost"] == []


def test_the_diff_csv_goes_through_the_one_csv_writer():
    old = [item("2025", "4.1-1", "=HYPERLINK(\"x\")", line=1)]
    data = Diff(run(old, []), ["2025", "2026"]).csv()
    assert data.startswith(BOM.encode()) and b"'=HYPERLINK" in data
    assert data.decode("utf-8-sig").splitlines()[0].startswith("status,endring,type,fra_id")


@pytest.mark.parametrize("a,b", [(BUS, "Samordne billettstrukturen for buss, trikk og tog."), ("", "Nytt."),
                                 ("Tekst  med   mellomrom.", "Tekst med mellomrom.")])
def test_word_diff_gives_back_both_texts_exactly(a, b):
    sa, sb = word_diff(a, b)
    assert "".join(s["text"] for s in sa) == a and "".join(s["text"] for s in sb) == b


def test_changed_words_in_order_and_for_merges_by_what_the_other_side_lacks():
    removed, added = changed_words("Øke satsingen på sykkel.", "Øke satsingen på sykkel og gange.")
    assert removed == [] and added == ["og gange"]
    olds, news = word_marks(["Sykkel og gange.", "Tog og buss."], ["Sykkel, gange og tog."])
    assert [s["text"] for s in olds[1] if s["changed"]] == ["buss"]
    assert not any(s["changed"] for s in news[0])
