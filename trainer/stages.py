"""Dispatch from a stage name to its entry point (imports are lazy: each stage pulls only its own).

The stage names are the keys of `config.STAGE_CONFIGS`; the command line, the memory plan and this
table all read them from there (`test_config` checks that this table covers each)."""
from __future__ import annotations

import importlib
from typing import Any

from .session import Session

#: stage -> (module, function); the function takes (config, session) and returns {output, sha256}.
ENTRY_POINTS = {
    "sft": ("trainer.sft", "train"),
    "reward": ("trainer.reward", "train"),
    "ppo": ("trainer.ppo", "train"),
    "generate": ("trainer.generate", "generate"),
}


def run_stage(stage: str, cfg: Any, session: Session) -> dict[str, Any]:
    if stage not in ENTRY_POINTS:
        raise ValueError(f"unknown stage {stage}")
    module, function = ENTRY_POINTS[stage]
    return getattr(importlib.import_module(module), function)(cfg, session)  # type: ignore[no-any-return]
