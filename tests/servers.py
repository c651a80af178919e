"""Real SPARQL servers for the tests, started (and stopped) by the tests themselves.

    start("oxigraph", folder) -> Server      the Oxigraph server from the `oxigraph` package (PyPI)
    start("virtuoso", folder) -> Server      Virtuoso Open Source from Debian (virtuoso-opensource)

A server that is missing skips its tests on a developer's machine, and fails them in CI
(`CI` set): .ci/run installs both, so a skip there would hide a broken install.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

KINDS = ("oxigraph", "virtuoso")


@dataclass
class Server:
    kind: str
    url: str  # the REGIONGRAF_STORE value
    env: dict[str, str] = field(default_factory=dict)  # REGIONGRAF_STORE and its credentials
    proc: subprocess.Popen | None = None
    log: Path | None = None

    def settings_overrides(self) -> dict:
        return {k.removeprefix("REGIONGRAF_").lower(): v for k, v in self.env.items()}

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def missing(what: str) -> None:
    """Skip here, fail in CI: a test that cannot reach its server must not pass quietly there."""
    message = f"{what} mangler (installeres av .ci/run)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(url: str, proc: subprocess.Popen, seconds: float, auth=None, log: Path | None = None) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            text = log.read_text(errors="replace")[-2000:] if log and log.exists() else ""
            raise RuntimeError(f"serveren stoppet ({proc.returncode}): {text}")
        try:
            r = httpx.post(url, data={"query": "ASK {}"}, headers={"Accept": "application/sparql-results+json"},
                           auth=auth, timeout=2)
            if r.status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{url} svarte ikke innen {seconds:g} s")


def oxigraph_binary() -> str | None:
    here = Path(sys.executable).parent / "oxigraph"
    return str(here) if here.exists() else shutil.which("oxigraph")


def start(kind: str, folder: Path) -> Server:
    folder.mkdir(parents=True, exist_ok=True)
    if kind == "oxigraph":
        return _oxigraph(folder)
    if kind == "virtuoso":
        return _virtuoso(folder)
    raise ValueError(kind)


def _oxigraph(folder: Path) -> Server:
    binary = oxigraph_binary()
    if binary is None:
        missing("Oxigraph-serveren (pip install oxigraph)")
    port = free_port()
    log = folder / "oxigraph.log"
    proc = subprocess.Popen([binary, "serve", "--location", str(folder / "data"), "--bind", f"127.0.0.1:{port}",
                             "--timeout-s", "4"], stdout=open(log, "wb"), stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL)
    _wait(f"http://127.0.0.1:{port}/query", proc, 60, log=log)
    url = f"oxigraph+http://127.0.0.1:{port}"
    return Server("oxigraph", url, {"REGIONGRAF_STORE": url}, proc, log)


VIRTUOSO_INI = """[Database]
DatabaseFile = {dir}/virtuoso.db
ErrorLogFile = {dir}/virtuoso.log
LockFile = {dir}/virtuoso.lck
TransactionFile = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase
[TempDatabase]
DatabaseFile = {dir}/virtuoso-temp.db
TransactionFile = {dir}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0
[Parameters]
ServerPort = {sql_port}
DisableUnixSocket = 1
MaxClientConnections = 20
CheckpointInterval = 60
CaseMode = 2
DirsAllowed = ., {dir}
NumberOfBuffers = 20000
MaxDirtyBuffers = 12000
MaxQueryMem = 500M
ThreadsPerQuery = 2
[HTTPServer]
ServerPort = {http_port}
ServerRoot = {dir}
MaxClientConnections = 20
ServerThreads = 20
MaxKeepAlives = 20
Charset = UTF-8
EnabledGzipContent = 0
[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = 15
MaxQueryCostEstimationTime = 0
"""


def _virtuoso(folder: Path) -> Server:
    binary = shutil.which("virtuoso-t")
    if binary is None:
        missing("Virtuoso Open Source (apt-get install virtuoso-opensource)")
    http_port, sql_port = free_port(), free_port()
    ini = folder / "virtuoso.ini"
    ini.write_text(VIRTUOSO_INI.format(dir=folder, sql_port=sql_port, http_port=http_port))
    log = folder / "out.log"
    proc = subprocess.Popen([binary, "-c", str(ini), "+foreground"], cwd=folder, stdout=open(log, "wb"),
                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    _wait(f"http://127.0.0.1:{http_port}/sparql-auth", proc, 180, auth=httpx.DigestAuth("dba", "dba"), log=log)
    url = f"virtuoso+http://127.0.0.1:{http_port}"
    return Server("virtuoso", url, {"REGIONGRAF_STORE": url, "REGIONGRAF_STORE_USER": "dba",
                                    "REGIONGRAF_STORE_PASSWORD": "dba"}, proc, log)
