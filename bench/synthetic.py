"""Synthetic nodes for scale benchmarks: plausible Norwegian initiatives, a hashing embedder.

Texts recombine clauses of the real measures and strategies, so their length and vocabulary
match the document. Nodes are rg:Initiative in import graphs of synthetic actors, with a
focus area, the way imported partner lists look.

`HashingPassages` wraps the real model: queries go through the model (so latency is real),
passages become normalised bag-of-words random projections (texts that share words get
similar vectors). It stands in where embedding every synthetic text with the model would
take too long (100,000 nodes); results then say so.
"""

from __future__ import annotations

import hashlib
import re

import numpy as np
import pyoxigraph as ox

from graph.iri import graph_iri, node_iri, slug
from graph.namespaces import RG
from graph.store import GraphStore, open_store

RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
RDFS_LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
ACTORS = 10


def clauses(store: GraphStore) -> list[str]:
    rows = store.reader().query(
        f"SELECT ?t WHERE {{ ?s <{RG.text}> ?t }}", use_default_graph_as_union=True)
    out = []
    for r in rows:
        out += [c.strip(" .") for c in re.split(r"[.,;:]\s+", r["t"].value) if len(c.split()) >= 3]
    return sorted(set(out))


def texts(n: int, pool: list[str], seed: int = 0) -> list[str]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        parts = [pool[i] for i in rng.choice(len(pool), size=int(rng.integers(1, 4)), replace=False)]
        text = ", og ".join(parts)
        out.append(text[0].upper() + text[1:] + ".")
    return out


def add_initiatives(settings, n: int, seed: int = 0) -> list[str]:
    """Write n synthetic initiatives into import graphs of ACTORS synthetic organisations."""
    store = open_store(settings)
    pool = clauses(store)
    areas = [r["f"].value for r in store.reader().query(
        f"SELECT ?f WHERE {{ ?f a <{RG.FocusArea}> }}", use_default_graph_as_union=True)]
    rng = np.random.default_rng(seed)
    base = settings.base_iri
    bodies = texts(n, pool, seed)
    # Keys continue after the initiatives already there, so repeated calls add, not overwrite.
    start = int(next(iter(store.reader().query(
        f"SELECT (COUNT(?s) AS ?n) WHERE {{ ?s a <{RG.Initiative}> }}", use_default_graph_as_union=True)))["n"].value)
    quads = []
    for a in range(ACTORS):
        name = f"Syntetisk aktør {a + 1}"
        org = ox.NamedNode(str(node_iri(base, "Organisation", slug(name))))
        g = ox.NamedNode(str(graph_iri(base, f"import/{slug(name)}")))
        quads += [ox.Quad(org, RDF_TYPE, ox.NamedNode(str(RG.Organisation)), g),
                  ox.Quad(org, RDFS_LABEL, ox.Literal(name, language="nb"), g)]
    for i, body in enumerate(bodies, start=start):
        a = i % ACTORS
        actor = slug(f"Syntetisk aktør {a + 1}")
        g = ox.NamedNode(str(graph_iri(base, f"import/{actor}")))
        s = ox.NamedNode(str(node_iri(base, "Initiative", f"{actor}-{i + 1}")))
        label = body if len(body) <= 100 else body[:100].rsplit(" ", 1)[0] + "…"
        quads += [
            ox.Quad(s, RDF_TYPE, ox.NamedNode(str(RG.Initiative)), g),
            ox.Quad(s, RDFS_LABEL, ox.Literal(label, language="nb"), g),
            ox.Quad(s, ox.NamedNode(str(RG.text)), ox.Literal(body, language="nb"), g),
            ox.Quad(s, ox.NamedNode(str(RG.proposedBy)),
                    ox.NamedNode(str(node_iri(base, "Organisation", actor))), g),
            ox.Quad(s, ox.NamedNode(str(RG.focusArea)), ox.NamedNode(areas[int(rng.integers(len(areas)))]), g),
        ]
    with store.writer() as w:
        w.bulk_extend(quads)
    return bodies


class HashingPassages:
    """Real model for queries, hashed bag-of-words vectors for passages (fast, structured)."""

    def __init__(self, embedder):
        self.real = embedder
        self.name = embedder.name
        self.dim = embedder.dim
        self._cache: dict[str, np.ndarray] = {}

    def _word(self, w: str) -> np.ndarray:
        v = self._cache.get(w)
        if v is None:
            seed = int.from_bytes(hashlib.blake2b(w.encode(), digest_size=8).digest(), "little")
            v = np.random.default_rng(seed).standard_normal(self.dim).astype(np.float32)
            self._cache[w] = v
        return v

    def embed_passages(self, texts, batch_size: int = 32, show_progress: bool = False) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), np.float32)
        for i, t in enumerate(texts):
            for w in re.findall(r"\w+", t.lower()):
                out[i] += self._word(w)
        out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)
        return out

    def embed_queries(self, texts) -> np.ndarray:
        return self.real.embed_queries(texts)


def structured_vectors(base: np.ndarray, n: int, noise: float = 0.03, seed: int = 0) -> np.ndarray:
    """n normalised vectors scattered around rows of `base` (real embeddings): clustered like real data."""
    rng = np.random.default_rng(seed)
    out = base[rng.integers(len(base), size=n)] + rng.standard_normal((n, base.shape[1])).astype(np.float32) * noise
    out /= np.linalg.norm(out, axis=1, keepdims=True)
    return out.astype(np.float32)
