"""A key/value cache that reserves room for the tokens still to come.

Hugging Face's `DynamicCache` grows each layer by `torch.cat`, which copies the whole cache at every
decoding step: on a CPU, at 50 rows, that copying cost as much as the model's matrix products. Here
each layer's keys and values live in a buffer sized for the prompt plus `reserve` new tokens;
a step writes its token in place and the model reads a view of the filled part. Dropping finished
rows copies the buffer once (rows finish far less often than steps are taken).
"""
from __future__ import annotations

from typing import Any

import torch
from torch import nn
from transformers import DynamicCache
from transformers.cache_utils import DynamicLayer


class ReservedLayer(DynamicLayer):
    def __init__(self, reserve: int) -> None:
        super().__init__()
        self.reserve = reserve
        self.length = 0
        self.key_buffer = torch.empty(0)
        self.value_buffer = torch.empty(0)

    def update(self, key_states: torch.Tensor, value_states: torch.Tensor, *args: Any, **kwargs: Any) -> tuple[torch.Tensor, torch.Tensor]:
        if not self.is_initialized:
            self.lazy_initialization(key_states, value_states)
        new = key_states.shape[-2]
        if self.key_buffer.dim() != 4 or self.length + new > self.key_buffer.shape[-2]:
            self._grow(key_states, value_states, self.length + new + self.reserve)
        self.key_buffer[:, :, self.length:self.length + new] = key_states
        self.value_buffer[:, :, self.length:self.length + new] = value_states
        self.length += new
        self._expose()
        return self.keys, self.values

    def _expose(self) -> None:
        """The model reads the filled part of the buffers."""
        self.keys = self.key_buffer[:, :, :self.length]
        self.values = self.value_buffer[:, :, :self.length]

    def _grow(self, key_states: torch.Tensor, value_states: torch.Tensor, capacity: int) -> None:
        def grown(old: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
            shape = (*like.shape[:2], capacity, like.shape[-1])
            buffer = torch.empty(shape, dtype=like.dtype, device=like.device)
            if self.length > 0:
                buffer[:, :, :self.length] = old[:, :, :self.length]
            return buffer
        self.key_buffer = grown(self.key_buffer, key_states)
        self.value_buffer = grown(self.value_buffer, value_states)

    def batch_select_indices(self, indices: torch.Tensor) -> None:
        if self.length > 0:
            self.key_buffer = self.key_buffer[indices]
            self.value_buffer = self.value_buffer[indices]
            self._expose()


def reserved_cache(model: nn.Module, reserve: int) -> DynamicCache:
    """A cache for `model` whose full-attention layers reserve room for `reserve` more tokens (other
    layer types, such as sliding windows, keep Hugging Face's own)."""
    config = getattr(model, "config", None)
    cache = DynamicCache(config=config) if config is not None else DynamicCache()
    if cache.layers:
        cache.layers = [ReservedLayer(reserve) if type(layer) is DynamicLayer else layer for layer in cache.layers]
    else:
        cache.layer_class_to_replicate = lambda: ReservedLayer(reserve)  # type: ignore[assignment]
    return cache


def all_reserved(model: nn.Module) -> bool:
    """Whether every layer of `model`'s cache is a ReservedLayer (so caches can be merged)."""
    return all(isinstance(layer, ReservedLayer) for layer in reserved_cache(model, 0).layers)


def merge_left_padded(parts: list[tuple[list[int], DynamicCache]], rows: int, width: int, reserve: int) -> DynamicCache:
    """One cache of `rows` rows, left-padded to `width` positions, from caches of groups of rows
    (each with its row numbers) that were filled separately, each as wide as its own longest
    prompt. The padding positions hold zeros; the attention mask hides them."""
    first = parts[0][1]
    merged = DynamicCache()
    merged.layers = []
    for index in range(len(first.layers)):
        layer = ReservedLayer(reserve)
        like = first.layers[index].keys
        layer.lazy_initialization(like, like)
        shape = (rows, like.shape[1], width + reserve, like.shape[-1])
        layer.key_buffer = torch.zeros(shape, dtype=like.dtype, device=like.device)
        layer.value_buffer = torch.zeros(shape, dtype=like.dtype, device=like.device)
        for row_numbers, cache in parts:
            keys, values = cache.layers[index].keys, cache.layers[index].values
            at = torch.tensor(row_numbers, device=like.device)
            layer.key_buffer[at, :, width - keys.shape[-2]:width] = keys
            layer.value_buffer[at, :, width - values.shape[-2]:width] = values
        layer.length = width
        layer._expose()
        merged.layers.append(layer)
    return merged
