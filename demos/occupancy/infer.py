"""`python -m demos run occupancy INPUT.npy [--set resolution=64]`: reconstruct a shape and write its mesh
(numpy + onnxruntime only).

INPUT is either a 16×16×16 grid of 0/1 (voxel super-resolution) or an (N, 3) array of points in the unit cube
[-0.5, 0.5]³ (point cloud completion, N from `min_points` to `max_points`). The encoder gives the code z (its mean),
MISE evaluates the decoder from a 16³ grid up to `resolution`³ only near the surface, marching tetrahedra makes
the mesh, written beside the input as INPUT.obj. When INPUT.shape.json holds the true shape (the page's
"download input" writes one), the IoU with it is printed, measured on 100,000 uniform points.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from demos.common.errors import DemoError
from demos.common import images
from demos.common.runtime import run
from demos.occupancy import mesh, shapes

DECODER, VOXELS, POINTS = 0, 1, 2    # the sessions, in the sidecar's order
IOU_POINTS = 100_000
BATCH = 65_536                       # decoder points per onnxruntime call


def _grid_or_points(shape: tuple, shown: str) -> None:
    """Refuse from the header alone what cannot be a grid or a point cloud (check_input says the rest)."""
    if any(s < 0 for s in shape) or int(np.prod(shape)) > 3_000_000:
        raise DemoError(f"{shown} has shape {shape}; expected a 16×16×16 grid or (N, 3) points")


def _read_npy(path: Path) -> np.ndarray:
    if not path.is_file():
        raise DemoError(f"{path}: no such file")
    return images.read_npy(path, check_shape=_grid_or_points).astype(np.float64)


def check_input(array: np.ndarray, sidecar: dict, shown: str = "the input") -> dict:
    """A grid or a point cloud, checked against the sidecar's limits → {"kind", "data"}."""
    lim = sidecar["limits"]
    g = lim["grid"]
    if array.ndim == 3:
        if array.shape != (g, g, g):
            raise DemoError(f"{shown} is a {'×'.join(map(str, array.shape))} grid; the voxel encoder takes {g}×{g}×{g}")
        if not np.isin(array, (0, 1)).all():
            raise DemoError(f"{shown}: a voxel grid holds only 0 and 1")
        return {"kind": "voxels", "data": array.astype(np.float32)}
    if array.ndim == 2 and array.shape[1] == 3:
        n = array.shape[0]
        if n < lim["min_points"]:
            raise DemoError(f"{shown} has {n} points; the point encoder needs at least {lim['min_points']}")
        if n > lim["max_points"]:
            raise DemoError(f"{shown} has {n} points; at most {lim['max_points']}")
        outside = np.abs(array) > 0.5
        if outside.any():
            i = int(np.nonzero(outside.any(1))[0][0])
            raise DemoError(f"{shown}: point {i} {array[i].round(4).tolist()} is outside the unit cube "
                            "[-0.5, 0.5]³ (every coordinate must be within ±0.5)")
        return {"kind": "points", "data": array.astype(np.float32)}
    raise DemoError(f"{shown} has shape {array.shape}; expected a {g}×{g}×{g} grid of 0/1 or (N, 3) points")


def load_input(arg: str, sidecar: dict) -> dict:
    path = Path(arg)
    inputs = check_input(_read_npy(path), sidecar, str(path))
    inputs["path"] = str(path)
    inputs["resolution"] = sidecar["options"]["resolution"]["default"]
    truth = path.with_suffix(".shape.json")
    if truth.is_file():
        try:
            inputs["truth"] = json.loads(truth.read_text())
            shapes.inside(inputs["truth"], np.zeros((1, 3)))
        except (ValueError, KeyError, TypeError) as err:
            raise DemoError(f"{truth} is not a shape description ({str(err)[:100]})") from None
    return inputs


def encode(sessions, kind: str, data: np.ndarray) -> np.ndarray:
    """The code z (1, latent): the mean of q(z | input)."""
    if kind == "voxels":
        return run(sessions[VOXELS], {"voxels": data.reshape(1, 1, *data.shape)})["mu"]
    return run(sessions[POINTS], {"points": data[None]})["mu"]


def decoder_fn(sessions, z: np.ndarray, output: str = "logits"):
    def evaluate(points: np.ndarray) -> np.ndarray:
        parts = [run(sessions[DECODER], {"points": np.ascontiguousarray(points[i:i + BATCH], np.float32), "z": z})[output]
                 for i in range(0, len(points), BATCH)]
        return np.concatenate(parts) if parts else np.zeros(0, np.float32)
    return evaluate


def predict(sessions, sidecar: dict, inputs: dict) -> dict:
    resolution = int(inputs["resolution"])
    z = encode(sessions, inputs["kind"], inputs["data"]).astype(np.float32)
    coarse = sidecar["limits"]["coarse"]
    start = time.perf_counter()
    values, counts = mesh.mise(decoder_fn(sessions, z), resolution, coarse)
    seconds = time.perf_counter() - start
    vertices, faces = mesh.marching_tetrahedra(values)
    out = Path(inputs.get("path", "occupancy.npy")).with_suffix(".obj")
    comment = f"occupancy network reconstruction from {inputs['kind']}, MISE {coarse}³ → {resolution}³"
    out.write_text(mesh.to_obj(vertices, faces, comment))
    result = {"demo": "occupancy", "kind": inputs["kind"], "resolution": resolution, "latent": z[0].round(5).tolist(),
              "evaluated": int(sum(counts)), "evaluated_per_level": counts, "dense": (resolution + 1) ** 3,
              "seconds": round(seconds, 3), "vertices": len(vertices), "faces": len(faces), "obj": str(out)}
    if "truth" in inputs:
        pts = np.random.default_rng(0).uniform(-0.5, 0.5, (IOU_POINTS, 3)).astype(np.float32)
        pred = decoder_fn(sessions, z)(pts) > 0
        result["iou"] = round(shapes.iou(pred, shapes.inside(inputs["truth"], pts)), 4)
    return result


def format_text(result: dict, sidecar: dict) -> str:
    r = result
    lines = [f"encoded {r['kind']} → z ({len(r['latent'])} numbers); MISE from {sidecar['limits']['coarse']}³ to "
             f"{r['resolution']}³ evaluated {r['evaluated']:,} points (a dense grid: {r['dense']:,}) in {r['seconds']:.2f} s",
             f"wrote {r['obj']}: {r['vertices']:,} vertices, {r['faces']:,} triangles"]
    if "iou" in r:
        lines.append(f"IoU with the true shape: {r['iou']:.4f} ({IOU_POINTS:,} uniform points)")
    return "\n".join(lines)
