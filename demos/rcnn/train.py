"""Train the R-CNN-style region classifier; measure mAP@0.5 of the whole pipeline on held-out scenes.

    python -m demos train rcnn

Training regions, as in R-CNN's fine-tuning, from standard and harder scenes alike: the selective-search
proposals of the training scenes and jittered copies of the ground-truth boxes; a region is a shape of
class c when its IoU with a ground-truth box of class c is at least 0.5, background otherwise. Every
positive region is kept, and a sample of the background ones (half of them overlapping an object a
little, the hard negatives) plus a few random boxes. Box regression, as in the paper's appendix C, learns
from regions with IoU ≥ 0.6 (smooth L1 on the deltas of the region's own class).
"""
from __future__ import annotations

import time

import numpy as np
import torch
import torch.nn.functional as F
from tqdm import tqdm, trange

from demos.common import checkpoint
from demos.common import detection as det
from demos.rcnn import proposals as prop
from demos.rcnn.infer import DEFAULTS, detect
from demos.rcnn.model import RegionCNN, RegionConfig

SEED = 0
TRAIN_SCENES = 1500      # seeds 0 .. 1499 of each generator, standard and harder
HELD_OUT_SCENES = 300    # seeds 1 000 000 .. of each generator
GENERATORS = {"standard": det.make_scene, "harder": det.make_hard_scene}
JITTERS = 3              # jittered copies of each ground-truth box
NEGATIVES = 24           # background proposals per scene, half of them with 0.1 <= IoU < 0.5 when there are
RANDOM_BOXES = 4         # random boxes per scene (mostly background)
EPOCHS = 10
BATCH = 128
LR = 2e-3
POSITIVE_IOU = 0.5
REGRESSION_IOU = 0.6     # regions this close to an object teach the box regression
REGRESSION_WEIGHT = 2.0
MAP_CONFIDENCE = 0.01    # mAP ranks every detection above this score


def _sample_negatives(rng, overlaps: np.ndarray) -> np.ndarray:
    """Indices of up to NEGATIVES background proposals, half of them hard (0.1 <= IoU < 0.5) when there are."""
    best = overlaps.max(1, initial=0)
    hard = np.flatnonzero((best >= 0.1) & (best < POSITIVE_IOU))
    easy = np.flatnonzero(best < 0.1)
    hard = rng.permutation(hard)[:NEGATIVES // 2]
    return np.concatenate([hard, rng.permutation(easy)[:NEGATIVES - len(hard)]])


def training_regions(rng) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Warped regions (N, 3, 24, 24), labels (N,) (background = number of classes), box-regression
    targets (N, 4) and whether each region teaches the regression (N,)."""
    regions, targets, deltas, regressed = [], [], [], []
    background = len(det.CLASSES)
    scenes = [(generator, seed) for generator in GENERATORS.values() for seed in range(TRAIN_SCENES)]
    for generator, seed in tqdm(scenes, desc="regions", unit="scene"):
        image, boxes, labels = generator(seed)
        proposed = prop.proposals(image)
        overlaps = det.iou(proposed, boxes) if len(boxes) else np.zeros((len(proposed), 0))
        positive = np.flatnonzero(overlaps.max(1, initial=0) >= POSITIVE_IOU)
        candidates = [proposed[positive], proposed[_sample_negatives(rng, overlaps)]]
        for x0, y0, x1, y1 in boxes:
            w, h = x1 - x0, y1 - y0
            shift = rng.uniform(-0.2, 0.2, (JITTERS, 4)) * [w, h, w, h]
            candidates.append(np.rint([x0, y0, x1, y1] + shift))
        corner = rng.uniform(0, det.SIZE - 8, (RANDOM_BOXES, 2))
        side = rng.uniform(8, 32, (RANDOM_BOXES, 2))
        candidates.append(np.rint(np.concatenate([corner, np.minimum(corner + side, det.SIZE)], 1)))
        found = np.concatenate(candidates).reshape(-1, 4)
        found = found[(found[:, 2] - found[:, 0] >= 2) & (found[:, 3] - found[:, 1] >= 2)]
        overlaps = det.iou(found, boxes) if len(boxes) else np.zeros((len(found), 0))
        best = overlaps.argmax(1) if len(boxes) else np.zeros(len(found), int)
        hit = overlaps.max(1, initial=0) >= POSITIVE_IOU
        targets.append(np.where(hit, labels[best] if len(boxes) else background, background))
        regions.append(prop.warp(image, found))
        regressed.append(overlaps.max(1, initial=0) >= REGRESSION_IOU)
        deltas.append(prop.regression_targets(found, boxes[best]) if len(boxes) else np.zeros((len(found), 4)))
    return (np.concatenate(regions), np.concatenate(targets), np.concatenate(deltas).astype(np.float32),
            np.concatenate(regressed))


def evaluate(model: RegionCNN, generator, seeds) -> dict:
    """mAP@0.5 of proposals → classifier → NMS, mean proposals per image, proposal recall at IoU 0.5."""
    model.eval()
    found, truths, counts, covered = [], [], [], []
    for seed in seeds:
        image, boxes, labels = generator(seed)
        candidates = prop.proposals(image)
        with torch.no_grad():
            probs, deltas = (t.numpy() for t in model(torch.from_numpy(prop.warp(image, candidates))))
        result = detect(candidates, probs, deltas, MAP_CONFIDENCE, DEFAULTS["nms_iou"])
        found.append((result["boxes"], result["scores"], result["labels"]))
        truths.append((boxes, labels))
        counts.append(len(candidates))
        if len(boxes):
            covered += list(det.iou(boxes, candidates).max(1, initial=0) >= POSITIVE_IOU)
    return {"map50": det.mean_average_precision(found, truths)["map"],
            "proposals_per_image": float(np.mean(counts)), "proposal_recall50": float(np.mean(covered))}


def main(argv=None) -> dict:
    torch.manual_seed(SEED)
    torch.set_num_threads(1)
    rng = np.random.default_rng(SEED)
    regions, targets, deltas, regressed = training_regions(rng)
    x, y = torch.from_numpy(regions), torch.from_numpy(targets)
    d, r = torch.from_numpy(deltas), torch.from_numpy(regressed)
    print(f"{len(y)} training regions, {(targets < len(det.CLASSES)).mean():.1%} shapes")
    config = RegionConfig()
    model = RegionCNN(config)
    optimizer = torch.optim.Adam(model.parameters(), lr=LR)
    steps = EPOCHS * (len(y) // BATCH)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, LR, total_steps=steps, pct_start=0.1)
    start = time.perf_counter()
    for _ in (bar := trange(EPOCHS, desc="rcnn", unit="epoch")):
        model.train()
        order = torch.randperm(len(y))
        for i in range(0, len(order) - BATCH + 1, BATCH):
            idx = order[i:i + BATCH]
            batch, target = x[idx], d[idx]
            if rng.random() < 0.5:
                batch = batch.flip(-1)            # every class is left-right symmetric
                target = target * torch.tensor([-1.0, 1.0, 1.0, 1.0])
            probs, predicted = model(batch)
            loss = F.nll_loss(probs.clamp(min=1e-8).log(), y[idx])
            keep = r[idx]
            if keep.any():                        # the deltas of each region's own class
                own = predicted[keep, y[idx][keep]]
                loss = loss + REGRESSION_WEIGHT * F.smooth_l1_loss(own, target[keep], beta=0.1)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
        bar.set_postfix(loss=f"{loss.item():.3f}")
    metrics = {}
    for name, generator in GENERATORS.items():
        held_out = evaluate(model, generator, det.held_out_seeds(HELD_OUT_SCENES))
        prefix = "" if name == "standard" else "hard_"
        metrics.update({f"{prefix}held_out_map50": round(held_out["map50"], 4),
                        f"{prefix}proposals_per_image": round(held_out["proposals_per_image"], 2),
                        f"{prefix}proposal_recall50": round(held_out["proposal_recall50"], 4)})
        print(name, metrics)
    metrics.update({
        "held_out_scenes": HELD_OUT_SCENES, "train_scenes": TRAIN_SCENES,
        "train_generators": [g.__name__ for g in GENERATORS.values()], "train_regions": int(len(y)),
        "epochs": EPOCHS, "map_confidence": MAP_CONFIDENCE, "map_nms_iou": DEFAULTS["nms_iou"],
        "train_seconds": round(time.perf_counter() - start, 1),
        "parameters": sum(p.numel() for p in model.parameters()),
    })
    checkpoint.save("rcnn", model, metrics)
    return metrics


if __name__ == "__main__":
    main()
