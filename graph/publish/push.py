"""`regiongraf publish --to URL`: the published named graphs, sent to a partner's SPARQL server.

    push(store, base, to, protocol=None, inferred=True, credentials=...) -> Pushed
                                         (inferred=False: without inferred links and lineage)

`to` is either a store URL (`oxigraph+http://…`, `virtuoso+http://…`, `fuseki+http://…/ds`,
`sparql+http://…`: the server's usual paths, graph/remote/endpoint.py) or a plain http(s)
URL of one endpoint: its Graph Store Protocol endpoint (`protocol="gsp"`, the default) or its
SPARQL 1.1 Update endpoint (`protocol="update"`).

Each named graph is replaced whole under its own name (`{base}/graph/programme-2025`, ...):
with the Graph Store Protocol by one PUT per graph (N-Triples, blank nodes as they are),
with SPARQL Update by `DROP SILENT GRAPH` and `INSERT DATA` in one request per graph (blank
nodes as RDF 1.1 skolem IRIs, `{base}/.well-known/genid/…`, since some servers refuse blank
nodes in INSERT DATA). Graphs the partner holds that we do not publish are left alone.
Credentials come from the environment: REGIONGRAF_PUBLISH_TOKEN (bearer), or
REGIONGRAF_PUBLISH_USER and REGIONGRAF_PUBLISH_PASSWORD (basic; REGIONGRAF_PUBLISH_AUTH=digest).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from graph.errors import UserError
from graph.iri import graph_iri
from graph.remote.endpoint import Endpoint
from graph.remote.terms import Codec
from graph.revision import DERIVED_GRAPHS

INSERT_CHUNK = 5000  # triples per INSERT DATA request


@dataclass
class Pushed:
    to: str
    protocol: str
    graphs: dict[str, int] = field(default_factory=dict)  # graph IRI -> triples sent

    def to_json(self) -> dict:
        return {"to": self.to, "protocol": self.protocol, "graphs": self.graphs,
                "triples": sum(self.graphs.values())}


def target(to: str, protocol: str | None = None, *, token: str | None = None, user: str | None = None,
           password: str | None = None, auth: str | None = None, timeout: float = 60.0) -> tuple[Endpoint, str]:
    """The partner's endpoint and the protocol to write with."""
    credentials = {"token": token, "user": user, "password": password, "auth": auth, "timeout": timeout}
    if "+" in to.split("://", 1)[0]:
        endpoint = Endpoint.from_url(to, **credentials)
        return endpoint, protocol or ("gsp" if endpoint.gsp_url else "update")
    if not to.startswith(("http://", "https://")):
        raise UserError(f"«{to}» er ikke en http- eller https-adresse.")
    protocol = protocol or "gsp"
    if protocol == "gsp":
        return Endpoint("sparql", to, to, to, **credentials), protocol
    return Endpoint("sparql", to, to, None, **credentials), protocol


def push(store, base: str, to: str, protocol: str | None = None, inferred: bool = True, progress=None,
         **credentials) -> Pushed:
    endpoint, protocol = target(to, protocol, **credentials)
    progress = progress or (lambda _msg: None)
    reader = store.reader()
    # Without the machine-derived graphs, as in the export: inferred links and lineage.
    skip = set() if inferred else {str(graph_iri(base, name)) for name in DERIVED_GRAPHS}
    client = endpoint.client()
    codec = Codec(f"{base}/.well-known/genid/")
    out = Pushed(to, protocol)
    try:
        for graph in reader.named_graphs():
            if graph.value in skip:
                continue
            triples = [q.triple for q in reader.quads_for_pattern(None, None, None, graph)]
            progress(f"Sender {graph.value} ({len(triples)} tripler) ...")
            if protocol == "gsp":
                body = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) if triples else b""
                client.put_graph(graph.value, body)
            else:
                _by_update(client, codec, graph.value, triples)
            out.graphs[graph.value] = len(triples)
    finally:
        client.close()
    return out


def _by_update(client, codec: Codec, graph: str, triples: list) -> None:
    first = triples[:INSERT_CHUNK]
    body = codec.ntriples(first).decode() if first else ""
    client.update(f"DROP SILENT GRAPH <{graph}> ;\nINSERT DATA {{ GRAPH <{graph}> {{\n{body}}} }}")
    for i in range(INSERT_CHUNK, len(triples), INSERT_CHUNK):
        body = codec.ntriples(triples[i:i + INSERT_CHUNK]).decode()
        client.update(f"INSERT DATA {{ GRAPH <{graph}> {{\n{body}}} }}")
