"""regiongraf similar ID: the nearest proposals of other actors for one node."""

import json

import click

from cli.context import reading_application
from cli.duplicates import review_text
from graph.names import kind_label, type_label


@click.command("similar")
@click.argument("node")
@click.option("-k", "k", type=click.IntRange(1, 100), default=10, show_default=True, help="Antall.")
@click.option("--include-rejected", is_flag=True, help="Ta med par som er avvist i en vurdering.")
@click.option("--json", "as_json", is_flag=True, help="Skriv ut som JSON.")
def command(node: str, k: int, include_rejected: bool, as_json: bool) -> None:
    """De nærmeste tiltakene og initiativene fra andre aktører enn nodens egen, med sikkerhet.

    Sikkerheten (0–1) er den samme som i `duplicates`; de under grensen for overlapp er
    «beslektet» og merket svake.

    NODE er en IRI eller en kort form som «measure/2025-4.1-3» eller
    «initiative/nav-3». Virker for alle noder i søkeindeksen (også strategier og
    innsatsområder, som ikke har noen aktør). Godtatte par står først som «bekreftet»;
    avviste er utelatt.
    """
    data = reading_application().matcher().similar(node, k=k, include_rejected=include_rejected)
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    n = data["node"]
    click.echo(f"{type_label(n['type'])}: {n['label']}  [{n['actor'] or 'ingen aktør'}]")
    for s in data["similar"]:
        kind = kind_label(s["kind"]) + (" (svak)" if s["weak"] else "")
        click.echo(f"  {s['score']:.3f} {kind:<16} {s['label'][:70]}  [{s['actor'] or ''}]")
        click.echo(f"{'':25}{s['why']['summary']}")
        if s.get("review"):
            click.echo(f"{'':25}{review_text(s['review'])}")
