"""regiongraf import FILE --actor NAME: another actor's list into the graph."""

import json
from pathlib import Path

import click

from cli.context import application, os_error_text, progress, report_warnings
from graph.errors import UserError


@click.command("import")
@click.argument("file", metavar="FIL", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--actor", required=True, help="Aktøren som eier listen, f.eks. «Viken fylkeskommune» eller «NAV».")
@click.option("--key", help="Nøkkel for aktørens liste (små bokstaver, tall, bindestrek), når navnet alene gir "
                           "samme nøkkel som en annen aktør, f.eks. --key ostfold-2.")
@click.option("--json", "as_json", is_flag=True, help="Skriv resultatet som JSON.")
@click.option("--no-refresh", is_flag=True,
              help="Ikke oppdater søkeindeksen og de utledede lenkene nå (neste 'regiongraf build' gjør det).")
def command(file: Path, actor: str, key: str | None, as_json: bool, no_refresh: bool) -> None:
    """Importer en liste med initiativer fra en annen aktør.

    FIL er CSV (kolonnene title, description og valgfritt id, url, theme; skilletegn komma,
    semikolon eller tabulator; UTF-8), JSON (en liste av objekter med de samme nøklene) eller
    Turtle/JSON-LD i regiongrafs vokabular (rg:Initiative). Hvert punkt blir et initiativ fra
    aktøren i aktørens egen navngitte graf. En ny import fra samme aktør erstatter den forrige.
    En fil med feil avvises i sin helhet med linje/element og felt; ingenting skrives da.
    """
    try:
        data = file.read_bytes()
    except OSError as err:
        raise UserError(f"{file}: kan ikke lese filen ({os_error_text(err)})") from None
    result = application().import_list(data, file.name, actor, key=key, refresh=not no_refresh, progress=progress)
    report_warnings(result)
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
        return
    d = result.details
    click.echo(f"{d['count']} initiativer fra {d['actor']} i {d['graph']}"
               + (f" (erstattet {d['replaced']})" if d["replaced"] else ""))
