"""regiongraf gaps: focus areas and strategies that no measure serves, with suggestions."""

import json
from pathlib import Path

import click

from cli.context import csv_options, reading_application, write_output
from graph.names import basis_label
from matching.gaps import find_gaps
from service.tables import gaps_csv


@click.command("gaps")
@click.option("-k", "k", type=click.IntRange(1, 20), default=5, show_default=True,
              help="Antall forslag per hull.")
@click.option("--programme", "-p", "programme", metavar="ÅR",
              help="Hullene i handlingsprogrammet for dette året (standard: det nyeste).")
@click.option("--json", "as_json", is_flag=True, help="Skriv ut som JSON.")
@csv_options
def command(k: int, programme: str | None, as_json: bool, as_csv: bool, output: Path | None) -> None:
    """Innsatsområder og strategier som ingen tiltak dekker, og de nærmeste kandidatene.

    Grunnlaget oppgis per hull: kuratert struktur (ingen tiltak hører til innsatsområdet
    eller gjennomfører strategien i handlingsprogrammet; «structure» i JSON) og/eller
    utledede koblinger (heller ingen kobling mellom tiltak og strategi som maskinen har
    foreslått; «inferred_links»). Med --csv blir listen et regneark.
    """
    if as_json and as_csv:
        raise click.UsageError("Velg enten --json eller --csv.")
    data = find_gaps(reading_application().matcher(), k=k, programme=programme)
    if as_csv:
        write_output(gaps_csv(data), output, "listen")
        return
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    click.echo("Innsatsområder uten tiltak:")
    for a in data["focus_areas"]:
        click.echo(f"  {a['notation']} {a['label']}  (grunnlag: {', '.join(basis_label(b) for b in a['basis'])})")
        for s in a["suggestions"]:
            click.echo(f"      {s['score']:.3f}{' svak' if s['weak'] else ''} {s['label'][:70]}  [{s['actor'] or ''}]")
    click.echo("Strategier uten tiltak:")
    for st in data["strategies"]:
        click.echo(f"  {st['label'][:90]}  ({st['focus_area_label'] or ''})")
        for s in st["suggestions"][:3]:
            click.echo(f"      {s['score']:.3f}{' svak' if s['weak'] else ''} {s['label'][:70]}  [{s['actor'] or ''}]")
