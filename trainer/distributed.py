"""Several processes training one model: process group, FSDP2 sharding and the few collectives the
stages need.

`torchrun` starts one process per device and sets RANK, WORLD_SIZE and LOCAL_RANK; the trainer
joins the group (gloo on CPU, NCCL on CUDA) and shards every model with `fully_shard` (each
decoder layer, then the whole model), so each process holds 1/world of the weights, gradients and
optimizer state. World size 1 (no torchrun) never creates a group and shards nothing: the
single-process path is unchanged. Every helper here is the identity at world size 1.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from .config import CommonConfig, ConfigError, DistributedConfig
from .runtime import select_device, select_precision


@dataclass(frozen=True)
class Dist:
    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @property
    def sharded(self) -> bool:
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    def barrier(self) -> None:
        if self.sharded:
            torch.distributed.barrier()

    def sum(self, x: torch.Tensor) -> torch.Tensor:
        """Sum of a tensor over all ranks (a copy; the input is left alone)."""
        if not self.sharded:
            return x
        out = x.detach().clone()
        torch.distributed.all_reduce(out)
        return out

    def mean_of(self, values: dict[str, float]) -> dict[str, float]:
        """Per-rank numbers averaged over the ranks (metrics)."""
        if not self.sharded or not values:
            return values
        keys = sorted(values)
        t = self.sum(torch.tensor([float(values[k]) for k in keys], dtype=torch.float64, device=self.device()))
        return {k: float(v) / self.world_size for k, v in zip(keys, t.tolist())}

    def any(self, flag: bool) -> bool:
        """True on every rank when it is true on one (a stop request must be agreed by all)."""
        if not self.sharded:
            return flag
        t = torch.tensor([1.0 if flag else 0.0], device=self.device())
        torch.distributed.all_reduce(t, op=torch.distributed.ReduceOp.MAX)
        return bool(t.item() > 0)

    def all(self, flag: bool) -> bool:
        return not self.any(not flag)

    def gather(self, obj: Any) -> list[Any]:
        """Every rank's object, in rank order, on every rank."""
        if not self.sharded:
            return [obj]
        out: list[Any] = [None] * self.world_size
        torch.distributed.all_gather_object(out, obj)
        return out

    def device(self) -> torch.device:
        """The device collectives run on: the rank's GPU under NCCL, else the CPU."""
        if self.sharded and torch.distributed.get_backend() == "nccl":
            return torch.device("cuda", self.local_rank)
        return torch.device("cpu")


SINGLE = Dist()


def from_environment(cfg: DistributedConfig, device_kind: str) -> Dist:
    """Joins the process group torchrun set up, after checking it is the one the config asks for."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world != cfg.world_size:
        how = ("launch it with torchrun (see docs/training.md)" if world == 1 else
               "launch it with nproc_per_node x nnodes matching the config")
        raise ConfigError(f"config.distributed asks for {cfg.world_size} process(es) "
                          f"(nproc_per_node {cfg.nproc_per_node} x nnodes {cfg.nnodes}) but {world} were started: {how}")
    if world == 1:
        return SINGLE
    dist = Dist(int(os.environ["RANK"]), world, int(os.environ.get("LOCAL_RANK", "0")))
    if not torch.distributed.is_initialized():
        backend = "nccl" if device_kind == "cuda" else "gloo"
        if backend == "nccl":
            torch.cuda.set_device(dist.local_rank)
        torch.distributed.init_process_group(backend)
    return dist


def local_device(device: torch.device, dist: Dist) -> torch.device:
    """Each rank of a CUDA run uses the GPU of its local rank."""
    if device.type == "cuda" and dist.sharded:
        return torch.device("cuda", dist.local_rank)
    return device


def placement(cfg: CommonConfig) -> tuple[torch.device, str, Dist]:
    """This process's device, precision and place in the group (joined here when torchrun started it)."""
    device = select_device(cfg)
    dist = from_environment(cfg.distributed, device.type)
    device = local_device(device, dist)
    return device, select_precision(cfg, device), dist


def decoder_layers(model: nn.Module) -> list[nn.Module]:
    """The repeated blocks of a (possibly PEFT-wrapped) causal LM, each sharded as one unit."""
    inner = model.get_base_model() if hasattr(model, "get_base_model") else model
    body = getattr(inner, "model", inner)
    layers = getattr(body, "layers", None)
    if layers is None:
        raise ValueError(f"cannot find the decoder layers of {type(inner).__name__} to shard")
    return list(layers)


def shard(model: nn.Module, dist: Dist, precision: str, with_layers: bool = True) -> nn.Module:
    """FSDP2 over all ranks; bf16/fp16 compute with fp32 gradient reduction. No-op at world size 1."""
    if not dist.sharded:
        return model
    from torch.distributed.fsdp import MixedPrecisionPolicy, fully_shard

    dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(precision)
    policy = MixedPrecisionPolicy(param_dtype=dtype, reduce_dtype=torch.float32 if dtype else None)
    if with_layers:
        for layer in decoder_layers(model):
            fully_shard(layer, mp_policy=policy)
    # The root too is resharded after each forward: left gathered (FSDP2's default for a root)
    # after a no-grad forward, its parameters are other objects than the optimizer's.
    fully_shard(model, mp_policy=policy, reshard_after_forward=True)
    return model


def masked_mean(x: torch.Tensor, mask: torch.Tensor, dist: Dist = SINGLE) -> torch.Tensor:
    """Mean of `x` where `mask` is 1, over every rank's rows."""
    if not dist.sharded:
        return (x * mask).sum() / mask.sum().clamp(min=1)
    return dist.sum((x * mask).sum()) / dist.sum(mask.sum()).clamp(min=1)
