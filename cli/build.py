"""regiongraf build: the graph from the sources, then its search indexes and inferred links."""

from pathlib import Path

import click

from cli.context import application, progress, report_warnings


@click.command("build")
@click.argument("sources", nargs=-1, metavar="[DOKUMENT]...", type=click.Path(path_type=Path))
@click.option("--graph-only", is_flag=True,
              help="Bygg bare grafen; søkeindeksen og de utledede lenkene oppdateres ved neste skriving eller "
                   "første søk.")
def command(sources: tuple[Path, ...], graph_only: bool) -> None:
    """Bygg grafen fra handlingsprogrammet og de kuraterte faktaene.

    DOKUMENT er ett eller flere handlingsprogram i tekstformat (standard: det medfølgende
    2025-dokumentet). Grafen valideres mot SHACL-formene før den tas i bruk; feiler
    noe, beholdes forrige versjon urørt. Deretter oppdateres søkeindeksen (bare nye og
    endrede tekster) og de utledede lenkene.
    """
    result = application().build(list(sources) or None, refresh=not graph_only, progress=progress)
    report_warnings(result)
