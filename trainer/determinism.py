"""Seeding, deterministic kernels, and capture/restore of every random number generator.

RNG states are stored as plain lists and tensors so `torch.load(weights_only=True)` reads them
(torch >= 2.6 defaults to weights_only, which broke rng_state loading in other trainers).
"""
from __future__ import annotations

import os
import random
from typing import Any

import numpy as np
import torch


def configure(seed: int, threads: int | None) -> None:
    """Deterministic settings where the device allows; call before any CUDA work."""
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    if threads is not None:
        torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(True, warn_only=True)
    torch.backends.cudnn.benchmark = False
    torch.backends.cudnn.deterministic = True
    seed_everything(seed)


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % (2**32))
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)


def _python_state() -> list[Any]:
    version, internal, gauss = random.getstate()
    return [version, list(internal), gauss]


def _numpy_state() -> dict[str, Any]:
    name, keys, pos, has_gauss, cached = np.random.get_state()
    return {"name": name, "keys": torch.from_numpy(keys.astype(np.int64)), "pos": int(pos),
            "has_gauss": int(has_gauss), "cached": float(cached)}


def capture_rng(generators: dict[str, torch.Generator] | None = None) -> dict[str, Any]:
    state: dict[str, Any] = {
        "python": _python_state(),
        "numpy": _numpy_state(),
        "torch": torch.get_rng_state(),
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
        "generators": {k: g.get_state() for k, g in (generators or {}).items()},
    }
    return state


def restore_rng(state: dict[str, Any], generators: dict[str, torch.Generator] | None = None) -> None:
    """Restore every RNG. Call this LAST before the training loop continues: anything that draws
    random numbers after it (model init, data skipping) would silently shift the stream."""
    version, internal, gauss = state["python"]
    random.setstate((version, tuple(internal), gauss))
    np_state = state["numpy"]
    np.random.set_state((np_state["name"], np_state["keys"].numpy().astype(np.uint32), np_state["pos"],
                         np_state["has_gauss"], np_state["cached"]))
    torch.set_rng_state(state["torch"])
    if state["cuda"]:
        if not torch.cuda.is_available() or torch.cuda.device_count() != len(state["cuda"]):
            raise RuntimeError(
                f"checkpoint holds CUDA RNG state for {len(state['cuda'])} device(s) but "
                f"{torch.cuda.device_count() if torch.cuda.is_available() else 0} are visible: "
                "resume on the same number of GPUs")
        torch.cuda.set_rng_state_all(state["cuda"])
    for name, gen in (generators or {}).items():
        if name not in state["generators"]:
            raise RuntimeError(f"checkpoint has no state for generator {name!r}")
        gen.set_state(state["generators"][name])


def rng_fingerprint(*generators: torch.Generator) -> str:
    """A short digest of the global RNG states and any explicit generators (reported in
    checkpoint and resumed events, so a resume that shifted a random stream is visible)."""
    import hashlib

    h = hashlib.sha256()
    for g in generators:
        h.update(g.get_state().numpy().tobytes())
    h.update(repr(random.getstate()).encode())
    h.update(np.random.get_state()[1].tobytes())
    h.update(torch.get_rng_state().numpy().tobytes())
    return h.hexdigest()[:16]
