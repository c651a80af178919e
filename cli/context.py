"""What every verb shares: the application layer, progress on stderr, warnings after a write,
and the reason an operating-system call failed, in Norwegian."""

import errno
import sys
from pathlib import Path

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


OS_ERRORS = {errno.ENOENT: "finnes ikke", errno.EACCES: "ingen tilgang", errno.EISDIR: "er en mappe",
             errno.ENOTDIR: "en del av stien er ikke en mappe", errno.ENOSPC: "disken er full",
             errno.EPERM: "ikke tillatt", errno.EROFS: "skrivebeskyttet filsystem"}


def os_error_text(err: OSError) -> str:
    """Why a file could not be read or written ("finnes ikke"), for a message to a person."""
    return OS_ERRORS.get(err.errno, err.strerror or str(err))


def report_warnings(result: WriteResult) -> None:
    for warning in result.warnings:
        click.echo(f"Advarsel: {warning}", err=True)


def csv_options(command):
    """--csv and -o/--output, as overlap-report has them: the verb's result as a spreadsheet."""
    command = click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False),
                           help="Skriv til denne filen i stedet for standard ut.")(command)
    return click.option("--csv", "as_csv", is_flag=True,
                        help="Skriv ut som CSV for regneark (UTF-8 med BOM, åpnes i Excel).")(command)


def write_output(data: bytes, output: Path | None, what: str = "resultatet") -> None:
    """Bytes to the file given with --output, or to standard out."""
    if output:
        try:
            output.write_bytes(data)
        except OSError as err:
            raise click.ClickException(f"Kunne ikke skrive {output}: {os_error_text(err)}") from None
        click.echo(f"Skrev {what} til {output}.", err=True)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
