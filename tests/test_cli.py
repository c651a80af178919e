"""The command line as a user meets it: verbs, JSON output, one-line errors."""

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner
from rdflib import Dataset, Graph

from cli.main import main
from graph.settings import get_settings


@pytest.fixture
def run(built_home, monkeypatch):
    monkeypatch.setenv("REGIONGRAF_HOME", str(built_home.home))
    monkeypatch.setenv("REGIONGRAF_MODELS", str(built_home.models_dir))
    get_settings.cache_clear()
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(main, list(args), catch_exceptions=False)

    yield invoke
    get_settings.cache_clear()


def test_stats_json(run):
    result = run("stats", "--json")
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["classes"]["Measure"] == 61
    assert data["classes"]["Strategy"] == 20
    assert any(g.endswith("/graph/programme-2025") for g in data["graphs"])
    actors = {v["label"]: v["measures"] for v in data["measures_by_actor"].values()}
    assert actors["Kraftgruppen"] == 28


@pytest.mark.parametrize(
    "fmt, rdflib_format, quads",
    [("turtle", "turtle", False), ("jsonld", "json-ld", True), ("nt", "nt", False),
     ("xml", "xml", False), ("trig", "trig", True), ("nquads", "nquads", True)],
)
def test_export_formats_parse_back(run, fmt, rdflib_format, quads):
    result = run("export", "--format", fmt)
    assert result.exit_code == 0
    g = Dataset() if quads else Graph()
    g.parse(data=result.stdout_bytes, format=rdflib_format)
    assert len(g) > 1000 or (quads and sum(1 for _ in g.quads()) > 1000)
    if quads:
        names = {str(c.identifier) for c in g.contexts()}
        assert any(n.endswith("/graph/curated") for n in names)


def test_unknown_export_format_is_one_line_and_non_zero(built_home):
    env = {"REGIONGRAF_HOME": str(built_home.home), "PATH": ""}
    proc = subprocess.run([sys.executable, "-m", "cli.main", "export", "--format", "docx"],
                          capture_output=True, text=True, env=env)
    assert proc.returncode == 1
    assert proc.stderr.strip().count("\n") == 0
    assert "ukjent eksportformat" in proc.stderr and "Traceback" not in proc.stderr


def test_missing_source_file_is_one_line(run, tmp_path):
    result = run("build", "--graph-only", str(tmp_path / "finnes-ikke.txt"))
    assert result.exit_code == 1
    assert "filen finnes ikke" in result.output


def test_validate_passes_on_the_built_graph(run):
    result = run("validate")
    assert result.exit_code == 0
    assert "gyldig" in result.output


def test_help_explains_every_verb(run):
    result = run("--help")
    for verb in ("build", "stats", "validate", "export"):
        assert verb in result.output
