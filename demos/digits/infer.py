"""Classify a digit image with exported_models/digits.onnx — numpy and onnxruntime only.

The page's drawing and a file given to `python -m demos run digits FILE` go through the same
reduction, mirrored line by line in docs/javascripts/demos/digits.js. It imitates how the UCI digits
were made (binary 32×32 bitmaps, 4×4 blocks counted to 0..16):

1. grey = mean of R, G, B, composited on white; ink = 1 − grey (dark ink on a light background;
   a mostly dark image is inverted first);
2. "on" pixels: ink > 0.5; none → the image is blank;
3. crop to the bounding box of the on pixels, grown to a square around its centre;
4. sample that square on a 32×32 grid (each cell takes the pixel at its centre);
5. count the on pixels in each 4×4 block → 8×8 counts 0..16; the model sees counts / 16.

A .npy file of shape (8, 8) is taken as counts already (like `load_digits().images`); any other
2-D or 3-D array is treated as an image. Images of any size are accepted: step 3–4 resize them.
"""
from __future__ import annotations

import numpy as np

from demos.common.errors import DemoError
from demos.common.images import read_image, to_gray
from demos.common.runtime import run

PREPROCESSING = {"ink_threshold": 0.5, "grid": 32, "block": 4, "max_count": 16,
                 "description": "ink = 1 - grey; on = ink > 0.5; crop to on pixels, square; "
                                "sample 32x32 at cell centres; count 4x4 blocks (0..16); input = counts / 16"}


# --8<-- [start:counts]
def counts_from_image(pixels: np.ndarray) -> np.ndarray:
    """Any image array (H, W[, C]) in [0, 1] → the 8×8 counts the data set would hold."""
    gray = to_gray(pixels)
    if gray.mean() < 0.5:           # light ink on a dark background
        gray = 1.0 - gray
    on = (1.0 - gray) > PREPROCESSING["ink_threshold"]
    rows, cols = np.flatnonzero(on.any(axis=1)), np.flatnonzero(on.any(axis=0))
    if rows.size == 0:
        raise DemoError("the image is blank: no dark strokes were found")
    top, left = rows[0], cols[0]
    height, width = rows[-1] - top + 1, cols[-1] - left + 1
    side = max(height, width)
    top -= (side - height) // 2
    left -= (side - width) // 2
    grid = PREPROCESSING["grid"]
    centres = ((2 * np.arange(grid) + 1) * side) // (2 * grid)           # integer cell centres
    ys, xs = top + centres[:, None], left + centres[None, :]
    inside = (ys >= 0) & (ys < on.shape[0]) & (xs >= 0) & (xs < on.shape[1])
    bitmap = np.where(inside, on[ys.clip(0, on.shape[0] - 1), xs.clip(0, on.shape[1] - 1)], False)
    block = PREPROCESSING["block"]
    return bitmap.reshape(grid // block, block, grid // block, block).sum(axis=(1, 3))  # (8, 8)
# --8<-- [end:counts]


def to_input(counts: np.ndarray) -> np.ndarray:
    """(…, 8, 8) counts → (B, 1, 8, 8) float32 in [0, 1]."""
    return (np.asarray(counts, np.float32) / PREPROCESSING["max_count"]).reshape(-1, 1, 8, 8)


def load_input(path, sidecar: dict) -> np.ndarray:
    """A PNG or .npy file → 8×8 counts (integers 0..16)."""
    array = read_image(path)
    if array.shape == (8, 8):
        if array.min() < 0 or array.max() > PREPROCESSING["max_count"]:
            raise DemoError(f"{path}: an 8×8 array is read as block counts and must lie in 0..16")
        return np.rint(array).astype(np.int64)
    if array.ndim not in (2, 3) or min(array.shape[:2]) < 2:
        raise DemoError(f"{path}: expected an image (H, W) or (H, W, C) or 8×8 counts, got shape {array.shape}")
    if array.dtype.kind in "iu" or array.max() > 1.0:
        array = array / 255.0
    return counts_from_image(array)


def predict(sessions, sidecar: dict, counts: np.ndarray) -> dict:
    probs = run(sessions[0], {"image": to_input(counts)})["probs"][0]
    labels = sidecar["labels"]
    return {"demo": "digits", "top": labels[int(probs.argmax())],
            "probs": {label: round(float(p), 6) for label, p in zip(labels, probs)},
            "counts": np.asarray(counts).tolist()}


def format_text(result: dict, sidecar: dict) -> str:
    lines = [f"prediction: {result['top']}"]
    for label, p in result["probs"].items():
        lines.append(f"  {label}  {p:8.6f}  {'#' * round(p * 40)}")
    return "\n".join(lines)
