"""regiongraf calibrate: refit the overlap confidence with the reviewed pairs added to the judged data."""

import json

import click

from cli.context import application, progress
from matching.calibrate import figures_table


@click.command("calibrate")
@click.option("--dry-run", is_flag=True, help="Bare vis tallene; ikke lagre den nye kalibreringen.")
@click.option("--json", "as_json", is_flag=True, help="Skriv resultatet som JSON.")
def command(dry_run: bool, as_json: bool) -> None:
    """Kalibrer overlappskårens sikkerhet på nytt, med de vurderte parene lagt til.

    Godtatte par teller som riktige, avviste som feil, sammen med de vurderte
    treningsdataene i bench/overlap/. Skriver treffsikkerhet på holdt-ut data før og
    etter. Uten --dry-run lagres kalibreringen i $REGIONGRAF_HOME/calibration/overlap.json,
    og de utledede lenkene regnes ut på nytt.
    """
    outcome = application().calibrate(save=not dry_run, progress=progress)
    summary = outcome.summary()
    if as_json:
        click.echo(json.dumps(summary, ensure_ascii=False, indent=2))
        return
    click.echo(f"Vurderte par lagt til: {summary['reviewed_pairs']} ({summary['accepted']} godtatt, "
               f"{summary['rejected']} avvist).")
    click.echo("Holdt-ut tall:")
    for line in figures_table(summary["figures"]):
        click.echo("  " + line)
    click.echo(f"Lagret i {summary['saved']}." if summary["saved"] else "Ikke lagret (--dry-run).")
