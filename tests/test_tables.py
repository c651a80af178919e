"""The spreadsheets staff take away (service/tables.py): Norwegian columns and values, UTF-8 with BOM,
formulas neutralised by the one CSV writer (graph/views/spreadsheet.py). Pure functions: no graph needed."""

import csv
import io

from service.tables import csv_name, gaps_csv, pairs_csv, search_csv


def rows(body: bytes) -> list[dict]:
    assert body.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def node(label: str, key: str, actor: str | None = None) -> dict:
    return {"id": f"https://data.osloregionen.no/id/{key}", "label": label, "type": "Measure", "actor": actor}


def test_pairs_say_kind_confidence_and_weakness_in_norwegian():
    pairs = [
        {"a": node("Sykkelveier", "measure/1"), "b": node("=HYPERLINK(\"x\")", "initiative/k-1", "Kommune X"),
         "score": 0.91, "confidence": 0.91, "kind": "overlap", "weak": False, "across_actors": True,
         "why": {"summary": "Felles ord: sykkel", "shared_terms": ["sykkel"]}},
        {"a": node("Gange", "measure/2"), "b": node("Turstier", "measure/3"), "score": 0.2, "confidence": 0.2,
         "kind": "related", "weak": True, "why": {"summary": "svak likhet"}},
    ]
    out = rows(pairs_csv(pairs))
    assert [(r["nr"], r["type"], r["svak"]) for r in out] == [("1", "overlapp", "nei"), ("2", "beslektet", "ja")]
    assert out[0]["sikkerhet"] == "0.91" and out[0]["på_tvers_av_aktører"] == "ja"
    assert out[0]["b"] == "'=HYPERLINK(\"x\")"  # a partner's formula stays text
    assert out[0]["a_type"] == "Tiltak" and out[0]["b_aktør"] == "Kommune X"


def test_gap_suggestions_carry_their_confidence_and_say_when_weak():
    gaps = {"focus_areas": [], "strategies": [{
        "id": "s1", "label": "Strategi", "focus_area_label": "5.1 Klima", "basis": ["structure"],
        "reason": "Ingen tiltak", "suggestions": [
            {"id": "m1", "label": "Tiltak A", "score": 0.5, "confidence": 0.8, "weak": False},
            {"id": "m2", "label": "Tiltak B", "score": 0.4, "confidence": 0.3, "weak": True}]}]}
    (row,) = rows(gaps_csv(gaps))
    assert row["hva"] == "strategi" and row["grunnlag"] == "kuratert struktur"
    assert row["forslag"] == "Tiltak A (0.80); Tiltak B (0.30, svak)" and row["forslag_id"] == "m1 m2"


def test_search_hits_and_file_names():
    hit = {"id": "m1", "label": "Tiltak", "type": "Measure", "text": "+47 sykkel", "confidence": 0.7, "weak": True,
           "context": {"focus_area": {"notation": "4.1", "label": "Mobilitet"}}}
    (row,) = rows(search_csv([hit], "sykkel"))
    assert row["søk"] == "sykkel" and row["svakt_treff"] == "ja" and row["innsatsområde"] == "4.1 Mobilitet"
    assert row["tekst"] == "'+47 sykkel"
    assert csv_name("søk æøå/Kraftgruppen") == "sok-aeoa-Kraftgruppen.csv"
