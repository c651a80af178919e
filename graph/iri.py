"""Minting and reading node IRIs: {base}/id/{kind}/{key}.

Keys come from the programme, section numbering and position (or a curated slug),
never from the wording, so that an edited sentence keeps its IRI.
"""

import re
import unicodedata

from rdflib import URIRef

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
    """ASCII slug; Norwegian letters are spelled out so that keys stay readable."""
    text = text.lower().replace("æ", "ae").replace("ø", "o").replace("å", "a")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-") or "x"


def node_iri(base: str, cls: str, key: str) -> URIRef:
    return URIRef(f"{base.rstrip('/')}/id/{KINDS[cls]}/{key}")


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


def node_ref(base: str, given: str) -> str:
    """One of our node IRIs from what a person types: the full IRI, /id/{kind}/{key},
    id/{kind}/{key} or the short form {kind}/{key} ("measure/2025-4.1-3").

    Raises ValueError (with a Norwegian message) when it cannot be one of our nodes; whether
    the node exists is for the caller to check.
    """
    base = base.rstrip("/")
    text = str(given or "").strip()
    if "://" in text:
        if split_iri(base, text) is None:
            raise ValueError(f"«{text}» er ikke en node-IRI i denne grafen (de begynner med {base}/id/).")
        return text
    path = text.lstrip("/")
    path = path[3:] if path.startswith("id/") else path
    kind, _, key = path.partition("/")
    if kind not in CLASS_OF_KIND or not key or "/" in key or any(c.isspace() or c in '<>"{}|\\^`' for c in key):
        raise ValueError(f"Ugyldig node «{text}». Bruk en IRI som {base}/id/measure/2025-5.1.1-7 "
                         "eller kortformen measure/2025-5.1.1-7.")
    return f"{base}/id/{kind}/{key}"
