"""The one place that turns a task prompt and a response into tokens, for every stage: SFT
targets, sampling (candidates and evaluation), PPO rollouts and reward scoring all call these, so
the model always sees the same format.

A tokenizer with a chat template (an instruct model) gets the prompt as a chat: a system message
asking for the answer format the teacher's traces have (reasoning, then the fixed program in one
code block) and the task as the user's message, followed by the assistant's turn. A tokenizer
without one (the byte-level tiny model) gets bos + the prompt text. A response always ends with
eos (for chat models, the end-of-turn token).
"""
from __future__ import annotations

from .tokenizer import Tokenizer

SYSTEM = ("You are an expert Python programmer who repairs buggy programs. Explain briefly what is "
          "wrong, then give the complete corrected program in one ```python code block.")


def messages(prompt: str) -> list[dict[str, str]]:
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": prompt}]


def prompt_ids(tok: Tokenizer, prompt: str, max_length: int | None = None) -> list[int]:
    """What the model reads before it answers. With `max_length`, a prompt longer than half of it
    keeps its last max_length // 2 tokens (the other half is the response's), the same cut for
    training, sampling and rollouts."""
    chat = tok.chat_ids(messages(prompt))
    ids = chat if chat is not None else ([tok.bos_id] if tok.bos_id is not None else []) + tok.encode(prompt)
    return ids[-(max_length // 2):] if max_length is not None else ids


def response_ids(tok: Tokenizer, response: str) -> list[int]:
    """A response as the model writes it (a training target or a sequence to score)."""
    return tok.encode(response) + [tok.eos_id]


def exchange_ids(tok: Tokenizer, prompt: str, response: str) -> list[int]:
    """Prompt and response, as the reward model scores them."""
    return prompt_ids(tok, prompt) + response_ids(tok, response)
