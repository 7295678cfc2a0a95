"""Detect shapes with the R-CNN-style pipeline — numpy and onnxruntime only.

Two stages, as in R-CNN: colour-region proposals (`demos.rcnn.proposals`), then every proposal
warped to 24×24 and classified by exported_models/rcnn.onnx (one CNN evaluation per region, run as
one batch), which also gives class-specific box deltas; each proposal is moved by the deltas of its
most probable shape class (`proposals.regress`), scored by that class's probability, then per-class NMS
(`demos.common.detection.nms`) runs on the moved boxes. The page (docs/javascripts/demos/rcnn.js) runs the same steps.
"""
from __future__ import annotations

import time

import numpy as np

from demos.common import detection as det
from demos.common.runtime import run
from demos.rcnn import proposals as prop

DEFAULTS = {"confidence": 0.5, "nms_iou": 0.3}
PREPROCESSING = {"scene": det.SCENE_DOC, "hard_scene": det.HARD_DOC, "input": det.INPUT_DOC, "proposals": prop.DOC,
                 **DEFAULTS}


def load_input(path, sidecar: dict) -> dict:
    """A PNG (or .npy) of a scene → {"image": (64, 64, 3) uint8, thresholds}."""
    return {"image": det.load_scene(path), **DEFAULTS}


def classify(session, image: np.ndarray, boxes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Class probabilities (K, C + 1) and box deltas (K, C, 4) of each proposal; none → no evaluations."""
    if len(boxes) == 0:
        return np.zeros((0, len(det.CLASSES) + 1), np.float32), np.zeros((0, len(det.CLASSES), 4), np.float32)
    out = run(session, {"regions": prop.warp(image, boxes)})
    return out["probs"], out["deltas"]


def detect(boxes: np.ndarray, probs: np.ndarray, deltas: np.ndarray, confidence: float, nms_iou: float) -> dict:
    """Score each proposal by its best shape class, move it by that class's deltas, threshold, NMS."""
    labels = probs[:, :-1].argmax(1) if len(probs) else np.zeros(0, np.int64)
    scores = probs[np.arange(len(probs)), labels].astype(np.float64)
    moved = prop.regress(boxes, deltas[np.arange(len(probs)), labels]) if len(probs) else np.zeros((0, 4))
    keep = np.flatnonzero(scores >= confidence)
    kept = keep[det.nms(moved[keep], scores[keep], labels[keep], nms_iou)]
    return {"boxes": moved[kept], "scores": scores[kept], "labels": labels[kept], "index": kept}


def predict(sessions, sidecar: dict, inputs: dict) -> dict:
    confidence = det.check_threshold("the confidence threshold", inputs["confidence"])
    nms_iou = det.check_threshold("the NMS IoU threshold", inputs["nms_iou"])
    image = inputs["image"]
    started = time.perf_counter()
    boxes = prop.proposals(image)
    proposed = time.perf_counter()
    probs, deltas = classify(sessions[0], image, boxes)
    found = detect(boxes, probs, deltas, confidence, nms_iou)
    done = time.perf_counter()
    classes = sidecar["labels"]
    return {"demo": "rcnn", "confidence": confidence, "nms_iou": nms_iou,
            "forward_passes": int(len(boxes)),
            "ms": round((done - started) * 1000, 3), "proposal_ms": round((proposed - started) * 1000, 3),
            "proposals": [[int(v) for v in b] for b in boxes],
            "proposal_probs": [[round(float(p), 6) for p in row] for row in probs],
            "detections": [{"class": classes[int(l)], "score": round(float(s), 6), "box": [round(float(v), 3) for v in b],
                            "proposal": int(i)}
                           for b, s, l, i in zip(found["boxes"], found["scores"], found["labels"], found["index"])]}


def format_text(result: dict, sidecar: dict) -> str:
    found = result["detections"]
    lines = [f"{len(found)} object(s) found from {len(result['proposals'])} proposals = "
             f"{result['forward_passes']} CNN evaluations ({result['ms']:.1f} ms, of which proposals "
             f"{result['proposal_ms']:.1f} ms; confidence ≥ {result['confidence']}, NMS IoU {result['nms_iou']})"]
    for d in found:
        x0, y0, x1, y1 = d["box"]
        lines.append(f"  {d['class']:9s} {d['score']:.3f}  box ({x0:.1f}, {y0:.1f}) – ({x1:.1f}, {y1:.1f})  "
                     f"proposal #{d['proposal']}, moved by box regression")
    if not found:
        lines.append("  no objects above the confidence threshold")
    return "\n".join(lines)
