"""Cameras → the matrices the model and the plane sweep warp with; depth planes; input checks (numpy only).

The same arithmetic runs in the page (docs/javascripts/demos/mvsnet/geometry.js), compared in Node
by tests/test_mvsnet_js.py. A camera is (K, R, t): x_cam = R x_world + t, pixel ~ K x_cam, pixel
centres at integer coordinates. At a scale s (1/2 for the feature maps) pixel u of the image is
s·u + (s − 1)/2: the centre of feature pixel j is image coordinate 2j + 0.5.
"""
from __future__ import annotations

import numpy as np

from demos.common.errors import DemoError

MAX_VIEWS = 5
STRIDE = 2                 # the feature maps are 1/STRIDE of the views' size
MULTIPLE = 8               # the 3D U-Net halves the half-size maps twice
MAX_PIXELS = 256 * 384     # the cost volume grows with H·W·D: keep a run under a second or so


def scaled(K: np.ndarray, s: float) -> np.ndarray:
    S = np.array([[s, 0, (s - 1) / 2], [0, s, (s - 1) / 2], [0, 0, 1]])
    return S @ K


def inverse3(m: np.ndarray) -> np.ndarray:
    """The inverse of a 3×3 matrix from its adjugate (the page computes it the same way)."""
    a, b, c, d, e, f, g, h, i = m.ravel()
    co = np.array([[e * i - f * h, c * h - b * i, b * f - c * e],
                   [f * g - d * i, a * i - c * g, c * d - a * f],
                   [d * h - e * g, b * g - a * h, a * e - b * d]])
    det = a * co[0, 0] + b * co[1, 0] + c * co[2, 0]
    return co / det


def relative(K, R, t, s: float = 1 / STRIDE) -> tuple[np.ndarray, np.ndarray]:
    """rot (V, 3, 3), trans (V, 3): a reference pixel p (scale s) at depth d lands at rot·p·d + trans."""
    rot, trans = [], []
    inv0 = inverse3(scaled(K[0], s))
    for Ki, Ri, ti in zip(K, R, t):
        Ks = scaled(Ki, s)
        Rrel = Ri @ R[0].T
        rot.append(Ks @ Rrel @ inv0)
        trans.append(Ks @ (ti - Rrel @ t[0]))
    return np.array(rot), np.array(trans)


def planes(lo: float, hi: float, count: int) -> np.ndarray:
    """count depths from lo to hi, evenly spaced (float64, as numpy.linspace)."""
    return np.linspace(lo, hi, count)


def check_views(images: np.ndarray | list, K, R, t, depth_range, shown: str = "the views") -> None:
    """Every problem a reader's views can have, as one DemoError line."""
    shapes = [np.shape(im) for im in images]
    if len(shapes) < 2:
        raise DemoError(f"{shown}: {len(shapes)} view given; multi-view stereo needs at least two "
                        "(a reference and a source view)")
    if len(shapes) > MAX_VIEWS:
        raise DemoError(f"{shown}: {len(shapes)} views; at most {MAX_VIEWS} are accepted")
    if any(len(s) != 3 or s[2] != 3 for s in shapes):
        raise DemoError(f"{shown}: images must be (H, W, 3) RGB, got shapes {shapes}")
    if len(set(shapes)) > 1:
        sizes = ", ".join(f"{s[1]}×{s[0]}" for s in shapes)
        raise DemoError(f"{shown}: the views have different sizes ({sizes}); every view must have the reference's size")
    h, w = shapes[0][:2]
    if h % MULTIPLE or w % MULTIPLE or h < MULTIPLE or w < MULTIPLE:
        raise DemoError(f"{shown}: views are {w}×{h} pixels; width and height must be multiples of {MULTIPLE} "
                        "(the 3D U-Net halves the half-size maps twice)")
    if h * w > MAX_PIXELS:
        raise DemoError(f"{shown}: views are {w}×{h} pixels; at most {MAX_PIXELS} pixels (e.g. 384×256) are accepted")
    for name, value, shape in (("K", K, (3, 3)), ("R", R, (3, 3)), ("t", t, (3,))):
        if np.shape(value) != (len(shapes), *shape):
            raise DemoError(f"{shown}: {name} has shape {np.shape(value)}; expected {(len(shapes), *shape)} "
                            "(one per view)")
        if not np.isfinite(value).all():
            raise DemoError(f"{shown}: {name} holds NaN or infinite values")
    for i, (Ki, Ri) in enumerate(zip(K, R)):
        det = float(np.linalg.det(Ki))
        if abs(det) < 1e-9 or abs(Ki[2, 2]) < 1e-12:
            raise DemoError(f"{shown}: the camera matrix K of view {i} is singular (determinant {det:.3g}); "
                            "it cannot be inverted")
        if not np.allclose(Ri @ Ri.T, np.eye(3), atol=1e-3) or np.linalg.det(Ri) < 0:
            raise DemoError(f"{shown}: R of view {i} is not a rotation (R·Rᵀ must be I and det R = 1)")
    lo, hi = (float(v) for v in np.ravel(depth_range)[:2]) if np.size(depth_range) == 2 else (None, None)
    if lo is None:
        raise DemoError(f"{shown}: depth_range must be two numbers [near, far], got shape {np.shape(depth_range)}")
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise DemoError(f"{shown}: depth_range holds NaN or infinite values")
    if lo <= 0 or hi <= lo:
        why = "reversed (near must be less than far)" if hi < lo else ("empty" if hi == lo else "not positive")
        raise DemoError(f"{shown}: depth range [{lo:g}, {hi:g}] is {why}; give near < far, both > 0")
