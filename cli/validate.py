"""regiongraf validate: check the graph against the project's SHACL shapes."""

from pathlib import Path

import click

from cli.context import application
from graph.errors import UserError
from graph.validate import violations_only


@click.command("validate")
@click.option("--source", type=click.Path(path_type=Path), multiple=True,
              help="Valider dette dokumentet (uten å bygge) i stedet for grafen i lageret.")
def command(source: tuple[Path, ...]) -> None:
    """Valider grafen mot SHACL-formene i ontology/shapes.ttl.

    Uten --source sjekkes det som ligger i lageret nå (programmet, kuraterte fakta og
    importerte lister). Avslutter med kode 1 hvis det finnes brudd.
    """
    results, triples = application().validate(list(source) or None)
    errors = violations_only(results)
    for v in results:
        click.echo(f"{'BRUDD' if v.severity == 'Violation' else 'ADVARSEL'}: {v}")
    if errors:
        raise UserError(f"{len(errors)} brudd på SHACL-formene")
    click.echo(f"Grafen er gyldig ({triples} tripler, {len(results)} advarsler).")
