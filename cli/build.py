"""regiongraf build: the graph (and, when search is installed, its indexes) from the sources."""

from pathlib import Path

import click

from graph.build import build
from graph.settings import get_settings


@click.command("build")
@click.argument("sources", nargs=-1, type=click.Path(path_type=Path))
@click.option("--graph-only", is_flag=True, help="Bygg bare grafen, ikke søkeindeksene.")
def command(sources: tuple[Path, ...], graph_only: bool) -> None:
    """Bygg grafen fra handlingsprogrammet og de kuraterte faktaene.

    SOURCES er ett eller flere handlingsprogram i tekstformat (standard: det medfølgende
    2025-dokumentet). Grafen valideres mot SHACL-formene før den tas i bruk; feiler
    noe, beholdes forrige versjon urørt.
    """
    settings = get_settings()
    progress = lambda msg: click.echo(msg, err=True)  # noqa: E731
    build(settings, list(sources) or None, progress=progress)
    if not graph_only:
        from service.refresh import refresh_search

        refresh_search(settings, progress=progress)  # indexes, then duplicates/overlaps/strategy links
