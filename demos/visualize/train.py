"""Train the shape classifier on one-shape scenes; print and save the held-out accuracy.

    python -m demos train visualize
"""
from __future__ import annotations

import time

import numpy as np
import torch
import torch.nn.functional as F
from tqdm import trange

from demos.common import checkpoint
from demos.common import detection as det
from demos.visualize.model import ShapeCNN, ShapeConfig

SEED = 0
TRAIN_SCENES = 8000      # seeds 0 .. 7999, one shape each
HELD_OUT_SCENES = 500    # seeds 1 000 000 .., one shape each
EPOCHS = 14
BATCH = 64
LR = 1e-3


def one_shape_scenes(seeds) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(images (N, 64, 64, 3) uint8, boxes (N, 4), labels (N,)) of scenes with exactly one shape."""
    scenes = [det.make_scene(s, objects=1) for s in seeds]
    return (np.stack([s[0] for s in scenes]), np.stack([s[1][0] for s in scenes]),
            np.array([s[2][0] for s in scenes]))


def accuracy(model: ShapeCNN, images: np.ndarray, labels: np.ndarray) -> float:
    model.eval()
    with torch.no_grad():
        probs = model(torch.from_numpy(det.to_chw(images)))[0]
    return float((probs.argmax(1).numpy() == labels).mean())


def main(argv=None) -> dict:
    torch.manual_seed(SEED)
    torch.set_num_threads(1)
    images, _, labels = one_shape_scenes(range(TRAIN_SCENES))
    test_images, _, test_labels = one_shape_scenes(det.held_out_seeds(HELD_OUT_SCENES))
    x, y = torch.from_numpy(det.to_chw(images)), torch.from_numpy(labels)
    config = ShapeConfig()
    model = ShapeCNN(config)
    optimizer = torch.optim.Adam(model.parameters(), lr=LR)
    steps = EPOCHS * (len(y) // BATCH)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, LR, total_steps=steps, pct_start=0.1)
    start = time.perf_counter()
    for _ in (bar := trange(EPOCHS, desc="visualize", unit="epoch")):
        model.train()
        order = torch.randperm(len(y))
        for i in range(0, len(order) - BATCH + 1, BATCH):
            idx = order[i:i + BATCH]
            batch = x[idx]
            if torch.rand(()) < 0.5:
                batch = batch.flip(-1)            # every class is left-right symmetric
            loss = F.cross_entropy(model(batch)[1], y[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
        bar.set_postfix(loss=f"{loss.item():.3f}", held_out=f"{accuracy(model, test_images, test_labels):.4f}")
    metrics = {
        "held_out_accuracy": round(accuracy(model, test_images, test_labels), 4),
        "train_accuracy": round(accuracy(model, images[:2000], labels[:2000]), 4),
        "held_out_scenes": HELD_OUT_SCENES, "train_scenes": TRAIN_SCENES, "epochs": EPOCHS,
        "train_seconds": round(time.perf_counter() - start, 1),
        "parameters": sum(p.numel() for p in model.parameters()),
    }
    checkpoint.save("visualize", model, metrics)
    return metrics


if __name__ == "__main__":
    main()
