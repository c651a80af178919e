"""Reading another actor's list (CSV or JSON) into plain records, refusing it whole if broken.

A record is one initiative: title, description, optional id, url and theme, and where it
stood in the file ("linje 4" for CSV, counting the header as line 1; "element nr. 3" for
JSON). Every problem raises ImportRefused with that place and the field, so the user can
fix the file; nothing is half-read.
"""

import csv
import io
import json
import re
from dataclasses import dataclass

from graph.errors import Conflict, UserError

FIELDS = ("title", "description", "id", "url", "theme")
# Column names a Norwegian spreadsheet is likely to have, mapped to ours.
ALIASES = {
    "tittel": "title", "navn": "title", "name": "title",
    "beskrivelse": "description", "tekst": "description", "text": "description",
    "tema": "theme", "innsatsområde": "theme", "lenke": "url", "nettside": "url",
    "identifier": "id", "nr": "id", "nummer": "id",
}
DELIMITERS = (",", ";", "\t", "|")
DELIMITER_NAMES = {",": "komma", ";": "semikolon", "\t": "tabulator", "|": "loddrett strek"}
URL_RE = re.compile(r"^https?://[^\s<>\"{}|\\^`]+$", re.IGNORECASE)
# Characters XML 1.0 cannot carry (RDF/XML downloads and SPARQL XML results would not parse).
XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
MAX_FIELD_CHARS = 20_000  # a description longer than this is not an initiative but a document
MAX_JSON_DEPTH = 32  # our JSON is a list of flat objects; JSON-LD nests a few levels


class ImportRefused(UserError):
    """The file is refused as a whole; the message says where (line/element) and which field."""


class ImportConflict(ImportRefused, Conflict):
    """The list would take the key of another actor's list (HTTP 409)."""


@dataclass
class Record:
    title: str
    description: str | None
    where: str  # "linje 4" / "element nr. 3"
    number: int  # 1-based position among the records (the key when there is no id)
    id: str | None = None
    url: str | None = None
    theme: str | None = None


def decode(data: bytes, filename: str) -> str:
    """UTF-8 text (a BOM is fine); anything else is refused with the line where decoding fails."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ImportRefused(f"{filename}: filen er lagret som UTF-16; lagre den som UTF-8")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        byte = data[err.start]
        raise ImportRefused(
            f"{filename}, linje {line}: teksten er ikke gyldig UTF-8 (byte 0x{byte:02X}); filen er trolig "
            "lagret som latin-1/Windows-1252 — lagre den som UTF-8 og prøv igjen"
        ) from None
    if "\x00" in text:
        raise ImportRefused(f"{filename}: filen inneholder binære data (NUL-tegn); forventet tekst")
    bad = XML_ILLEGAL.search(text)
    if bad:
        raise ImportRefused(f"{filename}, linje {text.count(chr(10), 0, bad.start()) + 1}: "
                            f"{control_name(bad.group())} kan ikke stå i teksten")
    if not text.strip():
        raise ImportRefused(f"{filename}: filen er tom")
    return text


def control_name(ch: str) -> str:
    return f"kontrolltegnet U+{ord(ch):04X}"


def check_text(value: str, where: str) -> None:
    """Refuse text XML 1.0 cannot carry, and fields too long to be one initiative's."""
    bad = XML_ILLEGAL.search(value)
    if bad:
        raise ImportRefused(f"{where}: {control_name(bad.group())} kan ikke stå i teksten")
    if len(value) > MAX_FIELD_CHARS:
        raise ImportRefused(f"{where}: teksten er {len(value)} tegn; høyst {MAX_FIELD_CHARS} tegn per felt")


def canonical(name: str) -> str:
    key = name.strip().strip('"').strip().lower()
    return ALIASES.get(key, key)


def _clean(value) -> str | None:
    if value is None:
        return None
    text = re.sub(r"\s+", " ", str(value)).strip()
    return text or None


def _record(values: dict, where: str, number: int, filename: str, field_where) -> Record:
    for name, value in values.items():
        if value is not None:
            check_text(str(value), f"{filename}, {field_where(name)}")
    title = _clean(values.get("title"))
    if not title:
        raise ImportRefused(f"{filename}, {field_where('title')}: tittel mangler (feltet «title» er tomt)")
    url = _clean(values.get("url"))
    if url and not URL_RE.match(url):
        raise ImportRefused(f"{filename}, {field_where('url')}: «{url[:80]}» er ikke en http(s)-adresse")
    return Record(
        title=title,
        description=_clean(values.get("description")),
        where=where,
        number=number,
        id=_clean(values.get("id")),
        url=url,
        theme=_clean(values.get("theme")),
    )


# ----------------------------------------------------------------------------- CSV


def _first_line(text: str) -> str:
    return text.lstrip("\r\n").splitlines()[0] if text.strip() else ""


def _split(line: str, delimiter: str) -> list[str]:
    try:
        return next(csv.reader([line], delimiter=delimiter), [])
    except csv.Error:  # e.g. a field over the csv module's limit: no split by this delimiter
        return [line]


def choose_delimiter(header: str, filename: str) -> str:
    """The delimiter that makes the header contain a `title` column (most columns wins)."""
    best = None
    for delim in DELIMITERS:
        cols = [canonical(c) for c in _split(header, delim)]
        if "title" in cols and (best is None or len(cols) > best[1]):
            best = (delim, len(cols))
    if best:
        return best[0]
    lowered = header.lower()
    found = ", ".join(f"«{c.strip()}»" for c in _split(header, ",")[:8]) or "ingenting"
    if any(name in lowered for name in ("title", "tittel")):
        raise ImportRefused(
            f"{filename}, linje 1: fant ikke kolonnen «title» med komma, semikolon, tabulator eller "
            f"loddrett strek som skilletegn — feil skilletegn? (overskriften er «{header[:100]}»)"
        )
    raise ImportRefused(
        f"{filename}, linje 1: overskriften mangler kolonnen «title» (fant {found}); "
        "første linje må navngi kolonnene: title, description, og valgfritt id, url, theme"
    )


def _other_delimiter(line: str, delimiter: str, width: int) -> str | None:
    """A delimiter that would have split this line into the header's number of fields."""
    for delim in DELIMITERS:
        if delim != delimiter and len(_split(line, delim)) == width:
            return delim
    return None


def parse_csv(text: str, filename: str) -> list[Record]:
    header_line = _first_line(text)
    delimiter = choose_delimiter(header_line, filename)
    reader = csv.reader(io.StringIO(text.lstrip("\r\n"), newline=""), delimiter=delimiter, strict=True)
    leading = len(text) - len(text.lstrip("\r\n"))
    offset = text[:leading].count("\n")  # blank lines before the header still count as lines
    try:
        header = [canonical(c) for c in next(reader)]
    except csv.Error as err:
        raise ImportRefused(f"{filename}, linje {1 + offset}: ugyldig CSV-overskrift ({err})") from None
    seen: dict[str, int] = {}
    for i, name in enumerate(header):
        if name in FIELDS and name in seen:
            raise ImportRefused(f"{filename}, linje {1 + offset}: kolonnen «{name}» står to ganger")
        seen[name] = i
    width = len(header)
    records: list[Record] = []
    prev_end = reader.line_num
    while True:
        start = prev_end + 1 + offset
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as err:
            raise ImportRefused(
                f"{filename}, linje {start}: ugyldig CSV ({err}); sjekk anførselstegn") from None
        prev_end = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        where = f"linje {start}"
        if len(row) != width:
            other = _other_delimiter(row[0] if len(row) == 1 else delimiter.join(row), delimiter, width)
            hint = ""
            if other:
                hint = (f"; linjen ser ut til å bruke {DELIMITER_NAMES[other]} som skilletegn, "
                        f"men overskriften bruker {DELIMITER_NAMES[delimiter]} — feil skilletegn?")
            elif len(row) > width:
                hint = "; har en tekst komma/semikolon uten anførselstegn rundt?"
            raise ImportRefused(
                f"{filename}, {where}: {len(row)} felt, men overskriften har {width} "
                f"({', '.join(header)}){hint}"
            )
        values = {name: row[i] for name, i in seen.items() if name in FIELDS}
        records.append(_record(values, where, len(records) + 1, filename,
                               lambda f, w=where: f"{w}, felt «{f}»"))
    if width == 1 and records:
        _check_single_column(records, filename)
    if not records:
        raise ImportRefused(f"{filename}: filen har en overskrift, men ingen rader med initiativer")
    return records


def _check_single_column(records: list[Record], filename: str) -> None:
    """Only `title` in the header, yet every row is split by ';' or tabs: the wrong delimiter."""
    for delim in (";", "\t", "|"):
        if all(delim in r.title for r in records) and len(records) >= 1:
            r = records[0]
            raise ImportRefused(
                f"{filename}, {r.where}, felt «title»: tittelen inneholder {DELIMITER_NAMES[delim]} "
                f"(«{r.title[:60]}») på hver linje, men overskriften har bare kolonnen «title» — "
                "feil skilletegn? Bruk samme skilletegn i overskriften som i radene"
            )


# ----------------------------------------------------------------------------- JSON


def json_depth(text: str) -> int:
    """How deeply brackets nest, outside strings (counted without recursion)."""
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
            continue
        if ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


def parse_json_value(text: str, filename: str):
    if json_depth(text) > MAX_JSON_DEPTH:
        raise ImportRefused(f"{filename}: JSON-strukturen er nøstet dypere enn {MAX_JSON_DEPTH} nivåer; "
                            "forventet en liste av objekter")
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise ImportRefused(
            f"{filename}, linje {err.lineno}, kolonne {err.colno}: ugyldig JSON ({err.msg})"
        ) from None


def looks_like_jsonld(value) -> bool:
    items = value if isinstance(value, list) else [value]
    return any(isinstance(i, dict) and any(k.startswith("@") for k in i) for i in items)


def parse_json(value, filename: str) -> list[Record]:
    if isinstance(value, dict) and isinstance(value.get("initiatives"), list):
        value = value["initiatives"]
    if not isinstance(value, list):
        raise ImportRefused(
            f"{filename}: forventet en JSON-liste av objekter med «title» og «description», "
            f"fikk {type(value).__name__}"
        )
    if not value:
        raise ImportRefused(f"{filename}: JSON-listen er tom")
    records = []
    for index, item in enumerate(value):
        where = f"element nr. {index + 1} (indeks {index})"
        if not isinstance(item, dict):
            raise ImportRefused(f"{filename}, {where}: forventet et objekt, fikk {type(item).__name__}")
        values = {}
        for key, v in item.items():
            name = canonical(key)
            if name not in FIELDS:
                continue
            if isinstance(v, (dict, list)):
                raise ImportRefused(f"{filename}, {where}, felt «{key}»: forventet tekst, fikk {type(v).__name__}")
            values[name] = v
        records.append(_record(values, where, index + 1, filename,
                               lambda f, w=where: f"{w}, felt «{f}»"))
    return records
