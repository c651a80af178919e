"""regiongraf stats: what is in the store."""

import json

import click

from graph.names import type_label
from graph.settings import get_settings
from graph.store import open_store
from graph.views.stats import stats


@click.command("stats")
@click.option("--json", "as_json", is_flag=True, help="Skriv ut som JSON.")
def command(as_json: bool) -> None:
    """Vis hva grafen inneholder: noder per klasse, tripler per navngitt graf, tiltak per tema og aktør."""
    settings = get_settings()
    data = stats(open_store(settings))
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    click.echo(f"Versjon: {data['generation']}   Tripler: {data['triples']}")
    click.echo("\nNoder per type:")
    for cls, n in data["classes"].items():
        click.echo(f"  {type_label(cls):<22} {n:>6}")
    click.echo("\nTripler per graf:")
    for g, n in data["graphs"].items():
        click.echo(f"  {g:<60} {n:>7}")
    click.echo("\nTiltak per aktør:")
    for row in data["measures_by_actor"].values():
        click.echo(f"  {row['label'] or '?':<40} {row['measures']:>4}")
