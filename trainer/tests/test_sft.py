"""SFT on the tiny model: it learns, and resuming gives bit-identical weights."""
from pathlib import Path
from typing import Any, Callable

import pytest

from trainer.checkpoint import CheckpointError, StopRequested
from trainer.modeling import MANIFEST

from .conftest import events_of, run
from .measure import training_set_loss

Config = Callable[..., dict[str, Any]]


def test_loss_falls_on_a_learnable_task(sft_config: Config) -> None:
    """Measured over seeds 0-2: the trained model's loss is 0.08 of the untrained one's (limit 0.3);
    a zero learning rate leaves it at 1.0."""
    cfg = sft_config("a", epochs=10, optim={"lr": 2e-2, "warmup_steps": 2}, checkpoint={"interval": 0})
    result, sink = run("sft", cfg)
    assert len(events_of(sink, "metrics")) == 30
    before, after = training_set_loss("tiny", cfg), training_set_loss(result["output"], cfg)
    assert after < 0.3 * before, (before, after)
    out = Path(result["output"])
    assert (out / MANIFEST).exists() and (out / "adapters" / "0" / "adapter_config.json").exists()
    assert len(result["sha256"]) == 64


def test_fix_only_variant_trains_on_fewer_tokens(sft_config: Config) -> None:
    from trainer.config import SftConfig, from_dict
    from trainer.sft import encode_dataset
    from trainer.tokenizer import ByteTokenizer

    full = encode_dataset(from_dict(SftConfig, sft_config("x")), ByteTokenizer())
    fix = encode_dataset(from_dict(SftConfig, sft_config("y", target="fix")), ByteTokenizer())
    trained = lambda seqs: sum(1 for s in seqs for t in s.labels if t != -100)  # noqa: E731
    assert trained(fix) < trained(full)
    assert all(s.labels.count(-100) == f.labels.count(-100) for s, f in zip(full, fix))  # same prompt mask


@pytest.mark.parametrize("resume_step", [2, 4, 6])  # 6 micro-batches per epoch, accum 2: 4 = mid-epoch 1; 6 = epoch boundary
def test_resume_from_any_checkpoint_is_bit_identical(sft_config: Config, resume_step: int) -> None:
    full, full_sink = run("sft", sft_config("full"))
    ckpts = {e["step"]: e for e in events_of(full_sink, "checkpoint")}
    resumed, sink = run("sft", sft_config("resumed"), resume=ckpts[resume_step]["path"])
    assert resumed["sha256"] == full["sha256"]
    # RNG restored and not advanced before the first resumed step (transformers #39215).
    assert events_of(sink, "resumed")[0]["rng"] == ckpts[resume_step]["rng"]
    # The resumed run reports the same losses for the remaining steps.
    full_losses = {e["step"]: e["loss"] for e in events_of(full_sink, "metrics")}
    for e in events_of(sink, "metrics"):
        assert e["loss"] == full_losses[e["step"]]


def test_stop_writes_a_final_checkpoint_and_resume_matches(sft_config: Config) -> None:
    full, _ = run("sft", sft_config("full", checkpoint={"interval": 0}))
    with pytest.raises(StopRequested) as stop:
        run("sft", sft_config("stopped", checkpoint={"interval": 0}), stop_after=5)
    assert stop.value.step == 5 and stop.value.checkpoint
    resumed, _ = run("sft", sft_config("stopped", checkpoint={"interval": 0}), resume=stop.value.checkpoint)
    assert resumed["sha256"] == full["sha256"]


def test_resume_with_a_different_configuration_is_refused(sft_config: Config) -> None:
    with pytest.raises(StopRequested) as stop:
        run("sft", sft_config("a"), stop_after=1)
    with pytest.raises(CheckpointError, match="different"):
        run("sft", sft_config("b", optim={"lr": 0.5}), resume=stop.value.checkpoint)
