"""The trainer as a process: killed with SIGKILL or stopped with SIGTERM, then resumed from its
last checkpoint, it ends with the weights of an uninterrupted run."""
from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator

from .conftest import ALL_LINEAR, TINY, prompts, reverse_task, run

REPO = Path(__file__).resolve().parents[2]


def launch(stage: str, cfg: dict[str, Any], config_path: Path, resume: str | None = None) -> subprocess.Popen[str]:
    config_path.write_text(json.dumps(cfg))
    args = [sys.executable, "-m", "trainer", stage, "--config", str(config_path)]
    if resume:
        args += ["--resume", resume]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)


def events(proc: subprocess.Popen[str]) -> Iterator[dict[str, Any]]:
    assert proc.stdout is not None
    for line in proc.stdout:
        yield json.loads(line)


def finish(proc: subprocess.Popen[str]) -> dict[str, Any]:
    done = [e for e in events(proc) if e["event"] == "done"]
    assert proc.wait(timeout=120) == 0
    assert len(done) == 1
    return done[0]


def kill_at_random_step_after_a_checkpoint(proc: subprocess.Popen[str], total: int) -> None:
    """SIGKILL once a step chosen at random between the first checkpoint and two steps before the
    end is reported: the point is random, yet always mid-run however fast or loaded the machine
    (a kill after a random sleep could land after the run had finished)."""
    target = None
    for e in events(proc):
        if e["event"] == "checkpoint" and target is None:
            target = random.randint(e["step"] + 1, total - 2)
        if e["event"] == "progress" and target is not None and e["step"] >= target:
            proc.send_signal(signal.SIGKILL)
            break
    assert proc.wait(timeout=30) == -signal.SIGKILL, f"the trainer ended before the kill at step {target}"


def sft_cfg(tmp_path: Path, out: str) -> dict[str, Any]:
    return {
        "data": reverse_task(tmp_path / "sft.jsonl"), "output_dir": str(tmp_path / out), "threads": 1, "tiny": TINY,
        "batch_size": 2, "grad_accum": 2, "epochs": 3, "optim": {"lr": 1e-2, "warmup_steps": 2},
        "lora": {"rank": 4, "alpha": 16, "dropout": 0.1, "target_modules": ALL_LINEAR},
        "checkpoint": {"interval": 4, "keep": 2},
    }


def test_sft_killed_with_sigkill_resumes_to_identical_weights(tmp_path: Path) -> None:
    expected, _ = run("sft", sft_cfg(tmp_path, "reference"))
    cfg = sft_cfg(tmp_path, "crashy")
    proc = launch("sft", cfg, tmp_path / "c.json")
    kill_at_random_step_after_a_checkpoint(proc, total=18)
    resumed = finish(launch("sft", cfg, tmp_path / "c.json", resume=str(tmp_path / "crashy" / "checkpoints")))
    assert resumed["sha256"] == expected["sha256"]


def test_ppo_stopped_with_sigterm_writes_a_checkpoint_and_resumes_exactly(tmp_path: Path, ab_policy: str) -> None:
    cfg = {
        "data": prompts(tmp_path / "p.jsonl"), "model": ab_policy, "output_dir": str(tmp_path / "ppo"),
        "threads": 1, "iterations": 5, "batch_size": 8, "minibatch_size": 4, "ppo_epochs": 2, "max_new_tokens": 8,
        "reward": {"type": "toy", "rule": "char_fraction:a"}, "optim": {"lr": 3e-3},
        "lora": {"rank": 4, "alpha": 16, "dropout": 0.0, "target_modules": ALL_LINEAR},
        "checkpoint": {"interval": 3, "keep": 2},
    }
    expected, _ = run("ppo", {**cfg, "output_dir": str(tmp_path / "reference")})
    proc = launch("ppo", cfg, tmp_path / "c.json")
    stopped = None
    for e in events(proc):
        if e["event"] == "progress" and e["step"] == 1:
            proc.send_signal(signal.SIGTERM)
        if e["event"] == "stopped":
            stopped = e
    assert proc.wait(timeout=60) == 143
    assert stopped is not None and stopped["checkpoint"], stopped
    assert stopped["step"] < 5
    resumed = finish(launch("ppo", cfg, tmp_path / "c.json", resume=stopped["checkpoint"]))
    assert resumed["sha256"] == expected["sha256"]


def test_ppo_killed_with_sigkill_resumes_to_identical_weights(tmp_path: Path, ab_policy: str) -> None:
    cfg = {
        "data": prompts(tmp_path / "p.jsonl"), "model": ab_policy, "output_dir": str(tmp_path / "ppo"),
        "threads": 1, "iterations": 6, "batch_size": 8, "minibatch_size": 4, "ppo_epochs": 2, "max_new_tokens": 8,
        "reward": {"type": "toy", "rule": "char_fraction:a"}, "optim": {"lr": 3e-3},
        "lora": {"rank": 4, "alpha": 16, "dropout": 0.0, "target_modules": ALL_LINEAR},
        "checkpoint": {"interval": 2, "keep": 2},
    }
    expected, _ = run("ppo", {**cfg, "output_dir": str(tmp_path / "reference")})
    proc = launch("ppo", cfg, tmp_path / "c.json")
    kill_at_random_step_after_a_checkpoint(proc, total=6)
    resumed = finish(launch("ppo", cfg, tmp_path / "c.json", resume=str(tmp_path / "ppo" / "checkpoints")))
    assert resumed["sha256"] == expected["sha256"]


def test_bad_configuration_exits_2_with_a_permanent_error_event(tmp_path: Path) -> None:
    proc = launch("sft", {"data": "x.jsonl", "bogus": 1}, tmp_path / "c.json")
    evs = list(events(proc))
    assert proc.wait(timeout=60) == 2
    assert evs[-1]["event"] == "error" and evs[-1]["kind"] == "permanent" and "bogus" in evs[-1]["message"]
