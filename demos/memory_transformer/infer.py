"""Run the exported Transformer on a whole sequence (numpy + onnxruntime only)."""
from __future__ import annotations

import numpy as np


def run_sequence(session, x: np.ndarray) -> dict[str, np.ndarray]:
    """x (T, n_in) -> y (T, n_out) probabilities, attention (layers, heads, T, T)."""
    y, attention = session.run(["y", "attention"], {"x": x[None].astype(np.float32)})
    return {"y": y[0], "attention": attention[0]}


def kv_cache_floats(cfg: dict, length: int) -> int:
    """Floats a decoder would keep to continue a sequence of `length` steps: keys and values per layer."""
    return 2 * cfg["n_layers"] * cfg["d_model"] * length
