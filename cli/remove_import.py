"""regiongraf remove-import --actor NAME: take an actor's imported list out of the graph."""

import json

import click

from cli.context import application, progress, report_warnings


@click.command("remove-import")
@click.option("--actor", required=True, help="Aktøren som eier listen: navn, nøkkel eller IRI.")
@click.option("--json", "as_json", is_flag=True, help="Skriv resultatet som JSON.")
def command(actor: str, as_json: bool) -> None:
    """Fjern en importert liste (aktørens egen navngitte graf) fra grafen.

    Søkeindeksen og de utledede lenkene oppdateres straks, så initiativene forsvinner fra
    søk og overlapp. Forrige versjon av grafen beholdes og kan hentes tilbake.
    """
    result = application().remove_import(actor, progress=progress)
    report_warnings(result)
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
        return
    d = result.details
    click.echo(f"Fjernet {d['removed']} initiativer fra {d['actor']} ({d['graph']}).")
