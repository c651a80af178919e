"""Minting and reading node IRIs: {base}/id/{kind}/{key}.

Keys come from the programme, section numbering and position (or a curated slug),
never from the wording, so that an edited sentence keeps its IRI.
"""

import re
import unicodedata

from rdflib import URIRef

from graph.errors import NotFound, UserError

# class local name -> path segment
KINDS = {
    "Programme": "programme",
    "FocusArea": "focus-area",
    "Goal": "goal",
    "SubGoal": "sub-goal",
    "Challenge": "challenge",
    "Strategy": "strategy",
    "MeasureGroup": "measure-group",
    "Measure": "measure",
    "ExpertGroup": "expert-group",
    "Organisation": "organisation",
    "Plan": "plan",
    "Project": "project",
    "Initiative": "initiative",
}
CLASS_OF_KIND = {v: k for k, v in KINDS.items()}


def slug(text: str) -> str:
    """A readable key: lower case, words joined by "-". Norwegian letters are spelled out (æ -> ae,
    ø -> o, å -> a), other Latin letters lose their accents, letters of other scripts stay as they
    are (IRIs may hold them: "Москва" -> "москва"). Empty when the text has no letter or digit."""
    text = unicodedata.normalize("NFC", text).lower().replace("æ", "ae").replace("ø", "o").replace("å", "a")
    text = text.replace("ß", "ss")
    out = []
    for ch in text:
        if ch.isascii():
            out.append(ch if ch.isalnum() else "-")
        elif "LATIN" in unicodedata.name(ch, ""):
            out.append(unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode() or "-")
        else:
            out.append(ch if ch.isalnum() else "-")
    return re.sub(r"-+", "-", "".join(out)).strip("-")


def node_iri(base: str, cls: str, key: str) -> URIRef:
    return URIRef(kind_iri(base, KINDS[cls], key))


def kind_iri(base: str, kind: str, key: str) -> str:
    """The IRI for a path segment kind ("measure") and a key."""
    return f"{base.rstrip('/')}/id/{kind}/{key}"


def expand(base: str, ref: str) -> str:
    """A node reference as people write it -> its IRI: a full IRI under the base, "/id/{kind}/{key}",
    "id/{kind}/{key}" or the short form "{kind}/{key}" ("measure/2025-4.1-3"). Raises UserError
    (NotFound for an IRI outside the base)."""
    text = str(ref).strip()
    if "://" in text:
        if split_iri(base, text) is None:
            raise NotFound(f"«{text}» er ikke en node-IRI i denne grafen (de begynner med {base.rstrip('/')}/id/).")
        return text
    path = text.lstrip("/")
    path = path[3:] if path.startswith("id/") else path
    kind, _, key = path.partition("/")
    if kind not in CLASS_OF_KIND or not key or "/" in key or any(c.isspace() or c in '<>"{}|\\^`' for c in key):
        raise UserError(f"Ugyldig id «{text}». Bruk en IRI som {base.rstrip('/')}/id/measure/2025-5.1.1-7 "
                        "eller kortformen measure/2025-5.1.1-7.")
    return kind_iri(base, kind, key)


def graph_iri(base: str, name: str) -> URIRef:
    """Named graphs: one per source (programme-2025, curated, import/{actor}, inferred)."""
    return URIRef(f"{base.rstrip('/')}/graph/{name}")


def split_iri(base: str, iri: str) -> tuple[str, str] | None:
    """(kind, key) of one of our node IRIs, or None if it is not ours."""
    prefix = f"{base.rstrip('/')}/id/"
    if not iri.startswith(prefix):
        return None
    kind, _, key = iri[len(prefix):].partition("/")
    if kind not in CLASS_OF_KIND or not key:
        return None
    return kind, key

