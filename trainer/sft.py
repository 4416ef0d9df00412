"""Supervised fine-tuning: next-token loss on the completion (reasoning trace + fix, or the fix
alone) given the task input, with LoRA adapters."""
from __future__ import annotations

import logging
from pathlib import Path

import torch

from .config import SftConfig, training_fingerprint
from .data import build_sequence, field_of, pad_batch, read_jsonl, Sequence
from .modeling import apply_lora, load_base, save_model_dir
from .runtime import load_dtype, move_batch, select_device, select_precision, trainable_state, weights_sha256
from .session import Session
from .supervised import LoopSettings, run as run_loop
from .tokenizer import Tokenizer

log = logging.getLogger("trainer")


def completion_text(row: dict[str, object], cfg: SftConfig, index: int) -> str:
    fix = field_of(row, cfg.fix_field, cfg.data, index)  # type: ignore[arg-type]
    if cfg.target == "fix":
        return fix
    trace = field_of(row, cfg.trace_field, cfg.data, index)  # type: ignore[arg-type]
    return f"{trace}\n{fix}"


def encode_dataset(cfg: SftConfig, tok: Tokenizer) -> list[Sequence]:
    rows = read_jsonl(cfg.data)
    return [
        build_sequence(tok, field_of(r, cfg.prompt_field, cfg.data, i), completion_text(r, cfg, i), cfg.max_length)
        for i, r in enumerate(rows)
    ]


def train(cfg: SftConfig, session: Session) -> dict[str, str]:
    device = select_device(cfg)
    precision = select_precision(cfg, device)
    base, tok, lineage = load_base(cfg.model, cfg.tiny, cfg.seed, load_dtype(precision))
    model = apply_lora(base, cfg.lora, cfg.seed).to(device)
    examples = encode_dataset(cfg, tok)
    log.info("sft: %d examples, target=%s, precision=%s, device=%s", len(examples), cfg.target, precision, device)

    def objective(indices: list[int]) -> tuple[torch.Tensor, dict[str, float]]:
        batch = pad_batch([examples[i].input_ids for i in indices], tok.pad_id, [examples[i].labels for i in indices])
        b = move_batch(batch, device)
        out = model(input_ids=b["input_ids"], attention_mask=b["attention_mask"], labels=b["labels"])
        return out.loss, {}

    settings = LoopSettings(
        stage="sft", fingerprint=training_fingerprint(cfg), size=len(examples), seed=cfg.seed,
        batch_size=cfg.batch_size, grad_accum=cfg.grad_accum, epochs=cfg.epochs, max_steps=cfg.max_steps,
        optim=cfg.optim, precision=precision, device=device, checkpoint_interval=cfg.checkpoint.interval,
        keep=cfg.checkpoint.keep, log_interval=cfg.log_interval,
    )
    modules = {"policy": model}
    run_loop(settings, modules, objective, session, str(session.checkpoint_root(cfg)))
    out = Path(cfg.output_dir) / "model"
    save_model_dir(out, model, tok, lineage, extra={"stage": "sft", "target": cfg.target})
    digest = weights_sha256(trainable_state(modules))
    return {"output": str(out), "sha256": digest}
