"""Export the R-CNN-style region classifier to exported_models/rcnn.onnx, measure the whole pipeline in
onnxruntime, write the sidecar.

    python -m demos export rcnn
"""
from __future__ import annotations

import json
import time

import numpy as np
import torch

from demos.common import checkpoint, onnx_export, options, sidecar
from demos.common import detection as det
from demos.common.paths import MODELS_DIR
from demos.common.runtime import open_session
from demos.rcnn import infer
from demos.rcnn import proposals as prop
from demos.rcnn.model import RegionCNN, RegionConfig
from demos.rcnn.train import GENERATORS, HELD_OUT_SCENES, MAP_CONFIDENCE

GOLDEN_SEEDS = det.held_out_seeds(3)


def load_trained() -> tuple[RegionCNN, dict]:
    return checkpoint.load("rcnn", lambda config: RegionCNN(RegionConfig(**{**config, "widths": tuple(config["widths"])})))


def measure(session, generator=det.make_scene) -> dict:
    """mAP@0.5, CNN evaluations and milliseconds per image (proposals, warping, classifier, NMS)."""
    found, truths, times, proposal_times, passes = [], [], [], [], []
    for seed in det.held_out_seeds(HELD_OUT_SCENES):
        image, boxes, labels = generator(seed)
        started = time.perf_counter()
        candidates = prop.proposals(image)
        proposed = time.perf_counter()
        probs, deltas = infer.classify(session, image, candidates)
        result = infer.detect(candidates, probs, deltas, MAP_CONFIDENCE, infer.DEFAULTS["nms_iou"])
        times.append(time.perf_counter() - started)
        proposal_times.append(proposed - started)
        passes.append(len(candidates))
        found.append((result["boxes"], result["scores"], result["labels"]))
        truths.append((boxes, labels))
    return {"onnxruntime_map50": round(det.mean_average_precision(found, truths)["map"], 4),
            "onnxruntime_ms_per_image": round(1000 * float(np.median(times)), 3),
            "proposal_ms_per_image": round(1000 * float(np.median(proposal_times)), 3),
            "forward_passes_per_image": round(float(np.mean(passes)), 2)}


def hard_metrics(session) -> dict:
    """The same measurement on the harder scenes, keys prefixed with hard_."""
    measured = measure(session, GENERATORS["harder"])
    return {f"hard_{key}": measured[key] for key in ("onnxruntime_map50", "forward_passes_per_image")}


def main(argv=None) -> dict:
    model, metrics = load_trained()
    path = MODELS_DIR / "rcnn.onnx"
    batch = torch.export.Dim("regions", min=1, max=4096)
    onnx_export.export(model, (torch.zeros(2, 3, prop.WARP, prop.WARP),), path, input_names=["regions"],
                       output_names=["probs", "deltas"], dynamic_shapes={"regions": {0: batch}})
    session = open_session(path)
    golden = []
    for seed in GOLDEN_SEEDS:
        scene = det.golden_scene(seed)
        image = det.scene_of(scene)
        candidates = prop.proposals(image)
        probs, deltas = infer.classify(session, image, candidates)
        result = infer.detect(candidates, probs, deltas, infer.DEFAULTS["confidence"], infer.DEFAULTS["nms_iou"])
        golden.append({"input": scene, "output": {
            "proposals": candidates.tolist(), "probs": np.round(probs, 7).tolist(),
            "deltas": np.round(deltas, 7).tolist(), "boxes": np.round(result["boxes"], 4).tolist(), "scores": np.round(result["scores"], 7).tolist(),
            "labels": result["labels"].tolist(), "index": result["index"].tolist()}})
    card = {
        "name": "rcnn",
        "title": "R-CNN-style detector: selective-search proposals, each warped and classified by a small CNN",
        "summary": "Selective search (Felzenszwalb-Huttenlocher over-segmentation at three scales, then hierarchical "
                   "grouping by colour, size and fill) proposes boxes; each box, widened by 15 % context and "
                   "warped to 24×24, goes through a three-layer CNN (shape classes + background) and four box "
                   "deltas per class; each box is moved by its class's deltas and per-class NMS keeps the best.",
        "papers": ["girshick2014rich", "uijlings2013selective"],
        "models": [onnx_export.io_spec(path)],
        "options": options.thresholds(infer.DEFAULTS),
        "labels": list(det.CLASSES),
        "preprocessing": infer.PREPROCESSING,
        "config": model.config.to_dict(),
        "metrics": {**metrics, **measure(session), **hard_metrics(session)},
        "reproduce": "python -m demos train rcnn && python -m demos export rcnn",
        "golden": golden,
    }
    written = sidecar.write(card)
    det.write_metrics_table(MODELS_DIR)
    print(json.dumps(card["metrics"], indent=1))
    print(f"wrote {path} ({card['models'][0]['bytes']} bytes) and {written}")
    return card


if __name__ == "__main__":
    main()
