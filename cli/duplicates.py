"""regiongraf duplicates: proposals written twice, and overlaps worth coordinating."""

import json

import click

from cli.context import reading_application


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
@click.option("--json", "as_json", is_flag=True, help="Skriv ut som JSON.")
def command(across_actors: bool, actor: str | None, min_score: float | None, clusters: bool,
            limit: int | None, include_rejected: bool, as_json: bool) -> None:
    """Finn duplikater og overlapp blant tiltak og importerte initiativer, beste først.

    Alle slags forpliktelser er med: tiltak, importerte initiativer, strategier, delmål, mål,
    utfordringer, innsatsområder, planer og prosjekter. Hvert par har en sikkerhet (0–1,
    anslått sannsynlighet for at paret er verdt å samordne; «score» er den samme), en type
    («duplicate» = samme forslag skrevet to ganger, «overlap» = verdt å samordne, «related» =
    svak, under grensen) og en begrunnelse: felles ord, felles plass i grafen og hva som
    trakk sikkerheten opp. Kandidatene finnes med det samme hybridsøket som `search` bruker.
    Vurderte par (regiongraf review) slår modellen: godtatte står først som «confirmed»,
    avviste er utelatt.
    """
    matcher = reading_application().matcher()
    kwargs = {"across_actors": across_actors, "actor": actor, "min_score": min_score,
              "include_rejected": include_rejected}
    if clusters:
        data = matcher.clusters(**kwargs)
        if limit:
            data = data[:limit]
        if as_json:
            click.echo(json.dumps(data, ensure_ascii=False, indent=2))
            return
        for c in data:
            click.echo(f"Klynge {c['id']} ({c['kind']}, {c['size']} forslag, samhold {c['cohesion']:.2f}):")
            for m in c["members"]:
                click.echo(f"    {_short(m, 70):<72} {m['actor'] or ''}")
        if not data:
            click.echo("Ingen klynger.")
        return
    pairs = matcher.duplicates(**kwargs, limit=limit)
    if as_json:
        click.echo(json.dumps(pairs, ensure_ascii=False, indent=2))
        return
    for p in pairs:
        kind = f"{p['kind']} (svak)" if p["weak"] else p["kind"]
        click.echo(f"{p['score']:.3f} {kind:<9} {_short(p['a'])}  [{p['a']['actor'] or ''}]")
        click.echo(f"{'':16}{_short(p['b'])}  [{p['b']['actor'] or ''}]")
        click.echo(f"{'':16}{p['why']['summary']}")
        if p.get("review"):
            click.echo(f"{'':16}{review_text(p['review'])}")
    if not pairs:
        click.echo("Ingen par over grensen.")
