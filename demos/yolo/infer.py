"""Detect shapes in a scene with exported_models/yolo.onnx — numpy and onnxruntime only.

One forward pass gives the S×S×(5B + C) grid; `demos.common.detection.decode_yolo` turns it into
boxes with class-specific scores, and per-class NMS removes duplicates. The page
(docs/javascripts/demos/yolo.js) runs the same decoding and NMS on the same grid.
"""
from __future__ import annotations

import time

import numpy as np

from demos.common import detection as det
from demos.common.runtime import run

DEFAULTS = {"confidence": 0.2, "nms_iou": 0.4}   # recall and extra boxes at these: demos/yolo/misses.md
PREPROCESSING = {"scene": det.SCENE_DOC, "hard_scene": det.HARD_DOC,
                 "input": det.INPUT_DOC + "; model input RGB / 255 as (1, 3, 64, 64)", **DEFAULTS}


def load_input(path, sidecar: dict) -> dict:
    """A PNG (or .npy) of a scene → {"image": (64, 64, 3) uint8, thresholds}."""
    return {"image": det.load_scene(path), **DEFAULTS}


def detect(grid: np.ndarray, config: dict, confidence: float, nms_iou: float) -> dict:
    """Decode one image's grid, then NMS: the detections as lists, best score first."""
    boxes, scores, labels, cells = det.decode_yolo(grid, config["boxes"], confidence, config["image"])
    keep = det.nms(boxes, scores, labels, nms_iou)
    return {"boxes": boxes[keep], "scores": scores[keep], "labels": labels[keep], "cells": cells[keep],
            "candidates": int(len(scores))}


def predict(sessions, sidecar: dict, inputs: dict) -> dict:
    confidence = det.check_threshold("the confidence threshold", inputs["confidence"])
    nms_iou = det.check_threshold("the NMS IoU threshold", inputs["nms_iou"])
    started = time.perf_counter()
    grid = run(sessions[0], {"image": det.to_chw(inputs["image"])})["grid"][0]
    found = detect(grid, sidecar["config"], confidence, nms_iou)
    ms = (time.perf_counter() - started) * 1000
    classes = sidecar["labels"]
    return {"demo": "yolo", "confidence": confidence, "nms_iou": nms_iou, "forward_passes": 1,
            "ms": round(ms, 3), "candidates": found["candidates"],
            "detections": [{"class": classes[int(l)], "score": round(float(s), 6),
                            "box": [round(float(v), 3) for v in b], "cell": [int(v) for v in c]}
                           for b, s, l, c in zip(found["boxes"], found["scores"], found["labels"], found["cells"])]}


def format_text(result: dict, sidecar: dict) -> str:
    found = result["detections"]
    lines = [f"{len(found)} object(s) found in 1 forward pass ({result['ms']:.1f} ms; "
             f"confidence ≥ {result['confidence']}, NMS IoU {result['nms_iou']})"]
    for d in found:
        x0, y0, x1, y1 = d["box"]
        row, col, j = d["cell"]
        lines.append(f"  {d['class']:9s} {d['score']:.3f}  box ({x0:.1f}, {y0:.1f}) – ({x1:.1f}, {y1:.1f})"
                     f"  cell row {row}, col {col}, box {j}")
    if not found:
        lines.append("  no objects above the confidence threshold")
    return "\n".join(lines)
