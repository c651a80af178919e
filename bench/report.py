"""Shared output for benchmarks: an aligned table on stdout and a JSON file in bench/results/."""

import json
import platform
import statistics
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def median(values) -> float:
    return statistics.median(values) if values else float("nan")


def percentile(values, q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def table(title: str, rows: list[dict]) -> str:
    if not rows:
        return f"{title}: (ingen rader)"
    cols = list(rows[0])
    fmt = [(c, max(len(c), *(len(_cell(r.get(c))) for r in rows))) for c in cols]
    lines = [title, "  ".join(c.ljust(w) for c, w in fmt), "  ".join("-" * w for _, w in fmt)]
    lines += ["  ".join(_cell(r.get(c)).ljust(w) for c, w in fmt) for r in rows]
    return "\n".join(lines)


def _cell(v) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    return "" if v is None else str(v)


def write(name: str, title: str, rows: list[dict], extra: dict | None = None) -> Path:
    """Print the table and write the JSON result; returns the JSON path."""
    print(table(title, rows), flush=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    payload = {
        "name": name,
        "title": title,
        "time": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "machine": {"python": platform.python_version(), "cpu": platform.processor() or platform.machine()},
        "rows": rows,
        **(extra or {}),
    }
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=2))
    return path
