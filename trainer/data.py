"""Reading JSONL, building token sequences (prompt tokens masked), batching, and the data cursor.

The cursor's order is a pure function of (seed, epoch): resuming recomputes the permutation of
the epoch it stopped in and continues at the saved position, without drawing any random number.
(Samplers whose generator state is saved mid-epoch resume on the *next* epoch's permutation.)
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from .prompts import prompt_ids, response_ids
from .tokenizer import Tokenizer

IGNORE = -100


class DataError(ValueError):
    """An input file is missing or malformed; fix the data, a retry cannot help."""


def read_jsonl(path: str) -> list[dict[str, Any]]:
    p = Path(path)
    if not p.exists():
        raise DataError(f"data file {path} does not exist")
    rows: list[dict[str, Any]] = []
    with p.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as err:
                raise DataError(f"{path}:{lineno}: not valid JSON ({err.msg})") from err
            if not isinstance(row, dict):
                raise DataError(f"{path}:{lineno}: expected a JSON object")
            rows.append(row)
    if not rows:
        raise DataError(f"data file {path} holds no records")
    return rows


def field_of(row: dict[str, Any], name: str, path: str, index: int) -> str:
    value = row.get(name)
    if not isinstance(value, str):
        raise DataError(f"{path}: record {index} has no string field {name!r}")
    return value


@dataclass(frozen=True)
class Sequence:
    input_ids: list[int]
    labels: list[int]


def build_sequence(tok: Tokenizer, prompt: str, completion: str, max_length: int) -> Sequence:
    """Prompt tokens are masked out of the loss; the completion ends with eos."""
    p = prompt_ids(tok, prompt, max_length)
    c = response_ids(tok, completion)[: max_length - len(p)]
    return Sequence(input_ids=p + c, labels=[IGNORE] * len(p) + c)


def pad_batch(seqs: list[list[int]], pad: int, labels: list[list[int]] | None = None) -> dict[str, torch.Tensor]:
    """Right padding; attention_mask marks real tokens."""
    width = max(len(s) for s in seqs)
    ids = torch.full((len(seqs), width), pad, dtype=torch.long)
    mask = torch.zeros((len(seqs), width), dtype=torch.long)
    out: dict[str, torch.Tensor] = {}
    lab = torch.full((len(seqs), width), IGNORE, dtype=torch.long) if labels is not None else None
    for i, s in enumerate(seqs):
        ids[i, : len(s)] = torch.tensor(s, dtype=torch.long)
        mask[i, : len(s)] = 1
        if lab is not None and labels is not None:
            lab[i, : len(s)] = torch.tensor(labels[i], dtype=torch.long)
    out["input_ids"] = ids
    out["attention_mask"] = mask
    if lab is not None:
        out["labels"] = lab
    return out


def left_pad(seqs: list[list[int]], pad: int) -> dict[str, torch.Tensor]:
    """Left padding for generation; position ids count real tokens only."""
    width = max(len(s) for s in seqs)
    ids = torch.full((len(seqs), width), pad, dtype=torch.long)
    mask = torch.zeros((len(seqs), width), dtype=torch.long)
    for i, s in enumerate(seqs):
        ids[i, width - len(s):] = torch.tensor(s, dtype=torch.long)
        mask[i, width - len(s):] = 1
    return {"input_ids": ids, "attention_mask": mask}


class DataCursor:
    """Walks the examples epoch after epoch in a seeded permutation per epoch."""

    def __init__(self, size: int, seed: int, shuffle: bool = True) -> None:
        if size <= 0:
            raise DataError("no examples to iterate over")
        self.size = size
        self.seed = seed
        self.shuffle = shuffle
        self.epoch = 0
        self.position = 0
        self._perm_epoch = -1
        self._perm: list[int] = []

    def order(self, epoch: int) -> list[int]:
        if not self.shuffle:
            return list(range(self.size))
        gen = torch.Generator().manual_seed(self.seed * 1_000_003 + epoch)
        return torch.randperm(self.size, generator=gen).tolist()

    def _current(self) -> list[int]:
        if self._perm_epoch != self.epoch:
            self._perm = self.order(self.epoch)
            self._perm_epoch = self.epoch
        return self._perm

    def next_batch(self, batch_size: int) -> list[int]:
        """The next indices; a batch never spans two epochs (the last one of an epoch may be short)."""
        if self.position >= self.size:
            self.epoch += 1
            self.position = 0
        perm = self._current()
        idx = perm[self.position: self.position + batch_size]
        self.position += len(idx)
        return idx

    def order_digest(self) -> str:
        return hashlib.sha256(json.dumps(self._current()).encode()).hexdigest()[:16]

    def state_dict(self) -> dict[str, Any]:
        return {"size": self.size, "seed": self.seed, "shuffle": self.shuffle, "epoch": self.epoch,
                "position": self.position, "order_digest": self.order_digest()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if state["size"] != self.size or state["seed"] != self.seed or state["shuffle"] != self.shuffle:
            raise DataError(
                f"checkpoint was taken on {state['size']} examples (seed {state['seed']}), "
                f"this run has {self.size} (seed {self.seed}): resume with the same data")
        self.epoch = int(state["epoch"])
        self.position = int(state["position"])
        if self.order_digest() != state["order_digest"]:
            raise DataError("data order after resume differs from the checkpoint's: refusing to resume")


def batches_per_epoch(size: int, batch_size: int) -> int:
    return -(-size // batch_size)
