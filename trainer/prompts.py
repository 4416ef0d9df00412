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

from dataclasses import dataclass
from typing import Callable

from .tokenizer import Tokenizer

# Neutral between repair and generation tasks: the task prompt says which it is (the paper evaluates
# MBPP and BigCodeBench as generation, SWE-bench and Defects4J as repair).
SYSTEM = ("You are an expert Python programmer. Reason briefly about the task, then give the complete "
          "program in one ```python code block.")


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


@dataclass(frozen=True)
class StopRule:
    """Ends a response before eos: `complete(ids)` is asked only after a token in `trigger_ids` was
    sampled (so the response's text is decoded rarely, not at every step)."""

    trigger_ids: frozenset[int]
    complete: Callable[[list[int]], bool]


def code_block_closed(text: str) -> bool:
    """The answer holds a complete fenced code block (an opening fence line, then a closing fence)."""
    start = text.find("```")
    if start < 0:
        return False
    body = text.find("\n", start)
    return body >= 0 and text.find("```", body) >= 0


def stop_after_code(tok: Tokenizer) -> StopRule:
    """Ends a response once its first code block is closed: what the answer format asks for is then
    complete, and the text after it is never evaluated. Only tokens that can write a backtick make
    the rule look at the response."""
    triggers = frozenset(i for i in range(tok.vocab_size) if "`" in tok.decode([i]))
    return StopRule(triggers, lambda ids: code_block_closed(tok.decode(ids)))
