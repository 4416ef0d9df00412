"""Supervised fine-tuning: next-token loss on the completion (reasoning trace + fix, or the fix
alone) given the task input, with LoRA adapters."""
from __future__ import annotations

import logging
from pathlib import Path

import torch

from .config import SftConfig, training_fingerprint
from .data import build_sequence, field_of, pad_batch, read_jsonl, Sequence
from .modeling import apply_lora, load_base
from .distributed import placement, shard
from .runtime import load_dtype, move_batch
from .session import Session
from .supervised import LoopSettings, finish, run as run_loop
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
    device, precision, dist = placement(cfg)
    base, tok, lineage = load_base(cfg.model, cfg.tiny, cfg.seed, load_dtype(precision))
    model = shard(apply_lora(base, cfg.lora, cfg.seed).to(device), dist, precision)
    examples = encode_dataset(cfg, tok)
    log.info("sft: %d examples, target=%s, precision=%s, device=%s, world size %d", len(examples), cfg.target,
             precision, device, dist.world_size)

    def objective(indices: list[int]) -> tuple[torch.Tensor, dict[str, float]]:
        batch = pad_batch([examples[i].input_ids for i in indices], tok.pad_id, [examples[i].labels for i in indices])
        b = move_batch(batch, device)
        out = model(input_ids=b["input_ids"], attention_mask=b["attention_mask"], labels=b["labels"])
        return out.loss, {}

    settings = LoopSettings(
        stage="sft", fingerprint=training_fingerprint(cfg), size=len(examples), seed=cfg.seed,
        batch_size=cfg.batch_size, grad_accum=cfg.grad_accum, epochs=cfg.epochs, max_steps=cfg.max_steps,
        optim=cfg.optim, precision=precision, device=device, checkpoint_interval=cfg.checkpoint.interval,
        keep=cfg.checkpoint.keep, log_interval=cfg.log_interval, dist=dist,
    )
    loop = run_loop(settings, {"policy": model}, objective, session, str(session.checkpoint_root(cfg)))
    return finish(loop, Path(cfg.output_dir) / "model", model, tok, lineage, {"stage": "sft", "target": cfg.target})
