"""Track a face in a photo with MediaPipe's two nets (exported_models/face_*.onnx) — numpy and onnxruntime only.

The pipeline, mirrored step by step in docs/javascripts/demos/face/pipeline.js:

1. letterbox the image into 128×128 (one affine map, bilinear, black outside), values in [-1, 1];
2. the detector scores 896 anchors (16×16×2 at stride 8, 8×8×6 at stride 16) and regresses a box
   and six keypoints relative to each anchor (MediaPipe's SSD anchors, scale 128);
3. sigmoid scores ≥ 0.5, weighted non-maximum suppression (IoU 0.3, MediaPipe's "weighted" blend);
4. the most confident face: a square crop 1.5× its box, rotated so the eye line is level;
5. the crop sampled at 192×192 in [0, 1]; the landmark net gives 468 (x, y, z) and a face score;
6. landmarks mapped back through the same rotation to image pixels.

Pixel (i, j) covers [j, j+1) × [i, i+1): coordinates are in pixels from the image's top-left corner.
"""
from __future__ import annotations

import math
import time

import numpy as np

from demos.common.errors import DemoError
from demos.common.images import read_image
from demos.common.runtime import run

PIPELINE = {
    "detector_size": 128, "landmark_size": 192,
    "anchor_strides": [8, 16, 16, 16], "anchor_offset": 0.5,   # SsdAnchorsCalculator, short range
    "box_scale": 128.0, "score_clip": 100.0, "min_score": 0.5, "nms_iou": 0.3,
    "keypoints": ["right eye", "left eye", "nose tip", "mouth centre", "right ear tragion", "left ear tragion"],
    "crop_scale": 1.5, "min_face_score": 0.5, "min_side": 48,
}


def anchors(p: dict = PIPELINE) -> np.ndarray:
    """(896, 2) anchor centres in [0, 1]: layers of the same stride share one grid."""
    centres, strides, layer = [], p["anchor_strides"], 0
    while layer < len(strides):
        same = sum(1 for s in strides[layer:] if s == strides[layer])
        per_cell = 2 * same  # two anchors (aspect 1 and the interpolated scale) per layer
        cells = math.ceil(p["detector_size"] / strides[layer])
        ys, xs = np.mgrid[0:cells, 0:cells]
        grid = np.stack([(xs + p["anchor_offset"]) / cells, (ys + p["anchor_offset"]) / cells], -1)
        centres.append(np.repeat(grid.reshape(-1, 2), per_cell, axis=0))
        layer += same
    return np.concatenate(centres).astype(np.float64)


def warp(image: np.ndarray, matrix: np.ndarray, size: int) -> np.ndarray:
    """Sample `image` (H, W, 3) on a size×size grid: output pixel centre (u, v) reads the source point
    matrix @ (u, v, 1), bilinearly, zero outside. Returns float32 (size, size, 3)."""
    v, u = np.mgrid[0:size, 0:size] + 0.5
    x = matrix[0, 0] * u + matrix[0, 1] * v + matrix[0, 2] - 0.5
    y = matrix[1, 0] * u + matrix[1, 1] * v + matrix[1, 2] - 0.5
    x0, y0 = np.floor(x).astype(int), np.floor(y).astype(int)
    fx, fy = (x - x0)[..., None], (y - y0)[..., None]
    h, w = image.shape[:2]

    def at(yy, xx):
        inside = ((yy >= 0) & (yy < h) & (xx >= 0) & (xx < w))[..., None]
        return np.where(inside, image[yy.clip(0, h - 1), xx.clip(0, w - 1)], 0.0)

    top = at(y0, x0) * (1 - fx) + at(y0, x0 + 1) * fx
    bottom = at(y0 + 1, x0) * (1 - fx) + at(y0 + 1, x0 + 1) * fx
    return (top * (1 - fy) + bottom * fy).astype(np.float32)


def letterbox(width: int, height: int, size: int) -> np.ndarray:
    """Affine map from the size×size detector input to the image: the image fits, centred, black bars."""
    scale = max(width, height) / size
    return np.array([[scale, 0, (width - size * scale) / 2], [0, scale, (height - size * scale) / 2]])


def decode(regressors: np.ndarray, scores: np.ndarray, p: dict = PIPELINE) -> dict:
    """(896, 16) raw boxes + (896,) raw scores → detections in detector-input units [0, 1]."""
    a = anchors(p)
    raw = regressors.astype(np.float64) / p["box_scale"]
    centre = raw[:, :2] + a
    half = raw[:, 2:4] / 2
    boxes = np.concatenate([centre - half, centre + half], 1)          # (896, 4) x0, y0, x1, y1
    keypoints = raw[:, 4:16].reshape(-1, 6, 2) + a[:, None, :]        # (896, 6, 2)
    score = 1 / (1 + np.exp(-np.clip(scores.astype(np.float64), -p["score_clip"], p["score_clip"])))
    keep = score >= p["min_score"]
    return {"boxes": boxes[keep], "keypoints": keypoints[keep], "scores": score[keep]}


def iou(box: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    lo, hi = np.maximum(box[:2], boxes[:, :2]), np.minimum(box[2:], boxes[:, 2:])
    inter = np.prod(np.clip(hi - lo, 0, None), 1)
    area = lambda b: np.prod(np.clip(b[..., 2:] - b[..., :2], 0, None), -1)
    return inter / np.maximum(area(box) + area(boxes) - inter, 1e-12)


def weighted_nms(found: dict, threshold: float) -> list[dict]:
    """MediaPipe's weighted NMS: the best remaining detection takes every one overlapping it by more
    than `threshold`; its box and keypoints become their score-weighted mean, its score stays the best."""
    order = np.argsort(-found["scores"], kind="stable")
    faces = []
    while order.size:
        overlap = iou(found["boxes"][order[0]], found["boxes"][order])
        group, order = order[overlap > threshold], order[overlap <= threshold]
        w = found["scores"][group][:, None]
        faces.append({"score": float(found["scores"][group[0]]),
                      "box": (found["boxes"][group] * w).sum(0) / w.sum(),
                      "keypoints": (found["keypoints"][group] * w[:, :, None]).sum(0) / w.sum()})
    return faces


def to_image(face: dict, box_map: np.ndarray) -> dict:
    """A detection in detector units → image pixels (undo the letterbox)."""
    size = PIPELINE["detector_size"]
    lin, off = box_map[:, :2] * size, box_map[:, 2]
    points = lambda xy: xy @ lin.T + off
    corners = points(face["box"].reshape(2, 2))
    return {"score": face["score"], "box": corners.reshape(4), "keypoints": points(face["keypoints"])}


def crop_of(face: dict, p: dict = PIPELINE) -> dict:
    """Square crop around the face box, 1.5× its longer side, rotated so the eyes are level."""
    (x0, y0), (x1, y1) = face["keypoints"][0], face["keypoints"][1]      # right eye, left eye
    angle = -math.atan2(-(y1 - y0), x1 - x0)                             # target angle 0
    angle = angle - 2 * math.pi * math.floor((angle + math.pi) / (2 * math.pi))
    box = face["box"]
    side = max(box[2] - box[0], box[3] - box[1]) * p["crop_scale"]
    return {"centre": [(box[0] + box[2]) / 2, (box[1] + box[3]) / 2], "side": float(side), "angle": angle}


def crop_matrix(crop: dict, size: int) -> np.ndarray:
    """Affine map from crop pixels (0..size) to image pixels."""
    c, s = math.cos(crop["angle"]), math.sin(crop["angle"])
    k = crop["side"] / size
    cx, cy = crop["centre"]
    return np.array([[c * k, -s * k, cx - (c - s) * crop["side"] / 2],
                     [s * k, c * k, cy - (s + c) * crop["side"] / 2]])


def landmarks_to_image(raw: np.ndarray, crop: dict, size: int) -> np.ndarray:
    """(468, 3) in crop pixels → image pixels; z scaled like x (MediaPipe's relative depth)."""
    m = crop_matrix(crop, size)
    xy = raw[:, :2].astype(np.float64) @ m[:, :2].T + m[:, 2]
    return np.concatenate([xy, raw[:, 2:3] * crop["side"] / size], 1)


def to_rgb(pixels: np.ndarray) -> np.ndarray:
    """(H, W[, C]) in [0, 1] → (H, W, 3) float32; grey is repeated, alpha dropped."""
    if pixels.ndim == 2:
        pixels = pixels[..., None]
    color = pixels[..., :3] if pixels.shape[2] >= 3 else pixels[..., :1]
    return np.broadcast_to(color, (*pixels.shape[:2], 3)).astype(np.float32)


def detector_input(image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    size = PIPELINE["detector_size"]
    box_map = letterbox(image.shape[1], image.shape[0], size)
    return (warp(image, box_map, size) * 2 - 1)[None], box_map          # (1, 128, 128, 3) in [-1, 1]


def track(sessions, image: np.ndarray) -> dict:
    """(H, W, 3) float32 in [0, 1] → every face found, and landmarks of the most confident one."""
    h, w = image.shape[:2]
    if min(h, w) < PIPELINE["min_side"]:
        raise DemoError(f"the image is {w}×{h} pixels, too small to find a face in "
                        f"(at least {PIPELINE['min_side']} pixels a side)")
    started = time.perf_counter()
    x, box_map = detector_input(image)
    out = run(sessions[0], {"image": x})
    found = decode(out["regressors"][0], out["classificators"][0, :, 0])
    faces = [to_image(f, box_map) for f in weighted_nms(found, PIPELINE["nms_iou"])]
    result = {"width": w, "height": h, "faces": faces, "candidates": int(found["scores"].size)}
    if faces:
        size = PIPELINE["landmark_size"]
        crop = crop_of(faces[0])
        patch = warp(image, crop_matrix(crop, size), size)[None]       # (1, 192, 192, 3) in [0, 1]
        out = run(sessions[1], {"image": patch})
        raw = out["landmarks"].reshape(-1, 3)
        result.update(crop=crop, landmarks=landmarks_to_image(raw, crop, size),
                      face_score=float(1 / (1 + np.exp(-out["face_flag"].reshape(-1)[0]))))
    result["ms"] = (time.perf_counter() - started) * 1000
    return result


def load_input(path, sidecar: dict) -> dict:
    return {"image": to_rgb(read_image(path)), "source": str(path)}


def predict(sessions, sidecar: dict, inputs: dict) -> dict:
    tracked = track(sessions, inputs["image"])
    source = inputs.get("source", "the image")
    faces = tracked["faces"]
    if not faces:
        raise DemoError(f"no face found in {source} (no anchor scored ≥ {PIPELINE['min_score']} "
                        "on the face detector)")
    if tracked["face_score"] < PIPELINE["min_face_score"]:
        raise DemoError(f"no face found in {source}: the detector's best box scored {faces[0]['score']:.2f} "
                        f"but the landmark net's face score is {tracked['face_score']:.2f} < "
                        f"{PIPELINE['min_face_score']}")
    r = lambda a, d=3: np.round(np.asarray(a, np.float64), d).tolist()
    controls = solve(sessions, sidecar, tracked["landmarks"]) if len(sessions) > 2 else {}
    return {"demo": "face", "width": tracked["width"], "height": tracked["height"], "ms": round(tracked["ms"], 3),
            "faces": [{"score": round(f["score"], 6), "box": r(f["box"]), "keypoints": r(f["keypoints"])}
                      for f in faces],
            "used": 0, "face_score": round(tracked["face_score"], 6),
            "crop": {"centre": r(tracked["crop"]["centre"], 4), "side": round(tracked["crop"]["side"], 4),
                     "angle": round(tracked["crop"]["angle"], 6)},
            "landmarks": r(tracked["landmarks"], 4), "controls": controls}


def solve(sessions, sidecar: dict, landmarks: np.ndarray) -> dict:
    """The rig solver (an MLP trained by train.py) on tracked landmarks → the rig's controls, each
    clipped to its slider's range."""
    rig = sidecar["config"]["rig"]
    raw = run(sessions[2], {"landmarks": landmarks[None].astype(np.float32)})["controls"][0]
    return {name: round(float(np.clip(v, lo, hi)), 4) for name, v, (lo, hi) in zip(rig["controls"], raw, rig["ranges"])}


def format_text(result: dict, sidecar: dict) -> str:
    faces = result["faces"]
    f = faces[0]
    x0, y0, x1, y1 = f["box"]
    lines = [f"{len(faces)} face(s) found in the {result['width']}×{result['height']} image "
             f"({result['ms']:.1f} ms, 2 nets)" + ("; using the most confident one" if len(faces) > 1 else ""),
             (f"  face box ({x0:.1f}, {y0:.1f}) – ({x1:.1f}, {y1:.1f}), detector score {f['score']:.3f}, "
              f"landmark face score {result['face_score']:.3f}"),
             (f"  crop rotated {math.degrees(result['crop']['angle']):.1f}° to level the eyes, "
              f"side {result['crop']['side']:.1f} px")]
    for k, other in enumerate(faces[1:], 1):
        lines.append(f"  also face {k}: box {other['box']}, score {other['score']:.3f} (not used)")
    if result["controls"]:
        lines.append("  rig controls solved from the landmarks: " +
                     ", ".join(f"{k} {v:+.3f}" for k, v in result["controls"].items()))
    lines.append(f"  {len(result['landmarks'])} landmarks (x, y px; z relative depth, px):")
    lines += [f"  {i:3d} {x:9.3f} {y:9.3f} {z:9.3f}" for i, (x, y, z) in enumerate(result["landmarks"])]
    return "\n".join(lines)
