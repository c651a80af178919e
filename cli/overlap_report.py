"""regiongraf overlap-report --actor NAME: every item of a list with its best counterparts elsewhere."""

import json
import sys
from pathlib import Path

import click

from cli.context import reading_application
from graph.names import kind_label
from matching.report import MAX_PER_ITEM, PER_ITEM, overlap_report, report_csv, where_text


def _kind(m: dict) -> str:
    return kind_label(m["kind"])


@click.command("overlap-report")
@click.option("--actor", required=True,
              help="Aktøren som eier listen: navn, nøkkel eller IRI (en importert liste eller en faggruppe).")
@click.option("--per-item", type=click.IntRange(1, MAX_PER_ITEM), default=PER_ITEM, show_default=True,
              help="Høyst så mange motparter per element.")
@click.option("--include-rejected", is_flag=True, help="Ta med par som er avvist i en vurdering.")
@click.option("--json", "as_json", is_flag=True, help="Skriv ut som JSON.")
@click.option("--csv", "as_csv", is_flag=True,
              help="Skriv ut som CSV for regneark (én rad per element; UTF-8 med BOM).")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False),
              help="Skriv til denne filen i stedet for standard ut.")
def command(actor: str, per_item: int, include_rejected: bool, as_json: bool, as_csv: bool,
            output: Path | None) -> None:
    """Overlapprapport for én liste: hvert element med sine beste motparter, eller «ingen match».

    Motpartene er forslag fra andre aktører (tiltak i handlingsprogrammet og andre
    importerte lister), med sikkerhet/skår, begrunnelse og hvor de hører hjemme:
    innsatsområde, tiltaksgruppe og faggruppe. Samme par og grenser som
    'regiongraf duplicates --actor NAME --across-actors'; godtatte par står først,
    avviste er utelatt.
    """
    if as_json and as_csv:
        raise click.UsageError("Velg enten --json eller --csv.")
    report = overlap_report(reading_application().matcher(), actor, per_item=per_item,
                            include_rejected=include_rejected)
    if as_csv:
        data = report_csv(report)
    elif as_json:
        data = (json.dumps(report, ensure_ascii=False, indent=2) + "\n").encode()
    else:
        data = (_text(report) + "\n").encode()
    if output:
        output.write_bytes(data)
        click.echo(f"Skrev rapporten til {output}.", err=True)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()


def _text(report: dict) -> str:
    c = report["counts"]
    lines = [f"Overlapprapport for {report['actor']}: {c['items']} elementer, {c['matched']} med match, "
             f"{c['unmatched']} uten.", ""]
    for e in report["items"]:
        item = e["item"]
        lines.append(f"{e['nr']}. {item['label']}  <{item['id']}>")
        if not e["matches"]:
            lines.append("     ingen match")
        for m in e["matches"]:
            sure = f"sikkerhet {m['confidence']:.2f}" if m["confidence"] is not None else f"skår {m['score']:.2f}"
            lines.append(f"     {sure}  {_kind(m):<14} {m['label'][:70]}  [{m['actor'] or ''}]")
            where = where_text(m["where"])
            if where:
                lines.append(f"{'':28}{where}")
            if m["reason"]:
                lines.append(f"{'':28}{m['reason']}")
        lines.append("")
    return "\n".join(lines).rstrip()
