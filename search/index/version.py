"""One version of the search indexes on disk, loaded: units, vectors, FAISS, BM25, names.

Layout under settings.index_dir (REGIONGRAF_HOME/index):

    CURRENT                  name of the version in use (swapped atomically)
    v-<ns>/manifest.json     model, dimension, store generation, counts, index kind
    v-<ns>/units.json        the units (id, type, label, text, hash, vid, filters)
    v-<ns>/vectors.npy       float32 [units x dim], row i = units[i], L2-normalised
    v-<ns>/entities.json     names a query may mention (search/query_intent.py)
    v-<ns>/lexical/          BM25 matrix and compound vocabulary
    v-<ns>/dense.ivf.faiss   only for the approximate (IVF) index

This is also the API for nearest-neighbour work on node vectors (duplicates, overlaps):
`SearchIndex.load(index_dir)`, `.vector(node_id)`, `.knn(node_id_or_vector, k)`.
"""

from __future__ import annotations

import copy
import json
from functools import cached_property
from pathlib import Path

import numpy as np

from graph.errors import NotReady, UserError
from search.index.dense import DenseIndex
from search.index.lexical import LexicalIndex
from search.index.units import Unit
from search.query_intent import Detector, Entity

FORMAT = 1
POINTER = "CURRENT"


class IndexMissing(NotReady):
    """No search index has been built yet."""


def current_version(index_dir: Path) -> str | None:
    try:
        name = (Path(index_dir) / POINTER).read_text().strip()
    except FileNotFoundError:
        return None
    return name if (Path(index_dir) / name / "manifest.json").is_file() else None


class SearchIndex:
    def __init__(self, path: Path, manifest: dict, units: list[Unit], vectors: np.ndarray,
                 dense: DenseIndex, lexical: LexicalIndex, entities: list[Entity]):
        self.path = path
        self.manifest = manifest
        self.units = units
        self.vectors = vectors
        self.dense = dense
        self.lexical = lexical
        self.entities = entities
        self.row_of = {u.id: i for i, u in enumerate(units)}
        self.vids = np.array([u.vid for u in units], dtype=np.int64)
        self._row_of_vid = {int(v): i for i, v in enumerate(self.vids)}
        self._unit_terms: dict[int, frozenset[str]] = {}
        self._year_masks: dict[str, np.ndarray | None] = {}

    def with_vectors(self, vectors: np.ndarray) -> SearchIndex:
        """The same index with other unit vectors (language-neutral ones for pairing commitments,
        search/language.py); units, BM25 and the FAISS index are shared, not copied."""
        view = copy.copy(self)
        view.vectors = vectors
        view.__dict__.pop("mean_vector", None)  # cached from the other vectors
        return view

    @property
    def version(self) -> str:
        return self.path.name

    @property
    def model(self) -> str:
        return self.manifest["model"]

    @cached_property
    def detector(self) -> Detector:
        return Detector(self.entities)

    @cached_property
    def mean_vector(self) -> np.ndarray:
        """Mean of the unit vectors: q . mean is a query's mean cosine to the whole index."""
        if not len(self.vectors):
            return np.zeros(self.manifest.get("dim", 0) or 0, dtype=np.float32)
        return self.vectors.mean(axis=0)

    def unit_terms(self, row: int) -> frozenset[str]:
        """The BM25 terms of one unit's text (computed on first use)."""
        terms = self._unit_terms.get(row)
        if terms is None:
            terms = self._unit_terms[row] = frozenset(self.lexical.tokenizer(self.units[row].index_text))
        return terms

    @cached_property
    def types(self) -> np.ndarray:
        return np.array([u.type for u in self.units], dtype=object)

    @cached_property
    def names(self) -> dict[str, dict]:
        """id -> {"type", "label", "notation"} for units and named entities (labels in hit contexts)."""
        out = {u.id: {"type": u.type, "label": u.label, "notation": None} for u in self.units}
        for e in self.entities:
            entry = out.setdefault(e.id, {"type": e.type, "label": e.label, "notation": None})
            entry["notation"] = e.notation or entry["notation"]
        return out

    @cached_property
    def actor_labels(self) -> dict[str, str]:
        """Actors that have proposed something here (rg:proposedBy), with their labels."""
        labels = {e.id: e.label for e in self.entities}
        return {a: labels.get(a) or a.rsplit("/", 1)[-1] for a in sorted(self._rows_by["actor"])}

    @cached_property
    def _rows_by(self) -> dict[str, dict[str, list[int]]]:
        out: dict[str, dict[str, list[int]]] = {"actor": {}, "focus_area": {}, "mentions": {}, "programme": {}}
        for i, u in enumerate(self.units):
            for y in u.programmes:
                out["programme"].setdefault(y, []).append(i)
            for a in u.actors:
                out["actor"].setdefault(a, []).append(i)
            for f in u.focus_areas:
                out["focus_area"].setdefault(f, []).append(i)
            for m in [*u.mentions, u.id]:
                out["mentions"].setdefault(m, []).append(i)
        return out

    @cached_property
    def years(self) -> list[str]:
        """The programme years the units belong to, oldest first."""
        return sorted(self._rows_by["programme"])

    def year_mask(self, year: str | None) -> np.ndarray | None:
        """Rows of one programme year and rows of no year (plans, organisations, initiatives); None
        when that is every row (one year only, or no year asked for)."""
        if not year or len(self.years) < 2:
            return None
        if year not in self._year_masks:
            mask = np.array([not u.programmes or year in u.programmes for u in self.units], dtype=bool)
            self._year_masks[year] = None if mask.all() else mask
        return self._year_masks[year]

    def rows_for(self, kind: str, iri: str) -> list[int]:
        """Rows proposed by an actor, in a focus area (or its parts), or mentioning/being a node."""
        return self._rows_by[kind].get(iri, [])

    def mask_for(self, kind: str, iri: str) -> np.ndarray:
        mask = np.zeros(len(self.units), dtype=bool)
        mask[self.rows_for(kind, iri)] = True
        return mask

    # -- loading ---------------------------------------------------------------
    @staticmethod
    def load_manifest(index_dir: Path, version: str) -> dict:
        return json.loads((Path(index_dir) / version / "manifest.json").read_text())

    @classmethod
    def load(cls, index_dir: Path, version: str | None = None) -> SearchIndex:
        version = version or current_version(index_dir)
        if version is None:
            raise IndexMissing("Søkeindeksen er ikke bygget ennå. Kjør 'regiongraf build' først.")
        path = Path(index_dir) / version
        manifest = json.loads((path / "manifest.json").read_text())
        if manifest.get("format") != FORMAT:
            raise IndexMissing("Søkeindeksen har et gammelt format. Kjør 'regiongraf build' på nytt.")
        units = [Unit.from_json(u) for u in json.loads((path / "units.json").read_text())]
        vectors = np.load(path / "vectors.npy")
        vids = np.array([u.vid for u in units], dtype=np.int64)
        dense = DenseIndex.load(path, manifest["dense"], vectors, vids)
        lexical = LexicalIndex.load(path / "lexical")
        entities = [Entity(**e) for e in json.loads((path / "entities.json").read_text())]
        return cls(path, manifest, units, vectors, dense, lexical, entities)

    # -- vectors and neighbours -------------------------------------------------
    def rows_of_vids(self, vids) -> list[int]:
        return [self._row_of_vid[int(v)] for v in vids if int(v) in self._row_of_vid]

    def vector(self, node_id: str) -> np.ndarray:
        row = self.row_of.get(node_id)
        if row is None:
            raise UserError(f"Fant ikke noden {node_id} i søkeindeksen.")
        return self.vectors[row]

    def knn(self, query, k: int = 10, types: set[str] | None = None,
            exclude: set[str] | None = None) -> list[tuple[Unit, float]]:
        """Nearest units to a node id or a vector, by cosine similarity, best first."""
        exclude = set(exclude or ())
        if isinstance(query, str):
            exclude.add(query)
            query = self.vector(query)
        allowed = None
        if types:
            allowed = self.vids[np.isin(self.types, list(types))]
        scores, vids = self.dense.search(np.asarray(query, np.float32), k + len(exclude), allowed=allowed)
        out = []
        for score, vid in zip(scores[0], vids[0], strict=True):
            if vid < 0:
                continue
            unit = self.units[self._row_of_vid[int(vid)]]
            if unit.id not in exclude:
                out.append((unit, float(score)))
        return out[:k]
