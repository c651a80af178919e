"""The service under load: search throughput with 1 and 20 clients, then 100 clients on a mix.

Part 1, search alone (issue 10, "Throughput"): for each server configuration in SEARCH_CONFIGS
(today's: torch, no micro-batching, 2 search slots; torch with micro-batching; ONNX int8 with
micro-batching), a fresh server, one client sending searches one after the other
(its p50 is the single-client latency), then 20 concurrent clients (p50, p99, searches/s,
errors). The query cache is off here, so every search embeds its query. Targets, for the
default against today's, in the same run: p50 at 20 clients <= 8x the default's one-client
p50, searches/s >= 3x today's, no errors. An in-process run of 20 searching threads says
where the time of a search goes (waiting for and running the model, the rest).

Part 2, the mix:

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

    python -m bench.run server_load        (BENCH_LOAD_SECONDS, BENCH_LOAD_CLIENTS, BENCH_LOAD_MIX to vary;
                                            BENCH_SEARCH_SECONDS for part 1, BENCH_LOAD_PARTS=search,mix)
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
from graph.store import open_store
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
SEARCH_SECONDS = float(os.environ.get("BENCH_SEARCH_SECONDS", 20))
SEARCH_CLIENTS = 20
PARTS = os.environ.get("BENCH_LOAD_PARTS", "search,mix").split(",")
TODAY_SEARCHES_PER_S = 29  # README before issue 10: 20 clients, torch, 2 slots
# name -> server environment. The cache is off, so that every search costs a model call.
SEARCH_CONFIGS = {
    "i dag: torch, ett søk per kjerne": {"REGIONGRAF_EMBEDDER": "torch", "REGIONGRAF_BATCH_QUERIES": "false",
                                         "REGIONGRAF_QUERY_CACHE": "0"},
    "torch + mikrobatching": {"REGIONGRAF_EMBEDDER": "torch", "REGIONGRAF_QUERY_CACHE": "0"},
    "onnx-fp32 + mikrobatching": {"REGIONGRAF_EMBEDDER": "onnx-fp32", "REGIONGRAF_QUERY_CACHE": "0"},
    "onnx-int8 + mikrobatching": {"REGIONGRAF_EMBEDDER": "onnx", "REGIONGRAF_QUERY_CACHE": "0"},
}
BASELINE = "i dag: torch, ett søk per kjerne"
DEFAULT = {"torch": "torch + mikrobatching", "onnx-fp32": "onnx-fp32 + mikrobatching",
           "onnx": "onnx-int8 + mikrobatching"}[Settings().embedder]
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
    reader = open_store(settings).reader()
    prefix = settings.base_iri + "/id/"
    nodes = sorted({q.subject.value[len(settings.base_iri):]
                    for q in reader.quads_for_pattern(None, None, None, None)
                    if getattr(q.subject, "value", "").startswith(prefix)})
    return nodes, indexed


def start_server(settings: Settings, port: int, log, env_extra: dict | None = None) -> subprocess.Popen:
    # The code of this checkout, not whatever the venv's `regiongraf` script was installed from
    # (an editable install of another worktree would be measured instead).
    cmd = [sys.executable, "-m", "cli.main"]
    cmd += ["serve", "--host", "127.0.0.1", "--port", str(port), "--no-access-log", "--log-level", "warning"]
    env = os.environ | {"REGIONGRAF_HOME": str(settings.home), "REGIONGRAF_MODELS": str(settings.models_dir),
                        "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"} | (env_extra or {})
    env.pop("REGIONGRAF_TOKEN", None)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), *filter(None, [env.get("PYTHONPATH")])])
    return subprocess.Popen(cmd, env=env, cwd=REPO, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


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


async def drive(host: str, port: int, nodes: list[str], queries: list[str], weights_by_kind: dict | None = None,
                clients: int = CLIENTS, seconds: float = SECONDS) -> tuple[dict, dict, float]:
    weights_by_kind = weights_by_kind or WEIGHTS
    warm = Connection(host, port)
    kinds, skipped = await probe(warm, list(weights_by_kind), nodes, queries)
    await warm.close()
    if not kinds:
        raise RuntimeError(f"ingenting å måle: {skipped}")
    latencies: dict[str, list[float]] = {k: [] for k in kinds}
    errors: dict[str, list[str]] = {k: [] for k in kinds}
    weights = [weights_by_kind[k] for k in kinds]
    start = time.perf_counter()
    stop_at = start + seconds

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

    await asyncio.gather(*(worker(i) for i in range(clients)))
    wall = time.perf_counter() - start
    return latencies, errors | {"_skipped": skipped}, wall


def search_phase(settings: Settings, name: str, env: dict, nodes: list[str], queries: list[str]) -> list[dict]:
    """One fresh server with `env`: one client, then SEARCH_CLIENTS clients, searches only."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    rows = []
    with open(settings.home / f"server-{len(name)}.log", "wb") as log:
        proc = start_server(settings, port, log, env)
        try:
            wait_until_up(url, proc, timeout=300)
            # Load the model before measuring CPU time (the first search loads it).
            warm = asyncio.run(drive("127.0.0.1", port, nodes, queries, {"search": 1}, 1, 2))[1]
            if warm.get("search"):
                raise RuntimeError(f"søk feilet under oppvarming: {warm['search'][:3]}")
            for clients, seconds in ((1, SEARCH_SECONDS / 2), (SEARCH_CLIENTS, SEARCH_SECONDS)):
                cpu = group_cpu_seconds(proc.pid)
                latencies, errors, wall = asyncio.run(drive("127.0.0.1", port, nodes, queries, {"search": 1},
                                                            clients, seconds))
                cpu = group_cpu_seconds(proc.pid) - cpu
                values, failed = latencies.get("search", []), errors.get("search", [])
                rows.append({"config": name, "clients": clients, "searches": len(values) + len(failed),
                             "errors": len(failed), "searches_per_s": round(len(values) / wall, 1),
                             "p50_ms": round(median(values), 1), "p99_ms": round(percentile(values, 99), 1),
                             "server_cpu_ms_per_search": round(1000 * cpu / max(1, len(values)), 1)})
                if failed:
                    rows[-1]["error_samples"] = failed[:3]
                print(rows[-1], flush=True)
        finally:
            stop_server(proc)
    return rows


def where_time_goes(settings: Settings, queries: list[str], threads: int = SEARCH_CLIENTS,
                    seconds: float = 10) -> dict:
    """In-process: `threads` threads searching through the server's embedder stack (cache off).
    Median ms per search spent in embed_queries (waiting for the batch and running it) and in the
    rest (BM25, FAISS, fusion, graph context); also the batcher's mean batch size."""
    import threading

    from search.embedding.backend import serving_embedder
    from search.searcher import Searcher

    serving = serving_embedder(settings.model_copy(update={"query_cache": 0}))
    local = threading.local()

    class Timed:
        name, dim = serving.name, serving.dim

        def embed_queries(self, texts):
            t = time.perf_counter()
            try:
                return serving.embed_queries(texts)
            finally:
                local.embed = time.perf_counter() - t

    searcher = Searcher.load(settings, embedder=Timed())
    for q in queries[:3]:
        searcher.search(q, k=10)
    totals, embeds = [], []
    stop_at = time.perf_counter() + seconds
    cpu = time.process_time()

    def run(seed):
        rng = random.Random(seed)
        while time.perf_counter() < stop_at:
            t = time.perf_counter()
            searcher.search(rng.choice(queries), k=10)
            totals.append((time.perf_counter() - t) * 1000)
            embeds.append(local.embed * 1000)

    workers = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    start = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    wall = time.perf_counter() - start
    cpu = time.process_time() - cpu
    rest = [t - e for t, e in zip(totals, embeds, strict=True)]
    out = {"threads": threads, "searches_per_s": round(len(totals) / wall, 1),
           "search_p50_ms": round(median(totals), 1), "embed_p50_ms": round(median(embeds), 1),
           "rest_p50_ms": round(median(rest), 1), "cpu_ms_per_search": round(1000 * cpu / max(1, len(totals)), 1)}
    from search.embedding.batcher import QueryBatcher

    batcher = serving if isinstance(serving, QueryBatcher) else getattr(serving, "embedder", None)
    if isinstance(batcher, QueryBatcher):
        out["mean_batch"] = round(batcher.batched_texts / max(1, batcher.batches), 1)
        batcher.close()
    return out


def search_part(settings: Settings, nodes: list[str]) -> dict:
    queries = search_queries()
    rows = []
    for name, env in SEARCH_CONFIGS.items():
        rows += search_phase(settings, name, env, nodes, queries)
    by = {(r["config"], r["clients"]): r for r in rows}
    default_one, default_many = by[(DEFAULT, 1)], by[(DEFAULT, SEARCH_CLIENTS)]
    baseline_many = by[(BASELINE, SEARCH_CLIENTS)]
    targets = {
        "p50_20_over_p50_1": round(default_many["p50_ms"] / default_one["p50_ms"], 2), "p50_ratio_max": 8,
        "throughput_over_today_same_run": round(default_many["searches_per_s"] / baseline_many["searches_per_s"], 2),
        "throughput_over_today_readme": round(default_many["searches_per_s"] / TODAY_SEARCHES_PER_S, 2),
        "throughput_ratio_min": 3, "errors": sum(r["errors"] for r in rows),
    }
    targets["default"] = DEFAULT
    targets["met"] = (targets["p50_20_over_p50_1"] <= 8 and targets["throughput_over_today_same_run"] >= 3
                      and targets["errors"] == 0)
    inproc = {}
    for backend in ("torch", "onnx-fp32", "onnx"):
        inproc[backend] = where_time_goes(settings.model_copy(update={"embedder": backend}), queries)
        print(f"i prosessen, {backend}: {inproc[backend]}", flush=True)
    write("server_load_search", f"Søk alene: 1 og {SEARCH_CLIENTS} samtidige klienter (samme kjøring, uten cache)",
          rows, {"targets": targets, "where_time_goes": inproc, "seconds": SEARCH_SECONDS,
                 "cpus": os.cpu_count(), "load_average_1min": os.getloadavg()[0]})
    print(f"Mål: p50 ved {SEARCH_CLIENTS} klienter = {targets['p50_20_over_p50_1']}x én klients (høyst 8x); "
          f"søk/s = {targets['throughput_over_today_same_run']}x dagens i samme kjøring "
          f"({targets['throughput_over_today_readme']}x README-tallet {TODAY_SEARCHES_PER_S}; minst 3x); "
          f"feil: {targets['errors']} -> {'nådd' if targets['met'] else 'IKKE nådd'}")
    if targets["errors"]:
        raise RuntimeError(f"{targets['errors']} søk feilet under last")
    return targets


def mix_part(settings: Settings, nodes: list[str]) -> None:
    home = settings.home
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
        "clients": CLIENTS, "seconds": wall, "nodes": len(nodes), "search_indexed": True,
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


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(home=Path(tmp), models=MODELS)
        nodes, indexed = prepare(settings)
        if "search" in PARTS and indexed:
            search_part(settings, nodes)
        if "mix" in PARTS:
            mix_part(settings, nodes)


if __name__ == "__main__":
    main()
