"""regiongraf export: the whole dataset in a standard RDF format."""

import sys
from pathlib import Path

import click

from graph.formats import RDF_FORMATS
from graph.publish.export import export
from graph.settings import get_settings
from graph.store import open_store

NAMES = ", ".join(f.name for f in RDF_FORMATS)
ALIASES = ", ".join(name for f in RDF_FORMATS for name in f.names[1:])


@click.command("export")
@click.option("--format", "-f", "fmt", default="turtle", show_default=True,
              help=f"Format: {NAMES} (også {ALIASES}).")
@click.option("--inferred/--no-inferred", default=True, show_default=True,
              help="Ta med maskinutledede lenker (grafene /graph/inferred og /graph/lineage).")
@click.option("--output", "-o", type=click.Path(path_type=Path), help="Skriv til fil i stedet for standard ut.")
def command(fmt: str, inferred: bool, output: Path | None) -> None:
    """Eksporter hele datasettet (alle navngitte grafer) som RDF.

    turtle, ntriples og rdfxml får unionen av grafene; trig, nquads og jsonld beholder
    de navngitte grafene.
    """
    settings = get_settings()
    data = export(open_store(settings), settings.base_iri, fmt, inferred)
    if output:
        tmp = output.with_name(output.name + ".tmp")
        tmp.write_bytes(data)
        tmp.replace(output)
        click.echo(f"Skrev {len(data)} byte til {output}", err=True)
    else:
        sys.stdout.buffer.write(data)
