"""Token sampling with an explicit generator (so rollouts are reproducible and resumable; Hugging
Face `generate` draws from the global RNG), using the model's key/value cache."""
from __future__ import annotations

from typing import Callable

import torch
from torch import nn

from .data import left_pad


@torch.no_grad()
def sample(
    model: nn.Module,
    prompts: list[list[int]],
    temperatures: list[float],
    max_new_tokens: int,
    eos_id: int,
    pad_id: int,
    generator: torch.Generator,
    device: torch.device,
    all_ranks_done: Callable[[bool], bool] = lambda done: done,
) -> list[list[int]]:
    """One response per prompt (token ids, ending with eos when the model produced it).

    Random draws are made on the CPU from `generator`, whatever the device. A sharded model takes
    part in every rank's forward passes, so the loop ends only when `all_ranks_done` says every
    rank's prompts are finished (further tokens for finished prompts are discarded).
    """
    batch = left_pad(prompts, pad_id)
    ids = batch["input_ids"].to(device)
    mask = batch["attention_mask"].to(device)
    positions = (mask.cumsum(-1) - 1).clamp(min=0)
    temps = torch.tensor(temperatures, dtype=torch.float32).unsqueeze(1)
    out = model(input_ids=ids, attention_mask=mask, position_ids=positions, use_cache=True)
    past = out.past_key_values
    logits = out.logits[:, -1, :]
    finished = torch.zeros(len(prompts), dtype=torch.bool)
    responses: list[list[int]] = [[] for _ in prompts]
    last_pos = positions[:, -1:]
    for _ in range(max_new_tokens):
        probs = torch.softmax(logits.float().cpu() / temps, dim=-1)
        nxt = torch.multinomial(probs, 1, generator=generator).squeeze(1)
        for i in range(len(prompts)):
            if not finished[i]:
                responses[i].append(int(nxt[i]))
        finished |= nxt == eos_id
        if all_ranks_done(bool(finished.all())):
            break
        nxt = torch.where(finished, torch.full_like(nxt, pad_id), nxt)
        mask = torch.cat([mask, torch.ones((len(prompts), 1), dtype=mask.dtype, device=device)], dim=1)
        last_pos = last_pos + 1
        out = model(input_ids=nxt.unsqueeze(1).to(device), attention_mask=mask, position_ids=last_pos,
                    past_key_values=past, use_cache=True)
        past = out.past_key_values
        logits = out.logits[:, -1, :]
    return responses


def strip_eos(ids: list[int], eos_id: int) -> list[int]:
    return ids[:-1] if ids and ids[-1] == eos_id else ids
