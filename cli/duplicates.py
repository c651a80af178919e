"""regiongraf duplicates: proposals written twice, and overlaps worth coordinating."""

import json
from pathlib import Path

import click

from cli.context import csv_options, reading_application, write_output
from graph.names import kind_label
from service.tables import clusters_csv, pairs_csv


def review_text(review: dict) -> str:
    verb = "Godtatt" if review["decision"] == "accept" else "Avvist"
    who = f" av {review['by']}" if review.get("by") else ""
    note = f": {review['note']}" if review.get("note") else ""
    return f"{verb}{who} {review.get('date') or ''}".rstrip() + note


def _short(node: dict, width: int = 60) -> str:
    label = node["label"]
    return label if len(label) <= width else label[: width - 1] + "…"


@click.command("duplicates")
@click.option("--across-actors", is_flag=True, help="Bare par der de to er foreslått av ulike aktører.")
@click.option("--actor", help="Bare par der én av de to er foreslått av denne aktøren (navn, nøkkel eller IRI).")
@click.option("--min-score", type=click.FloatRange(-1, 1),
              help="Laveste sikkerhet, 0–1 (standard: grensen for overlapp; lavere gir også svake par, «related»).")
@click.option("--clusters", is_flag=True, help="Grupper parene i klynger av forslag som alle sier omtrent det samme.")
@click.option("--limit", type=click.IntRange(1), help="Høyst så mange par.")
@click.option("--include-rejected", is_flag=True,
              help="Ta med par som er avvist i en vurdering (de har da «review» med hvem, når og hvorfor).")
@click.option("--programme", "-p", "programme", metavar="ÅR",
              help="Par innen handlingsprogrammet for dette året (standard: det nyeste).")
@click.option("--json", "as_json", is_flag=True, help="Skriv ut som JSON.")
@csv_options
def command(across_actors: bool, actor: str | None, min_score: float | None, clusters: bool,
            limit: int | None, include_rejected: bool, programme: str | None, as_json: bool, as_csv: bool,
            output: Path | None) -> None:
    """Finn duplikater og overlapp blant tiltak og importerte initiativer, beste først.

    Alle slags forpliktelser er med: tiltak, importerte initiativer, strategier, delmål, mål,
    utfordringer, innsatsområder, planer og prosjekter. Hvert par har en sikkerhet (0–1,
    anslått sannsynlighet for at paret er verdt å samordne), en type («mulig duplikat» = samme
    forslag skrevet to ganger, «overlapp» = verdt å samordne, «beslektet» = svakt, under
    grensen) og en begrunnelse: felles ord, felles plass i grafen og hva som trakk sikkerheten
    opp. Kandidatene finnes med det samme hybridsøket som `search` bruker. Vurderte par
    (regiongraf review) slår modellen: godtatte står først som «bekreftet», avviste er utelatt.
    Par lages innen ett programår (standard: det nyeste): et tiltak og forgjengeren dets er ikke
    duplikater, men samme tiltak to år på rad (se regiongraf diff).
    Med --csv blir parene (eller klyngene) et regneark.
    """
    if as_json and as_csv:
        raise click.UsageError("Velg enten --json eller --csv.")
    matcher = reading_application().matcher()
    kwargs = {"across_actors": across_actors, "actor": actor, "min_score": min_score,
              "include_rejected": include_rejected, "programme": programme}
    if clusters:
        data = matcher.clusters(**kwargs)
        if limit:
            data = data[:limit]
        if as_csv:
            write_output(clusters_csv(data), output, "klyngene")
            return
        if as_json:
            click.echo(json.dumps(data, ensure_ascii=False, indent=2))
            return
        for c in data:
            click.echo(f"Klynge {c['id']} ({kind_label(c['kind'])}, {c['size']} forslag, samhold {c['cohesion']:.2f}):")
            for m in c["members"]:
                click.echo(f"    {_short(m, 70):<72} {m['actor'] or ''}")
        if not data:
            click.echo("Ingen klynger.")
        return
    pairs = matcher.duplicates(**kwargs, limit=limit)
    if as_csv:
        write_output(pairs_csv(pairs), output, "parene")
        return
    if as_json:
        click.echo(json.dumps(pairs, ensure_ascii=False, indent=2))
        return
    for p in pairs:
        kind = kind_label(p["kind"]) + (" (svak)" if p["weak"] else "")
        click.echo(f"{p['score']:.3f} {kind:<16} {_short(p['a'])}  [{p['a']['actor'] or ''}]")
        click.echo(f"{'':23}{_short(p['b'])}  [{p['b']['actor'] or ''}]")
        click.echo(f"{'':23}{p['why']['summary']}")
        if p.get("review"):
            click.echo(f"{'':23}{review_text(p['review'])}")
    if not pairs:
        click.echo("Ingen par over grensen.")
