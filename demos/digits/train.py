"""Train the digits CNN on sklearn's digits; print and save the held-out metrics.

    python -m demos train digits
"""
from __future__ import annotations

import time

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from tqdm import trange

from demos.common import checkpoint
from demos.digits.infer import counts_from_image
from demos.digits.model import DigitsCNN, DigitsConfig

SEED = 0
EPOCHS = 60
BATCH = 64
LR = 2e-3
TEST_FRACTION = 0.25


def split():
    """The fixed train/held-out split every script and test uses: (x_train, x_test, y_train, y_test)."""
    digits = load_digits()
    return train_test_split(digits.images.astype(np.int64), digits.target, test_size=TEST_FRACTION,
                            stratify=digits.target, random_state=SEED)


def as_input(counts: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(counts.astype(np.float32) / 16.0).unsqueeze(1)  # (B, 1, 8, 8)


def redrawn(batch: torch.Tensor) -> torch.Tensor:
    """Digits as a reader might draw them, passed through the page's own preprocessing.

    Each 8×8 digit is blown up to a smooth 40×40 image, bent by a random affine map (rotation,
    shear, scale), cut at a random ink level (thin or thick strokes), and then reduced exactly like
    a drawing on the page (`infer.counts_from_image`). The model learns the drawings it will see.
    """
    b = batch.shape[0]
    big = F.interpolate(F.pad(batch, (1, 1, 1, 1)), size=40, mode="bilinear", align_corners=False)
    angle = torch.empty(b).uniform_(-0.25, 0.25)
    scale = torch.empty(b, 2).uniform_(0.85, 1.15)
    shear = torch.empty(b).uniform_(-0.25, 0.25)
    cos, sin = torch.cos(angle), torch.sin(angle)
    theta = torch.stack([torch.stack([cos * scale[:, 0], -sin + shear, torch.zeros(b)], 1),
                         torch.stack([sin, cos * scale[:, 1], torch.zeros(b)], 1)], 1)   # (B, 2, 3)
    grid = F.affine_grid(theta, (b, 1, 40, 40), align_corners=False)
    warped = F.grid_sample(big, grid, align_corners=False).squeeze(1).numpy()           # (B, 40, 40)
    levels = np.random.uniform(0.25, 0.6, size=(b, 1, 1))
    out = []
    for ink, original in zip(warped > levels, batch[:, 0].numpy()):
        out.append(counts_from_image(1.0 - ink) if ink.any() else original * 16)
    return torch.from_numpy(np.stack(out).astype(np.float32) / 16.0).unsqueeze(1)


def accuracy(model: DigitsCNN, x: torch.Tensor, y: torch.Tensor) -> float:
    model.eval()
    with torch.no_grad():
        return float((model(x)[0].argmax(-1) == y).float().mean())


def main(argv=None) -> dict:
    torch.manual_seed(SEED)
    np.random.seed(SEED)
    torch.set_num_threads(1)  # tiny batches: threads cost more than they give
    x_train, x_test, y_train, y_test = split()
    xt, yt = as_input(x_train), torch.from_numpy(y_train)
    xv, yv = as_input(x_test), torch.from_numpy(y_test)
    config = DigitsConfig()
    model = DigitsCNN(config)
    optimizer = torch.optim.Adam(model.parameters(), lr=LR)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, EPOCHS)
    start = time.perf_counter()
    for _ in (bar := trange(EPOCHS, desc="digits", unit="epoch")):
        model.train()
        redrawn_xt = redrawn(xt)                  # a fresh redrawing of every digit each epoch
        order = torch.randperm(len(xt))
        for i in range(0, len(order), BATCH):
            idx = order[i:i + BATCH]
            half = len(idx) // 2                      # half as in the data set, half redrawn
            x = torch.cat([xt[idx[:half]], redrawn_xt[idx[half:]]])
            loss = F.cross_entropy(model(x)[1], yt[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        schedule.step()
        bar.set_postfix(loss=f"{loss.item():.3f}", held_out=f"{accuracy(model, xv, yv):.4f}")
    metrics = {
        "held_out_accuracy": round(accuracy(model, xv, yv), 4),
        "train_accuracy": round(accuracy(model, xt, yt), 4),
        "held_out_examples": len(yv), "train_examples": len(yt),
        "epochs": EPOCHS, "train_seconds": round(time.perf_counter() - start, 1),
        "parameters": sum(p.numel() for p in model.parameters()),
    }
    checkpoint.save("digits", model, metrics)
    return metrics


if __name__ == "__main__":
    main()
