"""Export the shape classifier and its explanation graph; draw the top-9 figures; measure how well
saliency localises objects compared with the detectors; write the sidecar and the page's table.

    python -m demos export visualize

Writes exported_models/visualize.onnx (classifier + feature maps), visualize_explain.onnx (gradient,
guided backpropagation and deconvnet as forward operations), visualize.json,
docs/assets/figures/visualize-top9-conv{1..4}.png and demos/visualize/localisation.md.
"""
from __future__ import annotations

import base64
import json

import numpy as np
import torch

from demos.common import detection as det
from demos.common import checkpoint, onnx_export, options, sidecar
from demos.common.images import png_bytes
from demos.common.paths import MODELS_DIR, ROOT
from demos.common.runtime import open_session, open_sessions, run
from demos.visualize import infer
from demos.visualize.model import Explainer, ShapeCNN, ShapeConfig
from demos.visualize.train import HELD_OUT_SCENES, one_shape_scenes

FIGURES = ROOT / "docs" / "assets" / "figures"
TABLE = ROOT / "demos" / "visualize" / "localisation.md"
GOLDEN_SEEDS = det.held_out_seeds(2)
TOP_SCENES = 1000            # held-out scenes searched for each unit's top 9
UNITS_SHOWN = 6              # most active feature maps of each layer, in the figures
THRESHOLDS = (0.1, 0.25, 0.5)  # saliency ≥ t · max(saliency) gives the box


def load_trained() -> tuple[ShapeCNN, dict]:
    return checkpoint.load("visualize", lambda config: ShapeCNN(ShapeConfig(**{**config, "widths": tuple(config["widths"])})))


def receptive_fields(layers: int) -> list[tuple[int, int]]:
    """(size, jump) in input pixels of a unit of each conv layer (3×3 convs, 2×2 pools between)."""
    size, jump, out = 1, 1, []
    for i in range(layers):
        size += 2 * jump
        out.append((size, jump))
        if i < layers - 1:
            size, jump = size + jump, jump * 2
    return out


def crop(array: np.ndarray, row: int, col: int, field: tuple[int, int], fill: float) -> np.ndarray:
    """The (size, size, C) receptive field of unit (row, col), `fill` outside the image."""
    size, jump = field
    top = int(round(row * jump + (jump - 1) / 2 - (size - 1) / 2))
    left = int(round(col * jump + (jump - 1) / 2 - (size - 1) / 2))
    out = np.full((size, size, array.shape[2]), fill, np.float64)
    h, w = array.shape[:2]
    ys, xs = slice(max(top, 0), min(top + size, h)), slice(max(left, 0), min(left + size, w))
    out[ys.start - top:ys.stop - top, xs.start - left:xs.stop - left] = array[ys, xs]
    return out


def stretch(signal: np.ndarray) -> float:
    """Contrast scale of a reconstruction: its 99th percentile magnitude, so a few pixels do not wash it out."""
    return max(float(np.percentile(np.abs(signal), 99)), 1e-12)


def top9_figures(sessions, images: np.ndarray, widths: list[int]) -> dict:
    """For the most active maps of each layer: the 9 strongest patches and their deconvnet pictures."""
    from PIL import Image  # export-time only

    fields = receptive_fields(len(widths))
    outputs = run(sessions[0], {"image": det.to_chw(images)})
    cell, gap, chosen = 40, 12, {}
    for layer in range(1, len(widths) + 1):
        maps = outputs[f"conv{layer}"]                                        # (N, C, h, w)
        strongest = maps.reshape(*maps.shape[:2], -1).max(-1)                 # (N, C)
        units = sorted(np.argsort(-strongest.mean(0))[:UNITS_SHOWN].tolist())
        chosen[layer] = units
        canvas = np.full((len(units) * cell, 18 * cell + gap, 3), 255, np.uint8)
        for r, unit in enumerate(units):
            for k, n in enumerate(np.argsort(-strongest[:, unit], kind="stable")[:9]):
                row, col = np.unravel_index(int(maps[n, unit].argmax()), maps.shape[2:])
                patch = crop(images[n] / 255.0, row, col, fields[layer - 1], 1.0)
                signal = infer.explain(sessions[1], images[n], 0, layer, unit)["deconvnet"].transpose(1, 2, 0)
                picture = crop(signal, row, col, fields[layer - 1], 0.0)
                picture = 0.5 + 0.5 * (picture / stretch(picture)).clip(-1, 1)
                for j, tile in enumerate([patch, picture]):
                    img = Image.fromarray(np.rint(tile * 255).clip(0, 255).astype(np.uint8))
                    img = np.asarray(img.resize((cell - 2, cell - 2), Image.NEAREST))
                    x = j * (9 * cell + gap) + k * cell
                    canvas[r * cell + 1:(r + 1) * cell - 1, x + 1:x + cell - 1] = img
        (FIGURES / f"visualize-top9-conv{layer}.png").write_bytes(png_bytes(canvas))
    return {"units": chosen, "fields": [list(f) for f in fields], "scenes": len(images)}


def box_of(mask: np.ndarray) -> np.ndarray:
    return np.array(det.mask_box(mask)) if mask.any() else np.zeros(4)


def localisation(sessions, images, boxes) -> dict:
    """Pointing game and box IoU of thresholded saliency / guided maps vs the detectors, one shape each."""
    yolo_card, rcnn_card = sidecar.read("yolo"), sidecar.read("rcnn")
    from demos.rcnn import infer as rcnn_infer
    from demos.rcnn import proposals as prop
    from demos.yolo import infer as yolo_infer
    yolo, rcnn = open_sessions(yolo_card)[0], open_sessions(rcnn_card)[0]
    scores = {name: {"pointing": [], **{f"iou@{t}": [] for t in THRESHOLDS}} for name in ("gradient", "guided")}
    detectors = {"yolo": {"pointing": [], "iou": []}, "rcnn": {"pointing": [], "iou": []}}
    inside = lambda point, b: b[0] <= point[1] < b[2] and b[1] <= point[0] < b[3]   # point = (row, col)
    for image, gt in zip(images, boxes):
        probs = run(sessions[0], {"image": det.to_chw(image)})["probs"][0]
        maps = infer.explain(sessions[1], image, int(probs.argmax()), 1, 0)
        for name in scores:
            m = infer.saliency(maps[name])
            scores[name]["pointing"].append(inside(np.unravel_index(int(m.argmax()), m.shape), gt))
            for t in THRESHOLDS:
                scores[name][f"iou@{t}"].append(det.iou(box_of(m >= t * m.max()), gt)[0, 0])
        grid = run(yolo, {"image": det.to_chw(image)})["grid"][0]
        found = yolo_infer.detect(grid, yolo_card["config"], 0.0, yolo_infer.DEFAULTS["nms_iou"])
        candidates = prop.proposals(image)
        ranked = rcnn_infer.detect(candidates, *rcnn_infer.classify(rcnn, image, candidates), 0.0,
                                   rcnn_infer.DEFAULTS["nms_iou"])
        for name, result in (("yolo", found), ("rcnn", ranked)):
            best = result["boxes"][0] if len(result["boxes"]) else np.zeros(4)
            centre = ((best[1] + best[3]) / 2, (best[0] + best[2]) / 2)
            detectors[name]["pointing"].append(inside(centre, gt))
            detectors[name]["iou"].append(det.iou(best, gt)[0, 0])
    summary = lambda values: {"mean_iou": round(float(np.mean(values)), 4),
                              "correct": round(float(np.mean(np.array(values) >= 0.5)), 4)}
    out = {"scenes": len(images), "thresholds": list(THRESHOLDS)}
    for name, s in scores.items():
        out[name] = {"pointing": round(float(np.mean(s["pointing"])), 4),
                     **{f"box@{t}": summary(s[f"iou@{t}"]) for t in THRESHOLDS}}
    for name, s in detectors.items():
        out[name] = {"pointing": round(float(np.mean(s["pointing"])), 4), "box": summary(s["iou"])}
    return out


def write_table(loc: dict) -> None:
    """The Markdown table the visualizing page includes (pymdownx.snippets): numbers from the sidecar."""
    pct = lambda v: f"{100 * v:.1f} %"
    rows = ["| method | pointing game (peak inside the box) | box IoU ≥ 0.5 (correct localisation) | mean IoU |",
            "|---|---|---|---|"]
    for name, title in (("gradient", "saliency map (gradient)"), ("guided", "guided backpropagation")):
        for t in loc["thresholds"]:
            box = loc[name][f"box@{t}"]
            rows.append(f"| {title}, box around pixels ≥ {t} × max | {pct(loc[name]['pointing'])} | "
                        f"{pct(box['correct'])} | {box['mean_iou']:.3f} |")
    for name, title in (("yolo", "YOLO-style detector, best box"), ("rcnn", "R-CNN-style detector, best box")):
        rows.append(f"| {title} | {pct(loc[name]['pointing'])} | {pct(loc[name]['box']['correct'])} | "
                    f"{loc[name]['box']['mean_iou']:.3f} |")
    note = (f"\n*Measured by `python -m demos export visualize` on {loc['scenes']} held-out one-shape scenes; "
            "the saliency maps are for the class the classifier predicts.*\n")
    TABLE.write_text("<!-- generated by demos/visualize/export.py from exported_models/visualize.json -->\n"
                     + "\n".join(rows) + "\n" + note)


def map_png(m: np.ndarray) -> str:
    return base64.b64encode(png_bytes(np.rint(255 * m / max(m.max(), 1e-12)).astype(np.uint8))).decode()


def main(argv=None) -> dict:
    model, metrics = load_trained()
    size = model.config.image
    batch = torch.export.Dim("batch", min=1, max=4096)
    widths = list(model.config.widths)
    paths = [MODELS_DIR / "visualize.onnx", MODELS_DIR / "visualize_explain.onnx"]
    onnx_export.export(model, (torch.zeros(2, 3, size, size),), paths[0], input_names=["image"],
                       output_names=["probs", "logits", *[f"conv{i + 1}" for i in range(len(widths))]],
                       dynamic_shapes={"image": {0: batch}})
    index = lambda v: torch.tensor([v], dtype=torch.int64)
    onnx_export.export(Explainer(model), (torch.zeros(1, 3, size, size), index(0), index(1), index(0)), paths[1],
                       input_names=["image", "target", "layer", "channel"],
                       output_names=["probs", "gradient", "guided", "deconvnet"])
    sessions = [open_session(p) for p in paths]
    card = {"name": "visualize", "labels": list(det.CLASSES), "config": model.config.to_dict()}
    golden = []
    for seed in GOLDEN_SEEDS:
        scene = det.golden_scene(seed)
        del scene["labels"]
        image, box, label = det.make_scene(seed, objects=1)
        scene.update(seed=seed, png=base64.b64encode(png_bytes(image)).decode(), boxes=box.tolist(),
                     label=det.CLASSES[label[0]])
        result = infer.predict(sessions, card, {"image": image, **infer.DEFAULTS})
        golden.append({"input": scene, "output": {
            "probs": result["probs"], "top": result["top"], "occlusion": result["occlusion"],
            **{name: {"peak": result[name]["peak"], "max": result[name]["max"],
                      "png": map_png(np.array(result[name]["map"]))} for name in ("gradient", "guided", "deconvnet")}}})
    images, boxes, _ = one_shape_scenes(det.held_out_seeds(max(TOP_SCENES, HELD_OUT_SCENES)))
    figures = top9_figures(sessions, images[:TOP_SCENES], widths)
    loc = localisation(sessions, images[:300], boxes[:300])
    write_table(loc)
    card.update({
        "title": "Inside a shape classifier: deconvnet, saliency, guided backpropagation, occlusion",
        "summary": "A four-layer CNN classifies one-shape scenes; a second graph computes its gradient, guided "
                   "backpropagation and deconvnet passes as forward operations, so the page needs no autograd.",
        "papers": ["zeiler2013visualizing", "simonyan2013deep", "springenberg2014striving"],
        "models": [onnx_export.io_spec(p) for p in paths],
        "options": {  # the page's controls; `python -m demos run visualize … --set KEY=VALUE`
            "target": options.choice("explain", infer.DEFAULTS["target"], [None, *det.CLASSES]),
            "layer": options.integer("unit: layer", infer.DEFAULTS["layer"], 1, len(widths)),
            "channel": options.integer("map", infer.DEFAULTS["channel"], 0, max(widths) - 1),
            "patch": options.integer("occluder", infer.DEFAULTS["patch"], 4, size, 4),
            "stride": options.integer("stride", infer.DEFAULTS["stride"], 1, 16),
            "grey": options.number("occluder grey", infer.DEFAULTS["grey"], 0, 1, 0.05)},
        "preprocessing": infer.PREPROCESSING,
        "metrics": {**metrics, "localisation": loc},
        "figures": figures,
        "reproduce": "python -m demos train visualize && python -m demos export visualize",
        "golden": golden,
    })
    written = sidecar.write(card)
    print(json.dumps(card["metrics"], indent=1))
    print(f"wrote {', '.join(str(p) for p in paths)}, {written}, the figures and {TABLE}")
    return card


if __name__ == "__main__":
    main()
