"""The two algorithmic tasks of Graves et al. (2014), generated on the fly (numpy only).

Both tasks are streams: one input vector per time step, one output vector per time step, and a mask
that says at which steps the output is scored. Both models (NTM and Transformer) read the same arrays.

copy:    L random 8-bit vectors, then a delimiter (channel 8), then L blank steps during which the
         model must output the L vectors in order.            T = 2L + 1, input width 9, output width 8.
recall:  K items of 3 six-bit vectors, each item preceded by an item delimiter (channel 6); then a
         query delimiter (channel 7), one of the items (not the last), a query delimiter again, then
         3 blank steps during which the model must output the item that followed the query.
                                                              T = 4K + 8, input width 8, output width 6.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Task:
    name: str
    n_in: int            # input channels (data bits + delimiter channels)
    n_out: int           # output bits
    train_min: int       # shortest training size (copy: vectors, recall: items)
    train_max: int       # longest training size
    test_sizes: tuple    # sizes of the generalisation test


COPY = Task("copy", n_in=9, n_out=8, train_min=1, train_max=20, test_sizes=(10, 20, 30, 40, 60, 80, 120))
RECALL = Task("recall", n_in=8, n_out=6, train_min=2, train_max=6, test_sizes=(6, 8, 10, 12, 15, 20))
TASKS = {t.name: t for t in (COPY, RECALL)}
ITEM_LEN = 3  # vectors per recall item


def seq_len(task: Task, size: int) -> int:
    return 2 * size + 1 if task.name == "copy" else 4 * size + 8


def copy_stream(bits: np.ndarray):
    """bits (B, L, 8) in {0,1} -> x (B, 2L+1, 9), y (B, 2L+1, 8), mask (2L+1,)."""
    b, length, width = bits.shape
    t = 2 * length + 1
    x = np.zeros((b, t, width + 1), np.float32)
    y = np.zeros((b, t, width), np.float32)
    x[:, :length, :width] = bits
    x[:, length, width] = 1.0
    y[:, length + 1:] = bits
    mask = np.zeros(t, bool)
    mask[length + 1:] = True
    return x, y, mask


def recall_stream(items: np.ndarray, query: np.ndarray):
    """items (B, K, 3, 6) in {0,1}, query (B,) index in [0, K-2] -> x (B, 4K+8, 8), y (B, 4K+8, 6), mask."""
    b, k, n, width = items.shape
    t = 4 * k + 8
    x = np.zeros((b, t, width + 2), np.float32)
    y = np.zeros((b, t, width), np.float32)
    for i in range(k):
        x[:, 4 * i, width] = 1.0                           # item delimiter
        x[:, 4 * i + 1:4 * i + 4, :width] = items[:, i]
    q = 4 * k
    rows = np.arange(b)
    x[:, q, width + 1] = 1.0                               # query delimiter
    x[:, q + 1:q + 4, :width] = items[rows, query]
    x[:, q + 4, width + 1] = 1.0
    y[:, q + 5:q + 8] = items[rows, query + 1]
    mask = np.zeros(t, bool)
    mask[q + 5:] = True
    return x, y, mask


def sample(task: Task, size: int, batch: int, rng: np.random.Generator):
    """A batch of `batch` sequences of one size: x (B, T, n_in), y (B, T, n_out), mask (T,)."""
    if task.name == "copy":
        return copy_stream(rng.integers(0, 2, (batch, size, task.n_out)).astype(np.float32))
    if size < 2:
        raise ValueError("recall needs at least 2 items")
    items = rng.integers(0, 2, (batch, size, ITEM_LEN, task.n_out)).astype(np.float32)
    return recall_stream(items, rng.integers(0, size - 1, batch))


def sample_train(task: Task, batch: int, rng: np.random.Generator):
    """A training batch: one size drawn uniformly from the training range, shared by the batch."""
    return sample(task, int(rng.integers(task.train_min, task.train_max + 1)), batch, rng)


def bit_errors(pred: np.ndarray, y: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Wrong bits per sequence at the scored steps: pred/y (B, T, n_out) -> (B,)."""
    wrong = (pred[:, mask] > 0.5) != (y[:, mask] > 0.5)
    return wrong.reshape(len(y), -1).sum(axis=1)
