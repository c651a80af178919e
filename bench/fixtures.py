"""Temporary homes for benchmarks: the real document built into a throw-away REGIONGRAF_HOME."""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

from graph.settings import REPO, Settings

os.environ.setdefault("HF_HUB_OFFLINE", "1")
MODELS = Path(os.environ.get("REGIONGRAF_MODELS", REPO / ".regiongraf" / "models"))


def settings_for(home: Path) -> Settings:
    return Settings(home=home, models=MODELS)


@contextmanager
def temp_home(prefix: str = "regiongraf-bench-"):
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        yield settings_for(Path(tmp))


def load_embedder(settings: Settings):
    from search.embedding.backend import load_embedder as load

    return load(settings)


def build_document(settings: Settings) -> None:
    from service.application import Application

    Application(settings).build(refresh=False)
