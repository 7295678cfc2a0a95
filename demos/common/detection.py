"""Object detection shared by the `yolo` and `rcnn` demos — numpy only, so `infer.py` can use it.

* **Scenes**: a generator of 64×64 RGB pictures with coloured shapes (four classes) on a cluttered
  background, with the exact bounding box of every shape. Scene `k` is drawn from
  `numpy.random.default_rng(k)`, so the train and held-out splits are fixed ranges of seeds.
* **Boxes**: intersection over union, greedy per-class non-maximum suppression, YOLO grid decoding.
  docs/javascripts/detection.js implements the same steps line by line (parts/scenes.js: makeHardScene); tests run both on
  the golden outputs stored in the sidecars.
* **mAP@0.5**: PASCAL VOC average precision (all-point interpolation), averaged over classes.

Boxes are `(x0, y0, x1, y1)` in pixels, `x1`/`y1` exclusive: a shape whose pixels span columns 3..9
has `x0 = 3, x1 = 10`.
"""
from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np

from .errors import DemoError
from .images import decode_png, png_bytes, read_image

CLASSES = ("circle", "square", "triangle", "cross")
SIZE = 64                     # scene side in pixels
RADIUS = (5.0, 13.0)          # shape "radius" range: boxes from about 10 to 26 pixels
MAX_OBJECTS = 4
MAX_OVERLAP = 0.15            # no two ground-truth boxes overlap more than this IoU
MIN_CONTRAST = 90             # every shape differs from the background by this much in some channel
NOISE = 6                     # per-pixel noise, uniform in [-NOISE, NOISE] grey levels
HELD_OUT_SEED = 1_000_000     # scenes with seeds below are for training, from here on held out
INPUT_DOC = ("a scene file is read as RGB; transparent pixels are composited onto white; an image of another "
             "size is sampled at the centres of a 64x64 grid of cells")
SCENE_DOC = {
    "size": SIZE, "classes": list(CLASSES), "radius": list(RADIUS), "max_objects": MAX_OBJECTS,
    "max_overlap": MAX_OVERLAP, "min_contrast": MIN_CONTRAST, "noise": NOISE,
    "description": "uint8 RGB scene: background colour with a gentle gradient, 2-5 thin clutter lines "
                   "and dots, up to 4 solid shapes; every pixel gets uniform noise; boxes are the tight "
                   "boxes of the shapes' pixel masks (x1, y1 exclusive)",
}


# ---- drawing -------------------------------------------------------------------------------

def shape_mask(kind: str, cx: float, cy: float, r: float, size: int = SIZE) -> np.ndarray:
    """Pixels whose centres lie inside a shape of class `kind`; (size, size) bool."""
    px = np.arange(size)[None, :] + 0.5 - cx
    py = np.arange(size)[:, None] + 0.5 - cy
    if kind == "circle":
        return px * px + py * py <= r * r
    if kind == "square":
        return (np.abs(px) <= 0.85 * r) & (np.abs(py) <= 0.85 * r)
    if kind == "triangle":  # apex up, base at cy + r, as wide as it is tall
        return (py >= -r) & (py <= r) & (np.abs(px) <= (py + r) / 2)
    if kind == "cross":
        arm = r / 3
        return ((np.abs(px) <= r) & (np.abs(py) <= arm)) | ((np.abs(py) <= r) & (np.abs(px) <= arm))
    raise ValueError(f"unknown shape {kind!r}")


def mask_box(mask: np.ndarray) -> list[int]:
    rows, cols = np.flatnonzero(mask.any(1)), np.flatnonzero(mask.any(0))
    return [int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1]


def _far_colour(rng, background: np.ndarray) -> np.ndarray:
    while True:
        colour = rng.integers(0, 256, 3)
        if np.abs(colour - background).max() >= MIN_CONTRAST:
            return colour


def make_scene(seed: int, objects: int | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Scene number `seed`: (image (64, 64, 3) uint8, boxes (N, 4) int, labels (N,) int)."""
    rng = np.random.default_rng(seed)
    count = int(rng.integers(1, MAX_OBJECTS + 1)) if objects is None else objects
    background = rng.integers(20, 236, 3)
    ramp = rng.uniform(-25, 25, (2, 3))
    grid = np.arange(SIZE) / SIZE - 0.5
    image = (background + grid[None, :, None] * ramp[0] + grid[:, None, None] * ramp[1]).astype(np.float64)
    yy, xx = np.mgrid[:SIZE, :SIZE] + 0.5
    for _ in range(int(rng.integers(2, 6))):  # clutter: thin lines and small dots, never objects
        colour = rng.integers(0, 256, 3)
        if rng.random() < 0.5:
            (x0, y0), (x1, y1) = rng.uniform(0, SIZE, (2, 2))
            length = np.hypot(x1 - x0, y1 - y0) + 1e-9
            t = ((xx - x0) * (x1 - x0) + (yy - y0) * (y1 - y0)) / length ** 2
            dist = np.hypot(xx - (x0 + t.clip(0, 1) * (x1 - x0)), yy - (y0 + t.clip(0, 1) * (y1 - y0)))
            image[dist <= 0.6] = colour
        else:
            cx, cy = rng.uniform(0, SIZE, 2)
            image[np.hypot(xx - cx, yy - cy) <= rng.uniform(1.0, 2.2)] = colour
    boxes, labels = [], []
    for _ in range(200):  # rejection sampling of non-overlapping placements
        if len(boxes) == count:
            break
        kind = int(rng.integers(len(CLASSES)))
        r = rng.uniform(*RADIUS)
        cx, cy = rng.uniform(r + 1, SIZE - r - 1, 2)
        mask = shape_mask(CLASSES[kind], cx, cy, r)
        box = mask_box(mask)
        colour = _far_colour(rng, background)
        if boxes and iou(np.array([box]), np.array(boxes)).max() > MAX_OVERLAP:
            continue
        image[mask] = colour
        boxes.append(box)
        labels.append(kind)
    image += rng.integers(-NOISE, NOISE + 1, image.shape)
    return (image.clip(0, 255).astype(np.uint8), np.array(boxes, np.int64).reshape(-1, 4),
            np.array(labels, np.int64))


HARD_DOC = {
    "generator": "make_hard_scene", "max_occlusion": 0.4,
    "description": "make_scene's classes, sizes and noise, made so that colour regions are not objects: a "
                   "textured background (strong gradient plus stripes or blotches), textured objects "
                   "(solid, two-tone stripes or checks), pairs of touching objects of the same colour and "
                   "texture, and partial occlusion (a later object may cover up to 40 % of an earlier one); "
                   "boxes are the tight boxes of the visible pixels",
}


def _texture(rng, size: int = SIZE) -> np.ndarray:
    """(size, size) values in [-1, 1]: stripes at a random angle or smooth blotches."""
    yy, xx = np.mgrid[:size, :size] + 0.5
    if rng.random() < 0.5:
        angle, period = rng.uniform(0, np.pi), rng.uniform(4, 12)
        return np.sin(2 * np.pi * (xx * np.cos(angle) + yy * np.sin(angle)) / period)
    coarse = rng.uniform(-1, 1, (5, 5))
    idx = np.arange(size) * 4 / (size - 1)                       # bilinear blow-up of a 5×5 grid
    i0 = np.minimum(idx.astype(int), 3)
    f = idx - i0
    rows = coarse[i0] * (1 - f)[:, None] + coarse[i0 + 1] * f[:, None]
    return rows[:, i0] * (1 - f)[None, :] + rows[:, i0 + 1] * f[None, :]


def _paint(rng, background: np.ndarray) -> tuple[str, np.ndarray, np.ndarray, float]:
    """An object's look: (pattern, colour, second colour, period); both colours far from the background."""
    pattern = ("solid", "stripes", "checks")[int(rng.integers(3))]
    return pattern, _far_colour(rng, background), _far_colour(rng, background), float(rng.uniform(3, 6))


def _fill(image, mask, look, cx, cy):
    pattern, first, second, period = look
    yy, xx = np.mgrid[:SIZE, :SIZE] + 0.5
    if pattern == "solid":
        image[mask] = first
        return
    u, v = (xx - cx) // period, (yy - cy) // period
    odd = (u % 2 == 1) if pattern == "stripes" else ((u + v) % 2 == 1)
    image[mask & ~odd], image[mask & odd] = first, second


def make_hard_scene(seed: int, objects: int | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Hard scene number `seed` (see HARD_DOC): (image (64, 64, 3) uint8, boxes (N, 4) int, labels (N,) int).

    Its own random stream, so hard scene k is unrelated to `make_scene(k)`, which stays as it was.
    """
    return hard_scene(np.random.default_rng([seed, 2]), objects)


def hard_scene(rng, objects: int | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A hard scene from the draws of `rng` (a numpy Generator, or anything with its integers / uniform /
    random): docs/javascripts/parts/scenes.js's makeHardScene makes the same scene from the same draws."""
    count = int(rng.integers(1, MAX_OBJECTS + 1)) if objects is None else objects
    background = rng.integers(40, 216, 3)
    ramp = rng.uniform(-60, 60, (2, 3))
    grid = np.arange(SIZE) / SIZE - 0.5
    image = (background + grid[None, :, None] * ramp[0] + grid[:, None, None] * ramp[1]
             + _texture(rng)[..., None] * rng.uniform(10, 30, 3)).astype(np.float64)
    owner = np.full((SIZE, SIZE), -1)               # which object each pixel shows
    areas, labels, last = [], [], None
    for _ in range(200):
        if len(labels) == count:
            break
        kind, r = int(rng.integers(len(CLASSES))), rng.uniform(*RADIUS)
        if last is not None and rng.random() < 0.35:  # touch the previous object, same colour and texture
            angle = rng.uniform(0, 2 * np.pi)
            distance = (last[2] + r) * rng.uniform(0.85, 1.0)
            cx, cy = last[0] + distance * np.cos(angle), last[1] + distance * np.sin(angle)
            look = last[3]
            if not (r + 1 <= cx <= SIZE - r - 1 and r + 1 <= cy <= SIZE - r - 1):
                continue
        else:
            cx, cy = rng.uniform(r + 1, SIZE - r - 1, 2)
            look = _paint(rng, background)
        mask = shape_mask(CLASSES[kind], cx, cy, r)
        after = np.where(mask, len(labels), owner)
        visible = np.bincount(after[after >= 0], minlength=len(labels) + 1)
        if any(visible[k] < (1 - HARD_DOC["max_occlusion"]) * areas[k] for k in range(len(labels))):
            continue                                 # would hide too much of an earlier object
        _fill(image, mask, look, cx, cy)
        owner = after
        areas.append(int(mask.sum()))
        labels.append(kind)
        last = (cx, cy, r, look)
    image += rng.integers(-NOISE, NOISE + 1, image.shape)
    boxes = [mask_box(owner == k) for k in range(len(labels))]
    return (image.clip(0, 255).astype(np.uint8), np.array(boxes, np.int64).reshape(-1, 4),
            np.array(labels, np.int64))


def scene_from_pixels(pixels: np.ndarray) -> np.ndarray:
    """(H, W[, C]) floats in [0, 1] → the (64, 64, 3) uint8 scene the detectors read."""
    if pixels.ndim == 2:
        pixels = pixels[..., None]
    if pixels.ndim != 3 or pixels.shape[2] not in (1, 2, 3, 4) or min(pixels.shape[:2]) < 1:
        raise DemoError(f"expected an RGB image, got an array of shape {pixels.shape}")
    if pixels.shape[2] in (2, 4):
        alpha = pixels[..., -1:]
        pixels = pixels[..., :-1] * alpha + (1 - alpha)
    if pixels.shape[2] == 1:
        pixels = np.repeat(pixels, 3, axis=2)
    h, w = pixels.shape[:2]
    rows = ((2 * np.arange(SIZE) + 1) * h) // (2 * SIZE)
    cols = ((2 * np.arange(SIZE) + 1) * w) // (2 * SIZE)
    return np.rint(pixels[rows][:, cols] * 255).clip(0, 255).astype(np.uint8)


def load_scene(path) -> np.ndarray:
    """A PNG (or .npy (H, W, 3) array, 0..255) of a scene → (64, 64, 3) uint8."""
    array = read_image(path)
    if array.dtype.kind in "iu" or array.max(initial=0) > 1.0:
        array = array / 255.0
    return scene_from_pixels(np.asarray(array, np.float64))


def held_out_seeds(count: int) -> range:
    return range(HELD_OUT_SEED, HELD_OUT_SEED + count)


def to_chw(images: np.ndarray) -> np.ndarray:
    """(…, H, W, 3) uint8 → (B, 3, H, W) float32 in [0, 1], the detectors' input."""
    images = np.asarray(images, np.float32).reshape(-1, *np.shape(images)[-3:])
    return np.ascontiguousarray(images.transpose(0, 3, 1, 2) / 255.0)


# ---- boxes ----------------------------------------------------------------------------------

def iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of every box in `a` (N, 4) with every box in `b` (M, 4): (N, M), float64."""
    a, b = np.asarray(a, np.float64).reshape(-1, 4), np.asarray(b, np.float64).reshape(-1, 4)
    w = np.clip(np.minimum(a[:, None, 2], b[None, :, 2]) - np.maximum(a[:, None, 0], b[None, :, 0]), 0, None)
    h = np.clip(np.minimum(a[:, None, 3], b[None, :, 3]) - np.maximum(a[:, None, 1], b[None, :, 1]), 0, None)
    inter = w * h
    area = lambda x: (x[:, 2] - x[:, 0]) * (x[:, 3] - x[:, 1])
    union = area(a)[:, None] + area(b)[None, :] - inter
    return np.where(union > 0, inter / np.where(union > 0, union, 1), 0.0)


def check_threshold(name: str, value: float) -> float:
    value = float(value)
    if not 0.0 <= value <= 1.0:
        raise DemoError(f"{name} must lie in [0, 1], got {value}")
    return value


def nms(boxes: np.ndarray, scores: np.ndarray, labels: np.ndarray, iou_threshold: float) -> np.ndarray:
    """Greedy per-class non-maximum suppression; indices of the kept boxes, best score first.

    Boxes are visited by decreasing score (ties: lower index first); a box is dropped when its IoU
    with an already kept box of the same class is greater than `iou_threshold`.
    """
    check_threshold("the NMS IoU threshold", iou_threshold)
    order = np.argsort(-np.asarray(scores, np.float64), kind="stable")
    overlaps = iou(boxes, boxes)
    kept: list[int] = []
    for i in order:
        if all(labels[k] != labels[i] or overlaps[i, k] <= iou_threshold for k in kept):
            kept.append(int(i))
    return np.array(kept, np.int64)


def decode_yolo(grid: np.ndarray, boxes_per_cell: int, confidence: float, size: int = SIZE):
    """One image's YOLO output (S, S, 5B + C) → (boxes (N, 4) float64 pixels, scores, labels, cells).

    Box j of cell (row, col) holds (x, y, w, h, C): centre relative to the cell, size relative to the
    image. Its class-specific score is C · max_c Pr(class c | object), the class being the argmax
    (the paper keeps every class above threshold; one class per box keeps the picture readable).
    Boxes scoring at least `confidence` are returned, in cell order.
    """
    check_threshold("the confidence threshold", confidence)
    grid = np.asarray(grid, np.float64)
    s = grid.shape[0]
    b = boxes_per_cell
    preds = grid[..., :5 * b].reshape(s, s, b, 5)
    probs = grid[..., 5 * b:]
    rows, cols = np.mgrid[:s, :s]
    cx = (cols[..., None] + preds[..., 0]) / s * size
    cy = (rows[..., None] + preds[..., 1]) / s * size
    w, h = preds[..., 2] * size, preds[..., 3] * size
    labels = np.broadcast_to(probs.argmax(-1)[..., None], (s, s, b))
    scores = preds[..., 4] * probs.max(-1)[..., None]
    keep = (scores >= confidence).reshape(-1)
    boxes = np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], -1).reshape(-1, 4)
    cells = np.stack([np.broadcast_to(rows[..., None], (s, s, b)), np.broadcast_to(cols[..., None], (s, s, b)),
                      np.broadcast_to(np.arange(b), (s, s, b))], -1).reshape(-1, 3)
    return boxes[keep], scores.reshape(-1)[keep], labels.reshape(-1)[keep], cells[keep]


# ---- evaluation ------------------------------------------------------------------------------

def average_precision(recall: np.ndarray, precision: np.ndarray) -> float:
    """Area under the precision envelope (VOC 2010+ all-point interpolation)."""
    r = np.concatenate([[0.0], recall, [1.0]])
    p = np.concatenate([[0.0], precision, [0.0]])
    p = np.maximum.accumulate(p[::-1])[::-1]
    step = np.flatnonzero(r[1:] != r[:-1])
    return float(((r[step + 1] - r[step]) * p[step + 1]).sum())


def mean_average_precision(detections: list, truths: list, classes: int = len(CLASSES),
                           threshold: float = 0.5) -> dict:
    """mAP over images. `detections[i]` = (boxes, scores, labels); `truths[i]` = (boxes, labels).

    Per class, detections of all images are ranked by score; each is a true positive when it overlaps
    a not yet matched ground-truth box of its class with IoU ≥ `threshold` (the best such box).
    Returns {"map": mean over classes with ground truth, "ap": {class index: AP}}.
    """
    ap = {}
    for c in range(classes):
        ranked, total = [], 0
        for i, ((boxes, scores, labels), (gt_boxes, gt_labels)) in enumerate(zip(detections, truths)):
            total += int((np.asarray(gt_labels) == c).sum())
            ranked += [(float(s), i, np.asarray(bx)) for bx, s, l in zip(boxes, scores, labels) if l == c]
        if total == 0:
            continue
        ranked.sort(key=lambda d: -d[0])
        matched = {i: np.zeros(len(t[1]), bool) for i, t in enumerate(truths)}
        hits = []
        for _, i, box in ranked:
            gt_boxes, gt_labels = truths[i]
            overlaps = iou(box[None], gt_boxes)[0] if len(gt_boxes) else np.zeros(0)
            overlaps = np.where((np.asarray(gt_labels) == c) & ~matched[i], overlaps, -1.0)
            best = int(overlaps.argmax()) if overlaps.size else -1
            hit = best >= 0 and overlaps[best] >= threshold
            if hit:
                matched[i][best] = True
            hits.append(hit)
        tp = np.cumsum(hits, dtype=np.float64)
        precision = tp / np.arange(1, len(hits) + 1) if hits else np.zeros(0)
        ap[c] = average_precision(tp / total, precision)
    return {"map": float(np.mean(list(ap.values()))) if ap else 0.0, "ap": ap}


def scene_set(seeds, generator=make_scene) -> tuple[np.ndarray, list, list]:
    """Scenes for a range of seeds: (images (N, 64, 64, 3) uint8, [boxes (k, 4)], [labels (k,)])."""
    scenes = [generator(s) for s in seeds]
    return np.stack([s[0] for s in scenes]), [s[1] for s in scenes], [s[2] for s in scenes]


def golden_scene(seed: int) -> dict:
    """A scene as the sidecars store it: seed, PNG (base64) and ground truth."""
    image, boxes, labels = make_scene(seed)
    return {"seed": seed, "png": base64.b64encode(png_bytes(image)).decode(),
            "boxes": boxes.tolist(), "labels": [CLASSES[i] for i in labels]}


def scene_of(golden: dict) -> np.ndarray:
    """The (64, 64, 3) uint8 image of a golden scene, decoded from its PNG."""
    return np.rint(decode_png(base64.b64decode(golden["png"])) * 255).astype(np.uint8)


METRICS_TABLE = Path(__file__).with_name("detection_metrics.md")


def write_metrics_table(models_dir: Path) -> None:
    """Both exports call this, so the page always shows the numbers of the committed models."""
    METRICS_TABLE.write_text(metrics_table(models_dir))


def metrics_table(models_dir: Path) -> str:
    """The table the object-detection page includes (pymdownx.snippets), from the yolo and rcnn sidecars."""
    cards = {n: json.loads((Path(models_dir) / f"{n}.json").read_text()) for n in ("yolo", "rcnn")
             if (Path(models_dir) / f"{n}.json").is_file()}
    titles = {"yolo": "YOLO-style (one pass over the grid)", "rcnn": "R-CNN-style (proposals → CNN per region)"}
    rows = ["| detector | mAP@0.5 (held-out standard scenes) | CNN evaluations per image | ms per image (onnxruntime, 1 thread) | "
            "parameters | model file |", "|---|---|---|---|---|---|"]
    for name, card in cards.items():
        m = card["metrics"]
        standard = m.get("onnxruntime_standard_map50", m["onnxruntime_map50"])   # yolo's bar is the harder set
        rows.append(f"| {titles[name]} | {standard:.3f} | {m['forward_passes_per_image']:g} | "
                    f"{m['onnxruntime_ms_per_image']:.2f} | {m['parameters']:,} | "
                    f"{card['models'][0]['bytes'] / 1024:.0f} KB |")
    scenes = {card["metrics"]["held_out_scenes"] for card in cards.values()}
    note = (f"\n*Measured by `python -m demos export yolo` and `python -m demos export rcnn` on "
            f"{', '.join(map(str, sorted(scenes)))} held-out scenes; times are medians, R-CNN's include its "
            "proposals and warping.*\n")
    return ("<!-- generated by demos/common/detection.py from exported_models/{yolo,rcnn}.json -->\n"
            + "\n".join(rows) + "\n" + note)
