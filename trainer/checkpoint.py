"""Atomic checkpoints: written into a temporary folder, fsynced, then renamed into place, so a
crash never leaves half a checkpoint under a real name. The newest `keep` are kept.

Layout: <root>/step-00000042/{state.pt, meta.json}. `state.pt` holds plain tensors, numbers,
strings and lists only, and is read back with `torch.load(weights_only=True)`.
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
    final = root / f"step-{step:08d}"
    tmp = root / f".tmp-step-{step:08d}-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    torch.save(state, tmp / "state.pt")
    (tmp / "meta.json").write_text(json.dumps({"step": step, "saved_at": time.time(), **meta}, indent=2))
    for f in tmp.iterdir():
        _fsync_file(f)
    _fsync_dir(tmp)
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
    if (p / "state.pt").exists() and (p / "meta.json").exists():
        return p
    newest = latest(p)
    if newest is None:
        raise CheckpointError(f"no checkpoint found at {path}")
    return newest


def load(directory: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    try:
        meta = json.loads((directory / "meta.json").read_text())
        state = torch.load(directory / "state.pt", map_location="cpu", weights_only=True)
    except (OSError, ValueError, RuntimeError) as err:
        raise CheckpointError(f"cannot read checkpoint {directory}: {err}") from err
    return state, meta


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
