"""regiongraf history: the kept versions of the graph, newest first."""

import json

import click

from cli.context import application
from graph.names import action_label


@click.command("history")
@click.option("--json", "as_json", is_flag=True, help="Skriv ut som JSON (id, time, action, triples, current).")
def command(as_json: bool) -> None:
    """Vis de lagrede versjonene av grafen: når, hva som skrev dem og hvor mange tripler.

    De 20 nyeste beholdes, og alle som er yngre enn 7 dager (REGIONGRAF_KEEP_GENERATIONS,
    REGIONGRAF_KEEP_DAYS). Hent en tilbake med 'regiongraf restore VERSJON'.
    """
    rows = application().history()
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo("Ingen lagrede versjoner ennå; kjør 'regiongraf build'.")
    for r in rows:
        mark = "  <- i bruk" if r["current"] else ""
        triples = "?" if r["triples"] is None else r["triples"]
        click.echo(f"{r['id']}  {r['time']}  {action_label(r['action']):<16} {triples:>8} tripler{mark}")
