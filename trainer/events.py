"""JSON-lines events on stdout (read by the training activities) and human logs on stderr.

Event shapes:
  {"event": "start", "stage": ..., "total": ..., "resumed_from": ...|null}
  {"event": "progress", "step": n, "total": n}
  {"event": "metrics", "step": n, ...numbers}
  {"event": "checkpoint", "step": n, "path": dir, "rng": digest, "seconds": save time}
  {"event": "resumed", "step": n, "rng": digest}                (RNG digest right after restore)
  {"event": "stopped", "step": n, "checkpoint": dir|null}      (after SIGTERM)
  {"event": "done", "output": dir, "sha256": hex}
"""
from __future__ import annotations

import json
import logging
import sys
from typing import Any, TextIO

log = logging.getLogger("trainer")


def setup_logging(level: int = logging.INFO, rank: int | None = None) -> None:
    """Human logs on stderr; each line names its rank when several processes train together."""
    handler = logging.StreamHandler(sys.stderr)
    where = f"rank {rank} " if rank is not None else ""
    handler.setFormatter(logging.Formatter(f"%(asctime)s {where}%(levelname)s %(message)s"))
    root = logging.getLogger("trainer")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False


class EventSink:
    """Writes one JSON object per line and flushes at once, so a reader sees each event live."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream if stream is not None else sys.stdout
        self.history: list[dict[str, Any]] = []

    def emit(self, event: str, **fields: Any) -> None:
        record = {"event": event, **fields}
        self.history.append(record)
        self._stream.write(json.dumps(record, sort_keys=False) + "\n")
        self._stream.flush()

    def progress(self, step: int, total: int) -> None:
        self.emit("progress", step=step, total=total)

    def metrics(self, step: int, values: dict[str, float]) -> None:
        self.emit("metrics", step=step, **{k: float(v) for k, v in values.items()})

    def checkpoint(self, step: int, path: str) -> None:
        self.emit("checkpoint", step=step, path=path)

    def done(self, output: str, sha256: str, **extra: Any) -> None:
        self.emit("done", output=output, sha256=sha256, **extra)


class NullSink(EventSink):
    """Keeps the history but writes nothing (for in-process use in tests)."""

    def __init__(self) -> None:
        super().__init__(stream=None)

    def emit(self, event: str, **fields: Any) -> None:
        self.history.append({"event": event, **fields})
