"""Runs the training stages at world size N inside one torchrun launch, for test_distributed.py
(one launch pays the start-up of N Python processes once):

    torchrun --standalone --nproc_per_node 2 trainer/tests/distributed_scenarios.py PLAN.json RESULT.json

PLAN.json maps a scenario name to {"stage", "config", "resume_from"?: name, "stop_after"?}. Scenarios
run in order; "resume_from" names an earlier stopped scenario whose final checkpoint is resumed.
Rank 0 writes RESULT.json: for each scenario its result ({output, sha256}) or {stopped, checkpoint},
and its metrics events.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from trainer.checkpoint import StopRequested
from trainer.config import STAGE_CONFIGS, from_dict, validate
from trainer.determinism import configure
from trainer.events import NullSink
from trainer.session import Session
from trainer.stages import run_stage


def main(plan_path: str, result_path: str) -> None:
    import torch.distributed as dist

    plan: dict[str, dict[str, Any]] = json.loads(Path(plan_path).read_text())
    results: dict[str, dict[str, Any]] = {}
    for name, scenario in plan.items():
        cfg = from_dict(STAGE_CONFIGS[scenario["stage"]], scenario["config"])
        validate(cfg)
        configure(cfg.seed, cfg.threads)
        sink = NullSink()
        resume = results[scenario["resume_from"]]["checkpoint"] if scenario.get("resume_from") else None
        session = Session(events=sink, resume=resume, stop_after=scenario.get("stop_after"))
        try:
            outcome: dict[str, Any] = run_stage(scenario["stage"], cfg, session)
        except StopRequested as stop:
            outcome = {"stopped": stop.step, "checkpoint": stop.checkpoint}
        outcome["events"] = [e for e in sink.history if e["event"] in ("metrics", "checkpoint", "resumed", "start")]
        results[name] = outcome
    if dist.get_rank() == 0:
        Path(result_path).write_text(json.dumps(results))
    dist.destroy_process_group()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
