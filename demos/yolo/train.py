"""Train the YOLO-style detector on generated scenes; measure mAP@0.5 on held-out scenes.

    python -m demos train yolo
"""
from __future__ import annotations

import time

import numpy as np
import torch
from tqdm import trange

from demos.common import checkpoint
from demos.common import detection as det
from demos.yolo.infer import DEFAULTS, detect
from demos.yolo.model import YoloConfig, YoloNet, yolo_loss

SEED = 0
TRAIN_SCENES = 8000      # seeds 0 .. 7999 of each generator: standard and harder scenes
HELD_OUT_SCENES = 300    # seeds 1 000 000 .. of the harder generator (the bar), standard ones also recorded
STEPS = 5000
BATCH = 32
LR = 2e-3
MAP_CONFIDENCE = 0.01    # mAP ranks every box above this score


def targets(boxes_list, labels_list, config: YoloConfig) -> torch.Tensor:
    """(N, S, S, 5 + C): for the cell holding each box's centre, flag, x, y (in the cell), w, h, one-hot."""
    s, size = config.grid, config.image
    out = np.zeros((len(boxes_list), s, s, 5 + config.classes), np.float32)
    for n, (boxes, labels) in enumerate(zip(boxes_list, labels_list)):
        for (x0, y0, x1, y1), label in zip(boxes, labels):
            cx, cy = (x0 + x1) / 2 / size * s, (y0 + y1) / 2 / size * s
            row, col = int(cy), int(cx)
            out[n, row, col, :5] = [1, cx - col, cy - row, (x1 - x0) / size, (y1 - y0) / size]
            out[n, row, col, 5:] = np.eye(config.classes)[label]
    return torch.from_numpy(out)


def flip(images: np.ndarray, boxes_list):
    """Mirror left-right (every class is symmetric about a vertical axis)."""
    return images[:, :, ::-1], [np.stack([det.SIZE - b[:, 2], b[:, 1], det.SIZE - b[:, 0], b[:, 3]], 1)
                                if len(b) else b for b in boxes_list]


def evaluate(model: YoloNet, images: np.ndarray, boxes, labels, nms_iou=DEFAULTS["nms_iou"]) -> float:
    model.eval()
    with torch.no_grad():
        grids = model(torch.from_numpy(det.to_chw(images))).numpy()
    config = model.config.to_dict()
    found = [detect(g, config, MAP_CONFIDENCE, nms_iou) for g in grids]
    return det.mean_average_precision([(f["boxes"], f["scores"], f["labels"]) for f in found],
                                      list(zip(boxes, labels)))["map"]


def main(argv=None) -> dict:
    torch.manual_seed(SEED)
    torch.set_num_threads(1)
    rng = np.random.default_rng(SEED)
    print(f"generating {TRAIN_SCENES} training and {HELD_OUT_SCENES} held-out scenes")
    standard = det.scene_set(range(TRAIN_SCENES))
    hard = det.scene_set(range(TRAIN_SCENES), det.make_hard_scene)
    images, boxes, labels = np.concatenate([standard[0], hard[0]]), standard[1] + hard[1], standard[2] + hard[2]
    test = det.scene_set(det.held_out_seeds(HELD_OUT_SCENES), det.make_hard_scene)
    test_standard = det.scene_set(det.held_out_seeds(HELD_OUT_SCENES))
    config = YoloConfig()
    model = YoloNet(config)
    optimizer = torch.optim.Adam(model.parameters(), lr=LR)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, LR, total_steps=STEPS, pct_start=0.1)
    start = time.perf_counter()
    for step in (bar := trange(STEPS, desc="yolo", unit="step")):
        model.train()
        idx = rng.integers(0, len(images), BATCH)
        batch, batch_boxes = images[idx], [boxes[i] for i in idx]
        if rng.random() < 0.5:
            batch, batch_boxes = flip(batch, batch_boxes)
        x = torch.from_numpy(det.to_chw(batch))
        loss = yolo_loss(model(x), targets(batch_boxes, [labels[i] for i in idx], config), config)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        schedule.step()
        if step % 100 == 0:
            bar.set_postfix(loss=f"{loss.item():.3f}")
        if step % 1000 == 999:
            bar.write(f"step {step + 1}: held-out mAP@0.5 {evaluate(model, *test):.4f}")
    metrics = {
        "held_out_map50": round(evaluate(model, *test), 4), "held_out_generator": "make_hard_scene",
        "held_out_standard_map50": round(evaluate(model, *test_standard), 4),
        "held_out_scenes": HELD_OUT_SCENES, "train_scenes": 2 * TRAIN_SCENES, "steps": STEPS, "batch": BATCH,
        "map_confidence": MAP_CONFIDENCE, "map_nms_iou": DEFAULTS["nms_iou"],
        "train_seconds": round(time.perf_counter() - start, 1),
        "parameters": sum(p.numel() for p in model.parameters()),
    }
    checkpoint.save("yolo", model, metrics)
    return metrics


if __name__ == "__main__":
    main()
