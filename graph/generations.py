"""The store's generations as history: what wrote each one, and which are kept.

    store/history.jsonl     one line per committed generation, oldest first:
                            {"id": "gen-…", "time": "2026-11-28T12:00:00+00:00", "action": "import", "triples": 2850}

A generation directory that is not in the history was left by a writer that died before
it committed: it is never counted, never served, and is removed by the next writer (which
holds the write lock, so no other writer can be filling it). Committed generations are kept
by a stated policy: the newest `keep` of them, and every one younger than `keep_days` days;
the current one always. `regiongraf history` lists them and `regiongraf restore ID` makes
one of them current again (as a new write).
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

HISTORY = "history.jsonl"


@dataclass(frozen=True)
class Generation:
    id: str
    time: str  # ISO 8601, UTC
    action: str  # build | import | update | review | remove-import | restore | refresh | ...
    triples: int | None

    def to_json(self) -> dict:
        return asdict(self)


def read_history(root: Path) -> list[Generation]:
    """Committed generations whose directory still exists, oldest first."""
    path = Path(root) / HISTORY
    try:
        lines = path.read_text().splitlines()
    except FileNotFoundError:
        lines = _legacy_lines(Path(root))
    out = []
    for line in lines:
        try:
            entry = Generation(**json.loads(line))
        except (ValueError, TypeError):
            continue  # a torn last line after a power loss: that generation was never committed
        if (Path(root) / entry.id).is_dir():
            out.append(entry)
    return out


def record(root: Path, entry: Generation) -> None:
    """Append one committed generation to the history, durably (before the pointer moves)."""
    root = Path(root)
    with open(root / HISTORY, "a") as f:
        f.write(json.dumps(entry.to_json(), ensure_ascii=False) + "\n")
        f.flush()
        os.fsync(f.fileno())


def seed(root: Path) -> None:
    """A store from before the history existed: its generations are history, not partial writes.
    Called by a writer before it makes its own generation directory."""
    if not (root / HISTORY).exists():
        (root / HISTORY).write_text("".join(line + "\n" for line in _legacy_lines(root)))


def _legacy_lines(root: Path) -> list[str]:
    lines = []
    for path in sorted(p for p in root.glob("gen-*") if p.is_dir()):
        when = datetime.fromtimestamp(path.stat().st_mtime, UTC).isoformat(timespec="seconds")
        lines.append(json.dumps(Generation(path.name, when, "eldre", None).to_json()))
    return lines


def prune(root: Path, current: str, keep: int, keep_days: float, now: datetime | None = None) -> list[str]:
    """Remove partial generations and those the policy does not keep; returns what was removed.

    Call only while holding the write lock.
    """
    root = Path(root)
    history = read_history(root)
    committed = {g.id for g in history}
    removed = []
    for path in root.glob("gen-*"):
        if path.is_dir() and path.name not in committed and path.name != current:
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path.name)
    now = now or datetime.now(UTC)
    newest = {g.id for g in history[-keep:]} if keep > 0 else set()
    for g in history:
        young = now - datetime.fromisoformat(g.time) < timedelta(days=keep_days)
        if g.id == current or g.id in newest or young:
            continue
        shutil.rmtree(root / g.id, ignore_errors=True)
        removed.append(g.id)
    return removed


def fsync_tree(path: Path) -> None:
    """Flush every file of a generation and the directories to disk (power loss after the
    pointer moves must not leave it pointing at data still in the page cache)."""
    for folder, _dirs, files in os.walk(path):
        for name in files:
            try:
                fd = os.open(os.path.join(folder, name), os.O_RDONLY)
            except FileNotFoundError:  # removed by RocksDB's own compaction meanwhile: not needed
                continue
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        fsync_dir(Path(folder))


def fsync_dir(path: Path) -> None:
    fd = os.open(str(path), os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
