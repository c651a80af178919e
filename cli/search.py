"""regiongraf search: hybrid search from the command line, one query or many (stdin)."""

import json
import sys
from pathlib import Path

import click

from cli.context import csv_options, reading_application, write_output
from graph.errors import UserError
from graph.names import type_label
from service.tables import searches_csv


@click.command("search")
@click.argument("query", metavar="SØK")
@click.option("--k", "-k", "k", default=10, show_default=True, type=click.IntRange(1, 100),
              help="Antall treff.")
@click.option("--type", "-t", "types", multiple=True,
              help="Bare denne typen (kan gjentas): Measure, Strategy, Goal, SubGoal, Challenge, "
                   "MeasureGroup, FocusArea, Initiative, Project, Plan.")
@click.option("--focus-area", "-f", "focus_area", help="Bare dette innsatsområdet: nummer (5.4), navn eller IRI.")
@click.option("--actor", "-a", help="Bare det denne aktøren har foreslått: navn (ATP, Kraftgruppen) eller IRI.")
@click.option("--programme", "-p", "programme", metavar="ÅR",
              help="Søk i handlingsprogrammet for dette året (standard: det nyeste i grafen).")
@click.option("--no-names", is_flag=True,
              help="Ikke bruk navn på aktører og temaer i søket til å løfte frem eller filtrere treff.")
@click.option("--json", "as_json", is_flag=True, help="Skriv treffene som en JSON-liste.")
@csv_options
def command(query: str, k: int, types: tuple[str, ...], focus_area: str | None, actor: str | None,
            programme: str | None, no_names: bool, as_json: bool, as_csv: bool, output: Path | None) -> None:
    """Søk med vanlige ord, på norsk eller engelsk.

    SØK er søket, f.eks. "Hva gjør vi for å få flere til å sykle?". Med SØK = - leses
    ett søk per linje fra standard inn, og hvert svar skrives som én linje (en JSON-liste
    med --json); modellen lastes bare én gang. En linje som ikke kan søkes på (tom, for
    lang) gir en tom liste og en melding på standard feil.

    Hvert treff har id, type, label, text, score, confidence, weak og context (innsatsområde,
    tiltaksgruppe, faggruppe og lenkede mål, strategier, prosjekter og planer). Med flere
    programår i grafen søkes det i det nyeste (--programme velger et annet). confidence er
    anslått sannsynlighet (0–1) for at treffet svarer på søket, sammenlignbar mellom søk;
    weak er true under kuttet for sterke treff. score ordner bare treffene i ett søk.

    Med --csv blir treffene et regneark (én rad per treff, også for mange søk fra standard inn).
    """
    if as_json and as_csv:
        raise click.UsageError("Velg enten --json eller --csv.")
    searcher = reading_application().searcher()
    options = {"k": k, "types": list(types) or None, "focus_area": focus_area, "actor": actor,
               "intent": not no_names, "programme": programme}
    # Bad filters are an error for the whole run, before any query is read.
    index = searcher.refresh()
    searcher.resolve_types(options["types"])
    searcher.resolve_actor(actor, index)
    year = searcher.resolve_programme(programme)
    searcher.resolve_focus_area(focus_area, index, year)

    if as_csv:
        queries = [query] if query != "-" else [line.rstrip("\r\n") for line in sys.stdin]
        results = []
        for lineno, q in enumerate(queries, start=1):
            try:
                results.append((q, searcher.search_with_meta(q, **options)["hits"]))
            except UserError as err:
                if query != "-":
                    raise
                click.echo(f"Linje {lineno}: {err}", err=True)
        write_output(searches_csv(results), output, "treffene")
        return
    if query != "-":
        result = searcher.search_with_meta(query, **options)
        _print(result, as_json)
        return
    for lineno, line in enumerate(sys.stdin, start=1):
        try:
            result = searcher.search_with_meta(line.rstrip("\r\n"), **options)
        except UserError as err:
            click.echo(f"Linje {lineno}: {err}", err=True)
            result = {"hits": [], "applied": []}
        _print(result, as_json, one_line=True)



def _print(result: dict, as_json: bool, one_line: bool = False) -> None:
    hits = result["hits"]
    if as_json:
        if one_line:
            click.echo(json.dumps(hits, ensure_ascii=False, separators=(",", ":")))
        else:
            click.echo(json.dumps(hits, ensure_ascii=False, indent=2))
        sys.stdout.flush()
        return
    for note in result.get("applied", []):
        click.echo(f"Merk: {note['message']}", err=True)
    if not hits:
        click.echo("Ingen treff.")
    strong = [h for h in hits if not h.get("weak")]
    weak = [h for h in hits if h.get("weak")]
    for hit in strong:
        _print_hit(hit)
    if weak:
        click.echo("Ingen sterke treff – dette er det nærmeste:" if not strong
                   else "Svakere treff – trolig ikke det du leter etter:")
    for hit in weak:
        _print_hit(hit)
    sys.stdout.flush()


def _print_hit(hit: dict) -> None:
    ctx = hit.get("context") or {}
    sure = f"sikkerhet {round(hit['confidence'] * 100)} %"
    sure = f"svakt treff, {sure}" if hit.get("weak") else sure
    click.echo(f"{hit['rank']:>2}. [{type_label(hit['type'])}] {hit['label']}  ({sure})")
    where = []
    if ctx.get("focus_area"):
        fa = ctx["focus_area"]
        where.append(f"tema {fa.get('notation') or ''} {fa['label']}".replace("  ", " "))
    if ctx.get("measure_group"):
        where.append(f"gruppe «{ctx['measure_group']['label']}»")
    if ctx.get("actor"):
        where.append(f"fra {ctx['actor']['label']}")
    if where:
        click.echo(f"    {'; '.join(where)}")
    for key, name in (("strategies", "strategier"), ("goals", "mål"), ("projects", "prosjekter"),
                      ("plans", "planer")):
        linked = [x for x in ctx.get(key, []) if x.get("relation") != "same_focus_area"]
        if linked:
            click.echo(f"    {name}: " + "; ".join(x["label"] for x in linked[:3]))
    click.echo(f"    {hit['id']}")
