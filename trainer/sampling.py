"""Token sampling with an explicit generator (so rollouts are reproducible and resumable; Hugging
Face `generate` draws from the global RNG), using the model's key/value cache."""
from __future__ import annotations

from typing import Callable

import torch
from torch import nn

from .data import left_pad
from .kv_cache import all_reserved, merge_left_padded, reserved_cache
from .prompts import StopRule


def _select_rows(past: object, keep: torch.Tensor) -> None:
    """Keeps only the `keep` rows of a Hugging Face key/value cache."""
    select = getattr(past, "batch_select_indices", None)
    if select is None:
        raise TypeError(f"cannot drop finished rows from a {type(past).__name__} cache")
    select(keep)


def draw(probs: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """One token per row of `probs` (B, V), by inverting each row's cumulative distribution with one
    uniform draw: exact, and on a CPU far cheaper than `torch.multinomial`, which draws a random
    number per vocabulary entry (at 50 rows, a sixth of a decoding step)."""
    cdf = probs.double().cumsum(-1)
    u = torch.rand((probs.shape[0], 1), generator=generator, dtype=torch.float64) * cdf[:, -1:]
    return torch.searchsorted(cdf, u, right=True).squeeze(1).clamp_(max=probs.shape[1] - 1)


def prefill_rows_for(device: torch.device, sharded: bool) -> int | None:
    """Prompts read per forward pass before sampling: on a CPU, a few at a time in order of length
    (a batch of prompts padded to the longest, up to 2.4 times the real tokens in MBPP, cost as
    much as the answers); elsewhere all at once. A sharded model needs the same number of forward
    passes on every rank, whose prompts differ: all at once."""
    return 8 if device.type == "cpu" and not sharded else None


def prefill(model: nn.Module, prompts: list[list[int]], reserve: int, pad_id: int, device: torch.device,
            rows_per_pass: int | None) -> tuple[object, torch.Tensor]:
    """The key/value cache of the left-padded prompts (with room for `reserve` new tokens) and the
    logits of each prompt's last position. With `rows_per_pass`, prompts of similar length are read
    together and their caches (without room of their own) merged; not for a model with other cache
    layer types (sliding windows)."""
    def read(rows: list[int], room: int) -> tuple[object, torch.Tensor]:
        batch = left_pad([prompts[r] for r in rows], pad_id)
        ids, mask = batch["input_ids"].to(device), batch["attention_mask"].to(device)
        positions = (mask.cumsum(-1) - 1).clamp(min=0)
        # Logits of the last position only: the prompt's others are never read (a vocabulary-wide
        # projection per prompt token would cost a fifth of a small model's prefill).
        out = model(input_ids=ids, attention_mask=mask, position_ids=positions, past_key_values=reserved_cache(model, room),
                    use_cache=True, logits_to_keep=1)
        return out.past_key_values, out.logits[:, -1, :]

    everyone = list(range(len(prompts)))
    if rows_per_pass is None or rows_per_pass >= len(prompts) or not all_reserved(model):
        return read(everyone, reserve)
    by_length = sorted(everyone, key=lambda r: len(prompts[r]))
    groups = [by_length[s: s + rows_per_pass] for s in range(0, len(by_length), rows_per_pass)]
    parts, logits = [], None
    for rows in groups:
        cache, last = read(rows, 0)
        logits = torch.empty((len(prompts), last.shape[-1]), dtype=last.dtype, device=last.device) if logits is None else logits
        logits[torch.tensor(rows, device=last.device)] = last
        parts.append((rows, cache))
    assert logits is not None
    return merge_left_padded(parts, len(prompts), max(len(p) for p in prompts), reserve), logits


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
    stop: StopRule | None = None,
    prefill_rows: int | None = None,
) -> list[list[int]]:
    """One response per prompt (token ids, ending with eos when the model produced it).

    Random draws are made on the CPU from `generator`, whatever the device, one per unfinished
    response and step. Finished responses leave the batch (their cache rows are dropped), so a
    batch costs the sum of its response lengths, not its size times the longest. A sharded model
    takes part in every rank's forward passes, so the loop ends only when `all_ranks_done` says
    every rank's prompts are finished (until then a rank whose prompts are all finished keeps
    stepping its last rows and discards their tokens).
    """
    mask = left_pad(prompts, pad_id)["attention_mask"].to(device)
    positions = (mask.cumsum(-1) - 1).clamp(min=0)
    past, logits = prefill(model, prompts, max_new_tokens, pad_id, device, prefill_rows)
    responses: list[list[int]] = [[] for _ in prompts]
    rows = list(range(len(prompts)))  # the prompt behind each row of the batch
    temps = torch.tensor(temperatures, dtype=torch.float32).unsqueeze(1)
    last_pos = positions[:, -1:]
    open_rows = [True] * len(prompts)  # per batch row: its response still grows
    for _ in range(max_new_tokens):
        probs = torch.softmax(logits.float().cpu() / temps, dim=-1)
        nxt = draw(probs, generator)
        for r, p in enumerate(rows):
            if not open_rows[r]:
                continue
            token = int(nxt[r])
            responses[p].append(token)
            if token == eos_id or (stop is not None and token in stop.trigger_ids and stop.complete(responses[p])):
                open_rows[r] = False
        if all_ranks_done(not any(open_rows)):
            break
        if any(open_rows) and not all(open_rows):
            keep = [r for r, o in enumerate(open_rows) if o]
            index = torch.tensor(keep, device=device)
            _select_rows(past, index)
            rows = [rows[r] for r in keep]
            open_rows = [True] * len(keep)
            mask, last_pos, nxt, temps = mask[index], last_pos[index], nxt[index.cpu()], temps[index.cpu()]
        nxt = torch.where(torch.tensor(open_rows), nxt, torch.full_like(nxt, pad_id))
        mask = torch.cat([mask, torch.ones((len(rows), 1), dtype=mask.dtype, device=device)], dim=1)
        last_pos = last_pos + 1
        out = model(input_ids=nxt.unsqueeze(1).to(device), attention_mask=mask, position_ids=last_pos,
                    past_key_values=past, use_cache=True)
        past = out.past_key_values
        logits = out.logits[:, -1, :]
    return responses


def strip_eos(ids: list[int], eos_id: int) -> list[int]:
    return ids[:-1] if ids and ids[-1] == eos_id else ids
