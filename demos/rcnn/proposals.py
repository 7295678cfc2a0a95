"""Region proposals for the R-CNN-style demo and R-CNN's warping and box regression — numpy only,
mirrored in docs/javascripts/demos/rcnn/selective-search.js and docs/javascripts/detection.js.

Proposals come from selective search (Uijlings et al. 2013), as in R-CNN: `demos.rcnn.selective_search`
over-segments the scene (Felzenszwalb & Huttenlocher) at three scales and merges neighbouring regions
hierarchically; every region along the way gives a box. Boxes are unique and sorted, so Python and
JavaScript list them in the same order.

Each proposal is then warped, as in R-CNN: the box is widened by a margin of context on every side
and resampled bilinearly to a fixed WARP×WARP input, whatever its aspect ratio.
"""
from __future__ import annotations

import numpy as np

from demos.rcnn import selective_search as search

WARP = 24                   # the classifier's input side
CONTEXT = 0.15              # margin added on each side, as a fraction of the box's width / height
DOC = {**search.DOC, "warp": WARP, "context": CONTEXT,
       "warping": "widen by context on each side, sample bilinearly at warp x warp cell centres (edge pixels "
                  "repeat outside the image), RGB / 255"}


def proposals(image: np.ndarray) -> np.ndarray:
    """(K, 4) int boxes (x0, y0, x1, y1), x1/y1 exclusive, unique, sorted: selective search's."""
    return search.selective_search(image)


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
