"""Checkpoint files: atomic, pruned, readable with weights_only, RNG round trip."""
import random
from pathlib import Path

import numpy as np
import pytest
import torch

from trainer import checkpoint as ckpt
from trainer.determinism import capture_rng, restore_rng, rng_fingerprint, seed_everything


def test_save_is_atomic_and_keeps_the_newest(tmp_path: Path) -> None:
    for step in (2, 4, 6, 8):
        ckpt.save(tmp_path, step, {"step": step, "w": torch.ones(3) * step}, {"stage": "t"}, keep=2)
    assert [s for s, _ in ckpt.step_dirs(tmp_path)] == [6, 8]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".tmp-")]
    state, meta = ckpt.load(ckpt.resolve(str(tmp_path)))
    assert state["step"] == 8 and meta["step"] == 8


def test_a_half_written_checkpoint_is_never_picked_and_is_cleaned(tmp_path: Path) -> None:
    ckpt.save(tmp_path, 2, {"step": 2}, {}, keep=3)
    partial = tmp_path / ".tmp-step-00000004-999"
    partial.mkdir()
    (partial / "state.pt").write_bytes(b"truncated")
    assert ckpt.resolve(str(tmp_path)).name == "step-00000002"
    ckpt.clean_partial(tmp_path)
    assert not partial.exists()


def test_missing_checkpoint_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ckpt.CheckpointError, match="no checkpoint"):
        ckpt.resolve(str(tmp_path))


def test_rng_state_survives_a_weights_only_round_trip(tmp_path: Path) -> None:
    """transformers #40500: torch >= 2.6 loads with weights_only=True; RNG state must load so."""
    seed_everything(11)
    random.random(); np.random.rand(); torch.rand(2)
    gen = torch.Generator().manual_seed(4)
    torch.rand(3, generator=gen)
    ckpt.save(tmp_path, 1, {"rng": capture_rng({"g": gen})}, {}, keep=1)
    expected = (random.random(), float(np.random.rand()), torch.rand(4).tolist(), torch.rand(2, generator=gen).tolist())
    seed_everything(999)
    gen2 = torch.Generator().manual_seed(0)
    state, _ = ckpt.load(tmp_path / "step-00000001")  # uses weights_only=True
    restore_rng(state["rng"], {"g": gen2})
    got = (random.random(), float(np.random.rand()), torch.rand(4).tolist(), torch.rand(2, generator=gen2).tolist())
    assert got == expected


def test_cuda_rng_state_for_other_devices_is_refused_not_ignored() -> None:
    """transformers PR #14994: a failed RNG load on fewer GPUs must not pass silently."""
    state = capture_rng()
    state["cuda"] = [torch.zeros(16, dtype=torch.uint8)] * 8
    if torch.cuda.is_available() and torch.cuda.device_count() == 8:
        pytest.skip("this machine has exactly 8 GPUs")
    with pytest.raises(RuntimeError, match="same number of GPUs"):
        restore_rng(state)


def test_fingerprint_changes_when_any_generator_advances() -> None:
    seed_everything(1)
    a = rng_fingerprint()
    np.random.rand()
    assert rng_fingerprint() != a
