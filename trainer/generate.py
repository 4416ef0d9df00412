"""Sampling k responses per prompt over a temperature range, for preference collection and
evaluation. Output: `<output_dir>/samples.jsonl`, one record per sample:
{"id", "prompt_index", "prompt", "sample_index", "temperature", "completion"}."""
from __future__ import annotations

import hashlib
import json
import logging
import os
from pathlib import Path
from typing import Any

import torch

from .config import GenerateConfig
from .data import field_of, read_jsonl
from .distributed import placement, shard
from .modeling import load_base
from .prompts import prompt_ids, stop_after_code
from .runtime import load_dtype
from .sampling import prefill_rows_for, sample, strip_eos
from .session import Session

log = logging.getLogger("trainer")


def temperatures(k: int, low: float, high: float) -> list[float]:
    if k == 1:
        return [low]
    return [round(low + (high - low) * i / (k - 1), 6) for i in range(k)]


def generate(cfg: GenerateConfig, session: Session) -> dict[str, str]:
    """Above world size 1 the batches are dealt round-robin to the ranks (batch b to rank b mod N),
    each sampled exactly as a single process samples it (same batch, same per-batch generator), and
    rank 0 writes them in input order: the file is identical to the world-size-1 one."""
    device, precision, dist = placement(cfg)
    model, tok, _ = load_base(cfg.model, cfg.tiny, cfg.seed, load_dtype(precision))
    model = shard(model.to(device), dist, precision).eval()
    rows = read_jsonl(cfg.data)
    temps = temperatures(cfg.k, cfg.temperature_min, cfg.temperature_max)
    jobs = [(i, j) for i in range(len(rows)) for j in range(cfg.k)]
    starts = list(range(0, len(jobs), cfg.batch_size))
    stop = stop_after_code(tok) if cfg.stop_after_code else None
    session.events.emit("start", stage="generate", total=len(jobs), step=0, resumed_from=None, world_size=dist.world_size)
    mine: list[tuple[int, list[str]]] = []
    for first in range(0, len(starts), dist.world_size):
        b = first + dist.rank
        # A rank without a batch in the last round samples the first one again and drops it: a
        # sharded model needs every rank in every forward pass.
        start = starts[b] if b < len(starts) else starts[0]
        chunk = jobs[start: start + cfg.batch_size]
        prompts = [field_of(rows[i], cfg.prompt_field, cfg.data, i) for i, _ in chunk]
        ids = [prompt_ids(tok, p, cfg.max_length) for p in prompts]
        # One generator per batch, seeded from its position: the output does not depend on
        # how many batches ran before in this process.
        gen = torch.Generator().manual_seed(cfg.seed * 1_000_003 + start)
        responses = sample(model, ids, [temps[j] for _, j in chunk], cfg.max_new_tokens, tok.eos_id,
                           tok.pad_id, gen, device, dist.all, stop, prefill_rows_for(device, dist.sharded))
        if b < len(starts):
            mine.append((start, [record(rows, cfg, i, j, prompt, temps[j], tok.decode(strip_eos(resp, tok.eos_id)))
                                 for (i, j), prompt, resp in zip(chunk, prompts, responses)]))
        done = min(len(jobs), (starts[min(len(starts), first + dist.world_size) - 1]) + cfg.batch_size)
        session.events.progress(done, len(jobs))
        if dist.any(session.stop.requested):
            from .checkpoint import StopRequested

            raise StopRequested(done, None)
    batches = sorted(b for part in dist.gather(mine) for b in part)
    out_dir = Path(cfg.output_dir)
    final = out_dir / "samples.jsonl"
    if dist.is_main:
        out_dir.mkdir(parents=True, exist_ok=True)
        tmp = out_dir / f".samples.jsonl.tmp-{os.getpid()}"
        with tmp.open("w", encoding="utf-8") as fh:
            for _, lines in batches:
                fh.writelines(lines)
        tmp.rename(final)
    dist.barrier()
    digest = hashlib.sha256(final.read_bytes()).hexdigest()
    log.info("generate: %d samples written to %s", len(jobs), final)
    return {"output": str(final), "sha256": digest}


def record(rows: list[dict[str, Any]], cfg: GenerateConfig, i: int, j: int, prompt: str, temperature: float,
           completion: str) -> str:
    """One line of samples.jsonl."""
    ident = rows[i].get(cfg.id_field) if cfg.id_field else None
    return json.dumps({"id": ident if ident is not None else i, "prompt_index": i, "prompt": prompt,
                       "sample_index": j, "temperature": temperature, "completion": completion}) + "\n"
