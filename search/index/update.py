"""Builds and updates the search indexes from the graph store.

`update_index` reads the units from the current store generation, reuses the vector of every
unit whose content hash is unchanged (same model), embeds only new and changed units, drops
vanished ones, rebuilds BM25 (cheap) and updates the FAISS index in place (flat: rebuilt from
vectors; IVF: add/remove ids). The result is written to a new version directory and swapped
in atomically, so searchers never see half an index; a failure leaves the previous version
in use.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from graph.revision import source_revision
from graph.store import open_store
from search.embedding.backend import load_embedder as load_configured
from search.index.dense import DenseIndex
from search.index.lexical import LexicalIndex
from search.index.units import load_units
from search.index.version import FORMAT, POINTER, SearchIndex, current_version
from search.query_intent import entities_from_store

KEEP_VERSIONS = 3
BATCH_SIZE = 32


@dataclass
class IndexResult:
    version: str
    units: int
    embedded: int
    reused: int
    removed: int
    kind: str
    seconds: float
    embed_seconds: float = 0.0

    def to_json(self) -> dict:
        return self.__dict__.copy()


def update_index(settings, progress=print, embedder=None, full: bool = False,
                 load_embedder=None) -> IndexResult:
    """Bring the indexes up to date with the graph, embedding only new and changed units.

    The model is needed only when something must be embedded: `embedder` (already loaded) or
    `load_embedder()` (loads it on demand, e.g. the application's shared model) or, failing
    both, a model loaded here. `full` re-embeds everything.
    """
    quiet = progress is None
    progress = progress or (lambda *_: None)
    start = time.perf_counter()
    store = open_store(settings)
    reader = store.reader()
    stamp = {"store_generation": store.generation(),
             "source_revision": source_revision(reader, settings.base_iri)}
    units = load_units(reader)
    entities = entities_from_store(reader)
    index_dir = Path(settings.index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / "write.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        prev = None if full else _previous(index_dir)
        loaded = embedder

        def get_embedder():
            nonlocal loaded
            if loaded is None:
                progress("Laster språkmodellen ...")
                loaded = load_embedder() if load_embedder else load_configured(settings)
            return loaded

        model_name = embedder.name if embedder is not None else settings.model
        return _update(index_dir, prev, units, entities, stamp, model_name, get_embedder, progress, start, quiet)


def _previous(index_dir: Path) -> SearchIndex | None:
    if current_version(index_dir) is None:
        return None
    try:
        return SearchIndex.load(index_dir)
    except Exception:  # unreadable or old: build from scratch
        return None


def _update(index_dir, prev, units, entities, stamp, model_name, get_embedder, progress, start,
            quiet) -> IndexResult:
    same_model = prev is not None and prev.model == model_name
    old = {u.id: (u, i) for i, u in enumerate(prev.units)} if same_model else {}
    next_vid = prev.manifest.get("next_vid", 0) if same_model else 0
    dim = prev.manifest["dim"] if same_model else get_embedder().dim
    vectors = np.zeros((len(units), dim), dtype=np.float32)
    todo: list[int] = []
    changed_vids: list[int] = []
    for row, unit in enumerate(units):
        before = old.get(unit.id)
        if before is not None:
            unit.vid = before[0].vid
            if before[0].hash == unit.hash:
                vectors[row] = prev.vectors[before[1]]
                continue
            changed_vids.append(unit.vid)
        else:
            unit.vid = next_vid
            next_vid += 1
        todo.append(row)
    current = {u.id for u in units}
    removed_vids = [u.vid for u in (prev.units if same_model else []) if u.id not in current]

    if (same_model and not todo and not removed_vids and not prev.dense.needs_rebuild(len(units))
            and _same_content(prev, units, entities)):
        return _touch(prev, stamp, start, progress)

    embedder = get_embedder()
    embed_seconds = 0.0
    if todo:
        progress(f"Lager vektorer for {len(todo)} av {len(units)} søkeenheter ...")
        t = time.perf_counter()
        # Identical texts (an initiative listed twice) are embedded once.
        distinct = list(dict.fromkeys(units[r].index_text for r in todo))
        embedded = embedder.embed_passages(distinct, batch_size=BATCH_SIZE,
                                           show_progress=not quiet and len(distinct) >= 2000)
        position = {text: i for i, text in enumerate(distinct)}
        vectors[todo] = embedded[[position[units[r].index_text] for r in todo]]
        embed_seconds = time.perf_counter() - t
    vids = np.array([u.vid for u in units], dtype=np.int64)

    if same_model and prev.dense.kind == "ivf" and not prev.dense.needs_rebuild(len(units)):
        dense = prev.dense  # incremental: drop vanished and changed vectors, add the new ones
        dense.remove(removed_vids + changed_vids)
        dense.add(vids[todo], vectors[todo])
    else:
        dense = DenseIndex.create(vectors, vids, embedder.dim)
    lexical = LexicalIndex.build([u.index_text for u in units])

    manifest = {
        "format": FORMAT,
        "model": embedder.name,
        "dim": embedder.dim,
        **stamp,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "units": len(units),
        "next_vid": next_vid,
        "dense": None,
        "counts": _counts(units),
    }
    name = f"v-{time.time_ns()}"
    tmp = index_dir / f".tmp-{name}"
    tmp.mkdir()
    try:
        manifest["dense"] = dense.save(tmp)
        np.save(tmp / "vectors.npy", vectors)
        (tmp / "units.json").write_text(json.dumps([u.to_json() for u in units], ensure_ascii=False))
        (tmp / "entities.json").write_text(json.dumps([e.to_json() for e in entities], ensure_ascii=False))
        lexical.save(tmp / "lexical")
        (tmp / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2))
        os.replace(tmp, index_dir / name)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    pointer = index_dir / f"{POINTER}.tmp"
    pointer.write_text(name)
    os.replace(pointer, index_dir / POINTER)
    _prune(index_dir, keep=name)
    result = IndexResult(
        version=name, units=len(units), embedded=len(todo), reused=len(units) - len(todo),
        removed=len(removed_vids), kind=dense.kind, seconds=time.perf_counter() - start,
        embed_seconds=embed_seconds,
    )
    progress(
        f"Søkeindeks: {result.units} enheter ({result.embedded} nye/endrede, {result.reused} gjenbrukt, "
        f"{result.removed} fjernet), {'eksakt' if dense.kind == 'flat' else 'omtrentlig (IVF)'} "
        f"vektorsøk, {result.seconds:.1f} s."
    )
    return result


def _same_content(prev: SearchIndex, units, entities) -> bool:
    return ([u.to_json() for u in prev.units] == [u.to_json() for u in units]
            and [e.to_json() for e in prev.entities] == [e.to_json() for e in entities])


def _touch(prev: SearchIndex, stamp: dict, start, progress) -> IndexResult:
    """Nothing to change (e.g. only inferred links were written): record the new store generation."""
    manifest = {**prev.manifest, **stamp}
    tmp = prev.path / "manifest.json.tmp"
    tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=2))
    os.replace(tmp, prev.path / "manifest.json")
    result = IndexResult(version=prev.version, units=len(prev.units), embedded=0, reused=len(prev.units),
                         removed=0, kind=prev.dense.kind, seconds=time.perf_counter() - start)
    progress(f"Søkeindeksen er allerede oppdatert ({result.units} enheter).")
    return result


def _counts(units) -> dict[str, int]:
    out: dict[str, int] = {}
    for u in units:
        out[u.type] = out.get(u.type, 0) + 1
    return dict(sorted(out.items()))


def _prune(index_dir: Path, keep: str) -> None:
    versions = sorted(p for p in index_dir.glob("v-*") if p.is_dir())
    for old in versions[:-KEEP_VERSIONS]:
        if old.name != keep:
            shutil.rmtree(old, ignore_errors=True)
    for tmp in index_dir.glob(".tmp-*"):
        if time.time() - tmp.stat().st_mtime > 3600:  # left by a crashed writer
            shutil.rmtree(tmp, ignore_errors=True)
