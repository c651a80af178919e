"""The ONNX Runtime int8 embedder against the torch one: same tokens, same prompts, nearly the
same vectors and the same ranking; and the export is atomic."""

import json

import numpy as np
import pytest

from graph.settings import REPO
from search.embedding import onnx_export
from tests.test_model_parity import DOC, ENGLISH, ODD

QUERIES = [q["query"] for q in json.loads((REPO / "bench" / "devset_search.json").read_text())["queries"]]
# Measured: min cosine 0.991 (passages) and 0.993 (queries); below these the quantisation broke.
MIN_COSINE = {"passages": 0.985, "queries": 0.99}


@pytest.fixture(scope="module")
def onnx(onnx_embedder, embedder):
    if onnx_embedder.name != embedder.name:
        pytest.skip("ONNX and torch embedders load different models")
    return onnx_embedder


def test_same_tokens_as_torch(onnx, embedder):
    texts = DOC[:100] + ENGLISH + ODD + [" ".join(DOC)]  # the last is cut at 512 tokens by both
    for prefix in ("query: ", "passage: "):
        ours = [e.ids for e in onnx.tokenizer.encode_batch([prefix + t for t in texts])]
        theirs = embedder.model.tokenizer([prefix + t for t in texts], truncation=True, max_length=512)["input_ids"]
        assert ours == theirs
    assert len(ours[-1]) == 512


def test_vectors_close_to_torch_on_a_few_hundred_texts(onnx, embedder):
    passages = DOC + ENGLISH + ODD
    assert len(passages) + len(QUERIES) >= 200
    for kind, texts in (("passages", passages), ("queries", QUERIES + ENGLISH)):
        embed = "embed_passages" if kind == "passages" else "embed_queries"
        ours, theirs = getattr(onnx, embed)(texts), getattr(embedder, embed)(texts)
        assert ours.dtype == np.float32 and ours.shape == theirs.shape == (len(texts), 384)
        assert np.allclose(np.linalg.norm(ours, axis=1), 1, atol=1e-4)
        cosines = (ours * theirs).sum(axis=1)
        assert cosines.min() >= MIN_COSINE[kind], f"{kind}: min cosine {cosines.min():.4f}"
        assert cosines.mean() >= 0.995


def test_e5_prompts_as_torch_applies_them(onnx):
    assert onnx.is_e5 and onnx.backend == "onnx-int8"
    text = "fornybar kraft"
    assert np.allclose(onnx.embed_queries([text]), onnx._run(["query: " + text]))
    assert np.allclose(onnx.embed_passages([text]), onnx._run(["passage: " + text]))
    assert (onnx.embed_queries([text]) @ onnx.embed_passages([text]).T)[0, 0] < 0.999


def test_norwegian_query_prefers_relevant_passage(onnx):
    query = onnx.embed_queries(["Hvordan kan regionen få nok strøm og fornybar kraft?"])[0]
    relevant, unrelated = onnx.embed_passages([
        "Osloregionen har et stort kraftunderskudd og er avhengig av import av elektrisitet.",
        "Støtte næringsklynger og nye initiativer, inkludert maritim sektor.",
    ])
    assert query @ relevant > query @ unrelated + 0.02


def test_batch_companions_move_a_vector_only_slightly(onnx):
    """Dynamic int8 quantisation scales activations per batch: a query's vector depends a little on
    what it is batched with (the server's micro-batcher), far less than it differs from others."""
    alone = onnx.embed_queries(QUERIES[:20])
    single = np.vstack([onnx.embed_queries([q]) for q in QUERIES[:20]])
    assert ((alone * single).sum(axis=1)).min() >= 0.99
    long_batch = onnx.embed_passages(DOC[:40], batch_size=8)
    assert np.allclose(np.linalg.norm(long_batch, axis=1), 1, atol=1e-4)


def test_same_ranking_as_torch_on_document_lines(onnx, embedder):
    """Where the two disagree on the best line, torch itself found them nearly tied (measured: 87%
    the same best line, torch's best in ONNX's top 3 or 5 depending on the export, largest gap 0.018):
    int8 costs a little ranking (bench/embedder_compare.py), which is why it is not the default."""
    passages = DOC[::3]
    ours = onnx.embed_queries(QUERIES) @ onnx.embed_passages(passages).T
    theirs = embedder.embed_queries(QUERIES) @ embedder.embed_passages(passages).T
    best_ours, best_theirs = np.argsort(-ours, axis=1), np.argsort(-theirs, axis=1)
    assert (best_ours[:, 0] == best_theirs[:, 0]).mean() >= 0.8
    for i in range(len(QUERIES)):
        assert best_theirs[i, 0] in best_ours[i, :5], QUERIES[i]
        assert theirs[i, best_theirs[i, 0]] - theirs[i, best_ours[i, 0]] <= 0.03, QUERIES[i]


def test_export_folder_layout(onnx):
    from pathlib import Path

    folder = Path(onnx.source)
    assert onnx_export.is_complete(folder) and folder.name.endswith(onnx_export.SUFFIX)
    meta = json.loads((folder / "export.json").read_text())
    assert meta["quantisation"]["weight_type"] == "QInt8" and meta["e5"] and meta["dim"] == 384
    assert onnx_export.is_current(folder, meta["source"])
    assert not list(folder.parent.glob(f".{folder.name}.*"))  # no temporary leftovers


def test_failed_export_leaves_nothing(tmp_path, monkeypatch):
    def boom(source, path, log):
        path.write_bytes(b"half a model")
        raise RuntimeError("disk full")

    monkeypatch.setattr(onnx_export, "export_fp32", boom)
    with pytest.raises(RuntimeError):
        onnx_export.export(str(tmp_path / "src"), tmp_path / "out", progress=False)
    assert list(tmp_path.iterdir()) == []


def test_only_mean_pooling_models_are_exported():
    class Pooling:
        pooling_mode = "cls"

    assert not onnx_export._mean_pooling(Pooling())
    Pooling.pooling_mode = "mean"
    assert onnx_export._mean_pooling(Pooling())


def test_the_default_backend_float32_gives_the_torch_vectors(onnx_fp32_embedder, embedder):
    """onnx-fp32 is the default because it ranks exactly as torch does (issue 10: the faster backend
    becomes the default only if ranking holds): its vectors must be torch's, not merely close."""
    assert onnx_fp32_embedder.backend == "onnx-fp32"
    for embed, texts in (("embed_passages", DOC + ENGLISH + ODD), ("embed_queries", QUERIES + ENGLISH)):
        ours, theirs = getattr(onnx_fp32_embedder, embed)(texts), getattr(embedder, embed)(texts)
        cosines = (ours * theirs).sum(axis=1)
        assert cosines.min() >= 0.9999, f"{embed}: min cosine {cosines.min():.6f}"
