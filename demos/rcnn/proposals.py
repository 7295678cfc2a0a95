"""Region proposals for the R-CNN-style demo: connected regions of similar colour at several
thresholds — numpy only, mirrored in docs/javascripts/demos/rcnn.js.

R-CNN took its ~2000 proposals from selective search (Uijlings et al. 2013), which over-segments the
image into regions of similar colour and merges neighbours hierarchically. The scenes here are flat
shapes on a smooth background, so a simpler relative of it does: for each threshold τ, join every
pixel to its right and lower neighbour when no RGB channel differs by more than τ; every connected
region that is neither tiny nor the background gives its bounding box. Small τ splits the picture
finely, large τ merges touching regions of close colour — the several thresholds play the part of
selective search's hierarchy. Boxes are unique and sorted, so Python and JavaScript list them in the
same order.

Each proposal is then warped, as in R-CNN: the box is widened by a margin of context on every side
and resampled bilinearly to a fixed WARP×WARP input, whatever its aspect ratio.
"""
from __future__ import annotations

import numpy as np

THRESHOLDS = (14, 30, 60)   # RGB step (0..255) allowed between neighbours; noise alone steps up to 12
MIN_PIXELS = 24             # smaller regions are clutter (dots, bits of lines)
MIN_SIDE = 5                # pixels, for both sides of a box
MAX_AREA = 0.6              # boxes covering more of the image are the background
WARP = 24                   # the classifier's input side
CONTEXT = 0.15              # margin added on each side, as a fraction of the box's width / height
DOC = {"thresholds": list(THRESHOLDS), "min_pixels": MIN_PIXELS, "min_side": MIN_SIDE, "max_area": MAX_AREA,
       "warp": WARP, "context": CONTEXT,
       "description": "for each threshold: 4-connected regions whose neighbours differ by <= threshold in "
                      "every RGB channel; keep regions with >= min_pixels pixels, both box sides >= min_side "
                      "and box area <= max_area of the image; unique boxes sorted by (x0, y0, x1, y1). "
                      "Warp: widen by context on each side, sample bilinearly at warp x warp cell centres "
                      "(edge pixels repeat outside the image), RGB / 255"}


def regions(image: np.ndarray, tau: int) -> np.ndarray:
    """Connected-region label of every pixel, (H, W): the smallest flat pixel index in its region."""
    a = image.astype(np.int16)
    h, w = a.shape[:2]
    right = np.abs(a[:, 1:] - a[:, :-1]).max(-1) <= tau      # (H, W-1): pixel joined to its right neighbour
    down = np.abs(a[1:] - a[:-1]).max(-1) <= tau             # (H-1, W): joined to the one below
    labels = np.arange(h * w).reshape(h, w)
    while True:
        new = labels.copy()
        pair = np.minimum(labels[:, 1:], labels[:, :-1])
        new[:, 1:] = np.where(right, np.minimum(new[:, 1:], pair), new[:, 1:])
        new[:, :-1] = np.where(right, np.minimum(new[:, :-1], pair), new[:, :-1])
        pair = np.minimum(new[1:], new[:-1])
        new[1:] = np.where(down, np.minimum(new[1:], pair), new[1:])
        new[:-1] = np.where(down, np.minimum(new[:-1], pair), new[:-1])
        flat = new.reshape(-1)
        for _ in range(4):                                    # pointer jumping: follow labels to their roots
            flat = flat[flat]
        new = flat.reshape(h, w)
        if np.array_equal(new, labels):
            return labels
        labels = new


def proposals(image: np.ndarray) -> np.ndarray:
    """(K, 4) int boxes (x0, y0, x1, y1), x1/y1 exclusive, unique, sorted."""
    h, w = image.shape[:2]
    ys, xs = np.mgrid[:h, :w]
    found = set()
    for tau in THRESHOLDS:
        labels = regions(image, tau).reshape(-1)
        count = np.bincount(labels, minlength=h * w)
        x0 = np.full(h * w, w); y0 = np.full(h * w, h); x1 = np.zeros(h * w, int); y1 = np.zeros(h * w, int)
        np.minimum.at(x0, labels, xs.reshape(-1)); np.minimum.at(y0, labels, ys.reshape(-1))
        np.maximum.at(x1, labels, xs.reshape(-1) + 1); np.maximum.at(y1, labels, ys.reshape(-1) + 1)
        ok = ((count >= MIN_PIXELS) & (x1 - x0 >= MIN_SIDE) & (y1 - y0 >= MIN_SIDE)
              & ((x1 - x0) * (y1 - y0) <= MAX_AREA * h * w))
        found.update(zip(x0[ok].tolist(), y0[ok].tolist(), x1[ok].tolist(), y1[ok].tolist()))
    return np.array(sorted(found), np.int64).reshape(-1, 4)


def warp(image: np.ndarray, boxes: np.ndarray, size: int = WARP, context: float = CONTEXT) -> np.ndarray:
    """Each box with context, resampled to (K, 3, size, size) float32 in [0, 1] (bilinear, edges repeat)."""
    h, w = image.shape[:2]
    pixels = image.astype(np.float32) / 255
    boxes = np.asarray(boxes, np.float64).reshape(-1, 4)
    bw, bh = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
    x0, x1 = boxes[:, 0] - context * bw, boxes[:, 2] + context * bw
    y0, y1 = boxes[:, 1] - context * bh, boxes[:, 3] + context * bh
    steps = (np.arange(size) + 0.5) / size
    sx = (x0[:, None] + steps * (x1 - x0)[:, None] - 0.5).clip(0, w - 1)     # (K, size) pixel-index coords
    sy = (y0[:, None] + steps * (y1 - y0)[:, None] - 0.5).clip(0, h - 1)
    ix, iy = np.floor(sx).astype(int), np.floor(sy).astype(int)
    fx, fy = (sx - ix)[:, None, :, None], (sy - iy)[:, :, None, None]
    jx, jy = np.minimum(ix + 1, w - 1), np.minimum(iy + 1, h - 1)
    at = lambda r, c: pixels[r[:, :, None], c[:, None, :]]                   # (K, size, size, 3)
    top = at(iy, ix) * (1 - fx) + at(iy, jx) * fx
    bottom = at(jy, ix) * (1 - fx) + at(jy, jx) * fx
    out = top * (1 - fy) + bottom * fy
    return np.ascontiguousarray(out.transpose(0, 3, 1, 2), dtype=np.float32)


def regression_targets(boxes: np.ndarray, truths: np.ndarray) -> np.ndarray:
    """R-CNN's box-regression targets (K, 4) from proposals P to their objects G: (G_x - P_x) / P_w,
    (G_y - P_y) / P_h, log(G_w / P_w), log(G_h / P_h), with (x, y) the box centre."""
    p, g = np.asarray(boxes, np.float64).reshape(-1, 4), np.asarray(truths, np.float64).reshape(-1, 4)
    pw, ph, gw, gh = p[:, 2] - p[:, 0], p[:, 3] - p[:, 1], g[:, 2] - g[:, 0], g[:, 3] - g[:, 1]
    return np.stack([((g[:, 0] + g[:, 2]) - (p[:, 0] + p[:, 2])) / 2 / pw,
                     ((g[:, 1] + g[:, 3]) - (p[:, 1] + p[:, 3])) / 2 / ph, np.log(gw / pw), np.log(gh / ph)], 1)


def regress(boxes: np.ndarray, deltas: np.ndarray) -> np.ndarray:
    """Proposals (K, 4) moved by deltas (K, 4) — the inverse of `regression_targets`; float64 pixels."""
    p, d = np.asarray(boxes, np.float64).reshape(-1, 4), np.asarray(deltas, np.float64).reshape(-1, 4)
    pw, ph = p[:, 2] - p[:, 0], p[:, 3] - p[:, 1]
    cx, cy = (p[:, 0] + p[:, 2]) / 2 + pw * d[:, 0], (p[:, 1] + p[:, 3]) / 2 + ph * d[:, 1]
    w, h = pw * np.exp(d[:, 2]), ph * np.exp(d[:, 3])
    return np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], 1)
