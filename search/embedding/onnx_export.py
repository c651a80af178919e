"""Export a local sentence-transformers folder to ONNX and quantise it to int8 (dynamic).

    python -m search.embedding.onnx_export [OUT_DIR]       (run by `make model`)

The source is the folder search/embedding/e5_convert.py writes (or any local sentence-transformers
folder with a BERT-like transformer and mean pooling); nothing is fetched from a model hub.
The exported graph takes `input_ids` and `attention_mask` (int64, batch x tokens) and returns
`sentence_embedding` (float32, batch x dim): the transformer, mean pooling over the attention
mask and L2 normalisation, exactly the modules the torch embedder runs. Weights of MatMul and
Gather (the word embedding) are quantised per channel to int8 (7-bit range, see quantise()) with
onnxruntime.quantization.quantize_dynamic; activations are quantised on the fly.

The folder is written next to a temporary name and renamed into place (like e5_convert), so a
crash leaves nothing half-written:

    model.onnx          the int8 model (about 120 MB; the float32 one, 470 MB, is not kept)
    tokenizer.json      copied from the source folder (read with the `tokenizers` library)
    export.json         source, dimension, e5 prompts, pad id, max tokens, quantisation, versions
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import sys
import tempfile
import time
import warnings
from pathlib import Path

from graph.settings import get_settings
from search.embedding.embedder import is_e5, resolve

SUFFIX = "-onnx-int8"  # the int8 folder (REGIONGRAF_EMBEDDER=onnx)
SUFFIXES = {"onnx": SUFFIX, "onnx-fp32": "-onnx-fp32"}
OPSET = 17
# Files whose presence marks a finished export (the folder is renamed into place last).
REQUIRED = ("model.onnx", "tokenizer.json", "export.json")


def is_complete(folder: Path) -> bool:
    return all((Path(folder) / name).exists() for name in REQUIRED)


def source_stamp(source: str) -> dict:
    """Size and time of the source weights: a re-converted model makes the export stale."""
    weights = next((Path(source) / n for n in ("model.safetensors", "pytorch_model.bin")
                    if (Path(source) / n).exists()), None)
    if weights is None:
        return {}
    st = weights.stat()
    return {"weights": weights.name, "size": st.st_size, "mtime_ns": st.st_mtime_ns}


def is_current(folder: Path, source: str) -> bool:
    if not is_complete(folder):
        return False
    try:
        meta = json.loads((Path(folder) / "export.json").read_text("utf-8"))
    except (OSError, ValueError):
        return False
    return meta.get("source_stamp") == source_stamp(source)


def folder_for(settings, source: str) -> Path:
    """Where the export of `source` (a sentence-transformers folder) lives: beside the converted models,
    one folder per ONNX backend (settings.embedder: onnx = int8, onnx-fp32)."""
    return settings.models_dir / (Path(source).name + SUFFIXES.get(settings.embedder, SUFFIX))


def _mean_pooling(pooling) -> bool:
    """Whether a sentence-transformers Pooling module does plain mean pooling (and nothing else)."""
    mode = getattr(pooling, "pooling_mode", None)  # sentence-transformers 6: "mean"
    if mode is not None:
        return mode == "mean" or list(mode) == ["mean"]
    others = ("cls_token", "max_tokens", "mean_sqrt_len_tokens", "weightedmean_tokens", "lasttoken")
    return bool(getattr(pooling, "pooling_mode_mean_tokens", False)) and not any(
        getattr(pooling, f"pooling_mode_{o}", False) for o in others)


def _mean_pooling_module(st_model):
    """The transformer + mean pooling + normalisation as one torch module with tensor inputs."""
    import torch  # lazy: 3-10 s to import; exporting is the only work here that needs it

    modules = list(st_model)
    transformer = modules[0]
    pooling = modules[1] if len(modules) > 1 else None
    if not _mean_pooling(pooling) or not hasattr(transformer, "auto_model"):
        raise ValueError("ONNX-eksporten støtter bare transformer-modeller med gjennomsnittspooling "
                         "(mean pooling); bruk REGIONGRAF_EMBEDDER=torch for denne modellen.")
    auto = transformer.auto_model

    class MeanPooled(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.auto = auto

        def forward(self, input_ids, attention_mask):
            hidden = self.auto(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            summed = (hidden * mask).sum(dim=1)
            mean = summed / mask.sum(dim=1).clamp(min=1e-9)
            return torch.nn.functional.normalize(mean, p=2.0, dim=1)

    return MeanPooled().eval()


def export_fp32(source: str, onnx_path: Path, log=lambda _msg: None) -> dict:
    """Export the float32 ONNX graph of the sentence-transformers folder `source`; returns its metadata."""
    import torch  # lazy, as above
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging


    hf_logging.disable_progress_bar()
    st_model = SentenceTransformer(source, device="cpu")
    module = _mean_pooling_module(st_model)
    tok = st_model.tokenizer
    pad_id = tok.pad_token_id if tok.pad_token_id is not None else 0
    # A padded batch of two, so the traced graph sees real masking (not the all-ones shortcut).
    enc = tok(["query: a short one", "passage: a somewhat longer text to pad the other one against"],
              padding=True, return_tensors="pt")
    args = (enc["input_ids"], enc["attention_mask"])
    log(f"eksporterer {source} til ONNX (opset {OPSET})")
    with warnings.catch_warnings(), torch.inference_mode():
        warnings.simplefilter("ignore")  # tracer notes about Python bools in transformers' mask code
        torch.onnx.export(
            module, args, str(onnx_path), input_names=["input_ids", "attention_mask"],
            output_names=["sentence_embedding"], opset_version=OPSET, dynamo=False,
            dynamic_axes={"input_ids": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"},
                          "sentence_embedding": {0: "batch"}},
        )
    get_dim = getattr(st_model, "get_embedding_dimension", None) or st_model.get_sentence_embedding_dimension
    return {
        "source": str(source), "source_stamp": source_stamp(source), "dim": int(get_dim()),
        "e5": is_e5(str(source), getattr(st_model, "prompts", None)),
        "pad_id": int(pad_id), "max_tokens": int(st_model.max_seq_length or 512),
        "opset": OPSET, "torch": torch.__version__,
    }


def quantise(fp32_path: Path, int8_path: Path) -> dict:
    """Dynamic int8 quantisation (weights per channel; activations at run time)."""
    # Lazy, as torch above: onnxruntime's quantiser is needed only when a model is exported.
    import onnxruntime
    from onnxruntime.quantization import QuantType, quantize_dynamic

    logging.getLogger().setLevel(max(logging.getLogger().level, logging.ERROR))  # "consider pre-processing"
    # reduce_range (7-bit weights): without AVX-512 VNNI the u8 x s8 kernels sum pairs of products
    # in 16 bits and saturate; measured on this machine, minimum query cosine to float32 0.978
    # without it, 0.994 with it, at the same speed.
    settings = {"weight_type": "QInt8", "per_channel": True, "reduce_range": True, "op_types": ["MatMul", "Gather"]}
    quantize_dynamic(str(fp32_path), str(int8_path), weight_type=QuantType.QInt8, per_channel=True,
                     reduce_range=True, op_types_to_quantize=settings["op_types"])
    return {"quantisation": {"method": "onnxruntime.quantization.quantize_dynamic", **settings},
            "onnxruntime": onnxruntime.__version__}


def export(source: str, out_dir: Path, progress: bool = True, quantize: bool = True) -> Path:
    """Write the ONNX folder `out_dir` for the sentence-transformers folder `source`, atomically."""
    out_dir = Path(out_dir)
    t0 = time.perf_counter()

    def log(msg: str) -> None:
        if progress:
            print(f"[onnx-eksport {time.perf_counter() - t0:5.1f}s] {msg}", file=sys.stderr, flush=True)

    log(f"lager {out_dir} (engangsjobb, tar omtrent ett minutt)")
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    try:
        fp32 = tmp / ("model.fp32.onnx" if quantize else "model.onnx")
        meta = export_fp32(source, fp32, log)
        if quantize:
            log(f"kvantiserer til int8 ({fp32.stat().st_size / 1e6:.0f} MB float32)")
            meta |= quantise(fp32, tmp / "model.onnx")
            fp32.unlink()
        else:
            meta["quantisation"] = None
        shutil.copyfile(Path(source) / "tokenizer.json", tmp / "tokenizer.json")
        meta["created"] = time.strftime("%Y-%m-%dT%H:%M:%S")
        (tmp / "export.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        umask = os.umask(0)
        os.umask(umask)
        for path in [tmp, *tmp.rglob("*")]:  # mkdtemp creates a private folder
            os.chmod(path, (0o777 if path.is_dir() else 0o666) & ~umask)
        if out_dir.exists() and not is_current(out_dir, source):  # stale, or a leftover from something else
            shutil.rmtree(out_dir)
        try:
            os.rename(tmp, out_dir)
        except OSError:
            if not is_current(out_dir, source):
                raise
            log("en annen prosess eksporterte samtidig; beholder den")
            shutil.rmtree(tmp)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    log(f"ferdig: {(out_dir / 'model.onnx').stat().st_size / 1e6:.0f} MB")
    return out_dir


def ensure(settings, progress: bool = True) -> Path:
    """The ONNX folder for settings.model, exported on first use."""
    source = resolve(settings)
    if not Path(source).is_dir() or not (Path(source) / "tokenizer.json").exists():
        raise ValueError(f"ONNX-eksporten trenger en lokal modellmappe med tokenizer.json, ikke «{source}»; "
                         "bruk REGIONGRAF_EMBEDDER=torch for denne modellen.")
    folder = folder_for(settings, source)
    if not is_current(folder, source):
        export(source, folder, progress=progress, quantize=settings.embedder != "onnx-fp32")
    return folder


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    settings = get_settings()
    if argv:
        out, source = Path(argv[0]), resolve(settings)
        if is_current(out, source):
            print(f"{out} finnes allerede", file=sys.stderr)
            return 0
        export(source, out)
        return 0
    folder = ensure(settings)
    print(f"ONNX-modellen ligger i {folder}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
