"""The optimisation loop shared by SFT and the reward model.

One *step* is one optimizer update over `grad_accum` micro-batches of `batch_size` examples (the
global batch: at world size N each rank takes every N-th example of it). The scaffolding around
the steps (checkpoints, exact resume, stop requests, events) is `loop.TrainingLoop`, shared with PPO.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import torch
from torch import nn

from .config import OptimConfig
from .data import DataCursor, batches_per_epoch
from .distributed import SINGLE, Dist
from .loop import LoopSpec, TrainingLoop
from .modeling import ScalarHead, save_model_dir
from .runtime import autocast, part, weights_sha256
from .session import Session
from .tokenizer import Tokenizer

log = logging.getLogger("trainer")


class Objective(Protocol):
    def __call__(self, indices: list[int]) -> tuple[torch.Tensor, dict[str, float]]: ...


@dataclass
class LoopSettings:
    stage: str
    fingerprint: str
    size: int
    seed: int
    batch_size: int
    grad_accum: int
    epochs: float
    max_steps: int | None
    optim: OptimConfig
    precision: str
    device: torch.device
    checkpoint_interval: int
    keep: int
    log_interval: int
    dist: Dist = SINGLE


def total_steps(s: LoopSettings) -> int:
    if s.max_steps is not None:
        return s.max_steps
    micro = int(round(s.epochs * batches_per_epoch(s.size, s.batch_size)))
    return max(1, -(-micro // s.grad_accum))


def rank_slice(indices: list[int], dist: Dist) -> tuple[list[int], float]:
    """This rank's share of a global batch and the weight of its loss. A short last batch of an
    epoch can leave a rank without examples; it then runs one example with weight 0, because every
    rank must take part in each sharded forward and backward."""
    mine = indices[dist.rank::dist.world_size]
    return (mine, 1.0) if mine else (indices[:1], 0.0)


def run(s: LoopSettings, modules: dict[str, nn.Module], objective: Objective, session: Session,
        root_for_checkpoints: str) -> TrainingLoop:
    """Trains until the last step and returns the loop (its `step`, `trainable()`). Raises
    StopRequested after SIGTERM."""
    total = total_steps(s)
    spec = LoopSpec(stage=s.stage, fingerprint=s.fingerprint, total=total, updates=total, optim=s.optim,
                    precision=s.precision, device=s.device, dist=s.dist, root=Path(root_for_checkpoints),
                    interval=s.checkpoint_interval, keep=s.keep)
    cursor = DataCursor(s.size, s.seed)
    loop = TrainingLoop(spec, modules, cursor, session)
    loop.begin()
    for m in modules.values():
        m.train()
    while loop.step < total:
        loop.optimizer.zero_grad(set_to_none=True)
        sums: dict[str, float] = {}
        for _ in range(s.grad_accum):
            idx, weight = rank_slice(cursor.next_batch(s.batch_size), s.dist)
            with autocast(s.device, s.precision):
                loss, extra = objective(idx)
            loop.backward(loss * weight / s.grad_accum if s.dist.sharded else loss / s.grad_accum)
            sums["loss"] = sums.get("loss", 0.0) + float(loss.detach()) / s.grad_accum
            for k, v in extra.items():
                sums[k] = sums.get(k, 0.0) + v / s.grad_accum
        grad_norm, lr = loop.update()
        sums = s.dist.mean_of(sums)
        loop.end_step({**sums, "lr": lr, "grad_norm": grad_norm, "epoch": cursor.epoch},
                      log_now=(loop.step + 1) % s.log_interval == 0)
    return loop


def finish(loop: TrainingLoop, out: Path, model: nn.Module, tok: Tokenizer, lineage: dict[str, object],
           extra: dict[str, object], head: ScalarHead | None = None) -> dict[str, str]:
    """Writes the model directory (rank 0, from the gathered weights above world size 1) and
    returns its location and the hash of the trained weights."""
    weights = loop.trainable()  # a collective when sharded
    if loop.dist.is_main:
        state = {name: part(weights, name) for name in loop.modules} if loop.dist.sharded else None
        save_model_dir(out, model, tok, lineage, head=head, extra=extra, state=state)  # type: ignore[arg-type]
    loop.dist.barrier()
    return {"output": str(out), "sha256": weights_sha256(weights) if loop.dist.is_main else ""}
