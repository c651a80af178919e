"""Whole-dataset downloads, the measures as CSV, and the catalogue descriptions.

    GET /download/regiongraf.{ttl,trig,nq,nt,jsonld,rdf}?inferred=true|false
    GET /download/tiltak.csv?inferred=true|false
    GET /catalog                DCAT-AP-NO catalogue (negotiated; .ttl .jsonld .rdf .nt .html)
    GET /.well-known/void       VoID description (also at /void)
    GET /dataset/regiongraf     the dataset's IRI: 303 to the catalogue
    GET /data                   a page listing all of the above

Turtle, N-Triples and RDF/XML get the union of the named graphs; TriG, N-Quads and JSON-LD
keep them. With inferred=false the machine-derived graphs ({base}/graph/inferred, {base}/graph/lineage) are left
out. Everything is computed from the current store generation and cached until the next
one; the ETag is the generation, so clients can revalidate cheaply.
"""

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, Response

from api.cache import GenerationCache, app_cache
from api.deps import SettingsDep, StoreDep
from api.negotiation import GRAPH_OFFERED, split_extension, variant_for
from api.pages.html import render, root
from api.routes.linked_data import rdf_response
from graph.formats import CSV_TABLE, HTML, RDF_FORMATS, names_list
from graph.publish.catalogue import catalogue, generation_time, void
from graph.publish.export import export
from graph.settings import Settings
from graph.store import GraphStore
from graph.views.table import measures_csv

router = APIRouter(tags=["data"])

DUMP = "regiongraf"  # /download/regiongraf.{ext}: the whole dataset in every RDF format
TABLE = f"tiltak.{CSV_TABLE.extension}"  # the measures as a spreadsheet
InferredParam = Annotated[bool, Query(description=(
    "Ta med maskinutledede lenker (grafene /graph/inferred og /graph/lineage)."))]


def _cache(request: Request) -> GenerationCache:
    return app_cache(request.app, "download_cache", maxsize=64)


def _generation(store: GraphStore) -> str:
    store.reader()  # raises StoreMissing (503) when nothing is built
    return store.generation()


def _conditional(request: Request, etag: str) -> bool:
    return etag in [t.strip() for t in request.headers.get("if-none-match", "").split(",")]


def _file(request: Request, body_for, gen: str, key: tuple, media_type: str, filename: str):
    etag = f'"{gen}-{"-".join(map(str, key))}"'
    headers = {"ETag": etag, "Content-Disposition": f'attachment; filename="{filename}"'}
    if _conditional(request, etag):
        return Response(status_code=304, headers=headers)
    body = _cache(request).get(gen, key, body_for)
    return Response(body, media_type=media_type, headers=headers)


@router.get(
    "/download/{filename}",
    summary="Last ned hele grafen eller tiltakene",
    response_class=Response,
    responses={
        200: {"content": {f.media_type: {} for f in (*RDF_FORMATS, CSV_TABLE)},
              "description": "regiongraf.ttl, .trig, .nq, .nt, .jsonld, .rdf, eller tiltak.csv"},
        404: {"description": "Ukjent fil"},
    },
)
def download(request: Request, filename: str, settings: SettingsDep, store: StoreDep,
             inferred: InferredParam = True):
    """Hele datasettet som RDF (regiongraf.ttl, .trig, .nq, .nt, .jsonld, .rdf), eller tiltakene som
    CSV (tiltak.csv: komma-separert, UTF-8 med BOM slik at Excel viser æ, ø og å riktig)."""
    stem, _, ext = filename.rpartition(".")
    gen = _generation(store)
    dump = next((f for f in RDF_FORMATS if f.extension == ext), None) if stem == DUMP else None
    if dump is not None:
        return _file(request, lambda: export(store, settings.base_iri, dump.name, inferred), gen,
                     ("dump", ext, inferred), dump.content_type, filename)
    if filename == TABLE:
        return _file(request, lambda: measures_csv(store.reader(), settings.base_iri, inferred), gen,
                     ("csv", inferred), CSV_TABLE.content_type, filename)
    files = ", ".join([f"{DUMP}.{f.extension}" for f in RDF_FORMATS] + [TABLE])
    raise HTTPException(404, f"Ukjent fil «{filename}». Filer som finnes: {files}.")


def _description(request: Request, settings: Settings, store: GraphStore, which: str):
    """The catalogue or the VoID graph of the current generation (cached)."""
    gen = _generation(store)
    make = catalogue if which == "catalog" else void

    def compute():
        return make(store.dataset(), settings, modified=generation_time(gen))

    return _cache(request).get(gen, (which,), compute)


def _described(request: Request, name: str, fmt: str | None, settings: Settings, store: GraphStore,
               which: str, path: str, title: str, intro: str):
    stem, ext = split_extension(name, GRAPH_OFFERED)
    if stem != path.rsplit("/", 1)[-1]:
        raise HTTPException(404, f"Fant ikke «{name}».")
    variant = variant_for(ext, fmt, request.headers.get("accept"), GRAPH_OFFERED)
    graph = _description(request, settings, store, which)
    return rdf_response(request, graph, variant, root(request) + path, ext is None and not fmt, title, intro)


FormatParam = Annotated[str | None, Query(
    description=f"Overstyr Accept: {names_list([f.extension for f in GRAPH_OFFERED])}.", max_length=20)]
RDF_RESPONSES = {200: {"content": {f.media_type: {} for f in GRAPH_OFFERED}}}


@router.get("/catalog", summary="Katalogbeskrivelse (DCAT-AP-NO)", response_class=Response,
            responses=RDF_RESPONSES)
def catalog(request: Request, settings: SettingsDep, store: StoreDep, format: FormatParam = None):
    """Datasettet beskrevet etter DCAT-AP-NO (for data.norge.no), laget fra grafen slik den er nå."""
    return _catalog(request, "catalog", settings, store, format)


@router.get("/catalog.{ext}", include_in_schema=False)
def catalog_file(request: Request, ext: str, settings: SettingsDep, store: StoreDep,
                 format: FormatParam = None):
    return _catalog(request, f"catalog.{ext}", settings, store, format)


def _catalog(request, name, settings, store, fmt):
    return _described(request, name, fmt, settings, store, "catalog", "/catalog",
                      "Katalogbeskrivelse (DCAT-AP-NO)",
                      "Datasettet regiongraf beskrevet etter den norske DCAT-AP-NO-profilen.")


def _void(request, name, settings, store, fmt):
    return _described(request, name, fmt, settings, store, "void", "/.well-known/void",
                      "VoID-beskrivelse",
                      "Størrelse, klasser, egenskaper og navngitte grafer i datasettet (VoID).")


@router.get("/.well-known/void", summary="VoID-beskrivelse", response_class=Response, responses=RDF_RESPONSES)
def well_known_void(request: Request, settings: SettingsDep, store: StoreDep, format: FormatParam = None):
    """Datasettet beskrevet med VoID: antall tripler, klasser, egenskaper og én delmengde per graf."""
    return _void(request, "void", settings, store, format)


@router.get("/.well-known/void.{ext}", include_in_schema=False)
def well_known_void_file(request: Request, ext: str, settings: SettingsDep, store: StoreDep,
                         format: FormatParam = None):
    return _void(request, f"void.{ext}", settings, store, format)


@router.get("/void", summary="VoID-beskrivelse (samme som /.well-known/void)", response_class=Response,
            responses=RDF_RESPONSES)
def void_alias(request: Request, settings: SettingsDep, store: StoreDep, format: FormatParam = None):
    return _void(request, "void", settings, store, format)


@router.get("/void.{ext}", include_in_schema=False)
def void_file(request: Request, ext: str, settings: SettingsDep, store: StoreDep, format: FormatParam = None):
    return _void(request, f"void.{ext}", settings, store, format)


@router.get("/dataset/{name}", status_code=303, include_in_schema=False)
def dataset(request: Request, name: str, format: FormatParam = None):
    """The dataset's IRI names the dataset, not a document: see the catalogue that describes it."""
    if name != "regiongraf":
        raise HTTPException(404, f"Ukjent datasett «{name}». Datasettet heter regiongraf.")
    variant = variant_for(None, format, request.headers.get("accept"), GRAPH_OFFERED)
    target = f"{root(request)}/catalog" + ("" if variant is HTML else f".{variant.extension}")
    return RedirectResponse(target, status_code=303, headers={"Vary": "Accept"})


@router.get("/data", summary="Side med nedlastinger", include_in_schema=False)
def data_page(request: Request, store: StoreDep):
    gen = store.generation()
    dumps = [(f"{DUMP}.{f.extension}", f.label) for f in RDF_FORMATS]
    return render(request, "data.html", {"dumps": dumps, "generation": gen, "active": "/data"})
