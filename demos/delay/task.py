"""The task, generated: remember a marked value across a delay of distractors (numpy only).

A sequence is `lead` random values, then the value to remember with the marker bit set, then `delay`
random distractor values, then one query step (query bit set, no value). The answer, read at the query
step, is the marked value. Each step's input is [one-hot value (values), marker, query].
"""
from __future__ import annotations

import numpy as np

from demos.common.errors import DemoError

TRAIN_DELAYS = (1, 40)     # delays seen in training (inclusive)
TEST_DELAYS = (1, 5, 10, 20, 30, 40, 50, 60, 80, 100)   # measured, past the training range too
MAX_LEAD = 4
MAX_DELAY = 200            # what the demo and the CLI accept


def sequence(value: int, lead: list[int], distractors: list[int], values: int) -> np.ndarray:
    """One sequence (T, values + 2) float32, T = len(lead) + 1 + len(distractors) + 1."""
    for name, v in [("value", value), *(("distractor", d) for d in [*lead, *distractors])]:
        if not 0 <= v < values:
            raise DemoError(f"every {name} must be 0..{values - 1} (got {v})")
    if len(distractors) > MAX_DELAY:
        raise DemoError(f"the delay must be 0..{MAX_DELAY} steps (got {len(distractors)})")
    if len(lead) > MAX_LEAD:
        raise DemoError(f"the marker position must be 0..{MAX_LEAD} (got {len(lead)})")
    steps = [*lead, value, *distractors]
    x = np.zeros((len(steps) + 1, values + 2), np.float32)
    x[np.arange(len(steps)), steps] = 1
    x[len(lead), values] = 1          # marker
    x[-1, values + 1] = 1             # query
    return x


def batch(rng: np.random.Generator, size: int, delay: int, values: int) -> tuple[np.ndarray, np.ndarray]:
    """`size` random sequences with one delay (and one lead length): x (B, T, values + 2), y (B,)."""
    lead = int(rng.integers(0, MAX_LEAD + 1))
    y = rng.integers(0, values, size)
    noise = rng.integers(0, values, (size, lead + delay))
    x = np.stack([sequence(int(v), list(n[:lead]), list(n[lead:]), values) for v, n in zip(y, noise)])
    return x, y
