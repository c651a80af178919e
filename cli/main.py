"""The `regiongraf` command line. One verb per module in cli/; each calls the application layer."""

import sys

import click

from cli import (
    build,
    calibrate,
    diff,
    duplicates,
    export,
    gaps,
    history,
    import_,
    overlap_report,
    publish,
    remove_import,
    restore,
    review,
    search,
    serve,
    similar,
    stats,
    validate,
)
from cli.norsk import norwegian_usage
from graph.errors import UserError


class Group(click.Group):
    """Turns UserError into one line on stderr and a non-zero exit."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except UserError as err:
            click.echo(f"Feil: {err}", err=True)
            sys.exit(1)


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
def main():
    """regiongraf: kunnskapsgraf og semantisk søk for Osloregionens handlingsprogram.

    Innstillinger leses fra miljøvariabler REGIONGRAF_* (se README).
    """


for module in (build, stats, validate, export, search, serve, import_, remove_import, duplicates, similar, gaps,
               overlap_report, calibrate, history, restore, publish, diff):
    main.add_command(module.command)
main.add_command(review.review_command)
main.add_command(review.reviews_command)
norwegian_usage(main)


if __name__ == "__main__":
    main()
