"""Export the occupancy decoder and its two encoders (exported_models/occupancy_*.onnx) and the sidecar, with
held-out examples (one per family), their codes, a golden mesh and slice, and sample inputs for the CLI.

    python -m demos export occupancy
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch

from demos.common import checkpoint, onnx_export, options, sidecar
from demos.common.paths import MODELS_DIR
from demos.common.runtime import open_session
from demos.occupancy import infer, mesh, shapes, train
from demos.occupancy.model import build

EXAMPLES_DIR = Path(__file__).with_name("examples")
MIN_POINTS, MAX_POINTS = 50, 5000
GOLDEN_RESOLUTION = 16       # the mesh shown before the model is loaded (MISE's coarse grid: a small sidecar)
SLICE = 48                   # the slice heat map's cells per side
PROBES = 16                  # decoder parity points per golden example


class DecoderGraph(torch.nn.Module):
    def __init__(self, decoder):
        super().__init__()
        self.decoder = decoder

    def forward(self, points, z):                 # (N, 3), (1, latent)
        logits = self.decoder(points[None], z)[0]  # (N,)
        return logits, torch.sigmoid(logits)


class EncoderGraph(torch.nn.Module):
    def __init__(self, encoder):
        super().__init__()
        self.encoder = encoder

    def forward(self, x):
        mu, logvar = self.encoder(x)
        return mu, logvar


def export_models(model) -> list[Path]:
    c = model.config
    paths = [MODELS_DIR / f"occupancy_{part}.onnx" for part in ("decoder", "voxels", "points")]
    n = torch.export.Dim("N", min=2, max=1 << 22)
    onnx_export.export(DecoderGraph(model.decoder), (torch.zeros(100, 3), torch.zeros(1, c.latent)), paths[0],
                       ["points", "z"], ["logits", "occupancy"], dynamic_shapes=({0: n}, None))
    onnx_export.export(EncoderGraph(model.voxel_encoder), (torch.zeros(1, 1, c.grid, c.grid, c.grid),), paths[1],
                       ["voxels"], ["mu", "logvar"])
    m = torch.export.Dim("M", min=2, max=MAX_POINTS)
    onnx_export.export(EncoderGraph(model.point_encoder), (torch.zeros(1, 300, 3),), paths[2], ["points"],
                       ["mu", "logvar"], dynamic_shapes=({1: m},))
    return paths


def slice_points(height: float, cells: int = SLICE) -> np.ndarray:
    """Centres of a cells × cells grid on the plane y = height, row r = z, column c = x (as the page draws it)."""
    c = (np.arange(cells) + 0.5) / cells - 0.5
    zz, xx = np.meshgrid(c, c, indexing="ij")
    return np.stack([xx, np.full_like(xx, height), zz], -1).reshape(-1, 3).astype(np.float32)


def main(argv=None) -> dict:
    model, metrics = checkpoint.load("occupancy", build)
    paths = export_models(model)
    sessions = [open_session(p) for p in paths]
    card = {
        "name": "occupancy",
        "title": "Occupancy network: a shape as a classifier's decision boundary",
        "summary": "f(p, z) → [0, 1] from a residual MLP decoder; z from a 3D CNN over 16³ voxels or a PointNet over "
                   "noisy points (both variational); meshes by MISE and marching tetrahedra.",
        "papers": ["mescheder2019occupancy", "qi2017pointnet", "kingma2014auto"],
        "models": [onnx_export.io_spec(p) for p in paths],
        "options": {"resolution": options.choice("mesh resolution", 64, [16, 32, 64, 128])},
        "preprocessing": {
            "cube": "points live in the unit cube [-0.5, 0.5]³, y up",
            "voxels": "a 16³ grid of 0/1, index [i, j, k] = (x, y, z), cell centres at (i + 0.5)/16 - 0.5",
            "points": "(N, 3) surface points with Gaussian noise σ = 0.005",
            "code": "z = the encoder's mean μ (its log σ² is an output too)",
            "mise": "grid point (i, j, k) of an n-cell grid at -0.5 + (i, j, k)/n; inside where logit > 0",
        },
        "limits": {"grid": model.config.grid, "min_points": MIN_POINTS, "max_points": MAX_POINTS,
                   "coarse": 16, "slice": SLICE},
        "config": model.config.to_dict(),
        "metrics": metrics,
        "reproduce": "python -m demos train occupancy && python -m demos export occupancy",
        "golden": [],
        "examples": {"shapes": [], "iou_bar": train.IOU_BAR, "input_points": train.INPUT_POINTS},
    }
    _, held = train.load_data()
    rng = np.random.default_rng(1)
    EXAMPLES_DIR.mkdir(exist_ok=True)
    for family in shapes.FAMILIES:
        item = next(d for d in held if d["family"] == family)
        pts = rng.uniform(-0.5, 0.5, (infer.IOU_POINTS, 3)).astype(np.float32)
        truth = shapes.inside(item["shape"], pts)
        entry = {"family": family, "shape": item["shape"],
                 "voxels": "".join(str(int(v)) for v in item["voxels"].reshape(-1)),
                 "points": np.round(item["input_points"].astype(np.float64), 3).tolist()}
        for kind in ("voxels", "points"):
            data = np.array(entry[kind] if kind == "points" else item["voxels"], np.float32)
            z = infer.encode(sessions, kind, data)
            entry[f"z_{kind}"] = np.round(z[0].astype(np.float64), 6).tolist()
            entry[f"iou_{kind}"] = round(shapes.iou(infer.decoder_fn(sessions, z)(pts) > 0, truth), 4)
        card["examples"]["shapes"].append(entry)
    # golden outputs: decoder values at fixed probes for each example's codes, the first example's slice and mesh
    probe = np.round(np.random.default_rng(2).uniform(-0.5, 0.5, (PROBES, 3)), 6).astype(np.float32)
    for e in card["examples"]["shapes"]:
        for kind in ("voxels", "points"):
            z = np.array([e[f"z_{kind}"]], np.float32)
            occ = infer.decoder_fn(sessions, z, "occupancy")(probe)
            card["golden"].append({"input": {"family": e["family"], "kind": kind, "points": np.round(probe.astype(np.float64), 6).tolist()},
                                   "output": {"occupancy": np.round(occ.astype(np.float64), 7).tolist()}})
    first = card["examples"]["shapes"][0]
    z = np.array([first["z_voxels"]], np.float32)
    values, counts = mesh.mise(infer.decoder_fn(sessions, z), GOLDEN_RESOLUTION, card["limits"]["coarse"])
    v, f = mesh.marching_tetrahedra(values)
    height = (model.config.grid // 2 + 0.5) / model.config.grid - 0.5      # the centre of voxel layer 8: the page's slider
    occ = infer.decoder_fn(sessions, z, "occupancy")(slice_points(height))
    card["golden"].append({"input": {"family": first["family"], "kind": "voxels", "resolution": GOLDEN_RESOLUTION,
                                     "slice_y": height},
                           "output": {"vertices": np.round(v, 3).reshape(-1).tolist(), "faces": f.reshape(-1).tolist(),
                                      "evaluated": int(sum(counts)), "slice": np.round(occ.astype(np.float64), 4).tolist()}})
    written = sidecar.write(card)
    # sample inputs for `python -m demos run occupancy`, with the true shape beside them (the CLI prints IoU)
    for e, kind in ((card["examples"]["shapes"][1], "voxels"), (card["examples"]["shapes"][2], "points")):
        stem = EXAMPLES_DIR / f"{e['family']}_{kind}"
        data = (np.array([int(ch) for ch in e["voxels"]], np.uint8).reshape((model.config.grid,) * 3)
                if kind == "voxels" else np.array(e["points"], np.float32))
        np.save(stem.with_suffix(".npy"), data)
        stem.with_suffix(".shape.json").write_text(json.dumps(e["shape"]) + "\n")
    sizes = ", ".join(f"{p.name} {p.stat().st_size:,} B" for p in paths)
    print(f"wrote {sizes} and {written} ({written.stat().st_size:,} B)")
    return card


if __name__ == "__main__":
    main()
