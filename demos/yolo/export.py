"""Export the YOLO-style detector to exported_models/yolo.onnx, measure it in onnxruntime, write the sidecar.

    python -m demos export yolo
"""
from __future__ import annotations

import json
import time

import numpy as np
import torch

from demos.common import checkpoint, onnx_export, options, sidecar
from demos.common import detection as det
from demos.common.paths import MODELS_DIR
from demos.common.runtime import open_session, run
from demos.yolo import infer
from demos.yolo.model import YoloConfig, YoloNet
from demos.yolo.train import HELD_OUT_SCENES, MAP_CONFIDENCE

GOLDEN_SEEDS = det.held_out_seeds(3)


def load_trained() -> tuple[YoloNet, dict]:
    return checkpoint.load("yolo", lambda config: YoloNet(YoloConfig(**{**config, "widths": tuple(config["widths"])})))


def measure(session, config: dict, generator=det.make_hard_scene) -> dict:
    """mAP@0.5 and milliseconds per image (one image per call, decoding and NMS included) in onnxruntime."""
    found, truths, times = [], [], []
    for seed in det.held_out_seeds(HELD_OUT_SCENES):
        image, boxes, labels = generator(seed)
        started = time.perf_counter()
        grid = run(session, {"image": det.to_chw(image)})["grid"][0]
        result = infer.detect(grid, config, MAP_CONFIDENCE, infer.DEFAULTS["nms_iou"])
        times.append(time.perf_counter() - started)
        found.append((result["boxes"], result["scores"], result["labels"]))
        truths.append((boxes, labels))
    return {"onnxruntime_map50": round(det.mean_average_precision(found, truths)["map"], 4),
            "onnxruntime_ms_per_image": round(1000 * float(np.median(times)), 3),
            "forward_passes_per_image": 1}


def main(argv=None) -> dict:
    model, metrics = load_trained()
    path = MODELS_DIR / "yolo.onnx"
    batch = torch.export.Dim("batch", min=1, max=1024)
    onnx_export.export(model, (torch.zeros(2, 3, det.SIZE, det.SIZE),), path, input_names=["image"],
                       output_names=["grid"], dynamic_shapes={"image": {0: batch}})
    session = open_session(path)
    config = model.config.to_dict()
    golden = []
    for seed in GOLDEN_SEEDS:
        scene = det.golden_scene(seed)
        grid = run(session, {"image": det.to_chw(det.scene_of(scene))})["grid"][0]
        result = infer.detect(grid, config, infer.DEFAULTS["confidence"], infer.DEFAULTS["nms_iou"])
        golden.append({"input": scene, "output": {
            "grid": np.round(grid, 7).tolist(),
            "boxes": np.round(result["boxes"], 4).tolist(), "scores": np.round(result["scores"], 7).tolist(),
            "labels": result["labels"].tolist(), "cells": result["cells"].tolist()}})
    card = {
        "name": "yolo",
        "title": "YOLO-style detector: one forward pass, an 8×8 grid, 2 boxes per cell",
        "summary": "Five 3×3 convolutions (leaky ReLU, three max-pools) and a 1×1 head predict, for every cell "
                   "of an 8×8 grid, two boxes with confidences and one class distribution.",
        "papers": ["redmon2016yolo"],
        "models": [onnx_export.io_spec(path)],
        "options": options.thresholds(infer.DEFAULTS),
        "labels": list(det.CLASSES),
        "preprocessing": infer.PREPROCESSING,
        "config": config,
        "metrics": {**metrics, **measure(session, config),
                    "onnxruntime_standard_map50": measure(session, config, det.make_scene)["onnxruntime_map50"]},
        "reproduce": "python -m demos train yolo && python -m demos export yolo",
        "golden": golden,
    }
    written = sidecar.write(card)
    det.write_metrics_table(MODELS_DIR)
    print(json.dumps(card["metrics"], indent=1))
    print(f"wrote {path} ({card['models'][0]['bytes']} bytes) and {written}")
    return card


if __name__ == "__main__":
    main()
