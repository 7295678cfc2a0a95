"""Train an LSTM, a GRU and a plain RNN of about the same size on the delay task; measure accuracy
against delay, past the training range; write the table and figure the LSTM page includes.

    python -m demos train delay
"""
from __future__ import annotations

import time

import numpy as np
import torch
import torch.nn.functional as F
from tqdm import trange

from demos.common import checkpoint
from demos.delay import figure, task
from demos.delay.model import DelayConfig, DelayNets

SEED = 0
STEPS = 5000          # the same batches, in the same order, for all three networks
BATCH = 64
LR = 3e-3
CLIP = 1.0
TEST_SEQUENCES = 1000  # per delay


def accuracy(model: DelayNets, kind: str, delay: int, rng: np.random.Generator) -> float:
    x, y = task.batch(rng, TEST_SEQUENCES, delay, model.config.values)
    with torch.no_grad():
        guess = model(torch.from_numpy(x), kind).argmax(-1).numpy()
    return float((guess == y).mean())


def measure(model: DelayNets) -> dict:
    """{kind: {delay: accuracy}} on fresh sequences (the same ones for every network)."""
    model.eval()
    out = {}
    for kind in model.KINDS:
        rng = np.random.default_rng(1234)
        out[kind] = {str(d): round(accuracy(model, kind, d, rng), 4) for d in task.TEST_DELAYS}
    return out


def holding(model: DelayNets, delay: int = task.TRAIN_DELAYS[1], count: int = 200) -> dict:
    """How the LSTM holds the value, on `count` sequences (lead 2, the longest training delay): for each
    sequence and cell, the forget gate's mean over the delay steps; then per sequence, how many cells keep
    it above 0.95, and which values make which cells hold."""
    rng = np.random.default_rng(99)
    values = model.config.values
    marked = rng.integers(0, values, count)
    x = np.stack([task.sequence(int(v), [0, 0], list(rng.integers(0, values, delay)), values) for v in marked])
    with torch.no_grad():
        out = model.inspect(torch.from_numpy(x))
    forget = out["forget_gate"][:, 3:-1].mean(dim=1).numpy()                                  # (N, H)
    holders = (forget > 0.95).sum(1)                                                          # (N,)
    return {"delay": delay, "sequences": count, "cells": forget.shape[1],
            "median_cells_forget_above_0.95": float(np.median(holders)),
            "sequences_with_such_a_cell": int((holders > 0).sum()),
            "mean_forget_all_cells": round(float(forget.mean()), 4),
            "cells_that_hold_some_value": int(((forget > 0.95).any(0)).sum()),
            "gates": saturation(out)}


def saturation(out: dict) -> dict:
    """The char-LSTM's gate statistics (demos/charlstm/report.gate_summary) for the toy: per gate, the
    share of steps (every step of every sequence) on which each cell's gate is > 0.9 or < 0.1."""
    from demos.charlstm.report import gate_summary
    gates = {g: out[g].reshape(-1, out[g].shape[-1]).numpy() for g in ("input_gate", "forget_gate", "output_gate")}
    return gate_summary({g: {"right": (v > 0.9).mean(0), "left": (v < 0.1).mean(0)} for g, v in gates.items()})


def main(argv=None) -> dict:
    torch.manual_seed(SEED)
    torch.set_num_threads(1)
    rng = np.random.default_rng(SEED)
    model = DelayNets(DelayConfig())
    optimizers = {k: torch.optim.Adam([*getattr(model, k).parameters(), *model.heads[k].parameters()], lr=LR)
                  for k in model.KINDS}
    losses = {k: 0.0 for k in model.KINDS}
    start = time.perf_counter()
    model.train()
    for step in (bar := trange(STEPS, desc="delay", unit="step", mininterval=10)):
        delay = int(rng.integers(task.TRAIN_DELAYS[0], task.TRAIN_DELAYS[1] + 1))
        x, y = (torch.from_numpy(a) for a in task.batch(rng, BATCH, delay, model.config.values))
        for kind, optimizer in optimizers.items():
            loss = F.cross_entropy(model(x, kind), y)
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(optimizer.param_groups[0]["params"], CLIP)
            optimizer.step()
            losses[kind] = 0.98 * losses[kind] + 0.02 * loss.item()
        if step % 100 == 0:
            bar.set_postfix({k: f"{v:.3f}" for k, v in losses.items()})
    seconds = time.perf_counter() - start
    c = model.config
    params = {k: sum(p.numel() for p in [*getattr(model, k).parameters(), *model.heads[k].parameters()])
              for k in model.KINDS}
    metrics = {"accuracy": measure(model), "train_delays": list(task.TRAIN_DELAYS),
               "test_sequences_per_delay": TEST_SEQUENCES, "chance": round(1 / c.values, 4),
               "parameters": params, "holding": holding(model), "steps": STEPS, "batch": BATCH, "train_seconds": round(seconds, 1),
               "threads": 1}
    figure.write(metrics)
    checkpoint.save("delay", model, metrics)
    return metrics


if __name__ == "__main__":
    main()
