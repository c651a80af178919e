"""regiongraf publish --to URL: send the published named graphs to a partner's SPARQL server."""

import json

import click

from graph.publish.push import push
from graph.settings import get_settings
from graph.store import open_store


@click.command("publish")
@click.option("--to", "to", required=True, metavar="URL",
              help="Mottakerens tjener: en lager-adresse (oxigraph+http://…, virtuoso+http://…, fuseki+http://…/ds, "
                   "sparql+http://…) eller adressen til ett endepunkt (se --protocol).")
@click.option("--protocol", type=click.Choice(["gsp", "update"]), default=None,
              help="gsp: Graph Store Protocol (PUT per graf; standard for en vanlig adresse); update: SPARQL 1.1 "
                   "Update (DROP + INSERT DATA per graf).")
@click.option("--inferred/--no-inferred", default=True, show_default=True,
              help="Ta med maskinutledede lenker (grafene /graph/inferred og /graph/lineage).")
@click.option("--json", "as_json", is_flag=True, help="Skriv resultatet som JSON.")
def command(to: str, protocol: str | None, inferred: bool, as_json: bool) -> None:
    """Send de publiserte navngitte grafene til en annen SPARQL 1.1- eller Graph Store-tjener.

    Hver graf erstattes i sin helhet under sitt eget navn hos mottakeren; andre grafer der
    røres ikke. Pålogging hentes fra miljøet: REGIONGRAF_PUBLISH_TOKEN (bearer), eller
    REGIONGRAF_PUBLISH_USER og REGIONGRAF_PUBLISH_PASSWORD (basic; REGIONGRAF_PUBLISH_AUTH=digest).
    """
    settings = get_settings()
    progress = (lambda _m: None) if as_json else (lambda m: click.echo(m, err=True))
    result = push(open_store(settings), settings.base_iri, to, protocol, inferred, progress,
                  token=settings.publish_token, user=settings.publish_user, password=settings.publish_password,
                  auth=settings.publish_auth)
    if as_json:
        click.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
    else:
        click.echo(f"Sendte {sum(result.graphs.values())} tripler i {len(result.graphs)} grafer til {to} "
                   f"({result.protocol}).")
