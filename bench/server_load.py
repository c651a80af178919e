"""The service under load: 100 concurrent clients for 30 s against a running `regiongraf serve`.

Builds the real document into a temporary home (with search indexes when search is
installed), starts `regiongraf serve` on a free loopback port as a subprocess, and drives
it from this process: 100 clients, each an asyncio task with its own keep-alive HTTP/1.1
connection sending one request after the other, on a mix of

- search       GET /api/search?q=...      (queries from bench/devset_search.json)
- node-html    GET /doc/{kind}/{key}      (HTML page, random node)
- node-rdf     GET /id/{kind}/{key}       Accept: text/turtle, following the 303
- sparql       GET /sparql?query=...      (a few SELECTs the product runs)

Parts the server does not offer yet (404 on a probe) are skipped, and the report says so.
Reports throughput and p50/p99 latency per kind; any failed request (non-2xx, timeout,
connection error) is counted and makes the benchmark fail.

    python -m bench.run server_load        (BENCH_LOAD_SECONDS, BENCH_LOAD_CLIENTS, BENCH_LOAD_MIX to vary)
"""

import asyncio
import contextlib
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote, urlencode

import httpx

from bench.report import median, percentile, write
from graph.namespaces import RG
from graph.settings import REPO, Settings
from graph.store import GraphStore
from service.application import Application

SECONDS = float(os.environ.get("BENCH_LOAD_SECONDS", 30))
CLIENTS = int(os.environ.get("BENCH_LOAD_CLIENTS", 100))
REQUEST_TIMEOUT = 60
WEIGHTS = {"search": 3, "node-html": 3, "node-rdf": 2, "sparql": 2}
if os.environ.get("BENCH_LOAD_MIX"):  # e.g. "node-html=1,sparql=1", to look at one part alone
    WEIGHTS = {k: float(v) for k, _, v in (p.partition("=") for p in os.environ["BENCH_LOAD_MIX"].split(","))}
SEARCH_FALLBACK = ["sykkel", "kraft og energi", "Hva gjør vi for å få flere til å sykle?", "nuclear power",
                   "kollektivtransport", "sirkulærøkonomi", "Oslofjorden", "kompetanse og rekruttering"]
SPARQL = [
    f"SELECT ?fa (COUNT(?m) AS ?n) WHERE {{ ?m a <{RG}Measure> ; <{RG}focusArea> ?fa }} GROUP BY ?fa",
    f"SELECT ?m ?label WHERE {{ ?m a <{RG}Measure> ; <http://www.w3.org/2000/01/rdf-schema#label> ?label ; "
    f"<{RG}proposedBy> <https://data.osloregionen.no/id/expert-group/kraftgruppen> }}",
    f"SELECT ?s ?goal WHERE {{ ?s <{RG}supports> ?goal }} LIMIT 50",
    "ASK { ?s ?p ?o }",
]
# Benchmarks never convert the model twice: share the developer's converted models, as the tests do.
MODELS = Path(os.environ.get("REGIONGRAF_MODELS", REPO / ".regiongraf" / "models"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(settings: Settings) -> tuple[list[str], bool]:
    """Build graph (and indexes if possible); return node paths and whether search was indexed."""
    Application(settings).build()
    indexed = True
    reader = GraphStore(settings.home).reader()
    prefix = settings.base_iri + "/id/"
    nodes = sorted({q.subject.value[len(settings.base_iri):]
                    for q in reader.quads_for_pattern(None, None, None, None)
                    if getattr(q.subject, "value", "").startswith(prefix)})
    return nodes, indexed


def start_server(settings: Settings, port: int, log) -> subprocess.Popen:
    exe = Path(sys.executable).with_name("regiongraf")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "cli.main"]
    cmd += ["serve", "--host", "127.0.0.1", "--port", str(port), "--no-access-log", "--log-level", "warning"]
    env = os.environ | {"REGIONGRAF_HOME": str(settings.home), "REGIONGRAF_MODELS": str(settings.models_dir),
                        "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    env.pop("REGIONGRAF_TOKEN", None)
    return subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def wait_until_up(url: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"tjeneren stoppet (kode {proc.returncode})")
        try:
            if httpx.get(url + "/health", timeout=2).json().get("generation"):
                return
        except (httpx.HTTPError, ValueError):
            pass
        time.sleep(0.2)
    raise RuntimeError("tjeneren svarte ikke innen tidsfristen")


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def group_cpu_seconds(pgid: int) -> float:
    """CPU time used so far by every process in the server's process group (server + SPARQL workers)."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # pgrp
            total += int(fields[11]) + int(fields[12])  # utime + stime
    return total / os.sysconf("SC_CLK_TCK")


def search_queries() -> list[str]:
    try:
        data = json.loads((Path(__file__).with_name("devset_search.json")).read_text())
        return [q["query"] for q in data["queries"]] or SEARCH_FALLBACK
    except (OSError, ValueError, KeyError):
        return SEARCH_FALLBACK


def request_for(kind: str, rng: random.Random, nodes: list[str], queries: list[str]):
    if kind == "search":
        return "/api/search", {"q": rng.choice(queries), "k": 10}, {}
    if kind == "node-html":
        return "/doc/" + rng.choice(nodes)[len("/id/"):], None, {"Accept": "text/html"}
    if kind == "node-rdf":
        return rng.choice(nodes), None, {"Accept": "text/turtle"}
    return "/sparql", {"query": rng.choice(SPARQL)}, {"Accept": "application/sparql-results+json"}


class Connection:
    """One client: a keep-alive HTTP/1.1 connection, one request at a time, following redirects.

    Hand-written on asyncio streams because a general client (httpx) spends more CPU per
    request than the server does, and on a small machine the load generator would then
    measure itself. Any failure is reported, never retried.
    """

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()
        self.reader = self.writer = None

    async def get(self, path: str, params: dict | None, headers: dict, redirects: int = 3) -> tuple[int, bytes]:
        target = quote(path) + ("?" + urlencode(params) if params else "")
        for _ in range(redirects + 1):
            status, head, body = await self._once(target, headers)
            if status in (301, 302, 303, 307, 308) and "location" in head:
                target = head["location"]
                continue
            return status, body
        return status, body

    async def _once(self, target: str, headers: dict) -> tuple[int, dict, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        lines = [f"GET {target} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        await self.writer.drain()
        try:
            raw = await self.reader.readuntil(b"\r\n\r\n")
            status_line, *header_lines = raw.decode("latin-1").split("\r\n")
            status = int(status_line.split(" ", 2)[1])
            head = {}
            for line in header_lines:
                if line:
                    name, _, value = line.partition(":")
                    head[name.strip().lower()] = value.strip()
            if head.get("transfer-encoding", "").lower() == "chunked":
                body = bytearray()
                while True:
                    size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                    chunk = await self.reader.readexactly(size + 2)
                    if size == 0:
                        break
                    body += chunk[:-2]
                body = bytes(body)
            elif "content-length" in head:
                body = await self.reader.readexactly(int(head["content-length"]))
            else:
                body = await self.reader.read()
                await self.close()
            if head.get("connection", "").lower() == "close":
                await self.close()
            return status, head, body
        except BaseException:
            await self.close()
            raise


async def probe(conn: Connection, kinds: list[str], nodes, queries) -> tuple[list[str], dict]:
    """Which parts the server offers; also warms them up (model load, SPARQL workers)."""
    available, skipped = [], {}
    rng = random.Random(1)
    for kind in kinds:
        path, params, headers = request_for(kind, rng, nodes, queries)
        try:
            status, body = await asyncio.wait_for(conn.get(path, params, headers), 300)
        except (OSError, asyncio.IncompleteReadError, TimeoutError, ValueError) as err:
            skipped[kind] = f"feil ved prøving: {err!r}"
            continue
        if status in (404, 405):
            skipped[kind] = f"{path} finnes ikke på tjeneren ({status})"
        elif status >= 400:
            skipped[kind] = f"{path} svarte {status}: {body[:200].decode(errors='replace')}"
        else:
            available.append(kind)
            for _ in range(3):
                path, params, headers = request_for(kind, rng, nodes, queries)
                await asyncio.wait_for(conn.get(path, params, headers), 300)
    return available, skipped


async def drive(host: str, port: int, nodes: list[str], queries: list[str]) -> tuple[dict, dict, float]:
    warm = Connection(host, port)
    kinds, skipped = await probe(warm, list(WEIGHTS), nodes, queries)
    await warm.close()
    if not kinds:
        raise RuntimeError(f"ingenting å måle: {skipped}")
    latencies: dict[str, list[float]] = {k: [] for k in kinds}
    errors: dict[str, list[str]] = {k: [] for k in kinds}
    weights = [WEIGHTS[k] for k in kinds]
    start = time.perf_counter()
    stop_at = start + SECONDS

    async def worker(seed: int):
        rng = random.Random(seed)
        conn = Connection(host, port)
        try:
            while time.perf_counter() < stop_at:
                kind = rng.choices(kinds, weights)[0]
                path, params, headers = request_for(kind, rng, nodes, queries)
                t = time.perf_counter()
                try:
                    status, body = await asyncio.wait_for(conn.get(path, params, headers), REQUEST_TIMEOUT)
                    problem = None if status < 400 else f"{status} {path}: {body[:160].decode(errors='replace')}"
                except (OSError, asyncio.IncompleteReadError, TimeoutError, ValueError) as err:
                    problem = f"{type(err).__name__} {path}"
                    await conn.close()
                elapsed = (time.perf_counter() - t) * 1000
                if problem:
                    errors[kind].append(problem)
                else:
                    latencies[kind].append(elapsed)
        finally:
            await conn.close()

    await asyncio.gather(*(worker(i) for i in range(CLIENTS)))
    wall = time.perf_counter() - start
    return latencies, errors | {"_skipped": skipped}, wall


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        settings = Settings(home=home, models=MODELS)
        nodes, indexed = prepare(settings)
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        log_path = home / "server.log"
        with open(log_path, "wb") as log:
            proc = start_server(settings, port, log)
            try:
                wait_until_up(url, proc)
                cpu_server, cpu_client = group_cpu_seconds(proc.pid), time.process_time()
                latencies, errors, wall = asyncio.run(drive("127.0.0.1", port, nodes, search_queries()))
                cpu_server = group_cpu_seconds(proc.pid) - cpu_server
                cpu_client = time.process_time() - cpu_client
            finally:
                stop_server(proc)
        skipped = errors.pop("_skipped")
        rows = []
        total_ok = total_err = 0
        for kind, values in latencies.items():
            n_err = len(errors[kind])
            total_ok += len(values)
            total_err += n_err
            rows.append({
                "kind": kind, "requests": len(values) + n_err, "errors": n_err,
                "rps": len(values) / wall, "p50_ms": median(values), "p99_ms": percentile(values, 99),
                "max_ms": max(values) if values else float("nan"),
            })
        every = [v for vs in latencies.values() for v in vs]
        rows.append({"kind": "alle", "requests": total_ok + total_err, "errors": total_err,
                     "rps": total_ok / wall, "p50_ms": median(every), "p99_ms": percentile(every, 99),
                     "max_ms": max(every) if every else float("nan")})
        log_tail = log_path.read_text(errors="replace")[-3000:]
        title = f"regiongraf serve: {CLIENTS} samtidige klienter i {wall:.0f} s (uvicorn, 1 prosess)"
        write("server_load", title, rows, {
            "clients": CLIENTS, "seconds": wall, "nodes": len(nodes), "search_indexed": indexed,
            "skipped": skipped, "error_samples": {k: v[:5] for k, v in errors.items() if v},
            "cpus": os.cpu_count(), "load_average_1min": os.getloadavg()[0],
            "cpu_seconds": {"server": cpu_server, "client": cpu_client},
        })
        print(f"CPU-tid: tjener {cpu_server:.1f} s, klient {cpu_client:.1f} s på {wall:.0f} s "
              f"({os.cpu_count()} kjerner; maskinens belastning (1 min) {os.getloadavg()[0]:.1f})")
        for kind, why in skipped.items():
            print(f"Hoppet over {kind}: {why}")
        if total_err:
            for kind, samples in errors.items():
                for s in samples[:3]:
                    print(f"  feil ({kind}): {s}")
            print("Serverlogg (slutten):\n" + log_tail)
            raise RuntimeError(f"{total_err} forespørsler feilet under last")


if __name__ == "__main__":
    main()
