"""The optimisation loop shared by SFT and the reward model, with exact resume.

One *step* is one optimizer update over `grad_accum` micro-batches. Checkpoints are taken only at
step boundaries and hold everything that decides what happens next: trainable weights, optimizer,
scheduler, grad scaler, data cursor (epoch, position, order digest), counters and every RNG.
On resume the RNG states are restored last, after the model, optimizer and cursor are rebuilt,
so nothing draws from them between the restore and the next step.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Protocol

import torch
from torch import nn

from . import checkpoint as ckpt
from .config import OptimConfig
from .data import DataCursor, batches_per_epoch
from .determinism import capture_rng, restore_rng, rng_fingerprint
from .runtime import autocast, load_trainable, make_scaler, params_of, trainable_state, warmup_cosine
from .session import Session

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


def total_steps(s: LoopSettings) -> int:
    if s.max_steps is not None:
        return s.max_steps
    micro = int(round(s.epochs * batches_per_epoch(s.size, s.batch_size)))
    return max(1, -(-micro // s.grad_accum))


def run(s: LoopSettings, modules: dict[str, nn.Module], objective: Objective, session: Session,
        root_for_checkpoints: str) -> int:
    """Trains until the last step; returns it. Raises StopRequested after SIGTERM."""
    from pathlib import Path

    root = Path(root_for_checkpoints)
    ckpt.clean_partial(root)
    total = total_steps(s)
    params = params_of(modules.values())
    o = s.optim
    optimizer = torch.optim.AdamW(params, lr=o.lr, betas=(o.betas[0], o.betas[1]), eps=o.eps, weight_decay=o.weight_decay)
    scheduler = warmup_cosine(optimizer, o.warmup_steps, total, o.min_lr_ratio)
    scaler = make_scaler(s.device, s.precision)
    cursor = DataCursor(s.size, s.seed)
    step = 0
    resumed_from = None
    rng_state = None
    if session.resume:
        directory = ckpt.resolve(session.resume)
        state, meta = ckpt.load(directory)
        if meta.get("stage") != s.stage or meta.get("fingerprint") != s.fingerprint:
            raise ckpt.CheckpointError(
                f"checkpoint {directory} was written by a different {meta.get('stage')} configuration; "
                "resume only with the configuration that wrote it")
        load_trainable(modules, state["trainable"])
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        if scaler is not None and state.get("scaler"):
            scaler.load_state_dict(state["scaler"])
        cursor.load_state_dict(state["cursor"])
        step = int(state["step"])
        rng_state = state["rng"]
        resumed_from = str(directory)
        log.info("%s: resumed from %s at step %d of %d", s.stage, directory, step, total)
    session.events.emit("start", stage=s.stage, total=total, step=step, resumed_from=resumed_from)
    if rng_state is not None:
        restore_rng(rng_state)  # last: nothing may draw random numbers between here and the loop
        session.events.emit("resumed", step=step, rng=rng_fingerprint())

    def save() -> str:
        began = time.perf_counter()
        state = {
            "step": step,
            "trainable": trainable_state(modules),
            "optimizer": optimizer.state_dict(),
            "scheduler": scheduler.state_dict(),
            "scaler": scaler.state_dict() if scaler is not None else {},
            "cursor": cursor.state_dict(),
            "rng": capture_rng(),
        }
        path = ckpt.save(root, step, state, {"stage": s.stage, "fingerprint": s.fingerprint, "total": total}, s.keep)
        session.events.emit("checkpoint", step=step, path=str(path), rng=rng_fingerprint(),
                            seconds=round(time.perf_counter() - began, 6))
        return str(path)

    for m in modules.values():
        m.train()
    while step < total:
        optimizer.zero_grad(set_to_none=True)
        sums: dict[str, float] = {}
        for _ in range(s.grad_accum):
            idx = cursor.next_batch(s.batch_size)
            with autocast(s.device, s.precision):
                loss, extra = objective(idx)
            scaled = loss / s.grad_accum
            (scaler.scale(scaled) if scaler is not None else scaled).backward()
            sums["loss"] = sums.get("loss", 0.0) + float(loss.detach()) / s.grad_accum
            for k, v in extra.items():
                sums[k] = sums.get(k, 0.0) + v / s.grad_accum
        if scaler is not None:
            scaler.unscale_(optimizer)
        grad_norm = torch.nn.utils.clip_grad_norm_(params, o.max_grad_norm)
        if scaler is not None:
            scaler.step(optimizer)
            scaler.update()
        else:
            optimizer.step()
        lr = scheduler.get_last_lr()[0]
        scheduler.step()
        step += 1
        session.events.progress(step, total)
        if step % s.log_interval == 0 or step == total:
            session.events.metrics(step, {**sums, "lr": lr, "grad_norm": float(grad_norm), "epoch": cursor.epoch})
        stopping = session.should_stop(step)
        periodic = s.checkpoint_interval > 0 and step % s.checkpoint_interval == 0
        if periodic or (stopping and step < total):
            path = save()
            if stopping and step < total:
                raise ckpt.StopRequested(step, path)
    return step
