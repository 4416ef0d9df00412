"""What every stage receives from the command line: where to report, when to stop, what to resume."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .checkpoint import StopFlag
from .config import CommonConfig
from .events import EventSink


@dataclass
class Session:
    events: EventSink
    stop: StopFlag = field(default_factory=StopFlag)
    #: A checkpoint folder (or a folder of checkpoints) to resume from.
    resume: str | None = None
    #: Test hook: behave as if SIGTERM arrived once this step (PPO: iteration) is done.
    stop_after: int | None = None

    def checkpoint_root(self, cfg: CommonConfig) -> Path:
        return Path(cfg.checkpoint.dir) if cfg.checkpoint.dir else Path(cfg.output_dir) / "checkpoints"

    def should_stop(self, step: int) -> bool:
        return self.stop.requested or (self.stop_after is not None and step >= self.stop_after)
