"""regiongraf gaps: focus areas and strategies that no measure serves, with suggestions."""

import json

import click

from cli.context import reading_application
from matching.gaps import find_gaps


@click.command("gaps")
@click.option("-k", "k", type=click.IntRange(1, 20), default=5, show_default=True,
              help="Antall forslag per hull.")
@click.option("--json", "as_json", is_flag=True, help="Skriv ut som JSON.")
def command(k: int, as_json: bool) -> None:
    """Innsatsområder og strategier som ingen tiltak dekker, og de nærmeste kandidatene.

    Grunnlaget oppgis per hull: «structure» (kuratert struktur: ingen tiltak har
    innsatsområdet, ingen kuratert rg:implements) og/eller «inferred_links» (ingen utledet
    kobling tiltak → strategi i den utledede grafen).
    """
    data = find_gaps(reading_application().matcher(), k=k)
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    click.echo("Innsatsområder uten tiltak:")
    for a in data["focus_areas"]:
        click.echo(f"  {a['notation']} {a['label']}  ({', '.join(a['basis'])})")
        for s in a["suggestions"]:
            click.echo(f"      {s['score']:.3f}{' svak' if s['weak'] else ''} {s['label'][:70]}  [{s['actor'] or ''}]")
    click.echo("Strategier uten tiltak:")
    for st in data["strategies"]:
        click.echo(f"  {st['label'][:90]}  ({st['focus_area_label'] or ''})")
        for s in st["suggestions"][:3]:
            click.echo(f"      {s['score']:.3f}{' svak' if s['weak'] else ''} {s['label'][:70]}  [{s['actor'] or ''}]")
