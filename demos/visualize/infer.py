"""Look inside the shape classifier — numpy and onnxruntime only, like the page.

For one scene: the class probabilities; the saliency map and guided backpropagation for a target
class (the exported `visualize_explain.onnx` computes the backward passes as forward operations); the
deconvnet reconstruction of one unit (the strongest activation of a chosen feature map); and
occlusion sensitivity — a grey patch slid over the image, every position evaluated in one batched call
of `visualize.onnx`. docs/javascripts/demos/visualize.js does the same with the same files.

A pixel's saliency is the largest magnitude over the colour channels (Simonyan et al.).
"""
from __future__ import annotations

import numpy as np

from demos.common import detection as det
from demos.common.errors import DemoError
from demos.common.runtime import run

DEFAULTS = {"target": None, "layer": 4, "channel": 0, "patch": 16, "stride": 4, "grey": 0.5}
PREPROCESSING = {"scene": det.SCENE_DOC, "input": det.INPUT_DOC + "; model input RGB / 255 as (N, 3, 64, 64)",
                 "saliency": "max over colour channels of |signal|", **{k: v for k, v in DEFAULTS.items() if v is not None}}


def load_input(path, sidecar: dict) -> dict:
    """A PNG (or .npy) of a scene → {"image": (64, 64, 3) uint8, options}."""
    return {"image": det.load_scene(path), **DEFAULTS}


def occlusion_positions(size: int, patch: int, stride: int) -> np.ndarray:
    """Top-left corners along one side for a `patch` slid with `stride` over a `size` image."""
    if not isinstance(patch, (int, np.integer)) or not isinstance(stride, (int, np.integer)):
        raise DemoError(f"occlusion patch and stride must be whole numbers of pixels, got {patch!r} and {stride!r}")
    if stride <= 0:
        raise DemoError(f"the occlusion stride must be at least 1 pixel, got {stride}")
    if patch <= 0 or patch > size:
        raise DemoError(f"the occlusion patch must be 1 to {size} pixels wide (the image is {size}×{size}), got {patch}")
    return np.arange(0, size - patch + 1, stride)


def occlusion(session, image: np.ndarray, target: int, patch: int, stride: int, grey: float) -> dict:
    """Every occluded copy in one batch: Pr(target) and the top class at each patch position."""
    size = image.shape[0]
    corners = occlusion_positions(size, patch, stride)
    x = det.to_chw(image)[0]
    batch = np.repeat(x[None], len(corners) ** 2, axis=0)                  # (P², 3, H, W)
    for k, (top, left) in enumerate((t, l) for t in corners for l in corners):
        batch[k, :, top:top + patch, left:left + patch] = grey
    probs = run(session, {"image": batch})["probs"].reshape(len(corners), len(corners), -1)
    return {"corners": corners, "target_prob": probs[..., target], "top_class": probs.argmax(-1)}


def saliency(signal: np.ndarray) -> np.ndarray:
    """(3, H, W) signal → (H, W) map: the largest magnitude over the colour channels."""
    return np.abs(signal).max(0)


def explain(session, image: np.ndarray, target: int, layer: int, channel: int) -> dict:
    out = run(session, {"image": det.to_chw(image), "target": np.array([target], np.int64),
                        "layer": np.array([layer], np.int64), "channel": np.array([channel], np.int64)})
    return {k: out[k][0] for k in ("gradient", "guided", "deconvnet")}


def check_unit(sidecar: dict, layer: int, channel: int) -> None:
    widths = sidecar["config"]["widths"]
    if not 1 <= layer <= len(widths):
        raise DemoError(f"layer must be 1..{len(widths)}, got {layer}")
    if not 0 <= channel < widths[layer - 1]:
        raise DemoError(f"conv layer {layer} has feature maps 0..{widths[layer - 1] - 1}, got {channel}")


def predict(sessions, sidecar: dict, inputs: dict) -> dict:
    image = inputs["image"]
    check_unit(sidecar, inputs["layer"], inputs["channel"])
    probs = run(sessions[0], {"image": det.to_chw(image)})["probs"][0]
    labels = sidecar["labels"]
    target = int(probs.argmax()) if inputs["target"] is None else labels.index(inputs["target"])
    maps = explain(sessions[1], image, target, inputs["layer"], inputs["channel"])
    occluded = occlusion(sessions[0], image, target, inputs["patch"], inputs["stride"], inputs["grey"])
    rounded = lambda a, d=6: np.round(np.asarray(a, np.float64), d).tolist()
    where = lambda m: [int(v) for v in np.unravel_index(int(np.argmax(m)), m.shape)]
    result = {"demo": "visualize", "top": labels[int(probs.argmax())], "target": labels[target],
              "probs": {label: round(float(p), 6) for label, p in zip(labels, probs)},
              "layer": inputs["layer"], "channel": inputs["channel"],
              "patch": inputs["patch"], "stride": inputs["stride"],
              "occlusion": {"corners": occluded["corners"].tolist(), "target_prob": rounded(occluded["target_prob"]),
                            "top_class": [[labels[c] for c in row] for row in occluded["top_class"]]}}
    for name, signal in maps.items():
        m = saliency(signal)
        result[name] = {"peak": where(m), "max": float(m.max()), "map": rounded(m, 7)}
    return result


def format_text(result: dict, sidecar: dict) -> str:
    lines = [f"prediction: {result['top']}"]
    lines += [f"  {label:9s} {p:8.6f}  {'#' * round(p * 40)}" for label, p in result["probs"].items()]
    for name, title in [("gradient", "saliency (gradient)"), ("guided", "guided backpropagation")]:
        row, col = result[name]["peak"]
        lines.append(f"{title} for '{result['target']}': strongest at row {row}, col {col} (|signal| {result[name]['max']:.4g})")
    row, col = result["deconvnet"]["peak"]
    lines.append(f"deconvnet of conv{result['layer']} map {result['channel']}: strongest at row {row}, col {col}")
    target_prob = np.array(result["occlusion"]["target_prob"])
    k = np.unravel_index(int(target_prob.argmin()), target_prob.shape)
    corners = result["occlusion"]["corners"]
    lines.append(f"occlusion ({result['patch']}px patch, stride {result['stride']}, {target_prob.size} positions in one "
                 f"batch): Pr({result['target']}) falls to {target_prob.min():.3f} with the patch at row "
                 f"{corners[k[0]]}, col {corners[k[1]]}")
    return "\n".join(lines)
