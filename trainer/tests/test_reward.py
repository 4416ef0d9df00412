"""Reward model (Bradley-Terry) on the tiny model."""
from pathlib import Path
from typing import Any

import pytest

from trainer.checkpoint import StopRequested

from .conftest import ALL_LINEAR, TINY, events_of, preference_task, run


def reward_config(tmp_path: Path, out: str, **over: Any) -> dict[str, Any]:
    cfg: dict[str, Any] = {
        "data": preference_task(tmp_path / "prefs.jsonl"), "output_dir": str(tmp_path / out), "threads": 1,
        "tiny": TINY, "batch_size": 4, "epochs": 2, "eval_fraction": 0.25,
        "optim": {"lr": 5e-3, "warmup_steps": 1},
        "lora": {"rank": 4, "alpha": 16, "dropout": 0.05, "target_modules": ALL_LINEAR},
        "checkpoint": {"interval": 3, "keep": 10},
    }
    cfg.update(over)
    return cfg


def test_held_out_accuracy_is_above_chance(tmp_path: Path) -> None:
    result, sink = run("reward", reward_config(tmp_path, "rm", checkpoint={"interval": 0}))
    final = events_of(sink, "metrics")[-1]
    assert final["eval_pairs"] == 12
    assert final["eval_accuracy"] >= 0.75, final
    out = Path(result["output"])
    assert (out / "head.safetensors").exists()


def test_reward_model_scores_as_trained_after_reload(tmp_path: Path) -> None:
    import torch

    from trainer.reward import encode_pair, load_reward_model, score

    result, _ = run("reward", reward_config(tmp_path, "rm", checkpoint={"interval": 0}))
    model, head, tok = load_reward_model(result["output"], torch.device("cpu"), torch.float32)
    seqs = [encode_pair(tok, "fix 1:", "abcdef", 64), encode_pair(tok, "fix 1:", "123456", 64)]
    good, bad = score(model, head, seqs, tok.pad_id, torch.device("cpu")).tolist()
    assert good > bad


@pytest.mark.parametrize("resume_step", [3, 9])  # 9 = the epoch boundary (36 training pairs / 4)
def test_resume_is_bit_identical(tmp_path: Path, resume_step: int) -> None:
    full, full_sink = run("reward", reward_config(tmp_path, "full"))
    path = next(e["path"] for e in events_of(full_sink, "checkpoint") if e["step"] == resume_step)
    resumed, _ = run("reward", reward_config(tmp_path, "resumed"), resume=path)
    assert resumed["sha256"] == full["sha256"]


def test_stop_and_resume_is_bit_identical(tmp_path: Path) -> None:
    full, _ = run("reward", reward_config(tmp_path, "full", checkpoint={"interval": 0}))
    with pytest.raises(StopRequested) as stop:
        run("reward", reward_config(tmp_path, "stopped", checkpoint={"interval": 0}), stop_after=7)
    resumed, _ = run("reward", reward_config(tmp_path, "stopped", checkpoint={"interval": 0}), resume=stop.value.checkpoint)
    assert resumed["sha256"] == full["sha256"]
