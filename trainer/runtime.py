"""Device and precision choice, the learning-rate schedule, and hashing of trained weights."""
from __future__ import annotations

import contextlib
import hashlib
import math
from typing import Any, ContextManager, Iterable

import torch
from torch import nn

from .config import CommonConfig


def select_device(cfg: CommonConfig) -> torch.device:
    if cfg.device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(cfg.device)


def select_precision(cfg: CommonConfig, device: torch.device) -> str:
    """"fp32", "bf16" or "fp16" for this device."""
    if cfg.precision != "auto":
        if cfg.precision in ("bf16", "fp16") and device.type != "cuda":
            return "fp32" if cfg.precision == "fp16" else "bf16"
        return cfg.precision
    if device.type == "cuda" and torch.cuda.is_bf16_supported():
        return "bf16"
    return "fp32"


def load_dtype(precision: str) -> torch.dtype:
    """dtype in which a real base model's frozen weights are loaded."""
    return {"bf16": torch.bfloat16, "fp16": torch.float16}.get(precision, torch.float32)


def autocast(device: torch.device, precision: str) -> ContextManager[Any]:
    if precision == "fp32":
        return contextlib.nullcontext()
    dtype = torch.bfloat16 if precision == "bf16" else torch.float16
    return torch.autocast(device_type=device.type, dtype=dtype)


def make_scaler(device: torch.device, precision: str) -> torch.amp.GradScaler | None:
    """fp16 needs loss scaling; bf16 and fp32 do not."""
    if precision == "fp16" and device.type == "cuda":
        return torch.amp.GradScaler("cuda")
    return None


def warmup_cosine(optimizer: torch.optim.Optimizer, warmup: int, total: int, min_ratio: float) -> torch.optim.lr_scheduler.LambdaLR:
    """Linear warm-up from 0 over `warmup` steps, then cosine decay to `min_ratio` of the peak."""

    def factor(step: int) -> float:
        if warmup > 0 and step < warmup:
            return (step + 1) / warmup
        span = max(1, total - warmup)
        progress = min(1.0, (step - warmup) / span)
        return min_ratio + (1.0 - min_ratio) * 0.5 * (1.0 + math.cos(math.pi * progress))

    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)


def trainable_state(modules: dict[str, nn.Module]) -> dict[str, torch.Tensor]:
    """Every trainable parameter, named `<module>.<param>`, as detached CPU tensors."""
    out: dict[str, torch.Tensor] = {}
    for prefix, module in modules.items():
        for name, p in module.named_parameters():
            if p.requires_grad:
                out[f"{prefix}.{name}"] = p.detach().to("cpu").clone()
    return out


def load_trainable(modules: dict[str, nn.Module], state: dict[str, torch.Tensor]) -> None:
    expected = trainable_state(modules).keys()
    missing = sorted(set(expected) - set(state))
    extra = sorted(set(state) - set(expected))
    if missing or extra:
        raise RuntimeError(f"checkpoint weights do not match the model: missing {missing[:3]}, unexpected {extra[:3]}")
    with torch.no_grad():
        for prefix, module in modules.items():
            for name, p in module.named_parameters():
                if p.requires_grad:
                    p.copy_(state[f"{prefix}.{name}"].to(p.device, p.dtype))


def part(state: dict[str, torch.Tensor], prefix: str) -> dict[str, torch.Tensor]:
    """The entries of one module in a `<module>.<param>` state, named as in the module itself."""
    head = prefix + "."
    return {k[len(head):]: v for k, v in state.items() if k.startswith(head)}


def weights_sha256(state: dict[str, torch.Tensor]) -> str:
    """Hash of names, dtypes, shapes and exact bytes: equal hashes mean bit-identical weights."""
    h = hashlib.sha256()
    for name in sorted(state):
        t = state[name].detach().to("cpu").contiguous()
        h.update(name.encode())
        h.update(str(t.dtype).encode())
        h.update(str(tuple(t.shape)).encode())
        h.update(t.view(torch.uint8).numpy().tobytes() if t.numel() else b"")
    return h.hexdigest()


def move_batch(batch: dict[str, torch.Tensor], device: torch.device) -> dict[str, torch.Tensor]:
    return {k: v.to(device) for k, v in batch.items()}


def params_of(modules: Iterable[nn.Module]) -> list[nn.Parameter]:
    return [p for m in modules for p in m.parameters() if p.requires_grad]


def backbone_hidden(model: nn.Module, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    """Last-layer hidden states of a (possibly PEFT-wrapped) causal LM, without the LM head.

    A model sharded with FSDP2 is called as a whole (its root gathers the embeddings), keeping the
    logits of the last position only."""
    from torch.distributed.fsdp import FSDPModule

    inner = model.get_base_model() if hasattr(model, "get_base_model") else model
    body = getattr(inner, "model", None)
    if body is not None and not isinstance(model, FSDPModule):
        return body(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state  # type: ignore[no-any-return]
    out = model(input_ids=input_ids, attention_mask=attention_mask, output_hidden_states=True, logits_to_keep=1)
    return out.hidden_states[-1]  # type: ignore[no-any-return]


def last_token_index(attention_mask: torch.Tensor) -> torch.Tensor:
    """Index of the last real token in each right-padded row."""
    return attention_mask.sum(dim=1) - 1
