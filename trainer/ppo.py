"""PPO against a reward model, the project's own small loop (TRL no longer ships PPO).

Per iteration:
  1. rollout: sample one response per prompt from the policy (SFT model + fresh LoRA) at the
     configured temperature, with an explicit generator;
  2. score: reward model (or a toy rule) on prompt + response; per-token reward is
     -beta * (log pi - log pi_ref) plus the score on the last response token; the frozen
     reference is the same network with the LoRA adapter disabled;
  3. advantages by GAE(gamma, lambda) from the value head, whitened;
  4. `ppo_epochs` passes over shuffled minibatches of the clipped surrogate + clipped value loss.
Checkpoints are taken on iteration boundaries only. At world size N each rank samples its share
of the rollout batch; advantages are whitened over the whole batch and FSDP averages gradients.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import torch
from torch import nn

from .config import PpoConfig, training_fingerprint
from .data import DataCursor, field_of, pad_batch, read_jsonl
from .distributed import SINGLE, Dist, masked_mean, placement, shard
from .loop import LoopSpec, TrainingLoop
from .modeling import ScalarHead, apply_lora, hidden_size_of, load_base, save_model_dir
from .prompts import prompt_ids, stop_after_code
from .reward import encode_pair, load_reward_model
from .runtime import autocast, load_dtype, part, weights_sha256
from .sampling import prefill_rows_for, sample, strip_eos
from .session import Session
from .toy_rewards import parse_rule

log = logging.getLogger("trainer")

Scorer = Callable[[list[str], list[str]], list[float]]


@dataclass
class Rollout:
    input_ids: torch.Tensor       # (B, L) prompt + response, right-padded
    attention_mask: torch.Tensor  # (B, L)
    mask: torch.Tensor            # (B, L-1) 1 where position t predicts a response token t+1
    logp: torch.Tensor            # (B, L-1) policy log-probs at sampling time
    ref_logp: torch.Tensor        # (B, L-1)
    values: torch.Tensor          # (B, L-1)
    scores: torch.Tensor          # (B,)
    advantages: torch.Tensor      # (B, L-1)
    returns: torch.Tensor         # (B, L-1)
    start: int                    # first position that predicts a response token, in any row


def whiten(x: torch.Tensor, mask: torch.Tensor, dist: Dist = SINGLE) -> torch.Tensor:
    """Zero mean, unit variance over the response positions of the whole rollout (every rank's rows)."""
    mean = masked_mean(x, mask, dist)
    var = masked_mean((x - mean) ** 2, mask, dist)
    return (x - mean) * torch.rsqrt(var + 1e-8) * mask


def gae(rewards: torch.Tensor, values: torch.Tensor, mask: torch.Tensor, gamma: float, lam: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Generalised advantage estimation over the masked (response) positions of each row."""
    adv = torch.zeros_like(rewards)
    next_adv = torch.zeros(rewards.shape[0], dtype=rewards.dtype, device=rewards.device)
    next_value = torch.zeros_like(next_adv)
    next_mask = torch.zeros_like(next_adv)
    for t in range(rewards.shape[1] - 1, -1, -1):
        delta = rewards[:, t] + gamma * next_value * next_mask - values[:, t]
        adv[:, t] = delta + gamma * lam * next_adv * next_mask
        next_adv, next_value, next_mask = adv[:, t], values[:, t], mask[:, t]
    adv = adv * mask
    return adv, (adv + values) * mask


def forward_policy(model: nn.Module, value_head: ScalarHead, ids: torch.Tensor, attn: torch.Tensor,
                   temperature: float, with_values: bool, start: int = 0) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
    """Per-position log-prob of the next token, entropy, and (optionally) value, all (B, L-1).

    Only positions from `start` on (the earliest response position in the batch) are computed:
    the LM head over a 150k-token vocabulary is not run on prompt positions. Earlier positions
    are zero (they are masked out everywhere).
    """
    width = ids.shape[1] - 1
    keep = width - start
    out = model(input_ids=ids, attention_mask=attn, output_hidden_states=with_values, logits_to_keep=keep + 1)
    logits = out.logits[:, -(keep + 1):-1, :].float() / temperature
    logprobs = torch.log_softmax(logits, dim=-1)
    token_logp = logprobs.gather(-1, ids[:, start + 1:].unsqueeze(-1)).squeeze(-1)
    entropy = -(logprobs.exp() * logprobs).sum(-1)
    pad = (start, 0)
    values = None
    if with_values:
        values = torch.nn.functional.pad(value_head(out.hidden_states[-1][:, start:-1, :].float()), pad)
    return torch.nn.functional.pad(token_logp, pad), torch.nn.functional.pad(entropy, pad), values


def make_scorer(cfg: PpoConfig, device: torch.device, precision: str, dist: Dist) -> Scorer:
    """The reward: a toy rule, or a trained reward model (frozen; sharded like the policy above
    world size 1). Its own base model and tokenizer may differ from the policy's: responses are
    scored as text."""
    if cfg.reward.type == "toy":
        rule = parse_rule(cfg.reward.rule or "")
        return lambda prompts, responses: [rule(p, r) for p, r in zip(prompts, responses)]
    from .reward import score as rm_score

    model, head, tok = load_reward_model(cfg.reward.path or "", device, load_dtype(precision))
    model, head = shard(model, dist, precision), shard(head, dist, precision, with_layers=False)

    @torch.no_grad()
    def scorer(prompts: list[str], responses: list[str]) -> list[float]:
        seqs = [encode_pair(tok, p, r, cfg.max_length) for p, r in zip(prompts, responses)]
        return [float(x) for x in rm_score(model, head, seqs, tok.pad_id, device)]

    return scorer


class PpoTrainer:
    def __init__(self, cfg: PpoConfig, session: Session) -> None:
        self.cfg = cfg
        self.session = session
        self.device, self.precision, self.dist = placement(cfg)
        base, self.tok, self.lineage = load_base(cfg.model, cfg.tiny, cfg.seed, load_dtype(self.precision))
        self.model = shard(apply_lora(base, cfg.lora, cfg.seed).to(self.device), self.dist, self.precision)
        self.value_head = shard(ScalarHead(hidden_size_of(base), cfg.seed + 10, zero=True).to(self.device), self.dist,
                                self.precision, with_layers=False)
        self.modules: dict[str, nn.Module] = {"policy": self.model, "value": self.value_head}
        self.scorer = make_scorer(cfg, self.device, self.precision, self.dist)
        self.stop = stop_after_code(self.tok) if cfg.stop_after_code else None
        self.sample_seconds = 0.0
        rows = read_jsonl(cfg.data)
        self.prompts = [field_of(r, cfg.prompt_field, cfg.data, i) for i, r in enumerate(rows)]
        # Each rank samples and shuffles with its own generator (rank 0's is the single-process one).
        self.generator = torch.Generator().manual_seed(cfg.seed + 20 + 7919 * self.dist.rank)
        minibatches = -(-cfg.batch_size // cfg.minibatch_size)
        spec = LoopSpec(stage="ppo", fingerprint=training_fingerprint(cfg), total=cfg.iterations,
                        updates=cfg.iterations * cfg.ppo_epochs * minibatches, optim=cfg.optim,
                        precision=self.precision, device=self.device, dist=self.dist,
                        root=session.checkpoint_root(cfg), interval=cfg.checkpoint.interval,
                        keep=cfg.checkpoint.keep, generators={"ppo": self.generator})
        self.loop = TrainingLoop(spec, self.modules, DataCursor(len(self.prompts), cfg.seed), session)

    def local_prompts(self) -> list[int]:
        """This rank's prompts of the next rollout batch (every N-th of the global batch). Above
        world size 1 a short batch at the end of an epoch is filled up by repeating its prompts, so
        every rank runs the same number of minibatches."""
        cfg, dist = self.cfg, self.dist
        idx = self.loop.cursor.next_batch(cfg.batch_size)
        if dist.sharded and len(idx) < cfg.batch_size:
            idx = (idx * cfg.batch_size)[:cfg.batch_size]
        return idx[dist.rank::dist.world_size]

    # -- one iteration -------------------------------------------------------------------------
    @torch.no_grad()
    def rollout(self) -> tuple[Rollout, dict[str, float]]:
        cfg = self.cfg
        texts = [self.prompts[i] for i in self.local_prompts()]
        p_ids = [prompt_ids(self.tok, t, cfg.max_length) for t in texts]
        self.model.eval()
        began = time.monotonic()
        responses = sample(self.model, p_ids, [cfg.temperature] * len(p_ids), cfg.max_new_tokens,
                           self.tok.eos_id, self.tok.pad_id, self.generator, self.device, self.dist.all,
                           self.stop, prefill_rows_for(self.device, self.dist.sharded))
        self.sample_seconds = time.monotonic() - began
        seqs = [p + r for p, r in zip(p_ids, responses)]
        batch = pad_batch(seqs, self.tok.pad_id)
        ids, attn = batch["input_ids"].to(self.device), batch["attention_mask"].to(self.device)
        mask = torch.zeros((len(seqs), ids.shape[1] - 1), device=self.device)
        for i, (p, r) in enumerate(zip(p_ids, responses)):
            mask[i, len(p) - 1: len(p) - 1 + len(r)] = 1.0
        start = min(len(p) for p in p_ids) - 1
        with autocast(self.device, self.precision):
            logp, _, values = forward_policy(self.model, self.value_head, ids, attn, cfg.temperature, True, start)
            with self.model.disable_adapter():  # type: ignore[attr-defined]
                ref_logp, _, _ = forward_policy(self.model, self.value_head, ids, attn, cfg.temperature, False, start)
        assert values is not None
        texts_out = [self.tok.decode(strip_eos(r, self.tok.eos_id)) for r in responses]
        scores = torch.tensor(self.scorer(texts, texts_out), dtype=torch.float32, device=self.device)
        kl = (logp - ref_logp) * mask
        rewards = -cfg.kl_beta * kl
        last = mask.sum(1).long() - 1
        for i in range(len(seqs)):
            if last[i] >= 0:
                pos = len(p_ids[i]) - 1 + int(last[i])
                rewards[i, pos] += scores[i]
        values = values * mask
        adv, returns = gae(rewards, values, mask, cfg.gamma, cfg.lam)
        if cfg.whiten_advantages:
            adv = whiten(adv, mask, self.dist)
        stats = self.dist.mean_of({
            "mean_reward": float(scores.mean()),
            "kl": float(kl.sum(1).mean()),
            "response_length": float(mask.sum(1).mean()),
        })
        return Rollout(ids, attn, mask, logp * mask, ref_logp * mask, values, scores, adv, returns, start), stats

    def update(self, ro: Rollout) -> dict[str, float]:
        """`ppo_epochs` passes over minibatches; above world size 1 each rank takes its share of
        every minibatch and FSDP averages the gradients."""
        cfg, loop = self.cfg, self.loop
        self.model.eval()  # PPO ratios need the same network as at sampling time: no dropout
        totals = {"pg_loss": 0.0, "value_loss": 0.0, "entropy": 0.0, "clip_fraction": 0.0, "approx_kl": 0.0}
        count = 0
        n = ro.input_ids.shape[0]
        size = cfg.minibatch_size // self.dist.world_size
        for _ in range(cfg.ppo_epochs):
            order = torch.randperm(n, generator=self.generator).tolist()
            for start in range(0, n, size):
                mb = torch.tensor(order[start: start + size], device=self.device)
                m = ro.mask[mb]
                with autocast(self.device, self.precision):
                    logp, entropy, values = forward_policy(self.model, self.value_head, ro.input_ids[mb],
                                                           ro.attention_mask[mb], cfg.temperature, True, ro.start)
                assert values is not None
                ratio = torch.exp((logp - ro.logp[mb]) * m)
                adv = ro.advantages[mb]
                pg = masked_mean(torch.max(-adv * ratio, -adv * ratio.clamp(1 - cfg.clip_eps, 1 + cfg.clip_eps)), m)
                v_old = ro.values[mb]
                v_clipped = v_old + (values - v_old).clamp(-cfg.value_clip_eps, cfg.value_clip_eps)
                ret = ro.returns[mb]
                vf = 0.5 * masked_mean(torch.max((values - ret) ** 2, (v_clipped - ret) ** 2), m)
                ent = masked_mean(entropy, m)
                loss = pg + cfg.vf_coef * vf - cfg.ent_coef * ent
                loop.optimizer.zero_grad(set_to_none=True)
                loop.backward(loss)
                loop.update()
                with torch.no_grad():
                    totals["pg_loss"] += float(pg)
                    totals["value_loss"] += float(vf)
                    totals["entropy"] += float(ent)
                    totals["clip_fraction"] += float(masked_mean(((ratio - 1).abs() > cfg.clip_eps).float(), m))
                    totals["approx_kl"] += float(masked_mean(ro.logp[mb] - logp, m))
                count += 1
        return self.dist.mean_of({k: v / max(1, count) for k, v in totals.items()})

    def train(self) -> dict[str, str]:
        cfg, loop = self.cfg, self.loop
        loop.begin()
        while loop.step < cfg.iterations:
            began = time.monotonic()
            ro, stats = self.rollout()
            rolled = time.monotonic()
            stats.update(self.update(ro))
            stats["lr"] = loop.scheduler.get_last_lr()[0]
            # Times go to the log, not the metrics: a resumed run's metrics are compared bit for bit.
            log.info("ppo iteration %d: reward %.4f kl %.4f clip %.3f (rollout %.1f s, of it sampling %.1f s; update %.1f s)",
                     loop.step + 1, stats["mean_reward"], stats["kl"], stats["clip_fraction"], rolled - began,
                     self.sample_seconds, time.monotonic() - rolled)
            loop.end_step(stats)
        weights = loop.trainable()  # a collective when sharded
        out = Path(cfg.output_dir) / "model"
        if self.dist.is_main:
            from safetensors.torch import save_file

            sharded = self.dist.sharded
            save_model_dir(out, self.model, self.tok, self.lineage, extra={"stage": "ppo"},
                           state={"policy": part(weights, "policy")} if sharded else None)
            value = part(weights, "value") if sharded else self.value_head.state_dict()
            save_file({k: v.contiguous() for k, v in value.items()}, str(out / "value_head.safetensors"))
        self.dist.barrier()
        return {"output": str(out), "sha256": weights_sha256(weights) if self.dist.is_main else ""}


def train(cfg: PpoConfig, session: Session) -> dict[str, str]:
    return PpoTrainer(cfg, session).train()
