"""regiongraf diff [FRA] [TIL]: what became of each measure (and strategy, sub-goal, challenge) from
one programme year to another."""

import json
import sys
import textwrap
from pathlib import Path

import click

from cli.context import reading_application
from graph.years import years
from matching.lineage import STATUS_LABELS, STATUSES


@click.command("diff")
@click.argument("old", metavar="[FRA]", required=False)
@click.argument("new", metavar="[TIL]", required=False)
@click.option("--all", "show_all", is_flag=True, help="Vis også uendrede tiltak og punkter enkeltvis.")
@click.option("--json", "as_json", is_flag=True, help="Skriv ut som JSON.")
@click.option("--csv", "as_csv", is_flag=True,
              help="Skriv ut som CSV for regneark (én rad per endring; UTF-8 med BOM).")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False),
              help="Skriv til denne filen i stedet for standard ut.")
def command(old: str | None, new: str | None, show_all: bool, as_json: bool, as_csv: bool,
            output: Path | None) -> None:
    """Endringer fra ett programår til et annet: regiongraf diff 2025 2026.

    Hvert tiltak er uendret, omformulert, flyttet (til en annen tiltaksgruppe eller et annet
    kapittel), slått sammen, delt, tatt ut eller nytt, med sikkerhet (0–1) og begrunnelse,
    og ordene som er endret. Strategier, delmål, mål og utfordringer følger etter. Til slutt:
    per innsatsområde hvor mange tiltak som ble med videre, ble endret, kom til og falt bort,
    og temaene som fikk (eller mistet) tiltak. Uten år sammenlignes de to nyeste; med ett år
    (TIL utelatt) sammenlignes det året med det neste.

    Vurderinger slår modellen: 'regiongraf review measure/2025-4.1-3 measure/2026-4.1-3 --accept'
    (eller --reject) bekrefter eller avviser en kobling mellom årene.
    """
    if as_json and as_csv:
        raise click.UsageError("Velg enten --json eller --csv.")
    app = reading_application()
    if old is not None and new is None:
        # One year given: that year against the next one in the graph.
        later = [y for y in years(app.store.reader()) if y > old.strip()]
        if later:
            new = later[0]
        else:
            old, new = None, old
    diff = app.diff(old, new)
    if as_csv:
        data = diff.csv()
    elif as_json:
        data = (json.dumps(diff.to_json(), ensure_ascii=False, indent=2) + "\n").encode()
    else:
        data = (_text(diff.to_json(), show_all) + "\n").encode()
    if output:
        output.write_bytes(data)
        click.echo(f"Skrev endringene til {output}.", err=True)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()


def _counts(counts: dict) -> str:
    return ", ".join(f"{STATUS_LABELS[s]} {counts[s]}" for s in STATUSES if counts.get(s))


def _node(n: dict) -> str:
    return f"{n['id'].rsplit('/id/', 1)[-1]}  ({n['where']})"


def _wrap(prefix: str, text: str) -> list[str]:
    return textwrap.wrap(text, width=100, initial_indent=prefix, subsequent_indent=" " * len(prefix)) or [prefix]


def _change(c: dict) -> list[str]:
    lines = [f"[{c['status_label']}] sikkerhet {round(c['confidence'] * 100)} %"]
    for n in c["from"]:
        lines.append(f"  fra {_node(n)}")
        lines += _wrap("    - ", n["text"])
    for n in c["to"]:
        lines.append(f"  til {_node(n)}")
        lines += _wrap("    + ", n["text"])
    words = c.get("words")
    if words and (words["removed"] or words["added"]):
        if words["removed"]:
            lines += _wrap("    ord tatt ut: ", ", ".join(words["removed"]))
        if words["added"]:
            lines += _wrap("    nye ord: ", ", ".join(words["added"]))
    lines += _wrap("  hvorfor: ", c["why"])
    return lines


def _text(d: dict, show_all: bool) -> str:
    lines = [f"Endringer i handlingsprogrammet fra {d['from']} til {d['to']}", "",
             f"Tiltak: {_counts(d['counts'])}.",
             f"Strategier, delmål, mål og utfordringer: {_counts(d['lineage_counts'])}.", ""]
    lines.append("Per innsatsområde (tiltak før → etter: uendret / endret / kom til / falt bort):")
    for r in d["focus_areas"]:
        lines.append(f"  {r['notation']:<6} {r['label'][:48]:<48} {r['before']:>3} → {r['after']:<3} "
                     f"{r['carried_over']:>3} / {r['changed']} / {r['came']} / {r['went']}")
    themes = d["themes"]
    if themes["gained"]:
        lines.append("Temaer uten tiltak i {} som har tiltak i {}: {}.".format(
            d["from"], d["to"], "; ".join(f"{t['notation']} {t['label']} ({t['measures']})" for t in themes["gained"])))
    if themes["lost"]:
        lines.append("Temaer med tiltak i {} som ikke har noen i {}: {}.".format(
            d["from"], d["to"], "; ".join(f"{t['notation']} {t['label']} ({t['measures']})" for t in themes["lost"])))
    for title, changes in (("Tiltak", d["changes"]), ("Strategier, delmål, mål og utfordringer", d["lineage"])):
        lines += ["", f"== {title} =="]
        hidden = 0
        for c in changes:
            if c["status"] == "unchanged" and not show_all:
                hidden += 1
                continue
            lines += [""] + _change(c)
        if hidden:
            lines += ["", f"({hidden} uendret; --all viser dem.)"]
    return "\n".join(lines)
