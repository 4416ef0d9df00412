"""Dispatch from a stage name to its entry point (imports are lazy: each stage pulls only its own)."""
from __future__ import annotations

from typing import Any

from .session import Session


def run_stage(stage: str, cfg: Any, session: Session) -> dict[str, Any]:
    if stage == "sft":
        from .sft import train

        return train(cfg, session)
    if stage == "reward":
        from .reward import train as train_reward

        return train_reward(cfg, session)
    if stage == "ppo":
        from .ppo import train as train_ppo

        return train_ppo(cfg, session)
    if stage == "generate":
        from .generate import generate

        return generate(cfg, session)
    raise ValueError(f"unknown stage {stage}")
