"""Shared fixtures: toy data sets, small configurations, and an in-process stage runner."""
from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any, Callable

import pytest

from trainer.config import STAGE_CONFIGS, from_dict, validate
from trainer.determinism import configure
from trainer.events import NullSink
from trainer.session import Session
from trainer.stages import run_stage

ALL_LINEAR = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
TINY = {"hidden_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
        "intermediate_size": 128, "max_position_embeddings": 128, "initializer_range": 0.2}


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> str:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return str(path)


def reverse_task(path: Path, n: int = 24, seed: int = 0) -> str:
    """SFT toy task: reverse a short word; trace + fix."""
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        word = "".join(rng.choice("abcdef") for _ in range(5))
        rows.append({"prompt": f"reverse {word}:", "trace": "read it backwards", "fix": word[::-1]})
    return write_jsonl(path, rows)


def ab_task(path: Path, n: int = 48, seed: int = 1) -> str:
    """SFT warm-up for PPO: answers are strings over {a, b}."""
    rng = random.Random(seed)
    return write_jsonl(path, [{"prompt": f"task {i}:", "fix": "".join(rng.choice("ab") for _ in range(8))} for i in range(n)])


def preference_task(path: Path, n: int = 48, seed: int = 2) -> str:
    """Chosen answers are lowercase words, rejected ones digits: learnable by a tiny model."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        rows.append({
            "prompt": f"fix {i}:",
            "chosen": "".join(rng.choice("abcdefgh") for _ in range(6)),
            "rejected": "".join(rng.choice("0123456789") for _ in range(6)),
        })
    return write_jsonl(path, rows)


def prompts(path: Path, n: int = 16) -> str:
    return write_jsonl(path, [{"id": f"t{i}", "prompt": f"task {i}:"} for i in range(n)])


def run(stage: str, raw: dict[str, Any], resume: str | None = None, stop_after: int | None = None) -> tuple[dict[str, Any], NullSink]:
    """Runs a stage in this process the way `python -m trainer` would."""
    cfg = from_dict(STAGE_CONFIGS[stage], raw)
    validate(cfg)
    configure(cfg.seed, 1)
    sink = NullSink()
    result = run_stage(stage, cfg, Session(events=sink, resume=resume, stop_after=stop_after))
    return result, sink


def events_of(sink: NullSink, kind: str) -> list[dict[str, Any]]:
    return [e for e in sink.history if e["event"] == kind]


@pytest.fixture
def sft_config(tmp_path: Path) -> Callable[..., dict[str, Any]]:
    data = reverse_task(tmp_path / "sft.jsonl")

    def make(out: str, **over: Any) -> dict[str, Any]:
        cfg: dict[str, Any] = {
            "data": data, "output_dir": str(tmp_path / out), "threads": 1, "tiny": TINY,
            "batch_size": 4, "grad_accum": 2, "epochs": 3,
            "optim": {"lr": 1e-2, "warmup_steps": 2},
            "lora": {"rank": 4, "alpha": 16, "dropout": 0.1, "target_modules": ALL_LINEAR},
            "checkpoint": {"interval": 2, "keep": 20},
        }
        cfg.update(over)
        return cfg

    return make


@pytest.fixture(scope="session")
def ab_policy(tmp_path_factory: pytest.TempPathFactory) -> str:
    """An SFT model that answers with a/b strings: the starting policy for PPO tests."""
    root = tmp_path_factory.mktemp("ab")
    result, _ = run("sft", {
        "data": ab_task(root / "ab.jsonl"), "output_dir": str(root / "sft"), "threads": 1, "tiny": TINY,
        "target": "fix", "batch_size": 8, "max_steps": 40, "optim": {"lr": 1e-2, "warmup_steps": 2},
        "lora": {"rank": 8, "alpha": 16, "dropout": 0.0, "target_modules": ALL_LINEAR},
        "checkpoint": {"interval": 0},
    })
    return str(result["output"])
