"""Models: the tiny model built in code, real models from a local path or name, Repairity output
directories (base + LoRA adapter, merged on load), LoRA wrapping, and scalar heads.

A Repairity model directory (written by SFT, reward and PPO) holds:
  repairity_model.json   {"base": {"kind": "tiny", "tiny": {...}, "seed": n} | {"kind": "hf", "name": ...},
                          "adapters": ["adapters/0", ...], "head": "head.safetensors"?}
  adapters/<i>/          PEFT LoRA adapters, merged into the base in order when loaded
  head.safetensors       the scalar head (reward models)
  tokenizer files
"""
from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

import torch
from torch import nn

from .config import LoraConfig, TinyModelConfig
from .tokenizer import ByteTokenizer, Tokenizer, load_tokenizer

MANIFEST = "repairity_model.json"


def build_tiny(cfg: TinyModelConfig, tokenizer: Tokenizer, seed: int) -> nn.Module:
    """A Qwen2-architecture causal LM with random weights; the same seed gives the same weights."""
    from transformers import Qwen2Config, Qwen2ForCausalLM

    config = Qwen2Config(
        vocab_size=tokenizer.vocab_size,
        hidden_size=cfg.hidden_size,
        intermediate_size=cfg.intermediate_size,
        num_hidden_layers=cfg.num_hidden_layers,
        num_attention_heads=cfg.num_attention_heads,
        num_key_value_heads=cfg.num_key_value_heads,
        max_position_embeddings=cfg.max_position_embeddings,
        initializer_range=cfg.initializer_range,
        tie_word_embeddings=True,
        pad_token_id=tokenizer.pad_id,
        bos_token_id=tokenizer.bos_id,
        eos_token_id=tokenizer.eos_id,
        attn_implementation="eager",
    )
    devices = [torch.cuda.current_device()] if torch.cuda.is_available() else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        model = Qwen2ForCausalLM(config)
    return model


def is_repairity_dir(path: str) -> bool:
    return (Path(path) / MANIFEST).exists()


def _build_root(base: dict[str, Any], dtype: torch.dtype) -> tuple[nn.Module, Tokenizer]:
    if base["kind"] == "tiny":
        tok = ByteTokenizer()
        tiny = TinyModelConfig(**base["tiny"])
        return build_tiny(tiny, tok, int(base["seed"])), tok
    from transformers import AutoModelForCausalLM

    from .students import resolve

    # A named student (trainer/students.py) loads from its folder in the cache, like any local base model.
    model = AutoModelForCausalLM.from_pretrained(resolve(base["name"]), dtype=dtype)
    return model, load_tokenizer(base["name"])


def load_base(spec: str, tiny: TinyModelConfig, seed: int, dtype: torch.dtype) -> tuple[nn.Module, Tokenizer, dict[str, Any]]:
    """Returns (causal LM with every earlier adapter merged in, tokenizer, lineage).

    `spec` is "tiny", a named student (trainer/students.py), a Repairity model directory, or a
    Hugging Face model path or name. The lineage names the root base and the adapter folders merged
    into it, so a new model directory can carry them along and stay self-contained (it is moved
    between machines as an artifact).
    """
    if spec == "tiny":
        base: dict[str, Any] = {"kind": "tiny", "tiny": asdict(tiny), "seed": seed}
        model, tok = _build_root(base, dtype)
        return model, tok, {"base": base, "adapters": []}
    if is_repairity_dir(spec):
        root = Path(spec)
        manifest = json.loads((root / MANIFEST).read_text())
        model, tok = _build_root(manifest["base"], dtype)
        adapters = [str(root / a) for a in manifest["adapters"]]
        if adapters:
            from peft import PeftModel

            for adapter in adapters:
                model = PeftModel.from_pretrained(model, adapter).merge_and_unload()
        return model, tok, {"base": manifest["base"], "adapters": adapters}
    base = {"kind": "hf", "name": spec}
    model, tok = _build_root(base, dtype)
    return model, tok, {"base": base, "adapters": []}


def apply_lora(model: nn.Module, cfg: LoraConfig, seed: int) -> nn.Module:
    """Wraps the model with fresh LoRA adapters (initialised from `seed`, independent of the
    global RNG stream, so that building the model never shifts training randomness)."""
    from peft import LoraConfig as PeftLoraConfig, get_peft_model

    peft_cfg = PeftLoraConfig(
        r=cfg.rank,
        lora_alpha=cfg.alpha,
        lora_dropout=cfg.dropout,
        target_modules=cfg.target_modules,
        bias="none",
        task_type="CAUSAL_LM",
    )
    devices = [torch.cuda.current_device()] if torch.cuda.is_available() else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed + 1)
        return get_peft_model(model, peft_cfg)


class ScalarHead(nn.Module):
    """A linear map from the last hidden state to one number (reward or value)."""

    def __init__(self, hidden_size: int, seed: int, zero: bool = False) -> None:
        super().__init__()
        gen = torch.Generator().manual_seed(seed + 2)
        self.proj = nn.Linear(hidden_size, 1)
        with torch.no_grad():
            if zero:  # a value head starts at 0 so early advantages are not noise
                self.proj.weight.zero_()
            else:
                self.proj.weight.copy_(torch.randn(self.proj.weight.shape, generator=gen) / hidden_size**0.5)
            self.proj.bias.zero_()

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        return self.proj(hidden).squeeze(-1)


def hidden_size_of(model: nn.Module) -> int:
    config = getattr(model, "config", None)
    size = getattr(config, "hidden_size", None)
    if size is None:
        raise ValueError("model config has no hidden_size")
    return int(size)


def save_model_dir(
    out: Path,
    peft_model: nn.Module,
    tokenizer: Tokenizer,
    lineage: dict[str, Any],
    head: ScalarHead | None = None,
    extra: dict[str, Any] | None = None,
    state: dict[str, dict[str, torch.Tensor]] | None = None,
) -> None:
    """Writes a self-contained Repairity model directory: the earlier adapters are copied in.
    `state` gives the full weights ({"policy": ..., "head": ...}) of a model sharded over several
    processes, gathered on the one that writes; without it they are read from the modules."""
    import shutil

    out.mkdir(parents=True, exist_ok=True)
    names: list[str] = []
    for i, parent in enumerate(lineage["adapters"]):
        name = f"adapters/{i}"
        shutil.copytree(parent, out / name, dirs_exist_ok=True)
        names.append(name)
    name = f"adapters/{len(names)}"
    if state is None:
        peft_model.save_pretrained(str(out / name))  # type: ignore[attr-defined]
    else:
        peft_model.save_pretrained(str(out / name), state_dict=state["policy"])  # type: ignore[attr-defined]
    names.append(name)
    tokenizer.save(out)
    manifest: dict[str, Any] = {"base": lineage["base"], "adapters": names, **(extra or {})}
    if head is not None:
        from safetensors.torch import save_file

        weights = state["head"] if state is not None else head.state_dict()
        save_file({k: v.contiguous() for k, v in weights.items()}, str(out / "head.safetensors"))
        manifest["head"] = "head.safetensors"
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2))


def load_head(directory: str, hidden_size: int) -> ScalarHead:
    from safetensors.torch import load_file

    head = ScalarHead(hidden_size, seed=0)
    head.load_state_dict(load_file(str(Path(directory) / "head.safetensors")))
    return head
