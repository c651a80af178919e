"""regiongraf serve: the web service (JSON API, SPARQL, linked-data pages) with uvicorn."""

import click

from graph.settings import get_settings
from graph.store import open_store


@click.command("serve")
@click.option("--host", default=None, help="Adresse å lytte på (standard: REGIONGRAF_HOST, ellers 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port (standard: REGIONGRAF_PORT, ellers 8000).")
@click.option("--log-level", default="info", show_default=True,
              type=click.Choice(["critical", "error", "warning", "info", "debug"]), help="Hvor mye som logges.")
@click.option("--access-log/--no-access-log", default=True, show_default=True, help="Logg hver forespørsel.")
def command(host: str | None, port: int | None, log_level: str, access_log: bool) -> None:
    """Start tjenesten: JSON-API under /api, SPARQL på /sparql, IRI-ene under /id/ og dokumentasjon på /docs.

    Lesing er åpen. Import, ombygging og SPARQL Update krever REGIONGRAF_TOKEN.
    """
    import uvicorn  # lazy: every verb module is loaded for --help; only serve needs the server (~0.3 s)

    settings = get_settings()
    host = host or settings.host
    port = port if port is not None else settings.port
    if not open_store(settings).exists():
        click.echo(f"Merk: ingen graf i {settings.home} ennå; kjør 'regiongraf build' (eller 'make run').", err=True)
    if not settings.token:
        click.echo("Merk: REGIONGRAF_TOKEN er ikke satt, så import, ombygging og SPARQL Update er slått av.",
                   err=True)
    click.echo(f"regiongraf på http://{host}:{port}/  (API-dokumentasjon: /docs)", err=True)
    from api.server import http_protocol  # lazy, with uvicorn: it subclasses uvicorn's protocols

    # http_protocol: uvicorn's own refusals (a GET URL over 64 kB) are JSON too, like every route's.
    uvicorn.run("api.app:create_app", factory=True, host=host, port=port, log_level=log_level,
                access_log=access_log, http=http_protocol())
