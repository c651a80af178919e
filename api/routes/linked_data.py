"""Dereferenceable IRIs, following the W3C "Cool URIs for the Semantic Web" 303 pattern.

A node IRI names a thing (a measure, a goal), not a web page, so it never answers with
content itself:

    GET /id/{kind}/{key}        303 See Other -> /doc/{kind}/{key}       (HTML, for people)
                                              -> /doc/{kind}/{key}.ttl   (Turtle, and so on)
    GET /doc/{kind}/{key}       the document about it, negotiated by Accept (Vary: Accept,
                                Content-Location names the variant served)
    GET /doc/{kind}/{key}.ttl   one fixed format: .html .ttl .jsonld .rdf .nt .trig .nq
    ?format=ttl                 on either, wins over extension and Accept (for links)

The path decides the IRI, not the host: /id/measure/x on any server means
{base}/id/measure/x, so a local test server answers for the production IRIs.
The RDF is the node's symmetric concise bounded description (graph/describe.py).
The theme scheme ({base}/scheme/...) and the vocabulary (/def/regiongraf) answer too.
"""

from typing import Annotated
from urllib.parse import quote

import pyoxigraph as ox
from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, Response
from rdflib.namespace import FOAF, RDF, VOID

from api.cache import app_cache
from api.deps import SettingsDep, StoreDep
from api.negotiation import GRAPH_OFFERED, OFFERED, rdf_formats, serialize, split_extension, variant_for
from api.pages.html import render, render_bytes, root
from api.pages.node_extras import node_extras, without_similar
from graph import ontology
from graph.formats import HTML, TURTLE, Format, RdfFormat, names_list
from graph.iri import CLASS_OF_KIND, KINDS, kind_iri
from graph.names import type_label
from graph.namespaces import PREFIXES, RG
from graph.settings import Settings
from graph.store import GraphStore
from graph.views.describe import description, exists, node_view
from search.index.version import current_version

router = APIRouter(tags=["lenkede data"])

PREFIX_MAP = {k: str(v) for k, v in PREFIXES.items()}
SCHEME = "scheme"  # {base}/scheme/{key}: the SKOS concept scheme of the themes
VOCABULARY = str(RG).rstrip("#")
FormatParam = Annotated[
    str | None,
    Query(description=f"Overstyr Accept: {names_list([f.extension for f in OFFERED])}.", max_length=20),
]


def _iri(settings: Settings, kind: str, key: str) -> str:
    if kind == SCHEME:
        return f"{settings.base_iri}/scheme/{key}"
    if kind not in CLASS_OF_KIND:
        raise HTTPException(404, f"Ukjent nodetype «{kind}». Kjente typer: {', '.join(CLASS_OF_KIND)}.")
    return kind_iri(settings.base_iri, kind, key)


def _not_found(iri: str) -> HTTPException:
    return HTTPException(404, f"Fant ingen node med IRI {iri}. Sjekk adressen, eller søk etter den i stedet.")


def _negotiated_headers(doc_path: str, negotiated: bool, variant: Format,
                        offered: tuple[Format, ...] = OFFERED) -> dict:
    links = ", ".join(f'<{doc_path}.{f.extension}>; rel="alternate"; type="{f.media_type}"'
                      for f in rdf_formats(offered))
    headers = {"Link": links}
    if negotiated:
        headers["Vary"] = "Accept"
        headers["Content-Location"] = doc_path if variant is HTML else f"{doc_path}.{variant.extension}"
    return headers


def data_version(settings: Settings, store: GraphStore) -> str:
    """What a page is computed from: the store generation, and the search index version
    (the HTML page shows similar measures from it, and the index is written after the graph)."""
    version = store.generation() or "none"
    index = current_version(settings.index_dir)
    return f"{version}+{index}" if index else version


def _etag(version: str, *parts: str) -> str:
    return '"' + "-".join((version, *parts)) + '"'


def _not_modified(request: Request, etag: str) -> bool:
    return etag in [t.strip() for t in request.headers.get("if-none-match", "").split(",")]


@router.get("/id/{kind}/{key}", status_code=303, summary="Nodens IRI (303 til dokumentet om den)",
            responses={303: {"description": "Se dokumentet om noden, i formatet Accept ber om"},
                       404: {"description": "Ukjent node"}, 406: {"description": "Ingen akseptabel variant"}})
def resolve(
    request: Request,
    kind: str,
    key: str,
    settings: SettingsDep,
    store: StoreDep,
    format: FormatParam = None,
):
    """Svarer 303 See Other til dokumentet om noden: HTML for nettlesere, RDF for maskiner."""
    name, ext = key, None
    iri = _iri(settings, kind, key)
    if not exists(store.reader(), iri):
        name, ext = split_extension(key, OFFERED)
        iri = _iri(settings, kind, name)
        if ext is None or not exists(store.reader(), iri):
            raise _not_found(_iri(settings, kind, key))
    variant = variant_for(ext, format, request.headers.get("accept"), OFFERED)
    target = f"{root(request)}/doc/{kind}/{quote(name)}"
    if variant is not HTML:
        target += f".{variant.extension}"
    return RedirectResponse(target, status_code=303, headers={"Vary": "Accept"})


@router.get("/scheme/{key}", status_code=303, include_in_schema=False)
def resolve_scheme(request: Request, key: str, settings: SettingsDep, store: StoreDep,
                   format: FormatParam = None):
    return resolve(request, SCHEME, key, settings, store, format)


@router.get(
    "/doc/{kind}/{name}",
    summary="Dokumentet om en node (HTML eller RDF)",
    response_class=Response,
    responses={
        200: {"content": {f.media_type: {} for f in OFFERED},
              "description": "Noden som HTML, Turtle, JSON-LD, RDF/XML, N-Triples, TriG eller N-Quads"},
        404: {"description": "Ukjent node"},
        406: {"description": "Ingen akseptabel variant"},
    },
)
def document(
    request: Request,
    kind: str,
    name: str,
    settings: SettingsDep,
    store: StoreDep,
    format: FormatParam = None,
):
    """Alt grafen vet om noden: som HTML-side for folk, eller som RDF (se modulens dokumentasjon)."""
    reader = store.reader()
    key, ext = name, None
    iri = _iri(settings, kind, key)
    if not exists(reader, iri):
        key, ext = split_extension(name, OFFERED)
        iri = _iri(settings, kind, key)
        if ext is None or not exists(reader, iri):
            raise _not_found(_iri(settings, kind, name))
    variant = variant_for(ext, format, request.headers.get("accept"), OFFERED)
    doc_path = f"{root(request)}/doc/{kind}/{quote(key)}"
    headers = _negotiated_headers(doc_path, negotiated=ext is None and not format, variant=variant)
    version = data_version(settings, store)
    etag = _etag(version, kind, key, variant.extension)
    headers["ETag"] = etag
    if _not_modified(request, etag):
        return Response(status_code=304, headers=headers)
    cache = app_cache(request.app, "document_cache", maxsize=2048)
    body = cache.get(version, (kind, key, variant.extension, root(request)),
                     lambda: _document_body(request, settings, reader, kind, key, iri, variant, doc_path))
    return Response(body, media_type=variant.content_type, headers=headers)


def _document_body(request: Request, settings: Settings, reader, kind: str, key: str, iri: str,
                   variant: Format, doc_path: str) -> bytes:
    if variant is HTML:
        view = node_view(reader, settings.base_iri, iri)
        extras = node_extras(request, reader, iri, view["label"])  # picture, lignende tiltak
        return render_bytes(request, "node.html", {
            "node": view, "kind": kind, "key": key, "doc_path": doc_path, "formats": rdf_formats(OFFERED),
            "type_labels": {cls: type_label(cls) for cls in KINDS}, "extras": extras,
            "sections": without_similar(view["sections"], extras["similar"]),  # each link once
        })
    quads = description(reader, iri)
    doc = ox.NamedNode(f"{settings.base_iri}/doc/{kind}/{key}")
    quads.append(ox.Quad(doc, ox.NamedNode(str(RDF.type)), ox.NamedNode(str(FOAF.Document))))
    quads.append(ox.Quad(doc, ox.NamedNode(str(FOAF.primaryTopic)), ox.NamedNode(iri)))
    quads.append(ox.Quad(doc, ox.NamedNode(str(VOID.inDataset)),
                         ox.NamedNode(f"{settings.base_iri}/dataset/regiongraf")))
    return serialize(quads, variant, PREFIX_MAP | {"foaf": str(FOAF)}, context=_context())


def _context() -> dict | None:
    try:
        return ontology.context()["@context"]
    except (FileNotFoundError, KeyError, ValueError):
        return None


@router.get("/def/{name}", summary="Vokabularet (OWL)", response_class=Response,
            responses={200: {"content": {f.media_type: {} for f in OFFERED}}})
def vocabulary(request: Request, name: str, format: FormatParam = None):
    """Vokabularet regiongraf (klasser og egenskaper) som RDF, eller som side med Turtle."""
    stem, ext = split_extension(name, GRAPH_OFFERED)
    if stem != VOCABULARY.rsplit("/", 1)[-1]:
        raise HTTPException(404, f"Fant ikke vokabularet «{name}». Vokabularet heter /def/regiongraf.")
    variant = variant_for(ext, format, request.headers.get("accept"), GRAPH_OFFERED)
    g = ontology.vocabulary()
    path = f"{root(request)}/def/{stem}"
    return rdf_response(request, g, variant, path, ext is None and not format,
                        title="Vokabularet regiongraf",
                        intro="Klassene og egenskapene i regiongraf, koblet til publiserte vokabularer.")


def rdf_response(request: Request, graph, variant: Format, path: str, negotiated: bool, title: str,
                 intro: str = ""):
    """A small rdflib graph in the chosen variant (of GRAPH_OFFERED); HTML shows its Turtle."""
    headers = _negotiated_headers(path, negotiated, variant, GRAPH_OFFERED)
    if not isinstance(variant, RdfFormat):
        turtle = graph.serialize(format=TURTLE.rdflib)
        return render(request, "rdf.html", {"title": title, "intro": intro, "turtle": turtle,
                                            "formats": rdf_formats(GRAPH_OFFERED), "path": path}, headers=headers)
    body = graph.serialize(format=variant.rdflib_serializer, encoding="utf-8")
    return Response(body, media_type=variant.content_type, headers=headers)
