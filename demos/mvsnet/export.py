"""Export MVSNet and its no-3D-regularisation baseline to ONNX and write the sidecar with the page's
example views (three held-out rendered scenes and the motorcycle pair) and golden outputs.

    python -m demos export mvsnet
"""
from __future__ import annotations

import base64
from importlib import metadata

import numpy as np
import torch

from demos.common import checkpoint, onnx_export, sidecar
from demos.common.images import png_bytes
from demos.common.paths import MODELS_DIR
from demos.common.runtime import open_session, run
from demos.mvsnet import data, geometry, infer, planesweep, views
from demos.mvsnet.model import MVSNet, MVSNetConfig, fold_batch_norm

EXAMPLES = ["held_out:0", "held_out:1", "held_out:2", "motorcycle"]
OUTPUTS = ["depth", "confidence", "depth_initial", "probability", "cost", "variance"]
FILES = {"mvsnet": "mvsnet.onnx", "mvsnet_noreg": "mvsnet_noreg.onnx"}
NOTICE = MODELS_DIR / "NOTICE-mvsnet"
PROBES = [(8, 8), (20, 30), (40, 60), (60, 75)]  # pixels whose golden depth the tests compare


def b64png(pixels: np.ndarray) -> str:
    return base64.b64encode(png_bytes(pixels)).decode()


def encode16(values: np.ndarray, lo: float, hi: float) -> str:
    """A float map in [lo, hi] as an RGB PNG: R, G = 16-bit code (high, low byte), B = 255 where known."""
    known = np.isfinite(values)
    code = np.round(np.clip((np.where(known, values, lo) - lo) / (hi - lo), 0, 1) * 65535).astype(np.uint32)
    return b64png(np.stack([code >> 8, code & 255, known * 255], -1).astype(np.uint8))


def load(name: str) -> tuple[MVSNet, dict]:
    return checkpoint.load(name, lambda config: MVSNet(MVSNetConfig(**config)))


def export_model(model: MVSNet, path) -> None:
    v = torch.export.Dim("views", min=2, max=5)
    h = 8 * torch.export.Dim("h8", min=1, max=32)
    w = 8 * torch.export.Dim("w8", min=1, max=48)
    scene = views.views(EXAMPLES[0])
    x = infer.feeds({**scene, "depth_range": list(scene["depth_range"])}, model.config.planes)
    args = tuple(torch.from_numpy(x[k]) for k in ("images", "rot", "trans", "depths"))
    onnx_export.export(model, args, path, ["images", "rot", "trans", "depths"], OUTPUTS,
                       dynamic_shapes={"images": {0: v, 2: h, 3: w}, "rot": {0: v}, "trans": {0: v}, "depths": None})


def example(which: str, sessions: dict, planes: int, maps: bool) -> tuple[dict, dict]:
    """The page's copy of one example (views as PNG, cameras, truth) and its golden outputs (with the
    depth and confidence maps, for the page to show before the model is downloaded, when `maps`)."""
    raw = views.views(which)
    inputs = {"images": raw["images"], "K": raw["K"], "R": raw["R"], "t": raw["t"],
              "depth_range": [float(v) for v in raw["depth_range"]]}
    lo, hi = inputs["depth_range"]
    entry = {"name": which, "views": [b64png(im) for im in raw["images"]],
             "K": raw["K"].tolist(), "R": raw["R"].tolist(), "t": raw["t"].tolist(), "depth_range": [lo, hi],
             "depth_png": encode16(raw["depth"], lo, hi)}
    for key in ("focal_baseline", "doffs", "disparity_scale"):
        if key in raw:
            entry[key] = float(raw[key])
    if "disparity" in raw:
        entry["disparity_png"] = encode16(raw["disparity"], 0.0, 64.0)
    x = infer.feeds(inputs, planes)
    golden = {"example": which}
    for name, session in sessions.items():
        out = run(session, x)
        golden[name] = {"probes": [[y, c, float(out["depth"][y, c])] for y, c in PROBES],
                        "depth_mean": float(out["depth"].astype(np.float64).mean())}
        if maps and name == "mvsnet":
            golden[name] |= {"depth_png": encode16(out["depth"], lo, hi), "confidence_png": encode16(out["confidence"], 0, 1)}
    swept = planesweep.plane_sweep(raw["images"], raw["K"], raw["R"], raw["t"], geometry.planes(lo, hi, planes))
    golden["plane_sweep"] = {"probes": [[y, c, float(swept["depth"][y, c])] for y, c in PROBES],
                             "depth_mean": float(swept["depth"].mean())}
    return entry, golden


def held_out_errors(session, planes: int) -> list[float]:
    """Mean absolute depth error of each held-out scene, by onnxruntime (the training script measured
    the same scenes in torch)."""
    from demos.mvsnet.evaluate import HELD_OUT
    from demos.mvsnet.train import scenes
    held = scenes("held_out", HELD_OUT)
    out = []
    for i in range(HELD_OUT):
        v = {k: held[k][i] for k in ("images", "K", "R", "t")}
        depth = run(session, infer.feeds({**v, "depth_range": list(data.DEPTH_RANGE)}, planes))["depth"]
        out.append(round(float(np.abs(depth.astype(np.float64) - held["depth"][i]).mean()), 5))
    return out


def write_notice(size: list[int]) -> None:
    """Where the motorcycle pair in the sidecar comes from, its credit and citation, what was changed, and
    the licence file of the scikit-image wheel that ships it, in full."""
    import skimage.data
    left = skimage.data.stereo_motorcycle()[0]
    version = metadata.version("scikit-image")
    NOTICE.write_text(
        f"exported_models/mvsnet.json holds, as its \"motorcycle\" example and golden output, the Middlebury 2014\n"
        f"\"Motorcycle\" stereo pair and its ground-truth disparity as scikit-image=={version} ships them\n"
        f"(skimage.data.stereo_motorcycle(): skimage/data/motorcycle_left.png, motorcycle_right.png and\n"
        f"motorcycle_disp.npz, {left.shape[1]}×{left.shape[0]} pixels, already down-sampled by scikit-image).\n"
        f"demos/mvsnet/data.py resizes them to {size[1]}×{size[0]} (linear for the images, nearest for the disparity)\n"
        "and turns the disparity into depth; nothing else was changed. The models were trained on rendered\n"
        "scenes only, not on this pair.\n\n"
        "The dataset was created by Nera Nesic, Porter Westling, Xi Wang, York Kitajima, Greg Krathwohl and\n"
        "Daniel Scharstein at Middlebury College (https://vision.middlebury.edu/stereo/data/scenes2014/).\n"
        "Cite: D. Scharstein, H. Hirschmueller, Y. Kitajima, G. Krathwohl, N. Nesic, X. Wang and P. Westling.\n"
        "High-resolution stereo datasets with subpixel-accurate ground truth. In German Conference on Pattern\n"
        "Recognition (GCPR 2014), Muenster, Germany, September 2014.\n\n"
        f"The licence file of the scikit-image=={version} wheel (LICENSE.txt), in full:\n\n"
        + metadata.distribution("scikit-image").read_text("LICENSE.txt"))


def main(argv=None) -> dict:
    models, metrics = {}, None
    for name in FILES:
        model, metrics = load(name)
        models[name] = fold_batch_norm(model)
    for name, model in models.items():
        export_model(model, MODELS_DIR / FILES[name])
    sessions = {name: open_session(MODELS_DIR / f) for name, f in FILES.items()}
    planes = models["mvsnet"].config.planes
    pairs = [example(which, sessions, planes, k == 0) for k, which in enumerate(EXAMPLES)]
    # parity: torch and onnxruntime on the first example
    x = infer.feeds({k: v for k, v in views.views(EXAMPLES[0]).items()}, planes)
    with torch.no_grad():
        ours = models["mvsnet"](*(torch.from_numpy(x[k]) for k in ("images", "rot", "trans", "depths")))[0].numpy()
    gap = float(np.abs(ours - run(sessions["mvsnet"], x)["depth"]).max())
    print(f"torch vs onnxruntime, depth of {EXAMPLES[0]}: max abs difference {gap:.2e}")
    per_scene = held_out_errors(sessions["mvsnet"], planes)
    pooled = float(np.mean(per_scene))
    if abs(pooled - metrics["rendered"]["mvsnet"]["mean_abs_error"]) > 1e-3:
        raise SystemExit(f"onnxruntime's held-out error {pooled:.4f} is not the training script's "
                         f"{metrics['rendered']['mvsnet']['mean_abs_error']:.4f}: is build/mvsnet another run's?")
    card = {
        "name": "mvsnet",
        "title": "MVSNet: depth from calibrated views, against a classical plane sweep",
        "summary": "2D features at half size, homography warping onto depth planes, a variance cost "
                   "volume, a 3D U-Net, soft argmin and refinement; trained on rendered scenes, also run on "
                   "the Middlebury motorcycle pair.",
        "papers": ["yao2018mvsnet", "collins1996spacesweep"],
        "models": [onnx_export.io_spec(MODELS_DIR / f) for f in FILES.values()],
        "options": {},
        "labels": ["MVSNet", "MVSNet without 3D U-Net", "plane sweep"],
        "preprocessing": {**infer.PREPROCESSING, "feature_stride": geometry.STRIDE, "ncc_radius": planesweep.RADIUS, "ncc_eps": planesweep.EPS,
                          "maps": "depth_png, confidence_png: RGB PNG, R and G the high and low byte of "
                                  "round((v - lo) / (hi - lo) * 65535), B 255 where known"},
        "config": models["mvsnet"].config.to_dict(),
        "metrics": {k: v for k, v in metrics.items() if k not in ("rendered", "motorcycle")}
                   | {"rendered": {k: {m: v[m] for m in v if m != "curve"} for k, v in metrics["rendered"].items()},
                      "motorcycle": {k: {m: v[m] for m in v if m != "curve"} for k, v in metrics["motorcycle"].items()},
                      "torch_vs_onnxruntime": gap, "onnxruntime_held_out_per_scene": per_scene},
        "reproduce": "python -m demos train mvsnet && python -m demos export mvsnet",
        "golden": [{"input": {"example": e["name"]}, "output": g} for e, g in pairs],
        "examples": {"scenes": [e for e, _ in pairs]},
    }
    written = sidecar.write(card)
    write_notice(metrics["motorcycle_size"])
    print(f"wrote {', '.join(FILES.values())}, {written} and {NOTICE.name}")
    return card


if __name__ == "__main__":
    main()
