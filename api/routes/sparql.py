"""/sparql: the SPARQL 1.1 Protocol (query and update) and the SPARQL service description.

    GET  /sparql?query=...                          a query
    POST /sparql  (form: query=...)                 a query
    POST /sparql  (Content-Type: application/sparql-query)
    POST /sparql  (form: update=... | Content-Type: application/sparql-update)
                                                    an update; needs Authorization: Bearer <token>
    GET  /sparql                                    the service description (RDF), or the
                                                    query page for a browser

Answers by `Accept`, or by `?format=` (json, xml, csv, tsv; turtle, ntriples, jsonld,
rdfxml; html; or an alias from graph/formats.py), which wins over `Accept`. What the
endpoint refuses and the status codes:

    400  malformed query (the parser's message); SERVICE / LOAD; FROM, USING, WITH,
         default-graph-uri or named-graph-uri naming anything but one of our named graphs;
         a request the guard cannot parse (graph/sparql/guard.py)
    401  update without a token        403  update with a wrong token (or none configured)
    406  no acceptable format for this kind of result
    413  request body larger than REGIONGRAF_MAX_UPLOAD_BYTES
    414  GET URL longer than the HTTP server reads (api/server.py): use POST
    415  POST with another Content-Type
    422  more rows/triples than REGIONGRAF_SPARQL_MAX_RESULTS or more bytes than
         REGIONGRAF_SPARQL_MAX_BYTES (never silently truncated)
    503  the query ran longer than REGIONGRAF_SPARQL_TIMEOUT and was stopped; this client
         already has REGIONGRAF_SPARQL_PER_CLIENT requests in flight, the queue is full or
         the wait too long (all with Retry-After: graph/sparql/gate.py); no graph built yet

Every refusal is JSON {"error": "..."} (the query page for a browser). Queries run in
worker processes (graph/sparql/pool.py) behind a fair gate; the event loop only waits.
"""

import logging
from urllib.parse import parse_qs

import pyoxigraph as ox
from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response

from api.deps import get_application, get_settings, get_store, require_token
from api.errors import status_of
from api.pages.sparql_page import page
from graph.errors import UserError
from graph.formats import HTML, RDF, RESULTS, RESULTS_JSON, TURTLE, Format, lookup, names_list, negotiate
from graph.namespaces import DCTERMS, PREFIXES, SD, XSD
from graph.namespaces import RDF as RDF_NS
from graph.settings import Settings
from graph.sparql.gate import Gate
from graph.sparql.pool import (
    GRAPH_FORMATS,
    RESULT_FORMATS,
    GraphSizes,
    GraphsJob,
    NotAcceptable,
    QueryJob,
    QueryPool,
    QueryResult,
    QueryTimeout,
    ResultTooLarge,
    UpdateCheckJob,
    WorkerFailed,
    serialize_graph,
)
from graph.store import GraphStore

log = logging.getLogger("regiongraf.sparql")
router = APIRouter(tags=["sparql"])

# ?format= names: a format of either kind or the page (SPARQLWrapper sends its own: json, xml,
# turtle, n3, rdf+xml, json-ld, csv, tsv); json and xml name a format of each kind.
FORMAT_KINDS = (RESULT_FORMATS, GRAPH_FORMATS, (HTML,))
FORMAT_NAMES = [f.name for kind in FORMAT_KINDS for f in kind]
KIND_NAMES = {"solutions": "SELECT", "boolean": "ASK", "graph": "CONSTRUCT/DESCRIBE"}
VOID_TRIPLES = "http://rdfs.org/ns/void#triples"
PREFIX_MAP = {k: str(v) for k, v in PREFIXES.items()} | {"sd": str(SD)}
FORMAT_DOC = f"Overstyr Accept: {names_list(FORMAT_NAMES)}."
GRAPH_DOC = "Graf som skal være standardgrafen (overstyrer FROM i spørringen). Må være en av tjenestens grafer."
NAMED_DOC = "Navngitt graf som kan brukes med GRAPH (overstyrer FROM NAMED). Må være en av tjenestens grafer."


def get_pool(request: Request) -> QueryPool:
    return request.app.state.sparql


def get_gate(request: Request) -> Gate:
    """The app's gate in front of its pool (created in the event loop's thread, so no race)."""
    state = request.app.state
    gate = getattr(state, "sparql_gate", None)
    if gate is None or gate.workers != max(1, state.sparql.size):
        gate = state.sparql_gate = Gate(state.sparql.size)
    return gate


async def _run(request: Request, settings: Settings, pool: QueryPool, job):
    """Run a job on a worker once the gate lets this client in (Busy if it does not)."""
    client = request.client.host if request.client else "ukjent"
    # A request may wait for a worker twice as long as one may run: long enough to get the
    # worker after a query that uses its whole time limit.
    async with get_gate(request).slot(client, settings.sparql_per_client, settings.sparql_queue,
                                      2 * settings.sparql_timeout):
        return await run_in_threadpool(pool.run, job, settings.sparql_timeout)


# -- content negotiation -------------------------------------------------------
class Wanted:
    """What the client accepts: a format name per kind of result (None = nothing acceptable),
    and whether it wants the query page."""

    def __init__(self, accept: str | None, names: list[str]):
        if names:  # ?format= stands for an Accept header asking for what it names
            accept = ", ".join(_media_types(name) for name in names if name.strip())
        result = negotiate(accept, RESULT_FORMATS)
        graph = negotiate(accept, GRAPH_FORMATS)
        # The page only when asked for by name, and over a format of either kind it likes as well.
        self.html = negotiate(accept, (HTML, *RESULT_FORMATS, *GRAPH_FORMATS), named_only=(HTML,)) is HTML
        if self.html:  # the page shows tables and Turtle
            result, graph = RESULTS_JSON, TURTLE
        self.result = result.name if result else None
        self.graph = graph.name if graph else None


def _media_types(name: str) -> str:
    """The media types a ?format= value asks for: a media type itself, or those of the formats it names."""
    if "/" in name:
        return name
    found: list[Format] = [f for kind in FORMAT_KINDS if (f := lookup(name, kind))]
    if not found:
        raise HTTPException(400, f"Ukjent format «{name.strip().lower()}». Bruk et av: {', '.join(FORMAT_NAMES)}.")
    return ", ".join(f.media_type for f in found)


# -- errors -------------------------------------------------------------------
def _status(err: Exception) -> tuple[int, dict]:
    """SPARQL's own statuses (422 too large, 503 timed out); every other kind as everywhere (api/errors.py)."""
    if isinstance(err, ResultTooLarge):
        return 422, {}
    if isinstance(err, QueryTimeout):
        return 503, {}
    if isinstance(err, UserError):
        status, headers = status_of(err)
        return status, headers or {}
    return 500, {}


def _offers(kind: str) -> tuple[Format, ...]:
    return GRAPH_FORMATS if kind == "graph" else RESULT_FORMATS


def _not_acceptable(kind: str) -> str:
    types = ", ".join(f.media_type for f in _offers(kind))
    return f"Ingen akseptabel format for {KIND_NAMES[kind]}-svar (not acceptable). Tilgjengelig: {types}."


def _error(request: Request, wanted: Wanted | None, status: int, message: str, query: str = "",
           headers: dict | None = None) -> Response:
    if wanted is not None and wanted.html:
        return page(request, query=query, error=message, status_code=status, headers=headers)
    return JSONResponse({"error": message}, status_code=status, headers=headers)


# -- queries ------------------------------------------------------------------
async def _answer(request: Request, params: dict[str, list[str]], settings: Settings, store: GraphStore,
                  pool: QueryPool) -> Response:
    try:
        wanted = Wanted(request.headers.get("accept"), params.get("format", []))
    except HTTPException as err:
        return _error(request, None, err.status_code, err.detail)
    queries = params.get("query", [])
    if len(queries) != 1:
        return _error(request, wanted, 400, "Send nøyaktig én «query» per forespørsel.")
    query = queries[0]
    if "update" in params:
        return _error(request, wanted, 400, "Send enten «query» eller «update», ikke begge.", query)
    gen = store.generation()
    if gen is None:
        return _error(request, wanted, 503, "Grafen er ikke bygget ennå. Kjør 'regiongraf build' først.", query)
    protocol = "default-graph-uri" in params or "named-graph-uri" in params
    job = QueryJob(
        store=store.sparql_source(gen),
        query=query,
        default_graphs=params.get("default-graph-uri", []) if protocol else None,
        named_graphs=params.get("named-graph-uri", []) if protocol else None,
        result_format=wanted.result,
        graph_format=wanted.graph,
        max_results=settings.sparql_max_results,
        max_bytes=settings.sparql_max_bytes,
        prefixes=PREFIX_MAP,
    )
    try:
        result: QueryResult = await _run(request, settings, pool, job)
    except NotAcceptable as err:
        return _error(request, wanted, 406, _not_acceptable(err.kind), query)
    except (UserError, WorkerFailed) as err:
        status, headers = _status(err)
        return _error(request, wanted, status, str(err), query, headers)
    if wanted.html:
        return page(request, query=query, result=result, headers={"Vary": "Accept"})
    fmt = RDF[result.format] if result.kind == "graph" else RESULTS[result.format]
    return Response(result.body, media_type=fmt.content_type, headers={"Vary": "Accept"})


def _query_params(request: Request) -> dict[str, list[str]]:
    params: dict[str, list[str]] = {}
    for key, value in request.query_params.multi_items():
        params.setdefault(key, []).append(value)
    return params


@router.get(
    "/sparql",
    summary="SPARQL-spørring (GET), tjenestebeskrivelse eller spørreside",
    response_class=Response,
    responses={
        200: {"description": "Svaret, i formatet Accept eller format= ber om",
              "content": {f.media_type: {} for f in (*RESULT_FORMATS, *GRAPH_FORMATS)}},
        400: {"description": "Ugyldig spørring (med parserens melding), SERVICE, eller FROM utenfor tjenesten"},
        406: {"description": "Ingen akseptabel format"},
        414: {"description": "Adressen er for lang; send spørringen med POST"},
        422: {"description": "Svaret er større enn grensen (rader, tripler eller byte)"},
        503: {"description": "Tidsgrensen ble nådd, klienten har for mange spørringer i gang, køen er full "
                             "(med Retry-After), eller grafen er ikke bygget"},
    },
)
async def sparql_get(
    request: Request,
    query: list[str] = Query([], description="SPARQL-spørringen (SELECT, ASK, CONSTRUCT, DESCRIBE)."),
    default_graph_uri: list[str] = Query([], alias="default-graph-uri", description=GRAPH_DOC),
    named_graph_uri: list[str] = Query([], alias="named-graph-uri", description=NAMED_DOC),
    format: list[str] = Query([], description=FORMAT_DOC),
    settings: Settings = Depends(get_settings),
    store: GraphStore = Depends(get_store),
    pool: QueryPool = Depends(get_pool),
):
    params = _query_params(request)
    if "update" in params:
        return JSONResponse({"error": "SPARQL Update må sendes med POST."}, status_code=405,
                            headers={"Allow": "GET, POST"})
    if "query" in params:
        return await _answer(request, params, settings, store, pool)
    try:
        wanted = Wanted(request.headers.get("accept"), params.get("format", []))
    except HTTPException as err:
        return _error(request, None, err.status_code, err.detail)
    if wanted.html:
        return page(request, headers={"Vary": "Accept"})
    return await _service_description(request, wanted, store, pool, settings)


@router.post(
    "/sparql",
    summary="SPARQL-spørring eller -oppdatering (POST)",
    response_class=Response,
    openapi_extra={"requestBody": {"content": {
        "application/x-www-form-urlencoded": {"schema": {"type": "object", "properties": {
            "query": {"type": "string"}, "update": {"type": "string"},
            "default-graph-uri": {"type": "array", "items": {"type": "string"}},
            "named-graph-uri": {"type": "array", "items": {"type": "string"}}}}},
        "application/sparql-query": {"schema": {"type": "string"}},
        "application/sparql-update": {"schema": {"type": "string"}},
    }}},
    responses={401: {"description": "Oppdatering uten token"}, 403: {"description": "Feil token"},
               413: {"description": "For stor forespørsel"}, 415: {"description": "Ukjent Content-Type"}},
)
async def sparql_post(
    request: Request,
    settings: Settings = Depends(get_settings),
    store: GraphStore = Depends(get_store),
    pool: QueryPool = Depends(get_pool),
):
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    known = ("application/x-www-form-urlencoded", "application/sparql-query", "application/sparql-update")
    if ctype not in known:
        return JSONResponse(
            {"error": f"Ukjent Content-Type «{ctype or 'ingen'}». Bruk {', '.join(known)}."}, status_code=415
        )
    body = await _read_body(request, settings.max_upload_bytes)
    if body is None:
        return JSONResponse(
            {"error": f"Forespørselen er større enn {settings.max_upload_bytes} byte."}, status_code=413
        )
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return JSONResponse({"error": "Forespørselen er ikke gyldig UTF-8."}, status_code=400)
    params = _query_params(request)
    if ctype == "application/x-www-form-urlencoded":
        for key, values in parse_qs(text, keep_blank_values=True).items():
            params.setdefault(key, []).extend(values)
    elif ctype == "application/sparql-query":
        params["query"] = [text, *params.get("query", [])]
    else:
        params["update"] = [text, *params.get("update", [])]
    if "update" in params:
        return await _update(request, params, settings, store, pool)
    if "query" not in params:
        return JSONResponse({"error": "Mangler «query» eller «update»."}, status_code=400)
    return await _answer(request, params, settings, store, pool)


async def _read_body(request: Request, limit: int) -> bytes | None:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            return None
    return bytes(body)


# -- updates ------------------------------------------------------------------
async def _update(request: Request, params: dict[str, list[str]], settings: Settings,
                  store: GraphStore, pool: QueryPool) -> Response:
    require_token(request, settings)  # 401 without a token, 403 with a wrong one
    updates = params["update"]
    if len(updates) != 1 or "query" in params:
        return JSONResponse({"error": "Send nøyaktig én «update», og ingen «query»."}, status_code=400)
    if "using-graph-uri" in params or "using-named-graph-uri" in params:
        return JSONResponse(
            {"error": "using-graph-uri og using-named-graph-uri støttes ikke; bruk USING i oppdateringen."},
            status_code=400,
        )
    gen = store.generation()
    if gen is None:
        return JSONResponse({"error": "Grafen er ikke bygget ennå. Kjør 'regiongraf build' først."},
                            status_code=503)
    app = get_application(request)
    try:
        # The guard parses in a sandboxed worker, under the time limit; only then is anything run.
        inspection = await _run(request, settings, pool, UpdateCheckJob(store.sparql_source(gen), updates[0]))
        # The application layer writes a new generation, then refreshes the index and inferred links.
        confirm = params.get("confirm", [""])[-1].strip().lower() in ("true", "1", "ja", "yes")
        result = await run_in_threadpool(
            lambda: app.update(updates[0], inspection=inspection, confirm=confirm, progress=log.info))
    except (UserError, WorkerFailed) as err:
        status, headers = _status(err)
        return JSONResponse({"error": str(err)}, status_code=status, headers=headers)
    return JSONResponse({"message": "Oppdatert; en ny versjon av grafen er tatt i bruk."} | result.to_dict())


# -- service description ----------------------------------------------------------
async def _service_description(request: Request, wanted: Wanted, store: GraphStore, pool: QueryPool,
                               settings: Settings) -> Response:
    sizes = None
    gen = store.generation()
    if gen is not None:
        try:
            sizes = await _run(request, settings, pool, GraphsJob(store.sparql_source(gen)))
        except (UserError, WorkerFailed):
            sizes = None  # the description is still useful without the dataset
    fmt = RDF[wanted.graph or TURTLE.name]
    endpoint = str(request.url.replace(query=""))
    body = await run_in_threadpool(service_description, endpoint, sizes, fmt.name)
    return Response(body, media_type=fmt.content_type, headers={"Vary": "Accept"})


def service_description(endpoint: str, sizes: GraphSizes | None, fmt: str) -> bytes:
    """sd:Service for this endpoint (W3C SPARQL 1.1 Service Description)."""
    N, L, B = ox.NamedNode, ox.Literal, ox.BlankNode  # noqa: N806
    sd = lambda name: N(str(SD) + name)  # noqa: E731
    a = N(str(RDF_NS.type))
    service, dataset, default = B(), B(), B()
    triples = [
        (service, a, sd("Service")),
        (service, sd("endpoint"), N(endpoint)),
        (service, sd("supportedLanguage"), sd("SPARQL11Query")),
        (service, sd("supportedLanguage"), sd("SPARQL11Update")),
        (service, sd("feature"), sd("UnionDefaultGraph")),
        (service, N(str(DCTERMS.title)), L("regiongraf SPARQL", language="nb")),
        (service, N(str(DCTERMS.description)), L(
            "Osloregionens handlingsprogram som kunnskapsgraf. Standardgrafen er unionen av alle "
            "navngitte grafer. Bare lesing uten token; SERVICE og FROM mot eksterne kilder avvises.",
            language="nb")),
        *[(service, sd("resultFormat"), N(f.iri)) for f in (*RESULT_FORMATS, *GRAPH_FORMATS)],
        (service, sd("defaultDataset"), dataset),
        (dataset, a, sd("Dataset")),
        (dataset, sd("defaultGraph"), default),
        (default, a, sd("Graph")),
    ]
    if sizes is not None:
        triples.append((default, N(VOID_TRIPLES), L(str(sizes.default_size), datatype=_XSD_INTEGER)))
        for iri, count in sizes.graphs:
            named, graph = B(), B()
            triples += [
                (dataset, sd("namedGraph"), named),
                (named, a, sd("NamedGraph")),
                (named, sd("name"), N(iri)),
                (named, sd("graph"), graph),
                (graph, a, sd("Graph")),
                (graph, N(VOID_TRIPLES), L(str(count), datatype=_XSD_INTEGER)),
            ]
    return serialize_graph([ox.Triple(*t) for t in triples], RDF[fmt], PREFIX_MAP)


_XSD_INTEGER = ox.NamedNode(str(XSD.integer))
