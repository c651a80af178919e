"""Lineage quality: the year-to-year classifier on hand-made next-year editions, against exact
text matching.

    python -m bench.lineage_quality            report (editions A, D, E and F = tune, B and C = held out)
    python -m bench.lineage_quality a d e f    report the tuning editions only
    python -m bench.lineage_quality --loeo     leave one tuning edition out: fit on the others, score it
    python -m bench.lineage_quality --fit      refit matching/lineage_confidence.json on A, D, E and F

The editions and their truth tables are in bench/editions/ (README there), written before the
classifier existed (D, E and F were added later for tuning, each written before it was run).
`--loeo` is how a change is judged on the tuning editions: each is scored with the model fitted on
the other tuning editions' pairs only (the shipped model has seen all of them); it never touches B or C.
Thresholds and the confidence model are chosen on the tuning editions only; B and C are
reported as they come out. Each edition is built together with the 2025 document through
the application layer (graph, index, inferred links and lineage), in a temporary home that
reuses the 2025 vectors.

A change is classified correctly when the classifier reports exactly the truth's record: the
same status, the same 2025 items and the same 2026 items. Per status: precision = correct /
reported with that status, recall = correct / in the truth with that status. "Unchanged
reported as changed" is the share of the truth's unchanged measures that the classifier puts
in any other record. The baseline links items with exactly the same text (spacing aside):
unchanged in the same place, moved elsewhere; everything else dropped or new.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from collections import Counter
from pathlib import Path

from bench.fixtures import load_embedder, settings_for
from bench.report import write
from graph.settings import REPO, Settings
from graph.store import GraphStore
from graph.years import year_items
from matching.lineage import STATUSES, compare, fit_calibrator, judged_rows
from matching.lineage_pairs import CALIBRATION, Context, same_place
from matching.textdiff import normalise

EDITIONS = REPO / "bench" / "editions"
DOC = REPO / "data" / "handlingsprogram-2025.txt"
PARTS = {"a": "tune", "d": "tune", "e": "tune", "f": "tune", "b": "report", "c": "report"}
TUNE = [e for e, part in PARTS.items() if part == "tune"]
MEASURE = ("Measure",)
OTHERS = ("Challenge", "Goal", "SubGoal", "Strategy")


def truth_of(letter: str) -> dict:
    return json.loads((EDITIONS / f"truth-2026-{letter}.json").read_text(encoding="utf-8"))


def records(changes) -> list[tuple[str, frozenset, frozenset]]:
    return [(c["status"], frozenset(c["from"]), frozenset(c["to"])) for c in changes]


def predicted(comparison, types) -> list[tuple[str, frozenset, frozenset]]:
    return [(c.status, frozenset(i.short_id for i in c.old), frozenset(i.short_id for i in c.new))
            for c in comparison.of_type(*types)]


def baseline(old, new) -> list[tuple[str, frozenset, frozenset]]:
    """Exact text matching: one to one on the same text (spacing aside), same place first."""
    out, used = [], set()
    by_text: dict[tuple[str, str], list] = {}
    for n in new:
        by_text.setdefault((n.type, normalise(n.text)), []).append(n)
    for o in old:
        found = [n for n in by_text.get((o.type, normalise(o.text)), []) if n.id not in used]
        found.sort(key=lambda n: (not same_place(o, n), abs(o.line - n.line)))
        if found:
            n = found[0]
            used.add(n.id)
            out.append(("unchanged" if same_place(o, n) else "moved", frozenset([o.short_id]),
                        frozenset([n.short_id])))
        else:
            out.append(("dropped", frozenset([o.short_id]), frozenset()))
    out += [("new", frozenset(), frozenset([n.short_id])) for n in new if n.id not in used]
    return out


def score(truth: list, got: list) -> dict:
    """Per status precision and recall, overall accuracy, unchanged reported as changed."""
    truth_set, got_set = Counter(truth), Counter(got)
    rows = {}
    for status in STATUSES:
        t = [r for r in truth if r[0] == status]
        g = [r for r in got if r[0] == status]
        correct = sum(min(truth_set[r], got_set[r]) for r in set(t))
        rows[status] = {"truth": len(t), "reported": len(g), "correct": correct,
                        "precision": correct / len(g) if g else None, "recall": correct / len(t) if t else None}
    correct_all = sum(min(truth_set[r], got_set[r]) for r in set(truth))
    changed = [r for r in truth if r[0] != "unchanged"]
    correct_changed = sum(min(truth_set[r], got_set[r]) for r in set(changed))
    unchanged_old = {x for r in truth if r[0] == "unchanged" for x in r[1]}
    in_unchanged = {x for r in got if r[0] == "unchanged" for x in r[1]}
    return {
        "statuses": rows,
        "accuracy": correct_all / len(truth) if truth else None,
        "accuracy_changes": correct_changed / len(changed) if changed else None,
        "unchanged_as_changed": len(unchanged_old - in_unchanged) / len(unchanged_old) if unchanged_old else None,
        "records": len(truth),
        "changes": len(changed),
    }


def build_edition(letter: str, base_home: Path, work: Path, embedder) -> Settings:
    from service.application import Application

    home = work / f"home-{letter}"
    shutil.copytree(base_home, home, ignore=shutil.ignore_patterns("*.lock"))
    settings = settings_for(home)
    Application(settings, embedder).build([DOC, EDITIONS / f"handlingsprogram-2026-{letter}.txt"])
    return settings


def items(settings: Settings):
    reader = GraphStore(settings.home).reader()
    return (year_items(reader, settings.base_iri, "2025"), year_items(reader, settings.base_iri, "2026"))


def context(settings: Settings, calibrator=None) -> Context:
    from search.index.version import SearchIndex

    return Context.of(SearchIndex.load(settings.index_dir), calibrator=calibrator)


def truth_links(truth: dict, base: str) -> set[tuple[str, str]]:
    out = set()
    for c in truth["changes"] + truth["lineage"]:
        for a in c["from"]:
            for b in c["to"]:
                out.add((f"{base}/id/{a}", f"{base}/id/{b}"))
    return out


def evaluate(settings: Settings, letter: str, calibrator=None) -> dict:
    old, new = items(settings)
    comparison = compare(old, new, context(settings, calibrator))
    truth = truth_of(letter)
    out = {}
    for name, types, key in (("measures", MEASURE, "changes"), ("lineage", OTHERS, "lineage")):
        t = records(truth[key])
        o = [i for i in old if i.type in types]
        n = [i for i in new if i.type in types]
        out[name] = {"method": score(t, predicted(comparison, types)), "baseline": score(t, baseline(o, n))}
        wrong = sorted(set(predicted(comparison, types)) - set(t), key=str)
        missed = sorted(set(t) - set(predicted(comparison, types)), key=str)
        out[name]["errors"] = {"reported, not in truth": [_show(r) for r in wrong],
                               "in truth, not reported": [_show(r) for r in missed]}
    out["confidence"] = _confidence(comparison, truth, settings.base_iri)
    return out


def _confidence(comparison, truth: dict, base: str) -> dict:
    """How well the link confidences are calibrated: every scored link, right or wrong."""
    from search.calibration import brier, expected_calibration_error

    links = truth_links(truth, base)
    made = [(link.confidence, (link.old.id, link.new.id) in links) for link in comparison.links
            if link.how in ("model", "attached")]
    if not made:
        return {"links": 0}
    probs, labels = [p for p, _ in made], [int(y) for _, y in made]
    return {"links": len(made), "right": sum(labels), "mean_confidence": sum(probs) / len(probs),
            "brier": brier(probs, labels), "ece": expected_calibration_error(probs, labels)}


def _show(r) -> str:
    return f"{r[0]}: {', '.join(sorted(r[1])) or '–'} → {', '.join(sorted(r[2])) or '–'}"


def tune_rows(homes: dict[str, Settings]) -> list[dict]:
    """The judged pairs of the tuning editions (what step 3 and 4 of lineage score)."""
    rows = []
    for letter, settings in homes.items():
        old, new = items(settings)
        truth = truth_links(truth_of(letter), settings.base_iri)
        rows += [{**r, "edition": letter} for r in judged_rows(old, new, context(settings), truth)]
    return rows


def fit(homes: dict[str, Settings]) -> None:
    rows = tune_rows(homes)
    names = ", ".join(f"bench/editions/truth-2026-{e}.json" for e in homes)
    cal = fit_calibrator(rows, meta={"fitted_on": f"{names} (tuning editions)",
                                     "pairs": len(rows), "links": sum(r["label"] for r in rows)})
    cal.save(CALIBRATION)
    print(f"Skrev {CALIBRATION} ({len(rows)} par, {sum(r['label'] for r in rows)} koblinger): "
          + ", ".join(f"{n} {w:+.2f}" for n, w in zip(cal.names, cal.weights, strict=True)) + f", bias {cal.bias:+.2f}")


def left_out(homes: dict[str, Settings]) -> dict[str, dict]:
    """Leave one tuning edition out: each scored with the model fitted on the others' pairs."""
    rows = {letter: tune_rows({letter: settings}) for letter, settings in homes.items()}
    results = {}
    for letter, settings in homes.items():
        others = [r for other, rs in rows.items() if other != letter for r in rs]
        cal = fit_calibrator(others, meta={"fitted_on": ", ".join(sorted(set(rows) - {letter}))})
        results[letter] = evaluate(settings, letter, cal)
    return results


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    from service.application import Application

    loeo = "--loeo" in argv
    letters = [a for a in argv if a in PARTS] or (TUNE if "--fit" in argv or loeo else list(PARTS))
    if loeo and (set(letters) - set(TUNE) or len(letters) < 2):
        sys.exit("--loeo takes two or more tuning editions (" + ", ".join(TUNE) + "); B and C are never fitted on")
    with tempfile.TemporaryDirectory(prefix="lineage-bench-") as tmp:
        work = Path(tmp)
        base = settings_for(work / "base")
        embedder = load_embedder(base)
        Application(base, embedder).build([DOC])
        if "--fit" in argv:
            fit({letter: build_edition(letter, base.home, work, embedder) for letter in letters})
            return
        if loeo:
            results = left_out({letter: build_edition(letter, base.home, work, embedder) for letter in letters})
            part = {letter: "left out" for letter in letters}
            title = "Årsendringer, hver tuningutgave holdt ute (modellen tilpasset de andre)"
        else:
            results = {letter: evaluate(build_edition(letter, base.home, work, embedder), letter)
                       for letter in letters}
            part = PARTS
            title = "Årsendringer: presisjon/tilbakekalling per status (A, D, E og F = tuning, B og C = holdt ute)"
        rows = []
        for letter, res in results.items():
            for name in ("measures", "lineage"):
                for method in ("method", "baseline"):
                    r = res[name][method]
                    row = {"edition": f"{letter.upper()} ({part[letter]})", "items": name, "method":
                           "regiongraf" if method == "method" else "exact text", "accuracy": r["accuracy"],
                           "changes right": r["accuracy_changes"], "unchanged as changed": r["unchanged_as_changed"]}
                    for status in STATUSES:
                        s = r["statuses"][status]
                        row[status] = (f"{_f(s['precision'])}/{_f(s['recall'])}" if s["truth"] or s["reported"]
                                       else "")
                    rows.append(row)
        write("lineage_quality_loeo" if loeo else "lineage_quality", title, rows, {"results": results})
        for letter, res in results.items():
            for name in ("measures", "lineage"):
                errors = res[name]["errors"]
                if any(errors.values()):
                    print(f"\n{letter.upper()} {name}:")
                    for kind, lines in errors.items():
                        for line in lines:
                            print(f"  {kind}: {line}")
            print(f"{letter.upper()} confidence: {json.dumps(res['confidence'])}")


def _f(x) -> str:
    return "–" if x is None else f"{x:.2f}"


if __name__ == "__main__":
    main()
