"""The training protocol shared by both models: same generator, same loss, same budget of sequences.

Every training batch is fresh random data, so the bit errors measured on it *before* the update are
errors on unseen sequences: the learning curve costs no extra forward passes.
"""
from __future__ import annotations

import json
import time

import numpy as np
import torch
import torch.nn.functional as F
from tqdm import tqdm

from demos.common.paths import BUILD_DIR

from . import tasks as T


def errors_on(model, x: np.ndarray, y: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Bit errors per sequence of `model` (logits out) on one batch."""
    with torch.no_grad():
        logits = model(torch.from_numpy(x)).numpy()
    return T.bit_errors(logits > 0, y > 0.5, mask)


def update(model, x, y, mask, optimizer, clip: float) -> list:
    """One optimiser step on a batch; returns its bit errors per sequence, measured before the step."""
    logits = model(torch.from_numpy(x))[:, torch.from_numpy(mask)]
    target = torch.from_numpy(y[:, mask])
    loss = F.binary_cross_entropy_with_logits(logits, target)
    optimizer.zero_grad()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
    optimizer.step()
    return ((logits.detach() > 0) != (target > 0.5)).reshape(len(x), -1).sum(1).tolist()


def train(model, task: T.Task, seed: int, sequences: int, batch: int, optimizer, clip: float,
          log_every: int = 250, desc: str = "", schedule=None) -> dict:
    """Train `model` on `sequences` random sequences of `task`; returns the learning curve and timing.

    curve: list of [sequences seen, mean bit errors per sequence over the last `log_every` sequences].
    """
    rng = np.random.default_rng(seed)
    model.train()
    seen, window, curve = 0, [], []
    start = time.perf_counter()
    with tqdm(total=sequences, desc=desc, unit="seq", leave=False, mininterval=2) as bar:
        while seen < sequences:
            x, y, mask = T.sample_train(task, batch, rng)
            window.extend(update(model, x, y, mask, optimizer, clip))
            if schedule is not None:
                schedule.step()
            seen += len(x)
            bar.update(len(x))
            if len(window) >= log_every:
                curve.append([seen, float(np.mean(window))])
                bar.set_postfix(bits=f"{curve[-1][1]:.2f}")
                window = []
    seconds = time.perf_counter() - start
    model.eval()
    return {"curve": curve, "train_seconds": seconds, "seconds_per_sequence": seconds / seen,
            "sequences": seen, "converged_at": converged_at(curve)}


def converged_at(curve, threshold: float = 0.1):
    """Sequences seen at the first curve point under `threshold` bits/seq, or None (not reached)."""
    return next((seen for seen, bits in curve if bits < threshold), None)


def generalisation(model, task: T.Task, sizes, n: int, seed: int) -> dict:
    """Mean bit errors per sequence at each size, on `n` fresh sequences (one batch per size)."""
    rng = np.random.default_rng(10_000 + seed)
    out = {}
    for size in sizes:
        x, y, mask = T.sample(task, size, n, rng)
        out[str(size)] = float(errors_on(model, x, y, mask).mean())
    return out


def save(model, path) -> None:
    """Weights and config of a trained memory model (`model.cfg` is a dataclass)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"config": vars(model.cfg), "state": model.state_dict()}, path)


def load(path, build):
    """The model saved at `path`, rebuilt by `build(config_dict)`, in eval mode."""
    blob = torch.load(path, weights_only=True)
    model = build(blob["config"])
    model.load_state_dict(blob["state"])
    return model.eval()


def train_each_task(name: str, train_run, sequences: int, seed: int) -> None:
    """`python -m demos train ntm|memory_transformer`: one seed per task, saved under build/NAME/."""
    torch.set_num_threads(1)
    metrics = {}
    for task in T.TASKS.values():
        model, record = train_run(task, seed, sequences)
        record["generalisation"] = generalisation(model, task, task.test_sizes, 50, seed)
        save(model, BUILD_DIR / name / f"{task.name}.pt")
        metrics[task.name] = {k: v for k, v in record.items() if k != "curve"}
        print(task.name, json.dumps(metrics[task.name]))
    (BUILD_DIR / name / "metrics.json").write_text(json.dumps(metrics, indent=1))
