"""The scaffolding every training stage shares (SFT, reward model, PPO): optimizer, learning-rate
schedule and GradScaler, the backward/step sequence, checkpoints and exact resume (one file at
world size 1, sharded through torch.distributed.checkpoint above it), stop requests agreed by all
ranks, and the events. A stage supplies its modules, its data cursor and what one step computes.

Resume order: the model, optimizer, scheduler, scaler and cursor are rebuilt first and the RNG
states are restored last, so nothing draws random numbers between the restore and the next step.
"""
from __future__ import annotations

import logging
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

from . import checkpoint as ckpt
from .config import OptimConfig
from .data import DataCursor
from .determinism import capture_rng, restore_rng, rng_fingerprint
from .distributed import Dist
from .runtime import load_trainable, make_scaler, params_of, trainable_state, warmup_cosine
from .session import Session

log = logging.getLogger("trainer")


@dataclass
class LoopSpec:
    stage: str
    fingerprint: str
    #: Steps (PPO: iterations) to run; checkpoints and stop requests happen on their boundaries.
    total: int
    #: Optimizer updates in the whole run (the length of the learning-rate schedule).
    updates: int
    optim: OptimConfig
    precision: str
    device: torch.device
    dist: Dist
    root: Path
    interval: int
    keep: int
    #: Explicit generators whose state is part of the checkpoint (e.g. PPO's sampling generator).
    generators: dict[str, torch.Generator] = field(default_factory=dict)


class TrainingLoop:
    def __init__(self, spec: LoopSpec, modules: dict[str, nn.Module], cursor: DataCursor, session: Session) -> None:
        self.spec = spec
        self.modules = modules
        self.cursor = cursor
        self.session = session
        self.dist = spec.dist
        self.params = params_of(modules.values())
        o = spec.optim
        self.optimizer = torch.optim.AdamW(self.params, lr=o.lr, betas=(o.betas[0], o.betas[1]), eps=o.eps,
                                           weight_decay=o.weight_decay)
        self.scheduler = warmup_cosine(self.optimizer, o.warmup_steps, spec.updates, o.min_lr_ratio)
        self.scaler = make_scaler(spec.device, spec.precision)
        self.step = 0

    # -- one optimizer update ------------------------------------------------------------------
    def backward(self, loss: torch.Tensor) -> None:
        (self.scaler.scale(loss) if self.scaler is not None else loss).backward()

    def update(self) -> tuple[float, float]:
        """Unscale, clip, step, advance the schedule; returns (gradient norm, the lr just used)."""
        if self.scaler is not None:
            self.scaler.unscale_(self.optimizer)
        norm = torch.nn.utils.clip_grad_norm_(self.params, self.spec.optim.max_grad_norm)
        if self.scaler is not None:
            self.scaler.step(self.optimizer)
            self.scaler.update()
        else:
            self.optimizer.step()
        lr = self.scheduler.get_last_lr()[0]
        self.scheduler.step()
        full = norm.full_tensor() if hasattr(norm, "full_tensor") else norm
        return float(full), lr

    # -- start, step boundaries, end -----------------------------------------------------------
    def begin(self) -> None:
        """Cleans leftovers, resumes when asked, and announces the run (RNG restored last)."""
        if self.dist.is_main:
            ckpt.clean_partial(self.spec.root)
        self.dist.barrier()
        rng_state = None
        resumed_from = None
        if self.session.resume:
            directory = ckpt.resolve(self.session.resume)
            rng_state = self._load(directory)
            resumed_from = str(directory)
            log.info("%s: resumed from %s at step %d of %d", self.spec.stage, directory, self.step, self.spec.total)
        self.session.events.emit("start", stage=self.spec.stage, total=self.spec.total, step=self.step,
                                 resumed_from=resumed_from, world_size=self.dist.world_size)
        if rng_state is not None:
            restore_rng(rng_state, self.spec.generators)  # last: nothing may draw random numbers after it
            self.session.events.emit("resumed", step=self.step, rng=self._rng_digest())

    def end_step(self, metrics: dict[str, float], log_now: bool = True) -> None:
        """Counts the step, reports it, and checkpoints on the interval or when a stop is requested
        (then raises StopRequested). Every rank calls this at the same step."""
        self.step += 1
        s, events = self.spec, self.session.events
        events.progress(self.step, s.total)
        if log_now or self.step == s.total:
            events.metrics(self.step, metrics)
        stopping = self.dist.any(self.session.should_stop(self.step))
        periodic = s.interval > 0 and self.step % s.interval == 0
        if periodic or (stopping and self.step < s.total):
            path = self.save()
            if stopping and self.step < s.total:
                raise ckpt.StopRequested(self.step, path)

    def trainable(self) -> dict[str, torch.Tensor]:
        """Every trainable parameter in full, as CPU tensors, on rank 0 (other ranks get {}).
        A collective above world size 1: every rank calls it."""
        if not self.dist.sharded:
            return trainable_state(self.modules)
        from torch.distributed.checkpoint.state_dict import StateDictOptions, get_model_state_dict

        full = get_model_state_dict(nn.ModuleDict(self.modules), options=StateDictOptions(
            full_state_dict=True, cpu_offload=True, ignore_frozen_params=True))
        return {k: v for k, v in full.items()} if self.dist.is_main else {}

    # -- checkpoints ---------------------------------------------------------------------------
    def _own_state(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "scheduler": self.scheduler.state_dict(),
            "scaler": self.scaler.state_dict() if self.scaler is not None else {},
            "cursor": self.cursor.state_dict(),
            "rng": capture_rng(self.spec.generators),
        }

    def _meta(self) -> dict[str, Any]:
        return {"stage": self.spec.stage, "fingerprint": self.spec.fingerprint, "total": self.spec.total}

    def _sharded_state(self) -> dict[str, Any]:
        from torch.distributed.checkpoint.state_dict import StateDictOptions, get_state_dict

        model, optim = get_state_dict(nn.ModuleDict(self.modules), self.optimizer,
                                      options=StateDictOptions(ignore_frozen_params=True))
        return {"model": model, "optim": optim}

    def save(self) -> str:
        began = time.perf_counter()
        s = self.spec
        if not self.dist.sharded:
            state = {**self._own_state(), "trainable": trainable_state(self.modules),
                     "optimizer": self.optimizer.state_dict()}
            path = str(ckpt.save(s.root, self.step, state, self._meta(), s.keep))
        else:
            tmp = ckpt.shard_folder(s.root, self.step)
            if self.dist.is_main:
                shutil.rmtree(tmp, ignore_errors=True)
                tmp.mkdir(parents=True)
            self.dist.barrier()
            ckpt.save_rank(tmp, self.dist.rank, self._sharded_state(), self._own_state())
            self.dist.barrier()  # every rank's part is on disk before the commit marker
            final = ckpt.commit(s.root, tmp, self.step, {**self._meta(), "world_size": self.dist.world_size}, s.keep) \
                if self.dist.is_main else None
            path = self.dist.gather(str(final) if final else None)[0]
        self.session.events.emit("checkpoint", step=self.step, path=path, rng=self._rng_digest(),
                                 seconds=round(time.perf_counter() - began, 6))
        return path

    def _load(self, directory: Path) -> dict[str, Any]:
        """Restores everything but the RNG states, which are returned for `begin` to restore last."""
        if not self.dist.sharded:
            state, meta = ckpt.load(directory)
        else:
            from torch.distributed.checkpoint.state_dict import StateDictOptions, set_state_dict

            sharded = self._sharded_state()
            state, meta = ckpt.load_rank(directory, self.dist.rank, self.dist.world_size, sharded)
        if meta.get("stage") != self.spec.stage or meta.get("fingerprint") != self.spec.fingerprint:
            raise ckpt.CheckpointError(
                f"checkpoint {directory} was written by a different {meta.get('stage')} configuration; "
                "resume only with the configuration that wrote it")
        if not self.dist.sharded:
            load_trainable(self.modules, state["trainable"])
            self.optimizer.load_state_dict(state["optimizer"])
        else:
            set_state_dict(nn.ModuleDict(self.modules), self.optimizer, model_state_dict=sharded["model"],
                           optim_state_dict=sharded["optim"],
                           # DCP has already refused a checkpoint lacking any trainable entry; not
                           # strict, because the frozen base weights are never part of it
                           options=StateDictOptions(ignore_frozen_params=True, strict=False))
        self.scheduler.load_state_dict(state["scheduler"])
        if self.scaler is not None and state.get("scaler"):
            self.scaler.load_state_dict(state["scaler"])
        self.cursor.load_state_dict(state["cursor"])
        self.step = int(state["step"])
        return state["rng"]  # type: ignore[no-any-return]

    def _rng_digest(self) -> str:
        return rng_fingerprint(*self.spec.generators.values())
