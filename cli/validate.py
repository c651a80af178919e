"""regiongraf validate: check the graph against the project's SHACL shapes."""

from pathlib import Path

import click
from rdflib import Graph

from graph.build import source_graphs
from graph.errors import UserError
from graph.settings import get_settings
from graph.store import GraphStore
from graph.validate import validate_graph, violations_only


@click.command("validate")
@click.option("--source", type=click.Path(path_type=Path), multiple=True,
              help="Valider dette dokumentet (uten å bygge) i stedet for grafen i lageret.")
def command(source: tuple[Path, ...]) -> None:
    """Valider grafen mot SHACL-formene i ontology/shapes.ttl.

    Uten --source sjekkes det som ligger i lageret nå (programmet, kuraterte fakta og
    importerte lister). Avslutter med kode 1 hvis det finnes brudd.
    """
    settings = get_settings()
    data = Graph()
    if source:
        graphs, _ = source_graphs(settings, list(source))
        for name, g in graphs.items():
            if not name.endswith("/ontology"):
                data += g
    else:
        ds = GraphStore(settings.home).dataset()
        for g in ds.graphs():
            if not str(g.identifier).endswith(("/ontology", "/inferred", "/meta")):
                data += g
    results = validate_graph(data)
    errors = violations_only(results)
    for v in results:
        click.echo(f"{'BRUDD' if v.severity == 'Violation' else 'ADVARSEL'}: {v}")
    if errors:
        raise UserError(f"{len(errors)} brudd på SHACL-formene")
    click.echo(f"Grafen er gyldig ({len(data)} tripler, {len(results)} advarsler).")
