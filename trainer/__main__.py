"""Command line: python -m trainer <sft|reward|ppo|generate> --config FILE [--resume DIR].
Several processes: torchrun [--standalone | --nnodes N --rdzv-backend c10d --rdzv-endpoint HOST:PORT]
--nproc_per_node P -m trainer <stage> ... (config.distributed must say the same). Memory plan before
a launch: python -m trainer plan <stage> --config FILE (see trainer/memory.py).

Exit codes: 0 done; 2 bad configuration or data (permanent); 143 stopped by SIGTERM after
writing a final checkpoint; 1 anything else.
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
import traceback

from .checkpoint import CheckpointError, StopRequested
from .config import STAGE_CONFIGS, ConfigError, load_config
from .data import DataError
from .determinism import configure
from .events import EventSink, NullSink, setup_logging
from .session import Session
from .stages import run_stage

log = logging.getLogger("trainer")

EXIT_PERMANENT = 2
EXIT_STOPPED = 143


def watch_parent(interval: float = 1.0) -> None:
    """A worker killed with SIGKILL cannot stop its child; the child notices it was orphaned."""
    import os
    import signal
    import threading
    import time

    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(interval)
        log.warning("launching process %d is gone; stopping", parent)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="watch-parent", daemon=True).start()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m trainer", description=__doc__)
    parser.add_argument("stage", choices=list(STAGE_CONFIGS))
    parser.add_argument("--config", required=True, help="JSON configuration file")
    parser.add_argument("--resume", help="checkpoint folder, or a folder of checkpoints (newest is used)")
    parser.add_argument("--stop-after", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--watch-parent", action="store_true",
                        help="stop (final checkpoint, exit 143) when the launching process dies")
    args = parser.parse_args(argv)
    rank = int(os.environ.get("RANK", "0"))
    setup_logging(rank=rank if int(os.environ.get("WORLD_SIZE", "1")) > 1 else None)
    events = EventSink() if rank == 0 else NullSink()  # under torchrun, rank 0 speaks for the group
    try:
        cfg = load_config(args.stage, args.config)
    except ConfigError as err:
        events.emit("error", kind="permanent", message=str(err))
        log.error("%s", err)
        return EXIT_PERMANENT
    session = Session(events=events, resume=args.resume, stop_after=args.stop_after)
    session.stop.install()
    if args.watch_parent:
        watch_parent()
    configure(cfg.seed, cfg.threads)
    try:
        result = run_stage(args.stage, cfg, session)
    except StopRequested as stop:
        events.emit("stopped", step=stop.step, checkpoint=stop.checkpoint)
        log.info("stopped at step %d; final checkpoint %s", stop.step, stop.checkpoint)
        return EXIT_STOPPED
    except (ConfigError, DataError, CheckpointError) as err:
        events.emit("error", kind="permanent", message=str(err))
        log.error("%s", err)
        return EXIT_PERMANENT
    except Exception as err:  # noqa: BLE001 - reported, then the process fails
        events.emit("error", kind="transient", message=f"{type(err).__name__}: {err}")
        log.error("%s", traceback.format_exc())
        return 1
    finally:
        if torch_distributed_initialized():
            import torch.distributed

            torch.distributed.destroy_process_group()
    events.done(**result)
    return 0


def torch_distributed_initialized() -> bool:
    dist = sys.modules.get("torch.distributed")
    return bool(dist is not None and dist.is_available() and dist.is_initialized())


def serve() -> int:
    """`python -m trainer serve`: import the heavy libraries now, then wait for one request on
    stdin, `{"argv": [...], "cwd": dir}`, and run it. A worker keeps one such process ready so a
    retry does not pay the several seconds of importing torch and transformers."""
    import json
    import os

    import peft  # noqa: F401
    import torch  # noqa: F401
    import transformers  # noqa: F401

    from . import generate, ppo, reward, sft  # noqa: F401

    line = sys.stdin.readline()
    if not line.strip():
        return 0
    request = json.loads(line)
    os.chdir(request.get("cwd") or ".")
    return main(list(request["argv"]))


if __name__ == "__main__":
    if sys.argv[1:2] == ["plan"]:
        from .memory import main as plan_main

        sys.exit(plan_main(sys.argv[2:]))
    sys.exit(serve() if sys.argv[1:] == ["serve"] else main())
