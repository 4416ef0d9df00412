"""Typed stage configurations, read from JSON. Unknown keys are errors (a typo must not be ignored).

Every path in a config is taken as given (absolute, or relative to the working directory).
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar, Union


class ConfigError(ValueError):
    """The configuration file is invalid; fix the file, a retry cannot help."""


@dataclass
class TinyModelConfig:
    """A small Qwen2-architecture model built in code (no weights to download)."""

    hidden_size: int = 64
    num_hidden_layers: int = 2
    num_attention_heads: int = 4
    num_key_value_heads: int = 2
    intermediate_size: int = 128
    max_position_embeddings: int = 512
    #: Standard deviation of the random initial weights (larger = a less uniform initial output).
    initializer_range: float = 0.2


@dataclass
class LoraConfig:
    rank: int = 4
    alpha: int = 16
    dropout: float = 0.05
    target_modules: list[str] = field(default_factory=lambda: ["q_proj", "k_proj", "v_proj", "o_proj"])


@dataclass
class OptimConfig:
    lr: float = 2e-4
    weight_decay: float = 0.0
    betas: list[float] = field(default_factory=lambda: [0.9, 0.999])
    eps: float = 1e-8
    warmup_steps: int = 0
    max_grad_norm: float = 1.0
    #: Cosine decays from lr to lr * min_lr_ratio.
    min_lr_ratio: float = 0.0


@dataclass
class CheckpointConfig:
    #: Folder holding `step-NNNNNNNN/` checkpoints. Defaults to `<output_dir>/checkpoints`.
    dir: str | None = None
    #: Optimizer steps (PPO: iterations) between checkpoints; 0 disables periodic checkpoints.
    interval: int = 50
    #: How many of the newest checkpoints to keep.
    keep: int = 3


@dataclass
class DistributedConfig:
    """How many processes train together (launched by `torchrun`, see docs/training.md).

    World size = nproc_per_node * nnodes. 1 (the default) is the single-process path. Above 1 the
    model and optimizer are sharded with FSDP2 over all processes (gloo on CPU, NCCL on CUDA) and a
    checkpoint can only be resumed at the world size that wrote it.
    """

    #: Processes on each node (one per GPU on a CUDA node).
    nproc_per_node: int = 1
    #: Number of nodes; every node runs the same launch with the same rendezvous endpoint.
    nnodes: int = 1
    #: "host:port" of the c10d rendezvous, reachable from every node; required when nnodes > 1.
    #: Single-node launches use a local rendezvous and ignore it.
    rdzv_endpoint: str | None = None

    @property
    def world_size(self) -> int:
        return self.nproc_per_node * self.nnodes


@dataclass
class CommonConfig:
    """Settings every stage shares."""

    output_dir: str = "out"
    model: str = "tiny"
    tiny: TinyModelConfig = field(default_factory=TinyModelConfig)
    seed: int = 0
    #: "auto" picks bf16 on CUDA devices that support it, otherwise fp32. "fp16" uses a GradScaler.
    precision: Literal["auto", "fp32", "bf16", "fp16"] = "auto"
    #: "auto" = CUDA when available, else CPU.
    device: str = "auto"
    #: torch intra-op threads (None leaves torch's default). Results are bit-reproducible for a fixed value.
    threads: int | None = None
    max_length: int = 256
    checkpoint: CheckpointConfig = field(default_factory=CheckpointConfig)
    log_interval: int = 1
    distributed: DistributedConfig = field(default_factory=DistributedConfig)


@dataclass
class SftConfig(CommonConfig):
    data: str = ""
    #: "trace_fix" trains on reasoning trace + fix; "fix" on the fix alone (direct-output ablation).
    target: Literal["trace_fix", "fix"] = "trace_fix"
    prompt_field: str = "prompt"
    trace_field: str = "trace"
    fix_field: str = "fix"
    lora: LoraConfig = field(default_factory=LoraConfig)
    optim: OptimConfig = field(default_factory=OptimConfig)
    batch_size: int = 4
    grad_accum: int = 1
    epochs: float = 1.0
    max_steps: int | None = None


@dataclass
class RewardConfig(CommonConfig):
    data: str = ""
    #: Held-out preference pairs; if absent, `eval_fraction` of `data` is held out (seeded split).
    eval_data: str | None = None
    eval_fraction: float = 0.15
    #: Also measure the untrained model on the held-out pairs (chance, unless the base knows the task).
    eval_before: bool = True
    prompt_field: str = "prompt"
    chosen_field: str = "chosen"
    rejected_field: str = "rejected"
    lora: LoraConfig = field(default_factory=LoraConfig)
    optim: OptimConfig = field(default_factory=lambda: OptimConfig(lr=1e-3))
    batch_size: int = 4
    grad_accum: int = 1
    epochs: float = 1.0
    max_steps: int | None = None


@dataclass
class RewardSource:
    #: "model": a reward-model output directory (`path`). "toy": a built-in scoring rule for tests
    #: and demos (`rule`, e.g. "char_fraction:a" = share of response characters equal to "a").
    type: Literal["model", "toy"] = "model"
    path: str | None = None
    rule: str | None = None


@dataclass
class PpoConfig(CommonConfig):
    data: str = ""
    prompt_field: str = "prompt"
    reward: RewardSource = field(default_factory=RewardSource)
    lora: LoraConfig = field(default_factory=LoraConfig)
    optim: OptimConfig = field(default_factory=lambda: OptimConfig(lr=1e-4))
    iterations: int = 10
    #: Prompts per rollout batch.
    batch_size: int = 8
    minibatch_size: int = 4
    ppo_epochs: int = 5
    clip_eps: float = 0.2
    value_clip_eps: float = 0.2
    kl_beta: float = 0.1
    gamma: float = 1.0
    lam: float = 0.95
    vf_coef: float = 0.1
    ent_coef: float = 0.0
    temperature: float = 0.8
    max_new_tokens: int = 32
    #: As GenerateConfig.stop_after_code, for rollouts.
    stop_after_code: bool = False
    whiten_advantages: bool = True


@dataclass
class GenerateConfig(CommonConfig):
    data: str = ""
    prompt_field: str = "prompt"
    id_field: str | None = "id"
    #: Samples per prompt; temperatures are spread evenly over [min, max].
    k: int = 3
    temperature_min: float = 0.7
    temperature_max: float = 0.9
    max_new_tokens: int = 64
    batch_size: int = 8
    #: End an answer once its first code block is closed (not in the paper; it saves the tokens a
    #: model writes after its code, and evaluation then reads that first block).
    stop_after_code: bool = False


StageConfig = Union[SftConfig, RewardConfig, PpoConfig, GenerateConfig]
STAGE_CONFIGS: dict[str, type] = {
    "sft": SftConfig,
    "reward": RewardConfig,
    "ppo": PpoConfig,
    "generate": GenerateConfig,
}

T = TypeVar("T")


def _coerce(value: Any, tp: Any, where: str) -> Any:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if tp is Any:
        return value
    if origin in (Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        errors = []
        for arg in args:
            if arg is type(None):
                continue
            try:
                return _coerce(value, arg, where)
            except ConfigError as err:
                errors.append(str(err))
        raise ConfigError("; ".join(errors))
    if origin is Literal:
        if value not in args:
            raise ConfigError(f"{where}: {value!r} is not one of {list(args)}")
        return value
    if origin is list:
        if not isinstance(value, list):
            raise ConfigError(f"{where}: expected a list, got {type(value).__name__}")
        return [_coerce(v, args[0], f"{where}[{i}]") for i, v in enumerate(value)]
    if dataclasses.is_dataclass(tp):
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: expected an object, got {type(value).__name__}")
        return from_dict(tp, value, where)
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{where}: expected a number, got {value!r}")
        return float(value)
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{where}: expected an integer, got {value!r}")
        return value
    if tp is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: expected true or false, got {value!r}")
        return value
    if tp is str:
        if not isinstance(value, str):
            raise ConfigError(f"{where}: expected a string, got {value!r}")
        return value
    raise ConfigError(f"{where}: unsupported type {tp}")


def from_dict(cls: type[T], data: dict[str, Any], where: str = "config") -> T:
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(data) - names)
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {unknown}; allowed: {sorted(names)}")
    kwargs = {k: _coerce(v, hints[k], f"{where}.{k}") for k, v in data.items()}
    return cls(**kwargs)


def load_config(stage: str, path: str | Path) -> StageConfig:
    if stage not in STAGE_CONFIGS:
        raise ConfigError(f"unknown stage {stage!r}; use one of {sorted(STAGE_CONFIGS)}")
    try:
        raw = json.loads(Path(path).read_text())
    except (OSError, json.JSONDecodeError) as err:
        raise ConfigError(f"cannot read config {path}: {err}") from err
    if not isinstance(raw, dict):
        raise ConfigError(f"config {path}: expected a JSON object")
    cfg = from_dict(STAGE_CONFIGS[stage], raw, where=str(path))
    validate(cfg)
    return cfg  # type: ignore[return-value]


def validate(cfg: StageConfig) -> None:
    if not getattr(cfg, "data", ""):
        raise ConfigError("config.data: name the input JSONL file")
    dist = cfg.distributed
    if dist.nproc_per_node < 1 or dist.nnodes < 1:
        raise ConfigError("config.distributed: nproc_per_node and nnodes must be at least 1")
    if dist.nnodes > 1 and not dist.rdzv_endpoint:
        raise ConfigError("config.distributed.rdzv_endpoint: name the host:port every node can reach when nnodes > 1")
    if isinstance(cfg, (SftConfig, RewardConfig)):
        if cfg.batch_size < 1 or cfg.grad_accum < 1:
            raise ConfigError("batch_size and grad_accum must be at least 1")
        if cfg.batch_size % dist.world_size:
            raise ConfigError(f"batch_size ({cfg.batch_size}) is the global batch: make it a multiple of the "
                              f"world size ({dist.world_size} = nproc_per_node x nnodes)")
    if isinstance(cfg, PpoConfig):
        if cfg.reward.type == "model" and not cfg.reward.path:
            raise ConfigError("config.reward.path: name the reward model output directory")
        if cfg.reward.type == "toy" and not cfg.reward.rule:
            raise ConfigError("config.reward.rule: name a toy rule, e.g. char_fraction:a")
        if cfg.batch_size % cfg.minibatch_size != 0:
            raise ConfigError("batch_size must be a multiple of minibatch_size")
        if cfg.minibatch_size % dist.world_size:
            raise ConfigError(f"minibatch_size ({cfg.minibatch_size}) is global: make it a multiple of the "
                              f"world size ({dist.world_size} = nproc_per_node x nnodes)")


def to_dict(cfg: Any) -> dict[str, Any]:
    return dataclasses.asdict(cfg)


#: Not part of the fingerprint: where files live, and the launch (a checkpoint records its world size
#: and refuses another with its own message; the rendezvous endpoint changes between attempts).
PATH_KEYS = ("output_dir", "checkpoint", "log_interval", "data", "eval_data", "model", "reward", "distributed")


def _file_digest(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _model_digest(spec: str) -> str:
    """A Repairity model folder by the content of its manifest and adapters (small files);
    anything else (\"tiny\", a hub name, a local base model) by name."""
    root = Path(spec)
    if not (root / "repairity_model.json").exists():
        return spec
    h = hashlib.sha256()
    for f in sorted(p for p in root.rglob("*") if p.is_file()):
        h.update(str(f.relative_to(root)).encode())
        h.update(_file_digest(str(f)).encode())
    return h.hexdigest()


def training_fingerprint(cfg: Any) -> str:
    """Hash of everything that determines the trained weights: hyperparameters and the content of
    the inputs, not where files happen to be (a retry downloads them to a new folder)."""
    d = to_dict(cfg)
    for key in PATH_KEYS:
        d.pop(key, None)
    d["data_sha256"] = _file_digest(cfg.data) if Path(cfg.data).exists() else cfg.data
    if getattr(cfg, "eval_data", None):
        d["eval_data_sha256"] = _file_digest(cfg.eval_data)
    d["model_digest"] = _model_digest(cfg.model)
    reward = getattr(cfg, "reward", None)
    if reward is not None:
        d["reward"] = {"type": reward.type, "rule": reward.rule,
                       "model_digest": _model_digest(reward.path) if reward.path else None}
    return hashlib.sha256(json.dumps(d, sort_keys=True).encode()).hexdigest()
