"""What the learning tests measure themselves, rather than read from the trainer's own reports
(a broken loss would report its own numbers falling)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from trainer.toy_rewards import char_fraction

from .conftest import prompts, run
from .stats import binomial_tail, welch_t


def training_set_loss(model_dir: str, cfg: dict[str, Any]) -> float:
    """Next-token loss of a saved model on the SFT examples."""
    import torch

    from trainer.config import SftConfig, TinyModelConfig, from_dict
    from trainer.data import pad_batch
    from trainer.modeling import load_base
    from trainer.sft import encode_dataset

    model, tok, _ = load_base(model_dir, TinyModelConfig(**cfg["tiny"]), 0, torch.float32)
    seqs = encode_dataset(from_dict(SftConfig, cfg), tok)
    batch = pad_batch([s.input_ids for s in seqs], tok.pad_id, [s.labels for s in seqs])
    with torch.no_grad():
        return float(model.eval()(**batch).loss)


def sampled_rewards(tmp_path: Path, model: str, out: str) -> list[float]:
    """char_fraction:a of 256 responses (16 prompts x 16) at the PPO temperature, one per sample."""
    result, _ = run("generate", {"data": prompts(tmp_path / "prompts.jsonl"), "model": model, "output_dir": str(tmp_path / out),
                                 "threads": 1, "k": 16, "temperature_min": 0.8, "temperature_max": 0.8,
                                 "max_new_tokens": 10, "batch_size": 64})
    rule = char_fraction("a")
    return [rule("", json.loads(line)["completion"]) for line in Path(result["output"]).read_text().splitlines()]


def preference_learned(final: dict[str, Any]) -> bool:
    """Held-out accuracy a coin reaches with probability below 1e-3, and held-out loss well below
    both chance (log 2) and its own untrained value (an untrained head scores 0.42 to 0.75 on
    this task by luck, so accuracy over a dozen pairs could pass with nothing learned)."""
    pairs = int(final["eval_pairs"])
    correct = round(final["eval_accuracy"] * pairs)
    return (binomial_tail(correct, pairs) < 1e-3 and final["eval_loss"] < 0.3
            and final["eval_loss"] < 0.5 * final["eval_loss_before"])


def policy_improved(before: list[float], after: list[float]) -> bool:
    """Welch's t above 4 (one-sided p below 1e-4 for a policy that did not improve) and a gain
    of more than 0.05 in mean reward."""
    return welch_t(before, after) > 4.0 and sum(after) / len(after) - sum(before) / len(before) > 0.05
