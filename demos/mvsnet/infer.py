"""Depth of a reference view from calibrated views with exported_models/mvsnet.onnx — numpy and
onnxruntime only — beside the classical plane sweep on the same views.

    python -m demos run mvsnet views.npz [--json]

views.npz (numpy.savez) holds
    images        (V, H, W, 3) uint8, view 0 the reference; 2 ≤ V ≤ 5, H and W multiples of 8
                  (or one array per view: image_0, image_1, …, each (H, W, 3))
    K, R, t       (V, 3, 3), (V, 3, 3), (V, 3): x_cam = R x_world + t, pixel ~ K x_cam
    depth_range   (2,) [near, far]: the depth planes are spread evenly between them
and optionally the truth, for the statistics the page shows:
    depth         (H, W) true depth of the reference (NaN where unknown)
    disparity, focal_baseline, doffs, disparity_scale   a rectified pair's true disparity and calibration

`python -m demos.mvsnet.views held_out:3 views.npz` (or `motorcycle`) writes such a file.
The run writes <name>_depth.png, <name>_confidence.png and <name>_planesweep.png beside the input.
"""
from __future__ import annotations

import time
import zipfile
from pathlib import Path

import numpy as np

from demos.common.errors import DemoError
from demos.common.images import png_bytes
from demos.common.runtime import run
from demos.mvsnet import geometry, planesweep
from demos.mvsnet.evaluate import stats

MAX_BYTES = 64 * 2 ** 20
REQUIRED = ("K", "R", "t", "depth_range")
OPTIONAL = ("depth", "disparity", "focal_baseline", "doffs", "disparity_scale")
PREPROCESSING = {
    "images": "RGB / 255 as (V, 3, H, W) float32, view 0 the reference",
    "rot": "K_i R_i R_0^T K_0^-1 with K at half the size (K_s = S K, S = [[s, 0, (s-1)/2], [0, s, (s-1)/2], [0, 0, 1]], s = 1/2)",
    "trans": "K_i (t_i - R_i R_0^T t_0), K at half the size",
    "depths": "the planes, evenly spread from near to far (numpy.linspace)",
    "plane_sweep": planesweep.__doc__.split("\n\n")[1].replace("\n", " "),
}


def read_views(path) -> dict:
    path = Path(path)
    if not path.is_file():
        raise DemoError(f"{path}: no such file" if not path.exists() else f"{path} is a directory; give a views .npz file")
    if not zipfile.is_zipfile(path):
        raise DemoError(f"{path} is not a .npz file (numpy.savez); see `python -m demos.mvsnet.views --help`")
    with zipfile.ZipFile(path) as z:
        if sum(i.file_size for i in z.infolist()) > MAX_BYTES:
            raise DemoError(f"{path} unpacks to more than {MAX_BYTES >> 20} MB; views are at most 384×256 pixels")
    try:
        with np.load(path, allow_pickle=False) as f:
            missing = [k for k in REQUIRED if k not in f.files]
            per_view = sorted((k for k in f.files if k.startswith("image_") and k[6:].isdigit()), key=lambda k: int(k[6:]))
            if "images" not in f.files and not per_view:
                missing.insert(0, "images")
            if missing:
                raise DemoError(f"{path} lacks {', '.join(missing)}; it needs images (or image_0, image_1, …), "
                                f"{', '.join(REQUIRED)} (see the docstring of demos/mvsnet/infer.py)")
            views = {k: f[k] for k in ("images", *REQUIRED, *OPTIONAL) if k in f.files}
            if "images" not in views:
                views["images"] = [f[k] for k in per_view]
    except DemoError:
        raise
    except Exception as err:  # noqa: BLE001 — zip and npy readers raise many types for corrupt files
        raise DemoError(f"{path} cannot be read as .npz ({str(err).splitlines()[0][:120]})") from None
    for k, v in views.items():
        for v in (v if isinstance(v, list) else [v]):
            if v.dtype.kind not in "biuf":
                raise DemoError(f"{path}: {k} holds {v.dtype} values; expected numbers")
    return views


def load_input(path, sidecar: dict) -> dict:
    """views.npz → checked views: {"images" (V, H, W, 3) uint8, K, R, t float64, depth_range, truth…}."""
    views = read_views(path)
    K, R, t = (views[k].astype(np.float64) for k in ("K", "R", "t"))
    if not isinstance(views["images"], list) and views["images"].ndim == 0:
        raise DemoError(f"{path}: images is a single number; expected (V, H, W, 3)")
    listed = views["images"] if isinstance(views["images"], list) else list(views["images"])
    geometry.check_views(listed, K, R, t, views["depth_range"], str(path))
    images = np.stack(listed)
    if images.dtype != np.uint8:
        if not np.isfinite(images).all() or images.min() < 0 or images.max() > 255:
            raise DemoError(f"{path}: images must be uint8 or numbers in 0..255")
        images = np.round(images).astype(np.uint8)
    out = {"images": images, "K": K, "R": R, "t": t, "depth_range": [float(v) for v in views["depth_range"]],
           "source": str(path)}
    h, w = images.shape[1:3]
    for key in ("depth", "disparity"):
        if key in views:
            if views[key].shape != (h, w):
                raise DemoError(f"{path}: {key} has shape {views[key].shape}; expected the views' {(h, w)}")
            out[key] = views[key].astype(np.float64)
    for key in ("focal_baseline", "doffs", "disparity_scale"):
        if key in views:
            out[key] = float(views[key])
    return out


def feeds(inputs: dict, planes: int) -> dict:
    rot, trans = geometry.relative(inputs["K"], inputs["R"], inputs["t"])
    images = inputs["images"].transpose(0, 3, 1, 2).astype(np.float32) / np.float32(255)
    depths = geometry.planes(*inputs["depth_range"], planes)
    return {"images": images, "rot": rot.astype(np.float32), "trans": trans.astype(np.float32),
            "depths": depths.astype(np.float32)}


def grey_png(values: np.ndarray, lo: float, hi: float, invert: bool = False) -> bytes:
    scaled = np.clip((np.nan_to_num(values, nan=lo) - lo) / (hi - lo), 0, 1)
    return png_bytes(np.round((1 - scaled if invert else scaled) * 255).astype(np.uint8))


def predict(sessions, sidecar: dict, inputs: dict) -> dict:
    planes = sidecar["config"]["planes"]
    x = feeds(inputs, planes)
    started = time.perf_counter()
    out = run(sessions[0], x)
    ms = (time.perf_counter() - started) * 1000
    depths = geometry.planes(*inputs["depth_range"], planes)   # float64, as the page's plane sweep
    swept = planesweep.plane_sweep(inputs["images"], inputs["K"], inputs["R"], inputs["t"], depths)
    spacing = float(depths[1] - depths[0])
    lo, hi = inputs["depth_range"]
    result = {"demo": "mvsnet", "views": int(len(inputs["images"])), "size": list(inputs["images"].shape[1:3]),
              "depth_range": [lo, hi], "planes": planes, "plane_spacing": round(spacing, 6), "ms": round(ms, 1)}
    methods = {"mvsnet": (out["depth"], out["confidence"]), "plane_sweep": (swept["depth"], None)}
    for name, (depth, conf) in methods.items():
        entry = {"depth_min": round(float(depth.min()), 4), "depth_max": round(float(depth.max()), 4),
                 "depth_mean": round(float(depth.mean()), 4)}
        if conf is not None:
            entry["confidence_mean"] = round(float(conf.mean()), 4)
        if "depth" in inputs:
            disp = None
            if "disparity" in inputs and {"focal_baseline", "doffs", "disparity_scale"} <= inputs.keys():
                disp = (inputs["focal_baseline"] / depth - inputs["doffs"], inputs["disparity"], inputs["disparity_scale"])
            entry.update(stats(depth, inputs["depth"], spacing, conf, disp))
        result[name] = entry
    source = Path(inputs["source"])
    files = {"depth": f"{source.stem}_depth.png", "confidence": f"{source.stem}_confidence.png",
             "plane_sweep": f"{source.stem}_planesweep.png"}
    try:
        (source.parent / files["depth"]).write_bytes(grey_png(out["depth"], lo, hi, invert=True))
        (source.parent / files["confidence"]).write_bytes(grey_png(out["confidence"], 0.0, 1.0))
        (source.parent / files["plane_sweep"]).write_bytes(grey_png(swept["depth"], lo, hi, invert=True))
    except OSError as err:
        raise DemoError(f"cannot write the depth images beside {source} ({err.strerror})") from None
    result["files"] = {k: str(source.parent / v) for k, v in files.items()}
    return result


def format_text(result: dict, sidecar: dict) -> str:
    h, w = result["size"]
    lo, hi = result["depth_range"]
    lines = [f"{result['views']} views of {w}×{h}; {result['planes']} depth planes from {lo:g} to {hi:g} "
             f"({result['plane_spacing']:.4g} apart); MVSNet {result['ms']:.0f} ms"]
    for name, label in (("mvsnet", "MVSNet"), ("plane_sweep", "plane sweep (NCC 5×5, winner-take-all)")):
        r = result[name]
        line = f"  {label}: depth {r['depth_min']:.3f} – {r['depth_max']:.3f} (mean {r['depth_mean']:.3f})"
        if "confidence_mean" in r:
            line += f", mean confidence {r['confidence_mean']:.3f}"
        lines.append(line)
        if "mean_abs_error" in r:
            extra = f", disparity within 3 px {r['within_3px']:.1%}" if "within_3px" in r else ""
            lines.append(f"    vs the true depth ({r['pixels']} pixels): mean abs. error {r['mean_abs_error']:.4f}, "
                         f"within one plane {r['within_one_plane']:.1%}{extra}")
        for c in r.get("curve", []):
            if c["within_one_plane"] is not None:
                lines.append(f"    confidence ≥ {c['threshold']:.1f}: {c['kept']:6.1%} of pixels kept, "
                             f"{c['within_one_plane']:6.1%} of them within one plane")
    lines.append("  wrote " + ", ".join(result["files"].values()))
    return "\n".join(lines)
