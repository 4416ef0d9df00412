"""Small statistical tests for the learning assertions: a learning test compares a trained model
with its own starting point on enough draws that the run's noise cannot decide the outcome, and
fails when nothing was learned (zero learning rate, broken loss)."""
from __future__ import annotations

import math


def welch_t(before: list[float], after: list[float]) -> float:
    """Welch's t statistic of mean(after) - mean(before); 0 when both samples are constant."""
    ma, mb = sum(before) / len(before), sum(after) / len(after)
    va = sum((x - ma) ** 2 for x in before) / (len(before) - 1)
    vb = sum((x - mb) ** 2 for x in after) / (len(after) - 1)
    se = math.sqrt(va / len(before) + vb / len(after))
    return (mb - ma) / se if se > 0 else 0.0


def binomial_tail(successes: int, trials: int, p: float = 0.5) -> float:
    """P(X >= successes) for X ~ Binomial(trials, p): how likely a coin-flipping model does as well."""
    return sum(math.comb(trials, k) * p**k * (1 - p) ** (trials - k) for k in range(successes, trials + 1))
