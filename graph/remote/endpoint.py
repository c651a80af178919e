"""A SPARQL 1.1 server reached over HTTP: its endpoints, credentials, and the requests we send.

    Endpoint.from_url(url, ...) -> Endpoint     picklable (the SPARQL workers get one)
    endpoint.client() -> Client
    client.select(query, default_graphs, named_graphs) -> dict   SPARQL JSON results
    client.construct(query, ...) -> bytes                         N-Triples
    client.update(text)                                           SPARQL 1.1 Update
    client.put_graph(iri, ntriples) / client.post_graph(...)      Graph Store Protocol

Store URLs (REGIONGRAF_STORE, `regiongraf publish --to`):

    sparql+http://host:7878       the Oxigraph server's paths: /query, /update, /store
    oxigraph+http://host:7878     the same
    virtuoso+http://host:8890     /sparql-auth for query and update, /sparql-graph-crud-auth
                                  for the Graph Store Protocol, digest authentication
    fuseki+http://host:3030/ds    /ds/query, /ds/update, /ds/data
    (and +https)

Any path can be overridden (a path on the same server, or a full URL). Credentials come from
the environment (settings): a bearer token, or a user and password (basic, or digest).
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from urllib.parse import urlencode, urljoin, urlsplit

import httpx

from graph.errors import NotReady, UserError

XSD = "http://www.w3.org/2001/XMLSchema#"
# Datatypes a server is known to store by value in a way that loses the lexical form
# (Virtuoso 7 turns "P3Y"^^xsd:duration into "36"): they are written wrapped in a datatype
# of our own and unwrapped when read (graph/remote/terms.py).
DURATIONS = (XSD + "duration", XSD + "dayTimeDuration", XSD + "yearMonthDuration")

FORM = "application/x-www-form-urlencoded; charset=utf-8"
PRESETS = {
    "sparql": {"query": "/query", "update": "/update", "gsp": "/store", "auth": "basic", "wrap": ()},
    "oxigraph": {"query": "/query", "update": "/update", "gsp": "/store", "auth": "basic", "wrap": ()},
    "virtuoso": {"query": "/sparql-auth", "update": "/sparql-auth", "gsp": "/sparql-graph-crud-auth",
                 "auth": "digest", "wrap": DURATIONS},
    "fuseki": {"query": "query", "update": "update", "gsp": "data", "auth": "basic", "wrap": ()},
}


class StoreUnavailable(NotReady):
    """The remote store did not answer, or answered with an error we cannot act on."""


class StoreRefused(UserError):
    """The remote store refused a request (a query it cannot run, a permission)."""


@dataclass(frozen=True)
class Endpoint:
    flavour: str
    query_url: str
    update_url: str
    gsp_url: str | None
    token: str | None = None
    user: str | None = None
    password: str | None = None
    auth: str = "basic"
    timeout: float = 30.0
    wrap: tuple[str, ...] = field(default_factory=tuple)

    @classmethod
    def from_url(cls, url: str, *, query: str | None = None, update: str | None = None, gsp: str | None = None,
                 token: str | None = None, user: str | None = None, password: str | None = None,
                 auth: str | None = None, timeout: float = 30.0) -> Endpoint:
        scheme, _, rest = url.strip().partition("+")
        if not rest or scheme.lower() not in PRESETS:
            raise UserError(
                f"Ukjent lager «{url}». Bruk embedded, sparql+http://vert:port, oxigraph+http://…, "
                "virtuoso+http://… eller fuseki+http://…/datasett.")
        preset = PRESETS[scheme.lower()]
        if not urlsplit(rest).scheme.startswith("http") or not urlsplit(rest).netloc:
            raise UserError(f"«{url}» er ikke en http- eller https-adresse.")
        root = rest if rest.endswith("/") else rest + "/"
        gsp_path = preset["gsp"] if gsp is None else gsp
        return cls(
            flavour=scheme.lower(),
            query_url=_join(root, query or preset["query"]),
            update_url=_join(root, update or preset["update"]),
            gsp_url=_join(root, gsp_path) if gsp_path else None,
            token=token or None, user=user or None, password=password,
            auth=auth or preset["auth"], timeout=timeout, wrap=tuple(preset["wrap"]),
        )

    @classmethod
    def from_settings(cls, settings) -> Endpoint:
        return cls.from_url(settings.store, query=settings.store_query, update=settings.store_update,
                            gsp=settings.store_gsp, token=settings.store_token, user=settings.store_user,
                            password=settings.store_password, auth=settings.store_auth,
                            timeout=settings.store_timeout)

    @property
    def where(self) -> str:
        parts = urlsplit(self.query_url)
        return f"{parts.scheme}://{parts.netloc}"

    def client(self) -> Client:
        return Client(self)


def _join(root: str, path: str) -> str:
    if "://" in path:
        return path
    return urljoin(root, path.lstrip("/")) if not path.startswith("/") else urljoin(root, path)


class Client:
    """Requests to one server, over kept-alive connections; safe to share between threads."""

    def __init__(self, endpoint: Endpoint):
        self.endpoint = endpoint
        headers = {"User-Agent": "regiongraf"}
        auth = None
        if endpoint.token:
            headers["Authorization"] = f"Bearer {endpoint.token}"
        elif endpoint.user:
            password = endpoint.password or ""
            auth = (httpx.DigestAuth(endpoint.user, password) if endpoint.auth == "digest"
                    else httpx.BasicAuth(endpoint.user, password))
        self._http = httpx.Client(headers=headers, auth=auth, timeout=endpoint.timeout, follow_redirects=False)

    def close(self) -> None:
        self._http.close()

    # -- queries ------------------------------------------------------------------
    def select(self, query: str, default_graphs: list[str] | None = None,
               named_graphs: list[str] | None = None) -> dict:
        """A SELECT or ASK query's answer as SPARQL JSON (a dict)."""
        return self.parse(self.select_raw(query, default_graphs, named_graphs))

    def select_raw(self, query: str, default_graphs: list[str] | None = None,
                   named_graphs: list[str] | None = None) -> bytes:
        return self._query(query, default_graphs, named_graphs, "application/sparql-results+json")

    def parse(self, body: bytes) -> dict:
        try:
            return json.loads(body)
        except ValueError:
            raise StoreUnavailable(f"Lageret ({self.endpoint.where}) svarte ikke med SPARQL JSON.") from None

    def construct(self, query: str, default_graphs: list[str] | None = None,
                  named_graphs: list[str] | None = None) -> bytes:
        """A CONSTRUCT or DESCRIBE query's answer in N-Triples."""
        return self._query(query, default_graphs, named_graphs, "application/n-triples")

    def _query(self, query: str, default_graphs, named_graphs, accept: str) -> bytes:
        form = [("query", query)]
        form += [("default-graph-uri", g) for g in default_graphs or []]
        form += [("named-graph-uri", g) for g in named_graphs or []]
        response = self._send("POST", self.endpoint.query_url, content=urlencode(form).encode(),
                              headers={"Accept": accept, "Content-Type": FORM})
        return response.content

    # -- writes -------------------------------------------------------------------
    def update(self, text: str) -> None:
        self._send("POST", self.endpoint.update_url, content=urlencode([("update", text)]).encode(),
                   headers={"Content-Type": FORM})

    def put_graph(self, iri: str, ntriples: bytes) -> None:
        """Graph Store Protocol: make the graph hold exactly these triples."""
        self._gsp("PUT", iri, ntriples)

    def post_graph(self, iri: str, ntriples: bytes) -> None:
        """Graph Store Protocol: add these triples to the graph."""
        self._gsp("POST", iri, ntriples)

    def _gsp(self, method: str, iri: str, ntriples: bytes) -> None:
        if not self.endpoint.gsp_url:
            raise StoreRefused("Lageret har ingen Graph Store Protocol-adresse.")
        self._send(method, self.endpoint.gsp_url, params={"graph": iri}, content=ntriples,
                   headers={"Content-Type": "application/n-triples"})

    # -- the one place that talks HTTP -----------------------------------------------
    def _send(self, method: str, url: str, **kwargs) -> httpx.Response:
        try:
            response = self._http.request(method, url, **kwargs)
        except httpx.TimeoutException:
            raise StoreUnavailable(
                f"Lageret ({self.endpoint.where}) svarte ikke innen {self.endpoint.timeout:g} sekunder.") from None
        except httpx.HTTPError as err:
            raise StoreUnavailable(f"Får ikke kontakt med lageret ({self.endpoint.where}): {err}") from None
        if response.status_code in (401, 403):
            raise StoreUnavailable(
                f"Lageret ({self.endpoint.where}) avviste påloggingen ({response.status_code}); sjekk "
                "REGIONGRAF_STORE_TOKEN eller REGIONGRAF_STORE_USER og REGIONGRAF_STORE_PASSWORD.")
        if response.status_code >= 400:
            detail = response.text.strip().splitlines()[0][:300] if response.text.strip() else ""
            cls = StoreRefused if response.status_code < 500 else StoreUnavailable
            raise cls(f"Lageret ({self.endpoint.where}) svarte {response.status_code}: {detail}")
        return response


_CLIENTS: dict[Endpoint, Client] = {}
_CLIENTS_LOCK = threading.Lock()


def shared_client(endpoint: Endpoint) -> Client:
    """One client (one connection pool) per endpoint in this process, shared by its stores and readers."""
    with _CLIENTS_LOCK:
        client = _CLIENTS.get(endpoint)
        if client is None:
            client = _CLIENTS[endpoint] = endpoint.client()
        return client
