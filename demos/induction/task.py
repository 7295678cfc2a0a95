"""The task, generated (numpy only): random tokens that start repeating with a random period.

A sequence of LENGTH tokens is drawn uniformly from ALPHABET; at a random start s a block of a random
period p (PERIODS) is laid down, and from s + p on every token repeats the one p places earlier, to the
end. Before the repeat nothing can be predicted (chance, 1 / vocab); reading a token of the *second*
copy, the next token is the one that followed the same token in the first copy — found in-context by an
induction head, whatever p is. (With one fixed period a model can solve it by position instead.)

Also the two per-head scores of Olsson et al. (2022), computed from attention maps:
* previous-token score: mean attention from each position t >= 1 to t - 1, on any sequence;
* induction score: on a repeated sequence, the mean attention weight from each position t in the
  repeat (t >= s + p) on the positions right after earlier occurrences of the current token (t - p + 1,
  t - 2p + 1, ..., and after any accidental earlier match): where an induction head looks.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"   # token i is ALPHABET[i]
LENGTH = 64                                        # tokens per training sequence
PERIODS = (5, 16)                                  # block lengths, inclusive


class Batch(NamedTuple):
    tokens: np.ndarray   # (B, T) int64
    start: np.ndarray    # (B,) first position of the first copy
    period: np.ndarray   # (B,)


def batch(rng: np.random.Generator, size: int, length: int = LENGTH, vocab: int = len(ALPHABET)) -> Batch:
    """`size` sequences, each with its own period and start."""
    tokens = rng.integers(0, vocab, (size, length))
    period = rng.integers(PERIODS[0], PERIODS[1] + 1, size)
    start = (rng.random(size) * (length - 2 * period + 1)).astype(np.int64)   # 0 .. length - 2p
    t = np.arange(length)[None]
    s, p = start[:, None], period[:, None]
    source = np.where(t >= s + p, s + (t - s) % p, t)            # the repeat reads the first copy
    return Batch(np.take_along_axis(tokens, source, 1).astype(np.int64), start, period)


def copy_masks(b: Batch) -> tuple[np.ndarray, np.ndarray]:
    """Which predictions (made at position t, of token t + 1) read a token of the first copy and of the
    second copy: (B, T - 1) bool each. The first copy's next tokens are random; the second's repeat."""
    t = np.arange(b.tokens.shape[1] - 1)[None]
    s, p = b.start[:, None], b.period[:, None]
    first = (t >= s) & (t < s + p - 1)
    second = (t >= s + p) & (t < s + 2 * p)
    return first, second


def previous_token_score(attn: np.ndarray) -> np.ndarray:
    """attn (..., T, T) -> (...) mean weight on the previous position, over positions 1..T-1."""
    t = attn.shape[-1]
    return attn[..., np.arange(1, t), np.arange(t - 1)].mean(-1)


def induction_mask(tokens: np.ndarray) -> np.ndarray:
    """tokens (B, T) -> (B, T, T) bool: key k is an induction target of query t when the token before k
    is the token at t (k - 1 < t): the positions that followed earlier occurrences of the current token."""
    b, t = tokens.shape
    mask = np.zeros((b, t, t), bool)
    mask[:, :, 1:] = tokens[:, None, :-1] == tokens[:, :, None]
    return mask & np.tri(t, dtype=bool)[None]


def induction_score(attn: np.ndarray, b: Batch) -> np.ndarray:
    """attn (B, ..., T, T) on the batch's sequences -> (...) mean attention weight that each position t
    of the repeat (t >= s + p) puts on its induction targets (induction_mask), over all such positions."""
    t = np.arange(b.tokens.shape[1])[None]
    repeat = t >= (b.start + b.period)[:, None]                               # (B, T)
    weight = repeat[:, :, None] & induction_mask(b.tokens)                    # (B, T, T)
    extra = attn.ndim - 3                                                      # the (layers, heads) axes
    weight = weight.reshape(weight.shape[0], *(1,) * extra, *weight.shape[1:])
    return (attn * weight).sum((-1, -2)).sum(0) / repeat.sum()


def induction_targets(tokens) -> list[int]:
    """For each position t, the position an induction head would copy from: k + 1 for the latest k < t
    with tokens[k] == tokens[t], or -1 when tokens[t] has not been seen before."""
    last, out = {}, []
    for t, tok in enumerate(tokens):
        out.append(last[tok] + 1 if tok in last else -1)
        last[tok] = t
    return out
