"""Memory plan: before a launch, estimate each process's GPU memory for a stage and refuse what
cannot fit, naming settings that would.

    python -m trainer plan <sft|reward|ppo|generate> --config FILE [--gpu-memory-gib N]

prints one JSON object on stdout and exits 0 when the stage fits, 2 when it does not (or the
configuration is invalid: then the object is {"error": message}):

    {"stage": "ppo", "model": "Qwen/Qwen2.5-Coder-32B-Instruct", "world_size": 1, "precision": "bf16",
     "gpu_memory_gib": 80.0, "per_rank_gib": 103.4, "fits": false,
     "components_gib": {"weights": 61.0, "gathered": 3.0, "trainable": 0.3, "activations": 9.3,
                        "logits": 2.2, "kv_cache": 0.5, "reward_model": 12.8, "overhead": 14.4},
     "suggestions": [{"nproc_per_node": 2, "nnodes": 1, "per_rank_gib": 55.1}, ...],
     "message": "ppo of Qwen/Qwen2.5-Coder-32B-Instruct needs about 103.4 GiB per process ..."}

`--gpu-memory-gib` defaults to the memory of the first visible CUDA device, else 80 (an H100).
`precision: auto` is planned as bf16 (what it picks on a GPU that supports it).
The estimate (`plan`, a pure function of the shapes and settings) counts: the frozen base weights
in the load precision, sharded over the world (FSDP2); the layers gathered at once (one in use,
one prefetched) and the unsharded root (embeddings, LM head); trainable LoRA and head parameters
with fp32 gradients and AdamW moments, sharded; activations kept for backward (no activation
checkpointing) for each rank's micro-batch; fp32 logits and their gradient; for PPO the rollout's
key/value cache and the frozen reward model (sharded likewise); and 2 GiB of CUDA context plus
15 % for allocator fragmentation. It is an estimate: keep a margin.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .config import CommonConfig, ConfigError, LoraConfig, PpoConfig, RewardConfig, SftConfig

GIB = 1024**3
WORLD_SIZES = (1, 2, 4, 8, 16, 32, 64)
GPUS_PER_NODE = 8


@dataclass(frozen=True)
class ModelShape:
    hidden_size: int
    num_hidden_layers: int
    num_attention_heads: int
    num_key_value_heads: int
    intermediate_size: int
    vocab_size: int
    tie_word_embeddings: bool = False

    @property
    def kv_size(self) -> int:
        return self.hidden_size // self.num_attention_heads * self.num_key_value_heads

    def module_dims(self) -> dict[str, tuple[int, int]]:
        h, i, kv = self.hidden_size, self.intermediate_size, self.kv_size
        return {"q_proj": (h, h), "k_proj": (h, kv), "v_proj": (h, kv), "o_proj": (h, h),
                "gate_proj": (h, i), "up_proj": (h, i), "down_proj": (i, h)}

    def layer_params(self) -> int:
        return sum(a * b for a, b in self.module_dims().values()) + 2 * self.hidden_size

    def root_params(self) -> int:
        """Embeddings, LM head and final norm: the part FSDP keeps in the root group."""
        embed = self.vocab_size * self.hidden_size
        return embed * (1 if self.tie_word_embeddings else 2) + self.hidden_size

    def params(self) -> int:
        return self.num_hidden_layers * self.layer_params() + self.root_params()

    def lora_params(self, lora: LoraConfig) -> int:
        dims = self.module_dims()
        return self.num_hidden_layers * sum(lora.rank * (dims[m][0] + dims[m][1]) for m in lora.target_modules if m in dims)


#: Shapes of the models the paper uses and the packaged demo student, from their published
#: config.json, so a plan needs neither the weights nor network access.
KNOWN: dict[str, ModelShape] = {
    "Qwen/Qwen2.5-Coder-32B-Instruct": ModelShape(5120, 64, 40, 8, 27648, 152064),
    "Qwen/Qwen2.5-Coder-7B-Instruct": ModelShape(3584, 28, 28, 4, 18944, 152064),
    "codellama/CodeLlama-7b-hf": ModelShape(4096, 32, 32, 32, 11008, 32016),
    "HuggingFaceTB/SmolLM2-135M-Instruct": ModelShape(576, 30, 9, 3, 1536, 49152, tie_word_embeddings=True),
}


def shape_of(spec: str, cfg: CommonConfig) -> tuple[str, ModelShape]:
    """(root base name, shape) of "tiny", a Repairity model folder, a model folder with a
    config.json, a model in the local Hugging Face cache, or one of KNOWN."""
    from .modeling import MANIFEST
    from .students import STUDENTS, resolve

    if spec in STUDENTS:
        # A named student (make student): the shape of the folder it is installed in.
        return spec, shape_of(resolve(spec), cfg)[1]
    if spec == "tiny":
        t = cfg.tiny
        return "tiny", ModelShape(t.hidden_size, t.num_hidden_layers, t.num_attention_heads, t.num_key_value_heads,
                                  t.intermediate_size, 259, tie_word_embeddings=True)
    root = Path(spec)
    if (root / MANIFEST).exists():
        base = json.loads((root / MANIFEST).read_text())["base"]
        if base["kind"] == "tiny":
            t = base["tiny"]
            return "tiny", ModelShape(t["hidden_size"], t["num_hidden_layers"], t["num_attention_heads"],
                                      t["num_key_value_heads"], t["intermediate_size"], 259, tie_word_embeddings=True)
        return shape_of(base["name"], cfg)
    if spec in KNOWN:
        return spec, KNOWN[spec]
    try:
        from transformers import AutoConfig

        c = AutoConfig.from_pretrained(spec, local_files_only=True)
    except (OSError, ValueError) as err:
        raise ConfigError(f"memory plan: no shape for model {spec!r} (not a local model folder, not in the local "
                          f"Hugging Face cache, not one of {sorted(KNOWN)}): {err}") from err
    return spec, ModelShape(c.hidden_size, c.num_hidden_layers, c.num_attention_heads,
                            getattr(c, "num_key_value_heads", None) or c.num_attention_heads, c.intermediate_size,
                            c.vocab_size, bool(getattr(c, "tie_word_embeddings", False)))


@dataclass(frozen=True)
class Workload:
    """What one process holds and computes, independent of how the config spells it."""

    stage: str
    shape: ModelShape
    precision: str
    lora: LoraConfig | None
    #: Sequences in one forward/backward per rank and their length.
    micro_batch: int
    seq_len: int
    #: PPO: sequences sampled per rank at once, the reward model's shape.
    rollout_batch: int = 0
    reward: ModelShape | None = None
    #: Trainable parameters besides LoRA (scalar heads).
    head_params: int = 0


def plan(w: Workload, world_size: int, gpu_memory_gib: float) -> dict[str, Any]:
    """Per-process memory in GiB by component, and whether it fits."""
    s = w.shape
    wbytes = 4 if w.precision == "fp32" else 2
    training = w.stage != "generate"
    parts: dict[str, float] = {}
    parts["weights"] = s.params() * wbytes / world_size
    gathered = 2 * s.layer_params() + s.root_params()  # in use + prefetched layer, unsharded root
    parts["gathered"] = gathered * wbytes * (1 - 1 / world_size) if world_size > 1 else 0.0
    trainable = (s.lora_params(w.lora) if w.lora else 0) + w.head_params
    parts["trainable"] = trainable * 16 / world_size if training else 0.0  # fp32 weight, grad, 2 Adam moments
    tokens = w.micro_batch * w.seq_len
    if training:
        per_token_layer = 8 * s.hidden_size + 3 * s.intermediate_size + 2 * s.kv_size
        parts["activations"] = tokens * s.num_hidden_layers * per_token_layer * wbytes
        parts["logits"] = tokens * s.vocab_size * 4 * 2 if w.stage != "reward" else 0.0
    kv_seqs = w.rollout_batch if w.stage == "ppo" else (w.micro_batch if w.stage == "generate" else 0)
    parts["kv_cache"] = 2 * s.num_hidden_layers * s.kv_size * w.seq_len * kv_seqs * wbytes
    if w.stage == "generate":
        parts["logits"] = kv_seqs * s.vocab_size * 4 * 2
    if w.reward is not None:
        parts["reward_model"] = (w.reward.params() / world_size + (2 * w.reward.layer_params() if world_size > 1 else 0)) * wbytes
    subtotal = sum(parts.values())
    parts["overhead"] = 2 * GIB + 0.15 * subtotal
    total = sum(parts.values()) / GIB
    return {"per_rank_gib": round(total, 1), "fits": total <= gpu_memory_gib,
            "components_gib": {k: round(v / GIB, 2) for k, v in parts.items()}}


def layout(world_size: int) -> dict[str, int]:
    """nproc_per_node and nnodes for a world size (full nodes of GPUS_PER_NODE above one node)."""
    per_node = min(world_size, GPUS_PER_NODE)
    return {"nproc_per_node": per_node, "nnodes": world_size // per_node}


def workload(stage: str, cfg: CommonConfig) -> tuple[str, Workload]:
    name, shape = shape_of(cfg.model, cfg)
    precision = "bf16" if cfg.precision == "auto" else cfg.precision
    world = cfg.distributed.world_size
    per_rank = lambda n: max(1, n // world)  # noqa: E731 - batch sizes are global
    if isinstance(cfg, SftConfig):
        return name, Workload(stage, shape, precision, cfg.lora, per_rank(cfg.batch_size), cfg.max_length)
    if isinstance(cfg, RewardConfig):  # chosen and rejected in one forward
        return name, Workload(stage, shape, precision, cfg.lora, 2 * per_rank(cfg.batch_size), cfg.max_length,
                              head_params=shape.hidden_size + 1)
    if isinstance(cfg, PpoConfig):
        reward = shape_of(cfg.reward.path, cfg)[1] if cfg.reward.type == "model" and cfg.reward.path else None
        seq = min(cfg.max_length, cfg.max_length // 2 + cfg.max_new_tokens)
        return name, Workload(stage, shape, precision, cfg.lora, per_rank(cfg.minibatch_size), seq,
                              rollout_batch=per_rank(cfg.batch_size), reward=reward, head_params=shape.hidden_size + 1)
    seq = cfg.max_length // 2 + getattr(cfg, "max_new_tokens", 0)
    return name, Workload(stage, shape, precision, None, per_rank(getattr(cfg, "batch_size", 1)), seq)


def check(stage: str, cfg: CommonConfig, gpu_memory_gib: float) -> dict[str, Any]:
    """The plan for this configuration, with the world sizes that would fit when it does not."""
    name, w = workload(stage, cfg)
    world = cfg.distributed.world_size
    result: dict[str, Any] = {"stage": stage, "model": name, "world_size": world, "precision": w.precision,
                              "gpu_memory_gib": gpu_memory_gib, **plan(w, world, gpu_memory_gib)}
    if result["fits"]:
        result["suggestions"] = []
        result["message"] = (f"{stage} of {name} needs about {result['per_rank_gib']} GiB per process at world size "
                             f"{world}; {gpu_memory_gib:g} GiB available")
        return result
    suggestions = []
    for size in WORLD_SIZES:
        if size <= world:
            continue
        p = plan(spread(w, world, size), size, gpu_memory_gib)
        if p["fits"]:
            suggestions.append({**layout(size), "per_rank_gib": p["per_rank_gib"]})
        if len(suggestions) == 2:
            break
    result["suggestions"] = suggestions
    hint = "; ".join(f"nproc_per_node {s['nproc_per_node']} x nnodes {s['nnodes']} (about {s['per_rank_gib']} GiB per "
                     "process)" for s in suggestions) or "no world size up to 64 fits: lower batch_size or max_length"
    biggest = max((k for k in result["components_gib"] if k != "overhead"), key=lambda k: result["components_gib"][k])
    result["message"] = (
        f"{stage} of {name} needs about {result['per_rank_gib']} GiB per process at world size {world} "
        f"({w.precision}, largest part: {biggest} {result['components_gib'][biggest]} GiB), more than the "
        f"{gpu_memory_gib:g} GiB of one GPU. Settings that fit, with the same batch sizes: config.distributed {hint}")
    return result


def spread(w: Workload, world: int, size: int) -> Workload:
    """The same global batches spread over `size` processes instead of `world`."""
    shrink = lambda n: max(1, n * world // size)  # noqa: E731
    return replace(w, micro_batch=shrink(w.micro_batch), rollout_batch=shrink(w.rollout_batch) if w.rollout_batch else 0)


def default_gpu_memory_gib() -> float:
    import torch

    if torch.cuda.is_available():
        return torch.cuda.get_device_properties(0).total_memory / GIB
    return 80.0


def main(argv: list[str]) -> int:
    import argparse

    from .config import STAGE_CONFIGS, load_config

    parser = argparse.ArgumentParser(prog="python -m trainer plan", description="memory plan per process (JSON)")
    parser.add_argument("stage", choices=list(STAGE_CONFIGS))
    parser.add_argument("--config", required=True)
    parser.add_argument("--gpu-memory-gib", type=float, help="memory of one GPU (default: the first CUDA device, else 80)")
    args = parser.parse_args(argv)
    try:
        cfg = load_config(args.stage, args.config)
        result = check(args.stage, cfg, args.gpu_memory_gib or default_gpu_memory_gib())
    except ConfigError as err:
        print(json.dumps({"error": str(err)}))
        return 2
    print(json.dumps(result))
    return 0 if result["fits"] else 2

