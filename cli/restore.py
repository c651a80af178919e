"""regiongraf restore ID: make a kept version of the graph current again."""

import json

import click

from cli.context import application, progress, report_warnings


@click.command("restore")
@click.argument("generation", metavar="VERSJON")
@click.option("--json", "as_json", is_flag=True, help="Skriv resultatet som JSON.")
def command(generation: str, as_json: bool) -> None:
    """Hent tilbake en lagret versjon av grafen (se 'regiongraf history').

    VERSJON er id-en fra 'regiongraf history', f.eks. gen-1795887908330913376.

    Gjenopprettingen er selv en ny skriving: versjonen som er i bruk nå, beholdes og kan
    hentes tilbake igjen. Søkeindeksen og de utledede lenkene oppdateres etterpå.
    """
    result = application().restore(generation, progress=progress)
    report_warnings(result)
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
        return
    click.echo(f"Hentet tilbake {generation}; ny versjon i bruk: {result.generation}.")
