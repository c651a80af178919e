"""Issue 14: the graph in a SPARQL 1.1 server. Each test runs against a real Oxigraph server and a
real Virtuoso, both started by the tests (tests/servers.py); in CI a missing server fails.

The rest of the suite runs on a remote store too (REGIONGRAF_TEST_STORE=oxigraph|virtuoso,
`make test-remote`); these tests are about what only a remote store has: the pointer switch,
versioned graphs and their cleanup, several writers, replicas and pushing to a partner.
"""

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, HTTPServer

import httpx
import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from graph.publish.push import push
from graph.remote.reader import DEFAULT
from graph.remote.rewrite import rewrite_graph_names
from graph.remote.store import RemoteStore, WriteConflict
from graph.settings import REPO
from graph.store import open_store
from graph.views.stats import stats
from service.application import Application
from tests import servers
from tests.conftest import MODELS, make_settings

pytestmark = pytest.mark.remote
G = "https://data.osloregionen.no/graph/"
CSV = b"id,title,description\nk1,Solcellepark pa deponiet,Bygge en solcellepark pa det nedlagte deponiet.\n"


@pytest.fixture(params=servers.KINDS)
def server(request) -> servers.Server:
    return request.getfixturevalue(f"{request.param}_server")


def remote_settings(server: servers.Server, home, name: str | None = None, **overrides):
    """Settings for a home whose graph lives on `server`, in a store of its own (or `name`)."""
    values = server.settings_overrides() | {"store_name": name or f"t-{time.time_ns()}", "store_poll": 0,
                                             "store_grace": 0} | overrides
    return make_settings(home, **values)


def _quads(n: int, graph: str, word: str = "tiltak") -> list[ox.Quad]:
    g = ox.NamedNode(graph)
    label = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    return [ox.Quad(ox.NamedNode(f"https://data.osloregionen.no/id/measure/t-{i}"), label,
                    ox.Literal(f"{word} {i}", language="nb"), g) for i in range(n)]


def _write(store, quads, graphs=()):
    with store.writer(action="test") as w:
        for g in graphs:
            if w.contains_named_graph(ox.NamedNode(g)):
                w.remove_graph(ox.NamedNode(g))
        w.bulk_extend(quads)


# -- the query rewriting (no server) ---------------------------------------------------------------
def test_graph_names_are_rewritten_only_where_a_graph_is_named():
    m = {G + "a": "urn:stored:a", G + "c": "urn:stored:c"}
    text = (f'PREFIX g: <{G}> SELECT ?graph FROM <{G}a> FROM NAMED g:c FROM NAMED <http://x/y> WHERE {{ '
            f'?graph <{G}a> "GRAPH <{G}a>" . GRAPH <{G}c> {{ ?s ?p ?o }} # GRAPH <{G}a>\n GRAPH ?g {{ }} }}')
    out = rewrite_graph_names(text, m, missing="urn:none")
    assert out.has_from
    assert "FROM <urn:stored:a> FROM NAMED <urn:stored:c> FROM NAMED <urn:none>" in out.text
    assert f'?graph <{G}a> "GRAPH <{G}a>"' in out.text  # a graph IRI as a term, and in a string: untouched
    assert "GRAPH <urn:stored:c>" in out.text and f"# GRAPH <{G}a>" in out.text  # ... and in a comment
    based = rewrite_graph_names(f"BASE <{G}> SELECT * WHERE {{ GRAPH <a> {{ }} }}", m)
    assert "GRAPH <urn:stored:a>" in based.text and not based.has_from


# -- atomic writes -----------------------------------------------------------------------------------
def test_a_write_is_seen_whole_or_not_at_all(server, tmp_path, monkeypatch):
    store = open_store(remote_settings(server, tmp_path / "h"))
    _write(store, _quads(50, G + "a") + _quads(50, G + "b"))
    before = store.state()
    seen = {}
    switch = RemoteStore._switch

    def spy(self, base, state):  # everything is uploaded; the pointer has not moved yet
        reader = self.reader_of(self.state(fresh=True))
        seen["during"] = (reader.generation, len(list(reader.quads_for_pattern(None, None, None, None))))
        return switch(self, base, state)

    monkeypatch.setattr(RemoteStore, "_switch", spy)
    with store.writer(action="test") as w:
        w.remove_graph(ox.NamedNode(G + "a"))
        w.bulk_extend(_quads(80, G + "a", "nytt"))
    assert seen["during"] == (before.id, 100)  # readers still see the previous state, whole
    after = store.reader()
    assert after.generation != before.id and len(list(after.quads_for_pattern(None, None, None, None))) == 130
    assert after.state.graphs[G + "b"] == before.graphs[G + "b"]  # an unchanged graph is not copied


def test_a_failed_write_leaves_the_previous_state_and_nothing_behind(server, tmp_path, monkeypatch):
    store = open_store(remote_settings(server, tmp_path / "h"))
    _write(store, _quads(20, G + "a"))
    before, stored = store.state(), store.stored_graphs()
    calls = []
    upload = RemoteStore._upload

    def failing(self, name, triples):
        calls.append(name)
        if len(calls) == 2:
            raise httpx.ConnectError("lageret forsvant")
        return upload(self, name, triples)

    monkeypatch.setattr(RemoteStore, "_upload", failing)
    with pytest.raises(httpx.ConnectError):
        with store.writer(action="test") as w:
            w.bulk_extend(_quads(5, G + "b") + _quads(5, G + "c"))
    assert store.state(fresh=True) == before
    assert store.stored_graphs() == stored  # the graph uploaded before the failure was dropped
    assert len(store.reader()) == 20


def test_old_versions_are_dropped_after_the_switch_and_the_grace(server, tmp_path):
    settings = remote_settings(server, tmp_path / "h")
    store = open_store(settings)
    _write(store, _quads(10, G + "a"))
    first = store.state()
    _write(store, _quads(3, G + "a", "nytt"))
    assert store.stored_graphs() == {v for v in store.state().graphs.values()}  # grace 0: gone at once
    slow = open_store(settings.model_copy(update={"store_grace": 60}))
    _write(slow, _quads(4, G + "a", "igjen"))
    second = slow.state()
    assert set(first.graphs.values()).isdisjoint(slow.stored_graphs())
    assert slow.stored_graphs() > set(second.graphs.values())  # the previous version: still readable
    assert open_store(settings).clean() and store.stored_graphs() == set(store.state().graphs.values())


def test_a_second_writer_loses_the_race_and_the_application_tries_again(server, tmp_path):
    settings = remote_settings(server, tmp_path / "h")
    store = open_store(settings)
    _write(store, _quads(5, G + "a"))
    with pytest.raises(WriteConflict):
        with store.writer(action="test") as slow:
            slow.bulk_extend(_quads(2, G + "b"))
            _write(open_store(settings), _quads(3, G + "c"))  # another replica switches first
    assert {g.value for g in store.reader().named_graphs()} == {G + "a", G + "c"}
    _write(store, _quads(1, G + "d"))  # its orphans are dropped by the next writer
    assert store.stored_graphs() == set(store.state().graphs.values())

    app = Application(settings)
    rounds = []

    def apply(w):
        rounds.append(1)
        if len(rounds) == 1:
            _write(open_store(settings), _quads(1, G + "e"))
        w.bulk_extend(_quads(1, G + "f"))
        return {}

    app._write("test", apply, refresh=False, progress=None)
    assert len(rounds) == 2 and {G + "e", G + "f"} <= {g.value for g in app.store.reader().named_graphs()}


def test_a_killed_writer_leaves_nothing_that_counts(server, tmp_path):
    """Defect 9 on a remote store: a writer killed after uploading, before the switch."""
    settings = remote_settings(server, tmp_path / "h")
    store = open_store(settings)
    _write(store, _quads(5, G + "a"))
    env = os.environ | server.env | {"REGIONGRAF_HOME": str(settings.home), "REGIONGRAF_STORE_POLL": "0",
                                     "REGIONGRAF_STORE_NAME": settings.store_name, "REGIONGRAF_STORE_GRACE": "0"}
    proc = subprocess.Popen([sys.executable, "-c", textwrap.dedent("""
        import time, pyoxigraph as ox
        from graph.remote.store import RemoteStore
        from graph.settings import Settings
        from graph.store import open_store
        RemoteStore._switch = lambda self, base, state: (print("uploaded", flush=True), time.sleep(60))
        with open_store(Settings()).writer() as w:
            w.add(ox.Quad(ox.NamedNode("urn:a"), ox.NamedNode("urn:b"), ox.Literal("c"), ox.NamedNode("urn:g")))
    """)], cwd=REPO, env=env, stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "uploaded"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert store.stored_graphs() > set(store.state().graphs.values())  # left behind ...
    assert "urn:g" not in {g.value for g in store.reader().named_graphs()}  # ... never served
    _write(store, _quads(1, G + "b"))
    assert store.stored_graphs() == set(store.state().graphs.values())  # ... and dropped by the next writer


def test_earlier_states_are_kept_by_store_keep_and_restored(server, tmp_path):
    settings = remote_settings(server, tmp_path / "h", store_keep=2)
    store = open_store(settings)
    for i in range(4):
        _write(store, _quads(i + 1, G + "a", f"runde{i}"), graphs=[G + "a"])
    history = store.history()
    assert len(history) == 3 and history[-1].id == store.generation()
    oldest = history[0]
    assert len(store.open_generation(oldest.id)) == oldest.triples == 2
    needed = set()
    for g in history:
        needed |= set(store.open_generation(g.id).state.graphs.values())
    assert store.stored_graphs() == needed  # what fell out of the policy is dropped
    app = Application(settings)
    result = app.restore(oldest.id)
    assert result.action == "restore" and len(app.store.reader()) == 3  # the two triples and a revision stamp
    with pytest.raises(Exception, match="Fant ingen lagret versjon"):
        store.open_generation("gen-1")


def test_blank_nodes_durations_and_the_default_graph_come_back_as_written(server, tmp_path):
    store = open_store(remote_settings(server, tmp_path / "h"))
    b = ox.BlankNode("r1")
    g = ox.NamedNode(G + "curated")
    duration = ox.Literal("P3Y", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#duration"))
    quads = [ox.Quad(ox.NamedNode("urn:x"), ox.NamedNode("urn:has"), b, g),
             ox.Quad(b, ox.NamedNode("urn:duration"), duration, g),
             ox.Quad(b, ox.NamedNode("urn:label"), ox.Literal("blåbær «x»\n", language="nb"), g),
             ox.Quad(ox.NamedNode("urn:d"), ox.NamedNode("urn:p"), ox.Literal("standard"), ox.DefaultGraph())]
    _write(store, quads)
    reader = store.reader()
    assert set(reader.quads_for_pattern(None, None, None, None)) == set(quads)
    assert [q.object for q in reader.quads_for_pattern(b, ox.NamedNode("urn:duration"), None, g)] == [duration]
    rows = list(reader.query("SELECT ?d WHERE { ?x <urn:has> ?b . ?b <urn:duration> ?d }",
                             use_default_graph_as_union=True))
    assert [r["d"] for r in rows] == [duration]
    assert DEFAULT in reader.state.graphs and [g.value for g in reader.named_graphs()] == [G + "curated"]


# -- SPARQL through the service ----------------------------------------------------------------------
def test_sparql_passthrough_sees_only_the_published_graphs(server, tmp_path):
    settings = remote_settings(server, tmp_path / "h", token="t")
    store = open_store(settings)
    _write(store, _quads(3, G + "a"))
    with TestClient(create_app(settings)) as c:
        def rows(query):
            r = c.post("/sparql", data={"query": query}, headers={"Accept": "application/sparql-results+json"})
            assert r.status_code == 200, r.text
            return r.json()["results"]["bindings"]

        counts = {r["g"]["value"]: r["n"]["value"]
                  for r in rows("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")}
        assert counts[G + "a"] == "3" and set(counts) <= {G + "a", G + "meta"}  # the published names only
        assert rows(f"SELECT * WHERE {{ GRAPH <{store.pointer}> {{ ?s ?p ?o }} }}") == []
        stored = store.state().graphs[G + "a"]
        assert rows(f"SELECT * WHERE {{ GRAPH <{stored}> {{ ?s ?p ?o }} }}") == []
        r = c.post("/sparql", data={"query": f"SELECT * FROM <{stored}> WHERE {{ ?s ?p ?o }}"})
        assert r.status_code == 400 and "er ikke en av grafene" in r.json()["error"]
        r = c.post("/sparql", data={"query": "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"})
        assert r.status_code == 400
        r = c.post("/sparql", data={"update": f'INSERT DATA {{ GRAPH <{G}a> {{ <urn:n> <urn:p> "ny" }} }}'},
                   headers={"Authorization": "Bearer t"})
        assert r.status_code == 200, r.text
        assert len(rows(f"SELECT * WHERE {{ GRAPH <{G}a> {{ ?s ?p ?o }} }}")) == 4


# -- replicas ----------------------------------------------------------------------------------------
def _serve(settings, port: int, log) -> subprocess.Popen:
    env = os.environ | {k: v for k, v in {
        "REGIONGRAF_HOME": str(settings.home), "REGIONGRAF_MODELS": str(MODELS), "REGIONGRAF_TOKEN": "t",
        "REGIONGRAF_STORE": settings.store, "REGIONGRAF_STORE_USER": settings.store_user or "",
        "REGIONGRAF_STORE_PASSWORD": settings.store_password or "", "REGIONGRAF_STORE_NAME": settings.store_name,
        "REGIONGRAF_STORE_POLL": "1", "REGIONGRAF_STORE_GRACE": "30", "HF_HUB_OFFLINE": "1"}.items()}
    return subprocess.Popen([sys.executable, "-c", "from cli.main import main; main()", "serve", "--port", str(port),
                             "--no-access-log", "--log-level", "info"], cwd=REPO, env=env, stdout=log, stderr=log)


def _get(url: str):
    with urllib.request.urlopen(url, timeout=30) as r:  # noqa: S310 (loopback)
        return json.loads(r.read())


def _until(check, seconds: float):
    deadline = time.monotonic() + seconds
    while True:
        try:
            value = check()
            if value:
                return value
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"ikke innen {seconds:g} s")
        time.sleep(0.2)


REPLICA_BOUND = 1 + 30  # the poll interval, plus embedding the changed texts on a busy 2-core machine


@pytest.mark.slow
def test_two_replicas_answer_the_same_and_follow_a_write(server, tmp_path, embedder):
    name = f"replicas-{time.time_ns()}"
    writer = remote_settings(server, tmp_path / "builder", name)
    Application(writer, embedder).build()  # the graph and its inferred links, in the server
    homes = [remote_settings(server, tmp_path / f"replica-{i}", name) for i in (1, 2)]  # nothing shared on disk
    ports = [servers.free_port(), servers.free_port()]
    logs = [open(tmp_path / f"replica-{i}.log", "wb") for i in (1, 2)]
    procs = [_serve(h, p, log) for h, p, log in zip(homes, ports, logs, strict=True)]
    urls = [f"http://127.0.0.1:{p}" for p in ports]
    try:
        for url in urls:
            _until(lambda url=url: _get(url + "/health")["status"] == "ok", 300)
        for path in ("/api/stats", "/api/search?q=sykkel&k=5", "/api/nodes/measure/2025-4.1-3", "/api/gaps"):
            a, b = (_get(url + path) for url in urls)
            assert a == b, path
        boundary = "grense"
        data = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"actor\"\r\n\r\nDeponiselskapet\r\n"
                f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"sol.csv\"\r\n"
                f"Content-Type: text/csv\r\n\r\n").encode() + CSV + f"\r\n--{boundary}--\r\n".encode()
        request = urllib.request.Request(urls[0] + "/api/import", data=data, method="POST", headers={
            "Authorization": "Bearer t", "Content-Type": f"multipart/form-data; boundary={boundary}"})
        with urllib.request.urlopen(request, timeout=300) as r:  # noqa: S310 (loopback)
            written = json.loads(r.read())
        start = time.monotonic()
        assert written["inferred"], written["warnings"]
        new = "/initiative/deponiselskapet-k1"
        search = "/api/search?q=solcellepark%20p%C3%A5%20deponiet&k=3"
        _until(lambda: _get(urls[1] + search)[0]["id"].endswith(new), REPLICA_BOUND)
        took = time.monotonic() - start
        _until(lambda: _get(urls[1] + "/health")["status"] == "ok", REPLICA_BOUND)
        for path in ("/api/stats", search, "/api/nodes/initiative/deponiselskapet-k1"):
            a, b = (_get(url + path) for url in urls)
            assert a == b, path
        followed = _get(urls[1] + "/health")["followed"]
        assert followed["index"]["embedded"] == 1, followed  # by content hash: only the new text embedded
        print(f"replica 2 served the write after {took:.1f} s")
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()


# -- publish --to ------------------------------------------------------------------------------------
def test_publish_sends_the_named_graphs_to_a_partner(server, built_home):
    source = open_store(built_home)
    counts = {g.value: len(list(source.reader().quads_for_pattern(None, None, None, g)))
              for g in source.reader().named_graphs()}
    if server.kind == "oxigraph":  # a plain SPARQL 1.1 Update URL
        to, protocol, creds = server.url.split("+", 1)[1] + "/update", "update", {}
    else:  # a store URL: Virtuoso's Graph Store Protocol endpoint, with digest authentication
        to, protocol, creds = server.url, None, {"user": "dba", "password": "dba"}
    result = push(source, built_home.base_iri, to, protocol, **creds)
    assert result.graphs == counts
    partner = httpx.post(server.url.split("+", 1)[1] + ("/query" if server.kind == "oxigraph" else "/sparql-auth"),
                         data={"query": "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"},
                         headers={"Accept": "application/sparql-results+json"},
                         auth=httpx.DigestAuth("dba", "dba") if server.kind == "virtuoso" else None, timeout=60)
    got = {b["g"]["value"]: int(b["n"]["value"]) for b in partner.json()["results"]["bindings"]}
    for graph, n in counts.items():
        assert got.get(graph) == n, graph


class _Recorder(BaseHTTPRequestHandler):
    seen: list = []

    def do_PUT(self):  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        _Recorder.seen.append((self.path, self.headers.get("Authorization"), len(body)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.mark.parametrize("creds, header", [({"token": "abc"}, "Bearer abc"),
                                           ({"user": "kari", "password": "pw"}, "Basic a2FyaTpwdw==")])
def test_publish_takes_token_or_basic_auth_from_the_environment(built_home, monkeypatch, creds, header):
    from click.testing import CliRunner

    from cli.main import main
    from graph.settings import get_settings

    httpd = HTTPServer(("127.0.0.1", 0), _Recorder)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    _Recorder.seen = []
    monkeypatch.setenv("REGIONGRAF_HOME", str(built_home.home))
    for key, value in creds.items():
        monkeypatch.setenv(f"REGIONGRAF_PUBLISH_{key.upper()}", value)
    get_settings.cache_clear()
    try:
        out = CliRunner().invoke(main, ["publish", "--to", f"http://127.0.0.1:{httpd.server_port}/gsp",
                                        "--no-inferred", "--json"])
    finally:
        get_settings.cache_clear()
        httpd.shutdown()
    assert out.exit_code == 0, out.output
    assert {h for _, h, _ in _Recorder.seen} == {header}
    assert all(p.startswith("/gsp?graph=https%3A%2F%2Fdata.osloregionen.no%2Fgraph%2F") for p, _, _ in _Recorder.seen)
    assert json.loads(out.stdout)["graphs"] and "inferred" not in out.stdout


# -- CI ----------------------------------------------------------------------------------------------
def test_a_missing_server_fails_in_ci_and_skips_elsewhere(monkeypatch):
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception):
        servers.missing("Virtuoso")
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception):
        servers.missing("Virtuoso")


def test_stats_on_a_remote_store_match_the_embedded_store(server, built_home, tmp_path):
    settings = remote_settings(server, tmp_path / "h")
    embedded = open_store(built_home)
    with open_store(settings).writer(copy_current=False, action="kopi") as w:
        w.bulk_extend(embedded.reader().quads_for_pattern(None, None, None, None))
    a, b = stats(embedded), stats(open_store(settings))
    a.pop("generation"), b.pop("generation")
    assert a == b
