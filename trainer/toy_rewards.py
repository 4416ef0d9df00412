"""Built-in scoring rules for tests and demos (a PPO run needs a reward even without a trained
reward model). Each maps (prompt, response) to a number."""
from __future__ import annotations

from typing import Callable

RewardFn = Callable[[str, str], float]


def char_fraction(chars: str) -> RewardFn:
    """Share of the response's characters that are in `chars` (0 for an empty response)."""
    allowed = set(chars)

    def score(_prompt: str, response: str) -> float:
        return sum(c in allowed for c in response) / len(response) if response else 0.0

    return score


def parse_rule(rule: str) -> RewardFn:
    name, _, arg = rule.partition(":")
    if name == "char_fraction" and arg:
        return char_fraction(arg)
    raise ValueError(f"unknown toy reward rule {rule!r}; known: char_fraction:<characters>")
