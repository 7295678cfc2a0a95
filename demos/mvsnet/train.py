"""Train MVSNet and the same network without 3D regularisation on rendered scenes; measure both against
the classical plane sweep on held-out scenes and on the Middlebury motorcycle pair.

    python -m demos train mvsnet

Writes build/mvsnet/{state.pt, metrics.json} (the model the page runs), build/mvsnet_noreg/state.pt,
the snippets demos/mvsnet/results/*.md and the figure docs/assets/figures/mvsnet-confidence.svg.
"""
from __future__ import annotations

import math
import time

import numpy as np
import torch
import torch.nn.functional as F
from tqdm import tqdm

from demos.common import checkpoint
from demos.common.paths import BUILD_DIR
from demos.mvsnet import data, evaluate, geometry
from demos.mvsnet.model import MVSNet, MVSNetConfig

SEED = 0
TRAIN_SCENES = 320
STEPS = 5000            # training steps (one scene each), the same for both models
LR = 2e-3
THREADS = 1             # one thread: on a shared 2-core machine two threads ran at half the speed
TWO_VIEWS = 0.3         # share of steps with the reference and one source (like the stereo pair)
JITTER = 0.12           # per-view brightness gain in [1 - JITTER, 1 + JITTER]
CROSS_ENTROPY = 1.0     # weight of the cross-entropy over planes beside the L1 depth losses
CROP = (32, 48)         # every step sees the same random window of each view, 48×32 of the 160×128 views:
                        # 13x fewer pixels, so a step is cheap; the network is convolutional, so it runs on whole views


def scenes(split: str, count: int) -> dict:
    """`count` rendered scenes of a split, stacked (cached in build/mvsnet/ after the first render)."""
    path = BUILD_DIR / "mvsnet" / f"scenes_{split}_{count}_{data.WIDTH}x{data.HEIGHT}_b{data.BASELINE[0]}-{data.BASELINE[1]}.npz"
    if path.is_file():
        return dict(np.load(path))
    rendered = [data.scene(split, i) for i in tqdm(range(count), desc=f"rendering {split}", unit="scene")]
    stacked = {k: np.stack([s[k] for s in rendered]) for k in ("images", "K", "R", "t", "depth")}
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, **stacked)
    return stacked


def inputs(images, K, R, t, depths) -> tuple:
    """numpy views and cameras → the model's four inputs (float32 tensors)."""
    rot, trans = geometry.relative(K, R, t)
    x = torch.from_numpy(np.ascontiguousarray(images)).permute(0, 3, 1, 2).float() / 255
    return x, torch.from_numpy(rot).float(), torch.from_numpy(trans).float(), torch.from_numpy(depths).float()


def plane_cross_entropy(cost, depth, depths):
    """Cross-entropy of the softmax over planes against the true depth split between its two nearest
    planes (R-MVSNet's loss, added to MVSNet's L1: it trains the cost volume directly)."""
    k = ((depth - depths[0]) / (depths[1] - depths[0])).clamp(0, len(depths) - 1)   # (h, w) fractional plane
    lower = k.floor().long().clamp(max=len(depths) - 2)
    frac = k - lower
    logp = F.log_softmax(-cost, 0)                                                  # (D, h, w)
    picked = logp.gather(0, lower[None])[0] * (1 - frac) + logp.gather(0, (lower + 1)[None])[0] * frac
    return -picked.mean()


def train(name: str, config: MVSNetConfig, pool: dict) -> tuple[MVSNet, dict]:
    torch.manual_seed(SEED)
    rng = np.random.default_rng(SEED)
    model = MVSNet(config)
    optimizer = torch.optim.Adam(model.parameters(), lr=LR)
    depths = geometry.planes(*data.DEPTH_RANGE, config.planes)
    span = data.DEPTH_RANGE[1] - data.DEPTH_RANGE[0]
    start, cpu, smooth = time.perf_counter(), time.process_time(), None
    model.train()
    for step in tqdm(range(STEPS), desc=name, unit="step"):
        for group in optimizer.param_groups:
            group["lr"] = LR * 0.5 * (1 + math.cos(math.pi * step / STEPS))
        i = rng.integers(len(pool["images"]))
        views = [0, *rng.permutation([1, 2])]
        if rng.random() < TWO_VIEWS:
            views = views[:2]
        gain = rng.uniform(1 - JITTER, 1 + JITTER, (len(views), 1, 1, 1))
        images = np.clip(pool["images"][i][views] * gain, 0, 255)
        K, truth = pool["K"][i][views].copy(), pool["depth"][i]
        (h, w), (ch, cw) = truth.shape, CROP
        y0, x0 = rng.integers(0, h - ch + 1), rng.integers(0, w - cw + 1)   # K's principal point moves with it
        images, truth = images[:, y0:y0 + ch, x0:x0 + cw], truth[y0:y0 + ch, x0:x0 + cw]
        K[:, 0, 2] -= x0
        K[:, 1, 2] -= y0
        x, rot, trans, d = inputs(images, K, pool["R"][i][views], pool["t"][i][views], depths)
        truth = torch.from_numpy(np.ascontiguousarray(truth))
        depth, _, depth0, _, cost, _ = model(x, rot, trans, d)
        coarse = F.avg_pool2d(truth[None, None], geometry.STRIDE)[0, 0]  # true depth at feature pixels
        loss = (F.smooth_l1_loss(depth0, coarse, beta=0.05) + F.smooth_l1_loss(depth, truth, beta=0.05)) / span
        loss = loss + CROSS_ENTROPY * plane_cross_entropy(cost, coarse, d)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        smooth = loss.item() if smooth is None else 0.98 * smooth + 0.02 * loss.item()
    return model.eval(), {"steps": STEPS, "train_seconds": round(time.perf_counter() - start, 1),
                          "cpu_seconds": round(time.process_time() - cpu, 1), "final_loss": round(smooth, 4),
                          "parameters": sum(p.numel() for p in model.parameters()),
                          "train_scenes": len(pool["images"]), "threads": THREADS}


def main(argv=None) -> dict:
    torch.set_num_threads(THREADS)
    pool = scenes("train", TRAIN_SCENES)
    models, runs = {}, {}
    for name, config in (("mvsnet", MVSNetConfig()), ("mvsnet_noreg", MVSNetConfig(unet=[]))):
        models[name], runs[name] = train(name, config, pool)
    metrics = evaluate.measure(models, runs)
    checkpoint.save("mvsnet_noreg", models["mvsnet_noreg"], metrics)
    checkpoint.save("mvsnet", models["mvsnet"], metrics)
    return metrics


if __name__ == "__main__":
    main()
