"""What every verb shares: the application layer, progress on stderr, warnings after a write."""

import click

from graph.settings import get_settings
from service.application import Application
from service.result import WriteResult


def progress(message: str) -> None:
    """Progress and notes go to stderr, so that stdout stays clean for --json and pipes."""
    click.echo(message, err=True)


def application() -> Application:
    return Application(get_settings())


def reading_application() -> Application:
    """The application for a verb that reads derived data: first catch up if they lag the graph."""
    app = application()
    app.catch_up(progress=progress)
    return app


def report_warnings(result: WriteResult) -> None:
    for warning in result.warnings:
        click.echo(f"Advarsel: {warning}", err=True)
