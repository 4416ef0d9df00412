"""Reward model (Bradley-Terry) on the tiny model."""
from pathlib import Path
from typing import Any

import pytest

from trainer.checkpoint import StopRequested

from .conftest import ALL_LINEAR, TINY, events_of, preference_task, run
from .measure import preference_learned


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
    """48 held-out pairs: see `preference_learned`."""
    cfg = reward_config(tmp_path, "rm", data=preference_task(tmp_path / "prefs96.jsonl", n=96), eval_fraction=0.5,
                        checkpoint={"interval": 0})
    result, sink = run("reward", cfg)
    final = events_of(sink, "metrics")[-1]
    assert final["eval_pairs"] == 48
    assert preference_learned(final), final
    out = Path(result["output"])
    assert (out / "head.safetensors").exists()


def test_reward_model_scores_as_trained_after_reload(tmp_path: Path) -> None:
    """The reloaded model (adapters merged, head loaded) reproduces the held-out figures training
    reported; that it learned at all is the test above."""
    import torch

    from trainer.config import RewardConfig, from_dict
    from trainer.reward import evaluate, load_reward_model, read_pairs, split

    cfg = reward_config(tmp_path, "rm", checkpoint={"interval": 0})
    result, sink = run("reward", cfg)
    reported = events_of(sink, "metrics")[-1]
    model, head, tok = load_reward_model(result["output"], torch.device("cpu"), torch.float32)
    _, held_out = split(read_pairs(cfg["data"], from_dict(RewardConfig, cfg), tok), cfg["eval_fraction"], 0)
    again = evaluate(model, head, held_out, tok.pad_id, torch.device("cpu"), "fp32", 4)
    assert again["eval_accuracy"] == reported["eval_accuracy"]
    assert again["eval_loss"] == pytest.approx(reported["eval_loss"], rel=1e-4, abs=1e-6)


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
