"""The README's code map names every module of the product, one line each (issue 11)."""

from __future__ import annotations

import re

from graph.settings import REPO

PACKAGES = ("graph", "search", "matching", "service", "api", "cli")


def code_map() -> dict[str, str]:
    """Module path -> its line in the README's "Every module, one line each" block."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Every module, one line each", 1)[1].split("```", 2)[1]
    lines = {}
    for line in section.splitlines():
        m = re.match(r"(\S+\.py)\s+(\S.*)", line)
        if m:
            lines[m.group(1)] = m.group(2)
    return lines


def modules() -> set[str]:
    return {p.relative_to(REPO).as_posix() for pkg in PACKAGES for p in (REPO / pkg).rglob("*.py")
            if p.name != "__init__.py" and "__pycache__" not in p.parts}


def test_every_module_is_in_the_code_map():
    missing = sorted(modules() - set(code_map()))
    assert not missing, f"README's code map lacks: {', '.join(missing)}"


def test_the_code_map_names_no_module_that_is_gone():
    gone = sorted(set(code_map()) - modules())
    assert not gone, f"README's code map names modules that do not exist: {', '.join(gone)}"
