"""Both exported detectors on the standard scenes and on the harder ones (`detection.make_hard_scene`).

    python -m demos.rcnn.hard          # prints the figures and writes demos/rcnn/hard.md

On the standard scenes a colour-region proposal is very often *exactly* an object's box, so R-CNN's score
there measures the scene generator more than R-CNN. The harder scenes (textured objects and backgrounds,
touching same-colour pairs, partial occlusion) break that. Both detectors are scored as the exports score
them (mAP@0.5, confidence 0.01, the sidecar's NMS IoU) on the same held-out seeds.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from demos.common import detection as det
from demos.common import sidecar as sc
from demos.common.runtime import open_sessions, run
from demos.rcnn import infer as rcnn_infer
from demos.rcnn import proposals as prop
from demos.yolo import infer as yolo_infer

SCENES = 300
SNIPPET = Path(__file__).with_name("hard.md")
REGRESSION_SNIPPET = Path(__file__).with_name("regression.md")
REGRESSION_SCENES = 100
GENERATORS = {"standard": det.make_scene, "harder": det.make_hard_scene}


def measure(generator, seeds, yolo, rcnn) -> dict:
    (ycard, ysessions), (rcard, rsessions) = yolo, rcnn
    yolo_found, rcnn_found, truths, exact, covered, counts = [], [], [], [], [], []
    for seed in seeds:
        image, boxes, labels = generator(seed)
        truths.append((boxes, labels))
        grid = run(ysessions[0], {"image": det.to_chw(image)})["grid"][0]
        y = yolo_infer.detect(grid, ycard["config"], ycard["metrics"]["map_confidence"], ycard["metrics"]["map_nms_iou"])
        yolo_found.append((y["boxes"], y["scores"], y["labels"]))
        candidates = prop.proposals(image)
        r = rcnn_infer.detect(candidates, *rcnn_infer.classify(rsessions[0], image, candidates),
                              rcard["metrics"]["map_confidence"], rcard["metrics"]["map_nms_iou"])
        rcnn_found.append((r["boxes"], r["scores"], r["labels"]))
        counts.append(len(candidates))
        for box in boxes:
            exact.append(bool(len(candidates)) and bool((candidates == box).all(1).any()))
            covered.append(bool(len(candidates)) and det.iou(box[None], candidates).max() >= 0.5)
    return {"yolo_map50": det.mean_average_precision(yolo_found, truths)["map"],
            "rcnn_map50": det.mean_average_precision(rcnn_found, truths)["map"],
            "objects": len(exact), "exact_proposals": float(np.mean(exact)),
            "proposal_recall50": float(np.mean(covered)), "proposals_per_image": float(np.mean(counts))}


def regression(generator, seeds, rcnn, jitter: float = 0.2, seed: int = 5) -> dict:
    """Mean IoU with the object before → after R-CNN's box regression, for (a) object boxes jittered by up
    to ±`jitter` of their size per side (as in training) and (b) the best proposal of each object with
    IoU ≥ 0.5; each moved by the deltas of the object's own class."""
    card, sessions = rcnn
    rng = np.random.default_rng(seed)
    out = {"jittered": ([], []), "proposed": ([], [])}
    for s in seeds:
        image, boxes, labels = generator(s)
        if not len(boxes):
            continue
        size = np.concatenate([boxes[:, 2:] - boxes[:, :2]] * 2, 1)
        jittered = np.rint(boxes + rng.uniform(-jitter, jitter, boxes.shape) * size)
        candidates = prop.proposals(image)
        overlaps = det.iou(boxes, candidates) if len(candidates) else np.zeros((len(boxes), 0))
        found = [k for k in range(len(boxes)) if overlaps.shape[1] and overlaps[k].max() >= 0.5]
        for kind, regions, objects in (("jittered", jittered, range(len(boxes))),
                                       ("proposed", candidates[[int(overlaps[k].argmax()) for k in found]], found)):
            if not len(regions):
                continue
            _, deltas = rcnn_infer.classify(sessions[0], image, regions)
            moved = prop.regress(regions, deltas[np.arange(len(regions)), labels[list(objects)]])
            out[kind][0].extend(np.diag(det.iou(regions, boxes[list(objects)])))
            out[kind][1].extend(np.diag(det.iou(moved, boxes[list(objects)])))
    return {kind: (float(np.mean(b)), float(np.mean(a)), len(b)) for kind, (b, a) in out.items()}


def snippet(results: dict, yolo_card: dict) -> str:
    rows = ["| scenes | YOLO-style mAP@0.5 | R-CNN-style mAP@0.5 | objects whose box *is* a proposal | "
            "objects with a proposal at IoU ≥ 0.5 | proposals per image |", "|---|---|---|---|---|---|"]
    for name, m in results.items():
        rows.append(f"| {name} | {m['yolo_map50']:.3f} | {m['rcnn_map50']:.3f} | {m['exact_proposals']:.1%} | "
                    f"{m['proposal_recall50']:.1%} | {m['proposals_per_image']:.1f} |")
    yolo_training = ("standard and harder" if yolo_card["metrics"].get("held_out_generator") == "make_hard_scene"
                     else "standard")
    objects = ", ".join(f"{m['objects']:,} {name}" for name, m in results.items())
    return ("<!-- generated by demos/rcnn/hard.py from exported_models/{yolo,rcnn}.onnx -->\n" + "\n".join(rows)
            + f"\n\n*Measured by `python -m demos.rcnn.hard` on {SCENES} held-out scenes of each kind "
            f"({objects} objects), with the committed models: YOLO trained on {yolo_training} scenes, R-CNN's "
            "classifier on standard scenes only.*\n")


def regression_snippet(results: dict) -> str:
    rows = ["| scenes | boxes | mean IoU as given | after box regression |", "|---|---|---|---|"]
    names = {"jittered": "object boxes jittered ±20 % per side", "proposed": "best colour-region proposal (IoU ≥ 0.5)"}
    for scenes, m in results.items():
        for kind, (before, after, count) in m.items():
            rows.append(f"| {scenes} | {names[kind]} ({count}) | {before:.3f} | {after:.3f} |")
    return ("<!-- generated by demos/rcnn/hard.py from exported_models/rcnn.onnx -->\n" + "\n".join(rows)
            + f"\n\n*Measured by `python -m demos.rcnn.hard` on {REGRESSION_SCENES} held-out scenes of each kind; "
            "each box is moved by the deltas of its object's class.*\n")


def main(argv=None) -> dict:
    cards = [sc.read(name) for name in ("yolo", "rcnn")]
    models = [(card, open_sessions(card)) for card in cards]
    results = {name: measure(gen, det.held_out_seeds(SCENES), *models) for name, gen in GENERATORS.items()}
    SNIPPET.write_text(snippet(results, cards[0]))
    moved = {name: regression(gen, det.held_out_seeds(REGRESSION_SCENES), models[1]) for name, gen in GENERATORS.items()}
    REGRESSION_SNIPPET.write_text(regression_snippet(moved))
    print(moved)
    for name, m in results.items():
        print(name, {k: round(v, 4) for k, v in m.items()})
    print(f"wrote {SNIPPET}")
    return results


if __name__ == "__main__":
    main()
