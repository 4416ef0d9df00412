"""PPO against a reward model, the project's own small loop (TRL no longer ships PPO).

Per iteration:
  1. rollout: sample one response per prompt from the policy (SFT model + fresh LoRA) at the
     configured temperature, with an explicit generator;
  2. score: reward model (or a toy rule) on prompt + response; per-token reward is
     -beta * (log pi - log pi_ref) plus the score on the last response token; the frozen
     reference is the same network with the LoRA adapter disabled;
  3. advantages by GAE(gamma, lambda) from the value head, whitened;
  4. `ppo_epochs` passes over shuffled minibatches of the clipped surrogate + clipped value loss.
Checkpoints are taken on iteration boundaries only.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import torch
from torch import nn

from . import checkpoint as ckpt
from .config import PpoConfig, training_fingerprint
from .data import DataCursor, field_of, pad_batch, read_jsonl
from .determinism import capture_rng, restore_rng, rng_fingerprint
from .modeling import ScalarHead, apply_lora, hidden_size_of, load_base, save_model_dir
from .prompts import prompt_ids
from .reward import encode_pair, load_reward_model
from .runtime import (autocast, load_dtype, load_trainable, params_of, select_device, select_precision,
                      trainable_state, warmup_cosine, weights_sha256)
from .sampling import sample, strip_eos
from .session import Session
from .tokenizer import Tokenizer
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


def masked_mean(x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    return (x * mask).sum() / mask.sum().clamp(min=1)


def whiten(x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    mean = masked_mean(x, mask)
    var = masked_mean((x - mean) ** 2, mask)
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


def make_scorer(cfg: PpoConfig, policy_tok: Tokenizer, device: torch.device, dtype: torch.dtype) -> Scorer:
    if cfg.reward.type == "toy":
        rule = parse_rule(cfg.reward.rule or "")
        return lambda prompts, responses: [rule(p, r) for p, r in zip(prompts, responses)]
    from .reward import score as rm_score

    model, head, tok = load_reward_model(cfg.reward.path or "", device, dtype)

    @torch.no_grad()
    def scorer(prompts: list[str], responses: list[str]) -> list[float]:
        seqs = [encode_pair(tok, p, r, cfg.max_length) for p, r in zip(prompts, responses)]
        return [float(x) for x in rm_score(model, head, seqs, tok.pad_id, device)]

    return scorer


class PpoTrainer:
    def __init__(self, cfg: PpoConfig, session: Session) -> None:
        self.cfg = cfg
        self.session = session
        self.device = select_device(cfg)
        self.precision = select_precision(cfg, self.device)
        base, self.tok, self.lineage = load_base(cfg.model, cfg.tiny, cfg.seed, load_dtype(self.precision))
        self.model = apply_lora(base, cfg.lora, cfg.seed).to(self.device)
        self.value_head = ScalarHead(hidden_size_of(base), cfg.seed + 10, zero=True).to(self.device)
        self.modules: dict[str, nn.Module] = {"policy": self.model, "value": self.value_head}
        self.scorer = make_scorer(cfg, self.tok, self.device, load_dtype(self.precision))
        rows = read_jsonl(cfg.data)
        self.prompts = [field_of(r, cfg.prompt_field, cfg.data, i) for i, r in enumerate(rows)]
        self.cursor = DataCursor(len(self.prompts), cfg.seed)
        self.generator = torch.Generator().manual_seed(cfg.seed + 20)
        minibatches = -(-cfg.batch_size // cfg.minibatch_size)
        self.total_updates = cfg.iterations * cfg.ppo_epochs * minibatches
        o = cfg.optim
        self.params = params_of(self.modules.values())
        self.optimizer = torch.optim.AdamW(self.params, lr=o.lr, betas=(o.betas[0], o.betas[1]), eps=o.eps,
                                           weight_decay=o.weight_decay)
        self.scheduler = warmup_cosine(self.optimizer, o.warmup_steps, self.total_updates, o.min_lr_ratio)
        self.iteration = 0
        self.root = session.checkpoint_root(cfg)
        self.fingerprint = training_fingerprint(cfg)

    # -- checkpoints ---------------------------------------------------------------------------
    def save(self) -> str:
        began = time.perf_counter()
        state = {
            "step": self.iteration,
            "trainable": trainable_state(self.modules),
            "optimizer": self.optimizer.state_dict(),
            "scheduler": self.scheduler.state_dict(),
            "cursor": self.cursor.state_dict(),
            "rng": capture_rng({"ppo": self.generator}),
        }
        path = ckpt.save(self.root, self.iteration, state,
                         {"stage": "ppo", "fingerprint": self.fingerprint, "total": self.cfg.iterations},
                         self.cfg.checkpoint.keep)
        self.session.events.emit("checkpoint", step=self.iteration, path=str(path), rng=rng_fingerprint(self.generator),
                                 seconds=round(time.perf_counter() - began, 6))
        return str(path)

    def resume(self, path: str) -> dict[str, object]:
        directory = ckpt.resolve(path)
        state, meta = ckpt.load(directory)
        if meta.get("stage") != "ppo" or meta.get("fingerprint") != self.fingerprint:
            raise ckpt.CheckpointError(f"checkpoint {directory} was written by a different ppo configuration")
        load_trainable(self.modules, state["trainable"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.scheduler.load_state_dict(state["scheduler"])
        self.cursor.load_state_dict(state["cursor"])
        self.iteration = int(state["step"])
        log.info("ppo: resumed from %s at iteration %d", directory, self.iteration)
        return {"dir": str(directory), "rng": state["rng"]}

    # -- one iteration -------------------------------------------------------------------------
    @torch.no_grad()
    def rollout(self) -> tuple[Rollout, dict[str, float]]:
        cfg = self.cfg
        idx = self.cursor.next_batch(cfg.batch_size)
        texts = [self.prompts[i] for i in idx]
        p_ids = [prompt_ids(self.tok, t, cfg.max_length) for t in texts]
        self.model.eval()
        responses = sample(self.model, p_ids, [cfg.temperature] * len(p_ids), cfg.max_new_tokens,
                           self.tok.eos_id, self.tok.pad_id, self.generator, self.device)
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
            adv = whiten(adv, mask)
        stats = {
            "mean_reward": float(scores.mean()),
            "kl": float(kl.sum(1).mean()),
            "response_length": float(mask.sum(1).mean()),
        }
        return Rollout(ids, attn, mask, logp * mask, ref_logp * mask, values, scores, adv, returns, start), stats

    def update(self, ro: Rollout) -> dict[str, float]:
        cfg = self.cfg
        self.model.eval()  # PPO ratios need the same network as at sampling time: no dropout
        totals = {"pg_loss": 0.0, "value_loss": 0.0, "entropy": 0.0, "clip_fraction": 0.0, "approx_kl": 0.0}
        count = 0
        n = ro.input_ids.shape[0]
        for _ in range(cfg.ppo_epochs):
            order = torch.randperm(n, generator=self.generator).tolist()
            for start in range(0, n, cfg.minibatch_size):
                mb = torch.tensor(order[start: start + cfg.minibatch_size], device=self.device)
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
                self.optimizer.zero_grad(set_to_none=True)
                loss.backward()
                torch.nn.utils.clip_grad_norm_(self.params, cfg.optim.max_grad_norm)
                self.optimizer.step()
                self.scheduler.step()
                with torch.no_grad():
                    totals["pg_loss"] += float(pg)
                    totals["value_loss"] += float(vf)
                    totals["entropy"] += float(ent)
                    totals["clip_fraction"] += float(masked_mean(((ratio - 1).abs() > cfg.clip_eps).float(), m))
                    totals["approx_kl"] += float(masked_mean(ro.logp[mb] - logp, m))
                count += 1
        return {k: v / max(1, count) for k, v in totals.items()}

    def train(self) -> dict[str, str]:
        cfg, events = self.cfg, self.session.events
        ckpt.clean_partial(self.root)
        resumed = self.resume(self.session.resume) if self.session.resume else None
        events.emit("start", stage="ppo", total=cfg.iterations, step=self.iteration,
                    resumed_from=resumed["dir"] if resumed else None)
        if resumed:
            restore_rng(resumed["rng"], {"ppo": self.generator})  # type: ignore[arg-type]
            events.emit("resumed", step=self.iteration, rng=rng_fingerprint(self.generator))
        while self.iteration < cfg.iterations:
            ro, stats = self.rollout()
            stats.update(self.update(ro))
            self.iteration += 1
            stats["lr"] = self.scheduler.get_last_lr()[0]
            events.progress(self.iteration, cfg.iterations)
            events.metrics(self.iteration, stats)
            log.info("ppo iteration %d: reward %.4f kl %.4f clip %.3f", self.iteration, stats["mean_reward"],
                     stats["kl"], stats["clip_fraction"])
            stopping = self.session.should_stop(self.iteration)
            periodic = cfg.checkpoint.interval > 0 and self.iteration % cfg.checkpoint.interval == 0
            if periodic or (stopping and self.iteration < cfg.iterations):
                path = self.save()
                if stopping and self.iteration < cfg.iterations:
                    raise ckpt.StopRequested(self.iteration, path)
        out = Path(cfg.output_dir) / "model"
        save_model_dir(out, self.model, self.tok, self.lineage, extra={"stage": "ppo"})
        from safetensors.torch import save_file

        save_file({k: v.contiguous() for k, v in self.value_head.state_dict().items()}, str(out / "value_head.safetensors"))
        return {"output": str(out), "sha256": weights_sha256(trainable_state(self.modules))}


def train(cfg: PpoConfig, session: Session) -> dict[str, str]:
    return PpoTrainer(cfg, session).train()
