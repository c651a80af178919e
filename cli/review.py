"""regiongraf review A B --accept|--reject, and regiongraf reviews: the staff's decisions on pairs."""

import getpass
import json

import click

from cli.context import application, progress, report_warnings


def _default_author() -> str | None:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return None


@click.command("review")
@click.argument("a")
@click.argument("b")
@click.option("--accept/--reject", "accept", default=None,
              help="Godta paret (de er samme forslag, eller bør behandles som ett) eller avvis det "
                   "(ikke foreslå det igjen). Ett av dem må oppgis.")
@click.option("--note", help="Begrunnelse eller merknad, lagres med vurderingen.")
@click.option("--by", help="Hvem som vurderte (standard: brukernavnet ditt på maskinen).")
@click.option("--json", "as_json", is_flag=True, help="Skriv resultatet som JSON.")
def review_command(a: str, b: str, accept: bool | None, note: str | None, by: str | None, as_json: bool) -> None:
    """Godta eller avvis et foreslått par (duplikat, overlapp eller lignende forslag).

    A og B er IRI-er eller korte former som «measure/2025-4.1-3» og
    «initiative/eksempel-fylkeskommune-ef-03». Vurderingen lagres som lenket data
    (SSSOM) i grafen {base}/graph/reviews og slår alltid modellen: et avvist par foreslås
    aldri igjen, et godtatt par vises som «confirmed» med sikkerhet 1 og blir
    skos:closeMatch i eksportene. En ny vurdering av samme par erstatter den forrige.
    Vurderingene overlever ny bygging og ny import så lenge begge nodene finnes.
    """
    if accept is None:
        raise click.UsageError("Oppgi enten --accept (godta) eller --reject (avvis).")
    result = application().review(a, b, "accept" if accept else "reject", note=note,
                                  by=by if by is not None else _default_author(), progress=progress)
    report_warnings(result)
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
        return
    r, previous = result.details["review"], result.details["replaced"]
    verb = "Godtatt" if r["decision"] == "accept" else "Avvist"
    click.echo(f"{verb}: {r['a_label'] or r['a']}  –  {r['b_label'] or r['b']}")
    if previous:
        was = "godtatt" if previous["decision"] == "accept" else "avvist"
        click.echo(f"(erstattet en tidligere vurdering: {was} {previous['date']}"
                   + (f" av {previous['by']}" if previous.get("by") else "") + ")")


@click.command("reviews")
@click.option("--json", "as_json", is_flag=True,
              help="Skriv ut som JSON: en liste med ett objekt per vurdering (a, b, decision, note, by, date, active).")
def reviews_command(as_json: bool) -> None:
    """Vis alle vurderinger av par, eldste først.

    En vurdering der en av nodene ikke finnes lenger (en liste er fjernet, et tiltak har fått
    nytt nummer) beholdes i grafen, men brukes ikke: den vises med «active»: false og
    gjelder igjen hvis noden kommer tilbake.
    """
    reviews = [r.to_json() for r in application().reviews()]
    if as_json:
        click.echo(json.dumps(reviews, ensure_ascii=False, indent=2))
        return
    if not reviews:
        click.echo("Ingen vurderinger ennå. Bruk 'regiongraf review A B --accept|--reject'.")
        return
    for r in reviews:
        verb = "godtatt" if r["decision"] == "accept" else "avvist"
        state = "" if r["active"] else "  [brukes ikke: noden finnes ikke lenger]"
        who = f" av {r['by']}" if r["by"] else ""
        click.echo(f"{r['date']} {verb}{who}{state}")
        click.echo(f"    {r['a_label'] or ''}  <{r['a']}>")
        click.echo(f"    {r['b_label'] or ''}  <{r['b']}>")
        if r["note"]:
            click.echo(f"    Merknad: {r['note']}")
