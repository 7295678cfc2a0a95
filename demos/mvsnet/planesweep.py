"""Classical plane sweep with winner-take-all: the baseline MVSNet is measured against (numpy only).

For each depth plane of the reference camera, every source view (grey, (R + G + B) / 3 / 255) is
warped onto the reference by that plane's homography with bilinear sampling (zeros outside, the
formula of grid_sample with align_corners=False); the cost of a pixel is 1 − the zero-mean normalised
cross-correlation (NCC) between the reference and the warped source over a (2r + 1)² window, averaged
over the source views; the depth is the plane of least cost. docs/javascripts/demos/mvsnet/planesweep.js
is the same algorithm step for step (same float64 arithmetic, same order), compared in Node.
"""
from __future__ import annotations

import numpy as np

from demos.mvsnet import geometry

RADIUS = 2          # 5×5 window
EPS = 1e-4          # keeps NCC finite on flat patches (variance ~0): such a patch matches nothing


def grey(images: np.ndarray) -> np.ndarray:
    """(V, H, W, 3) uint8 → (V, H, W) float64 in [0, 1]."""
    im = images.astype(np.float64)
    return (im[..., 0] + im[..., 1] + im[..., 2]) / 3 / 255


def sample(image: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Bilinear sample of (H, W[, C]) at pixel coordinates (x, y), zeros outside (grid_sample's rule)."""
    h, w = image.shape[:2]
    x0, y0 = np.floor(x), np.floor(y)
    fx, fy = x - x0, y - y0
    x0, y0 = x0.astype(np.int64), y0.astype(np.int64)
    out = 0.0
    for dy, wy in ((0, 1 - fy), (1, fy)):
        for dx, wx in ((0, 1 - fx), (1, fx)):
            xi, yi = x0 + dx, y0 + dy
            inside = (xi >= 0) & (xi < w) & (yi >= 0) & (yi < h)
            v = image[np.clip(yi, 0, h - 1), np.clip(xi, 0, w - 1)]
            weight = wx * wy * inside
            out = out + (v * weight[..., None] if v.ndim > weight.ndim else v * weight)
    return out


def warp_coords(rot: np.ndarray, trans: np.ndarray, depth: float, h: int, w: int):
    """Where each reference pixel at `depth` lands in a view: (x, y), each (H, W); behind → far outside."""
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float64)
    px = rot[0, 0] * xs + rot[0, 1] * ys + rot[0, 2]
    py = rot[1, 0] * xs + rot[1, 1] * ys + rot[1, 2]
    pz = rot[2, 0] * xs + rot[2, 1] * ys + rot[2, 2]
    X, Y, Z = px * depth + trans[0], py * depth + trans[1], pz * depth + trans[2]
    front = Z > 1e-6
    Z = np.where(front, Z, 1.0)
    return np.where(front, X / Z, -1e9), np.where(front, Y / Z, -1e9)


def box_mean(a: np.ndarray, r: int) -> np.ndarray:
    """Mean over the (2r + 1)² window around each pixel, clipped at the borders (integral image)."""
    h, w = a.shape
    s = np.zeros((h + 1, w + 1))
    s[1:, 1:] = np.cumsum(np.cumsum(a, axis=0), axis=1)
    y0 = np.clip(np.arange(h) - r, 0, h)[:, None]
    y1 = np.clip(np.arange(h) + r + 1, 0, h)[:, None]
    x0 = np.clip(np.arange(w) - r, 0, w)[None, :]
    x1 = np.clip(np.arange(w) + r + 1, 0, w)[None, :]
    total = s[y1, x1] - s[y0, x1] - s[y1, x0] + s[y0, x0]
    return total / ((y1 - y0) * (x1 - x0))


def ncc(a: np.ndarray, b: np.ndarray, r: int = RADIUS) -> np.ndarray:
    ma, mb = box_mean(a, r), box_mean(b, r)
    va = box_mean(a * a, r) - ma * ma
    vb = box_mean(b * b, r) - mb * mb
    cov = box_mean(a * b, r) - ma * mb
    return cov / np.sqrt(np.maximum(va, 0) * np.maximum(vb, 0) + EPS)


def cost_volume(images: np.ndarray, K, R, t, depths: np.ndarray, r: int = RADIUS) -> np.ndarray:
    """(D, H, W): 1 − mean NCC over the source views, per plane."""
    g = grey(images)
    rot, trans = geometry.relative(K, R, t, 1.0)
    h, w = g.shape[1:]
    out = np.zeros((len(depths), h, w))
    for k, d in enumerate(depths):
        for i in range(1, len(g)):
            x, y = warp_coords(rot[i], trans[i], float(d), h, w)
            out[k] += 1 - ncc(g[0], sample(g[i], x, y), r)
        out[k] /= len(g) - 1
    return out


def plane_sweep(images: np.ndarray, K, R, t, depths: np.ndarray, r: int = RADIUS) -> dict:
    """Winner-take-all depth (H, W), the winning plane's index and the whole cost volume."""
    cost = cost_volume(images, K, R, t, depths, r)
    index = np.argmin(cost, axis=0)                   # the first plane on ties, as the page
    return {"depth": depths[index], "index": index, "cost": cost}
