"""Atomic checkpoints: written into a temporary folder, fsynced, then renamed into place, so a
crash never leaves half a checkpoint under a real name. The newest `keep` are kept.

Layout: <root>/step-00000042/{state.pt, meta.json}. `state.pt` holds plain tensors, numbers,
strings and lists only, and is read back with `torch.load(weights_only=True)`.

At world size N > 1: <root>/step-00000042/{sharded/ (torch.distributed.checkpoint: each rank's
shard of the trainable weights and optimizer state), rank-00000.pt ... (each rank's RNG states,
data cursor, scheduler), meta.json}. Every rank writes into the same temporary folder; once all
are done, rank 0 writes meta.json (the commit marker) and renames the folder into place. meta.json
records the world size, and a checkpoint is only resumed at the world size that wrote it.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import time
from pathlib import Path
from types import FrameType
from typing import Any

import torch

STEP_DIR = re.compile(r"^step-(\d{8})$")


class CheckpointError(RuntimeError):
    """A checkpoint cannot be used (missing, unreadable, or from a different configuration)."""


def _fsync_file(path: Path) -> None:
    with path.open("rb") as fh:
        os.fsync(fh.fileno())


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def step_dirs(root: Path) -> list[tuple[int, Path]]:
    if not root.exists():
        return []
    found = []
    for child in root.iterdir():
        m = STEP_DIR.match(child.name)
        if m and child.is_dir() and (child / "meta.json").exists():
            found.append((int(m.group(1)), child))
    return sorted(found)


def latest(root: Path) -> Path | None:
    dirs = step_dirs(root)
    return dirs[-1][1] if dirs else None


def clean_partial(root: Path) -> None:
    """Removes temporary folders a killed process left behind."""
    if root.exists():
        for child in root.iterdir():
            if child.name.startswith(".tmp-") or child.name.startswith(".old-"):
                shutil.rmtree(child, ignore_errors=True)


def save(root: Path, step: int, state: dict[str, Any], meta: dict[str, Any], keep: int) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    tmp = root / f".tmp-step-{step:08d}-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    torch.save(state, tmp / "state.pt")
    return commit(root, tmp, step, {**meta, "world_size": 1}, keep)


def shard_folder(root: Path, step: int) -> Path:
    """The temporary folder all ranks of a sharded checkpoint write into (the same name on every rank)."""
    return root / f".tmp-step-{step:08d}-sharded"


def save_rank(tmp: Path, rank: int, sharded: dict[str, Any], own: dict[str, Any]) -> None:
    """One rank's part of a sharded checkpoint: its shard through DCP (a collective: every rank
    calls it) and its own state file. Call `commit` on rank 0 once every rank has returned."""
    import torch.distributed.checkpoint as dcp

    dcp.save(sharded, checkpoint_id=str(tmp / "sharded"))
    torch.save(own, tmp / f"rank-{rank:05d}.pt")


def commit(root: Path, tmp: Path, step: int, meta: dict[str, Any], keep: int) -> Path:
    """Makes a fully written temporary folder the checkpoint of `step`: meta.json last, then rename."""
    final = root / f"step-{step:08d}"
    (tmp / "meta.json").write_text(json.dumps({"step": step, "saved_at": time.time(), **meta}, indent=2))
    for f in tmp.rglob("*"):
        if f.is_file():
            _fsync_file(f)
    for d in [tmp, *(p for p in tmp.rglob("*") if p.is_dir())]:
        _fsync_dir(d)
    if final.exists():
        old = root / f".old-step-{step:08d}-{os.getpid()}"
        final.rename(old)
        tmp.rename(final)
        shutil.rmtree(old, ignore_errors=True)
    else:
        tmp.rename(final)
    _fsync_dir(root)
    for _, stale in step_dirs(root)[:-keep] if keep > 0 else []:
        if stale != final:
            shutil.rmtree(stale, ignore_errors=True)
    return final


def resolve(path: str) -> Path:
    """`path` is a checkpoint folder, or a folder of checkpoints (the newest is taken)."""
    p = Path(path)
    if (p / "meta.json").exists() and ((p / "state.pt").exists() or (p / "sharded").exists()):
        return p
    newest = latest(p)
    if newest is None:
        raise CheckpointError(f"no checkpoint found at {path}")
    return newest


def read_meta(directory: Path, world_size: int) -> dict[str, Any]:
    """The checkpoint's meta.json, refusing one written at another world size."""
    try:
        meta: dict[str, Any] = json.loads((directory / "meta.json").read_text())
    except (OSError, ValueError) as err:
        raise CheckpointError(f"cannot read checkpoint {directory}: {err}") from err
    written = int(meta.get("world_size", 1))
    if written != world_size:
        raise CheckpointError(
            f"checkpoint {directory} was written at world size {written} ({written} process(es)) and this run has "
            f"world size {world_size}: sharded model, optimizer and RNG state only resume at the size that wrote "
            f"them; set config.distributed to {written} process(es) (nproc_per_node x nnodes) to resume it, or start "
            "without --resume")
    return meta


def load(directory: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    meta = read_meta(directory, 1)
    try:
        state = torch.load(directory / "state.pt", map_location="cpu", weights_only=True)
    except (OSError, ValueError, RuntimeError) as err:
        raise CheckpointError(f"cannot read checkpoint {directory}: {err}") from err
    return state, meta


def load_rank(directory: Path, rank: int, world_size: int, sharded: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Loads this rank's shard into `sharded` (in place, a collective) and returns its own state and meta."""
    import torch.distributed.checkpoint as dcp

    meta = read_meta(directory, world_size)
    try:
        dcp.load(sharded, checkpoint_id=str(directory / "sharded"))
        own = torch.load(directory / f"rank-{rank:05d}.pt", map_location="cpu", weights_only=True)
    except (OSError, ValueError, RuntimeError) as err:
        raise CheckpointError(f"cannot read checkpoint {directory} (rank {rank}): {err}") from err
    return own, meta


class StopRequested(Exception):
    """Raised at a step boundary after SIGTERM, once the final checkpoint is written."""

    def __init__(self, step: int, checkpoint: str | None) -> None:
        super().__init__(f"stopped at step {step}")
        self.step = step
        self.checkpoint = checkpoint


class StopFlag:
    """Set by SIGTERM (or SIGINT); training loops check it at step boundaries."""

    def __init__(self) -> None:
        self.requested = False

    def install(self) -> None:
        def handler(signum: int, _frame: FrameType | None) -> None:
            self.requested = True

        signal.signal(signal.SIGTERM, handler)
        signal.signal(signal.SIGINT, handler)
