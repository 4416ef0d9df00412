"""Tokenizers behind one small interface: a byte-level tokenizer built in code (for the tiny
model: nothing to download) and a wrapper over a Hugging Face tokenizer for real models."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Protocol


class Tokenizer(Protocol):
    vocab_size: int
    pad_id: int
    eos_id: int
    bos_id: int | None

    def encode(self, text: str) -> list[int]: ...
    def decode(self, ids: list[int]) -> str: ...
    def chat_ids(self, messages: list[dict[str, str]]) -> list[int] | None: ...
    def save(self, directory: Path) -> None: ...


class ByteTokenizer:
    """UTF-8 bytes shifted past three special ids: 0 = pad, 1 = bos, 2 = eos."""

    kind = "bytes"
    OFFSET = 3

    def __init__(self) -> None:
        self.vocab_size = 256 + self.OFFSET
        self.pad_id = 0
        self.bos_id: int | None = 1
        self.eos_id = 2

    def encode(self, text: str) -> list[int]:
        return [b + self.OFFSET for b in text.encode("utf-8")]

    def decode(self, ids: list[int]) -> str:
        data = bytes(i - self.OFFSET for i in ids if i >= self.OFFSET)
        return data.decode("utf-8", errors="replace")

    def chat_ids(self, messages: list[dict[str, str]]) -> list[int] | None:
        return None  # no chat template

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "repairity_tokenizer.json").write_text(json.dumps({"kind": self.kind}))


class HfTokenizer:
    """A Hugging Face tokenizer (local path or name) adapted to the interface above."""

    kind = "hf"

    def __init__(self, name_or_path: str) -> None:
        from transformers import AutoTokenizer

        self._tok = AutoTokenizer.from_pretrained(name_or_path)
        if self._tok.eos_token_id is None:
            raise ValueError(f"tokenizer {name_or_path} has no eos token")
        if self._tok.pad_token_id is None:
            self._tok.pad_token = self._tok.eos_token
        self.vocab_size = len(self._tok)
        self.pad_id = int(self._tok.pad_token_id)
        self.eos_id = int(self._tok.eos_token_id)
        self.bos_id = self._tok.bos_token_id

    def encode(self, text: str) -> list[int]:
        return list(self._tok.encode(text, add_special_tokens=False))

    def decode(self, ids: list[int]) -> str:
        return str(self._tok.decode(ids, skip_special_tokens=True))

    def chat_ids(self, messages: list[dict[str, str]]) -> list[int] | None:
        """The chat template applied to `messages`, ending with the assistant's turn; None without a template."""
        if not getattr(self._tok, "chat_template", None):
            return None
        ids = self._tok.apply_chat_template(messages, tokenize=True, add_generation_prompt=True, return_dict=False)
        return [int(i) for i in ids]

    def save(self, directory: Path) -> None:
        self._tok.save_pretrained(str(directory))


def load_tokenizer(directory_or_name: str) -> Tokenizer:
    from .students import resolve

    marker = Path(directory_or_name) / "repairity_tokenizer.json"
    if directory_or_name == "tiny" or marker.exists():
        return ByteTokenizer()
    return HfTokenizer(resolve(directory_or_name))
