"""Sampling k responses per prompt over a temperature range, for preference collection and
evaluation. Output: `<output_dir>/samples.jsonl`, one record per sample:
{"id", "prompt_index", "prompt", "sample_index", "temperature", "completion"}."""
from __future__ import annotations

import hashlib
import json
import logging
import os
from pathlib import Path

import torch

from .config import GenerateConfig
from .data import field_of, read_jsonl
from .modeling import load_base
from .prompts import prompt_ids
from .runtime import load_dtype, select_device, select_precision
from .sampling import sample, strip_eos
from .session import Session

log = logging.getLogger("trainer")


def temperatures(k: int, low: float, high: float) -> list[float]:
    if k == 1:
        return [low]
    return [round(low + (high - low) * i / (k - 1), 6) for i in range(k)]


def generate(cfg: GenerateConfig, session: Session) -> dict[str, str]:
    device = select_device(cfg)
    precision = select_precision(cfg, device)
    model, tok, _ = load_base(cfg.model, cfg.tiny, cfg.seed, load_dtype(precision))
    model.to(device).eval()
    rows = read_jsonl(cfg.data)
    temps = temperatures(cfg.k, cfg.temperature_min, cfg.temperature_max)
    jobs = [(i, j) for i in range(len(rows)) for j in range(cfg.k)]
    out_dir = Path(cfg.output_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    tmp = out_dir / f".samples.jsonl.tmp-{os.getpid()}"
    session.events.emit("start", stage="generate", total=len(jobs), step=0, resumed_from=None)
    done = 0
    with tmp.open("w", encoding="utf-8") as fh:
        for start in range(0, len(jobs), cfg.batch_size):
            chunk = jobs[start: start + cfg.batch_size]
            prompts = [field_of(rows[i], cfg.prompt_field, cfg.data, i) for i, _ in chunk]
            ids = [prompt_ids(tok, p, cfg.max_length) for p in prompts]
            # One generator per batch, seeded from its position: the output does not depend on
            # how many batches ran before in this process.
            gen = torch.Generator().manual_seed(cfg.seed * 1_000_003 + start)
            responses = sample(model, ids, [temps[j] for _, j in chunk], cfg.max_new_tokens, tok.eos_id,
                               tok.pad_id, gen, device)
            for (i, j), prompt, resp in zip(chunk, prompts, responses):
                ident = rows[i].get(cfg.id_field) if cfg.id_field else None
                fh.write(json.dumps({"id": ident if ident is not None else i, "prompt_index": i, "prompt": prompt,
                                     "sample_index": j, "temperature": temps[j],
                                     "completion": tok.decode(strip_eos(resp, tok.eos_id))}) + "\n")
            done += len(chunk)
            session.events.progress(done, len(jobs))
            if session.stop.requested:
                tmp.unlink(missing_ok=True)
                from .checkpoint import StopRequested

                raise StopRequested(done, None)
    final = out_dir / "samples.jsonl"
    tmp.rename(final)
    digest = hashlib.sha256(final.read_bytes()).hexdigest()
    log.info("generate: %d samples written to %s", len(jobs), final)
    return {"output": str(final), "sha256": digest}
