"""Reward model: Bradley-Terry on preference pairs. A scalar head reads the last hidden state of
the last real token; the loss is -log sigmoid(r_chosen - r_rejected). Reports preference
accuracy (share of held-out pairs where r_chosen > r_rejected)."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from .config import RewardConfig, training_fingerprint
from .data import field_of, pad_batch, read_jsonl
from .distributed import SINGLE, Dist, placement, shard
from .modeling import ScalarHead, apply_lora, hidden_size_of, load_base
from .prompts import exchange_ids
from .runtime import autocast, backbone_hidden, last_token_index, load_dtype, move_batch
from .session import Session
from .supervised import LoopSettings, finish, run as run_loop
from .tokenizer import Tokenizer

log = logging.getLogger("trainer")


@dataclass(frozen=True)
class Pair:
    chosen: list[int]
    rejected: list[int]


def encode_pair(tok: Tokenizer, prompt: str, response: str, max_length: int) -> list[int]:
    return exchange_ids(tok, prompt, response)[-max_length:]


def read_pairs(path: str, cfg: RewardConfig, tok: Tokenizer) -> list[Pair]:
    rows = read_jsonl(path)
    pairs = []
    for i, r in enumerate(rows):
        prompt = field_of(r, cfg.prompt_field, path, i)
        pairs.append(Pair(
            chosen=encode_pair(tok, prompt, field_of(r, cfg.chosen_field, path, i), cfg.max_length),
            rejected=encode_pair(tok, prompt, field_of(r, cfg.rejected_field, path, i), cfg.max_length),
        ))
    return pairs


def split(pairs: list[Pair], fraction: float, seed: int) -> tuple[list[Pair], list[Pair]]:
    """A seeded held-out split (independent of the global RNG)."""
    order = torch.randperm(len(pairs), generator=torch.Generator().manual_seed(seed + 7)).tolist()
    n_eval = max(1, int(round(len(pairs) * fraction))) if len(pairs) > 1 else 0
    held = set(order[:n_eval])
    return [p for i, p in enumerate(pairs) if i not in held], [p for i, p in enumerate(pairs) if i in held]


def score(model: nn.Module, head: ScalarHead, seqs: list[list[int]], pad: int, device: torch.device) -> torch.Tensor:
    b = move_batch(pad_batch(seqs, pad), device)
    hidden = backbone_hidden(model, b["input_ids"], b["attention_mask"])
    last = last_token_index(b["attention_mask"])
    picked = hidden[torch.arange(hidden.shape[0], device=device), last]
    return head(picked.float())


def pair_loss(model: nn.Module, head: ScalarHead, pairs: list[Pair], pad: int, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    rewards = score(model, head, [p.chosen for p in pairs] + [p.rejected for p in pairs], pad, device)
    chosen, rejected = rewards[: len(pairs)], rewards[len(pairs):]
    margin = chosen - rejected
    return -F.logsigmoid(margin).mean(), margin


@torch.no_grad()
def evaluate(model: nn.Module, head: ScalarHead, pairs: list[Pair], pad: int, device: torch.device,
             precision: str, batch_size: int, dist: Dist = SINGLE) -> dict[str, float]:
    """Held-out loss and accuracy. Above world size 1 each rank scores every N-th chunk of pairs
    (the same number of chunks on every rank, a rank short of one rescoring its first with weight
    0) and the sums are added over the ranks. Pairs are chunked in order of length: a chunk is
    padded to its longest sequence, and the sums do not depend on the order."""
    pairs = sorted(pairs, key=lambda p: max(len(p.chosen), len(p.rejected)))
    was_training = model.training
    model.eval()
    head.eval()
    chunks = [pairs[s: s + batch_size] for s in range(0, len(pairs), batch_size)]
    rounds = -(-len(chunks) // dist.world_size)
    loss_sum, correct = torch.zeros((), dtype=torch.float64), torch.zeros((), dtype=torch.float64)
    for r in range(rounds):
        c = r * dist.world_size + dist.rank
        chunk, weight = (chunks[c], 1.0) if c < len(chunks) else (chunks[0], 0.0)
        with autocast(device, precision):
            loss, margin = pair_loss(model, head, chunk, pad, device)
        loss_sum += float(loss) * len(chunk) * weight
        correct += int((margin > 0).sum()) * weight
    totals = dist.sum(torch.stack([loss_sum, correct]).to(dist.device())).tolist()
    model.train(was_training)
    head.train(was_training)
    n = max(1, len(pairs))
    return {"eval_loss": totals[0] / n, "eval_accuracy": totals[1] / n, "eval_pairs": float(len(pairs))}


def train(cfg: RewardConfig, session: Session) -> dict[str, str]:
    device, precision, dist = placement(cfg)
    base, tok, lineage = load_base(cfg.model, cfg.tiny, cfg.seed, load_dtype(precision))
    model = shard(apply_lora(base, cfg.lora, cfg.seed).to(device), dist, precision)
    head = shard(ScalarHead(hidden_size_of(base), cfg.seed).to(device), dist, precision, with_layers=False)
    pairs = read_pairs(cfg.data, cfg, tok)
    if cfg.eval_data:
        train_pairs, eval_pairs = pairs, read_pairs(cfg.eval_data, cfg, tok)
    else:
        train_pairs, eval_pairs = split(pairs, cfg.eval_fraction, cfg.seed)
    log.info("reward: %d training pairs, %d held out, world size %d", len(train_pairs), len(eval_pairs), dist.world_size)
    before = evaluate(model, head, eval_pairs, tok.pad_id, device, precision, cfg.batch_size, dist) if eval_pairs and cfg.eval_before else None

    def objective(indices: list[int]) -> tuple[torch.Tensor, dict[str, float]]:
        loss, margin = pair_loss(model, head, [train_pairs[i] for i in indices], tok.pad_id, device)
        return loss, {"accuracy": float((margin > 0).float().mean()), "margin": float(margin.detach().mean())}

    settings = LoopSettings(
        stage="reward", fingerprint=training_fingerprint(cfg), size=len(train_pairs), seed=cfg.seed,
        batch_size=cfg.batch_size, grad_accum=cfg.grad_accum, epochs=cfg.epochs, max_steps=cfg.max_steps,
        optim=cfg.optim, precision=precision, device=device, checkpoint_interval=cfg.checkpoint.interval,
        keep=cfg.checkpoint.keep, log_interval=cfg.log_interval, dist=dist,
    )
    loop = run_loop(settings, {"policy": model, "head": head}, objective, session, str(session.checkpoint_root(cfg)))
    result: dict[str, float] = {}
    if eval_pairs:
        after = evaluate(model, head, eval_pairs, tok.pad_id, device, precision, cfg.batch_size, dist)
        result = {**after, **({"eval_accuracy_before": before["eval_accuracy"], "eval_loss_before": before["eval_loss"]} if before else {})}
        session.events.metrics(loop.step, result)
    return finish(loop, Path(cfg.output_dir) / "model", model, tok, lineage, {"stage": "reward", **result}, head=head)


def load_reward_model(directory: str, device: torch.device, dtype: torch.dtype) -> tuple[nn.Module, ScalarHead, Tokenizer]:
    """A trained reward model, frozen, for PPO (all adapters merged, head loaded)."""
    from .config import TinyModelConfig
    from .modeling import load_head

    model, tok, _ = load_base(directory, TinyModelConfig(), 0, dtype)
    head = load_head(directory, hidden_size_of(model))
    model.to(device).eval().requires_grad_(False)
    head.to(device).eval().requires_grad_(False)
    return model, head, tok


