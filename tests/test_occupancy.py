"""Occupancy networks: exact shape tests, the voxel ceiling's replay of the generator, the ONNX files against torch rebuilt from them, the sidecar's golden
values, the CLI (mesh written, IoU printed, bad input refused with one line), and a training smoke run."""
import json
import shutil
import subprocess
import sys

import numpy as np
import onnx
import pytest
import torch
from onnx import numpy_helper

from demos.common import sidecar as sc
from demos.common.paths import MODELS_DIR, ROOT
from demos.common.runtime import open_sessions
from demos.occupancy import ceiling, export, infer, mesh, shapes, train
from demos.occupancy.model import build

CARD = sc.read("occupancy")
EXAMPLES = ROOT / "demos" / "occupancy" / "examples"


@pytest.fixture(scope="module")
def sessions():
    return open_sessions(CARD)


def load_weights(module, path):
    """Copy a module's parameters from an ONNX file's initializers. A Linear applied to (B, N, C) is exported as
    MatMul(x, Wᵀ) + b with Wᵀ under a generated name: it is found as the MatMul feeding the Add of `<layer>.bias`."""
    graph = onnx.load(str(path)).graph
    inits = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    producer = {out: node for node in graph.node for out in node.output}
    state = {}
    for name, value in module.state_dict().items():
        if name not in inits:
            bias = name.removesuffix("weight") + "bias"
            add = next(n for n in graph.node if n.op_type == "Add" and bias in n.input)
            matmul = producer[next(i for i in add.input if i != bias)]
            assert matmul.op_type == "MatMul", name
            inits[name] = inits[matmul.input[1]].T
        state[name] = torch.from_numpy(inits[name].copy()).to(value.dtype)
    module.load_state_dict(state)


@pytest.fixture(scope="module")
def torch_model():
    """The torch modules rebuilt from the sidecar's config, weights read back from the three ONNX files."""
    model = build(CARD["config"])
    load_weights(export.DecoderGraph(model.decoder), MODELS_DIR / "occupancy_decoder.onnx")
    load_weights(export.EncoderGraph(model.voxel_encoder), MODELS_DIR / "occupancy_voxels.onnx")
    load_weights(export.EncoderGraph(model.point_encoder), MODELS_DIR / "occupancy_points.onnx")
    return model.eval()


def test_shapes_inside_tests_are_exact_on_known_points():
    box = {"family": "t", "angle": 0.0, "parts": [{"kind": "box", "c": [0, 0, 0], "h": [0.1, 0.2, 0.3]}]}
    assert shapes.inside(box, np.array([[0.099, 0.199, 0.299], [0.101, 0, 0], [0, 0.201, 0]])).tolist() == [True, False, False]
    turned = {**box, "angle": np.pi / 2}                       # a quarter turn swaps the x and z extents
    assert shapes.inside(turned, np.array([[0.29, 0, 0], [0, 0, 0.29]])).tolist() == [True, False]
    torus = {"family": "t", "angle": 0.0, "parts": [{"kind": "torus", "c": [0, 0, 0], "R": 0.3, "r": 0.05, "axis": 1}]}
    assert shapes.inside(torus, np.array([[0.3, 0, 0], [0, 0, 0], [0.3, 0.049, 0], [0.3, 0.051, 0]])).tolist() == [True, False, True, False]
    cone = {"family": "l", "angle": 0.0, "parts": [{"kind": "cone", "c": [0, 0, 0], "r0": 0.2, "r1": 0.1, "h": 0.1}]}
    assert shapes.inside(cone, np.array([[0.19, -0.099, 0], [0.19, 0.099, 0], [0.099, 0.099, 0]])).tolist() == [True, False, True]


def test_every_family_fits_the_cube_and_surface_points_lie_on_the_surface():
    rng = np.random.default_rng(5)
    for family in shapes.FAMILIES:
        shape = shapes.make(family, rng)
        grid = shapes.grid_points(48)
        occ = shapes.inside(shape, grid)
        assert 0.005 < occ.mean() < 0.3, family
        assert np.abs(grid[occ]).max() < 0.46, family         # room to spare inside the unit cube
        surface = shapes.surface_points(shape, 200, rng)
        steps = np.concatenate([np.eye(3), -np.eye(3)]) * 2e-4
        flips = [shapes.inside(shape, surface + s) for s in steps]
        assert (np.any(flips, axis=0) & ~np.all(flips, axis=0)).all(), family   # inside and outside within 2e-4


def test_ceiling_replays_the_generator_and_keeps_only_shapes_with_the_same_voxels():
    seed = train.shape_seed("held_out", 0)
    shape, found = ceiling.consistent_shapes("torus", seed, np.random.default_rng(0), count=3)
    assert shape == shapes.make("torus", np.random.default_rng(seed))
    assert len(found) == 3 and all(np.array_equal(shapes.voxels(s), shapes.voxels(shape)) for s in found)
    assert all(s != shape and s["family"] == "torus" for s in found)


def test_onnx_matches_torch_rebuilt_from_it_on_golden_and_random_inputs(sessions, torch_model):
    rng = np.random.default_rng(0)
    for e in CARD["examples"]["shapes"][:2]:
        vox = np.array([int(c) for c in e["voxels"]], np.float32).reshape(1, 1, 16, 16, 16)
        pts = np.array(e["points"], np.float32)[None]
        with torch.no_grad():
            mu_v, lv_v = torch_model.voxel_encoder(torch.from_numpy(vox))
            mu_p, _ = torch_model.point_encoder(torch.from_numpy(pts))
        ort_v = infer.run(sessions[infer.VOXELS], {"voxels": vox})
        np.testing.assert_allclose(ort_v["mu"], mu_v.numpy(), rtol=1e-3, atol=1e-5)
        np.testing.assert_allclose(ort_v["logvar"], lv_v.numpy(), rtol=1e-3, atol=1e-5)
        np.testing.assert_allclose(infer.run(sessions[infer.POINTS], {"points": pts})["mu"], mu_p.numpy(), rtol=1e-3, atol=1e-5)
        np.testing.assert_allclose(ort_v["mu"][0], e["z_voxels"], atol=1e-5)   # the sidecar's codes
        p = rng.uniform(-0.5, 0.5, (777, 3)).astype(np.float32)
        z = rng.normal(size=(1, CARD["config"]["latent"])).astype(np.float32)
        with torch.no_grad():
            logits = torch_model.decoder(torch.from_numpy(p)[None], torch.from_numpy(z))[0].numpy()
        out = infer.run(sessions[infer.DECODER], {"points": p, "z": z})
        np.testing.assert_allclose(out["logits"], logits, rtol=1e-3, atol=1e-5)
        np.testing.assert_allclose(out["occupancy"], 1 / (1 + np.exp(-logits.astype(np.float64))), rtol=1e-3, atol=1e-6)


def test_golden_occupancy_values_and_mesh(sessions):
    by_family = {e["family"]: e for e in CARD["examples"]["shapes"]}
    for g in CARD["golden"]:
        e = by_family[g["input"]["family"]]
        z = np.array([e[f"z_{g['input']['kind']}"]], np.float32)
        if "points" in g["input"]:
            occ = infer.decoder_fn(sessions, z, "occupancy")(np.array(g["input"]["points"], np.float32))
            np.testing.assert_allclose(occ, g["output"]["occupancy"], atol=1e-6)
        else:
            values, counts = mesh.mise(infer.decoder_fn(sessions, z), g["input"]["resolution"], CARD["limits"]["coarse"])
            v, f = mesh.marching_tetrahedra(values)
            assert sum(counts) == g["output"]["evaluated"] and f.size == len(g["output"]["faces"])
            np.testing.assert_allclose(v.reshape(-1), g["output"]["vertices"], atol=6e-4)


def cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "demos", "run", "occupancy", *map(str, args)], cwd=cwd or ROOT,
                          capture_output=True, text=True, timeout=300)


def test_cli_writes_the_mesh_and_prints_iou(tmp_path):
    for name in ("chair_voxels", "lamp_points"):
        for suffix in (".npy", ".shape.json"):
            shutil.copy(EXAMPLES / f"{name}{suffix}", tmp_path / f"{name}{suffix}")
    proc = cli(tmp_path / "chair_voxels.npy", "--set", "resolution=32", "--json")
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    obj = (tmp_path / "chair_voxels.obj").read_text().splitlines()
    assert sum(line.startswith("v ") for line in obj) == result["vertices"] > 100
    assert sum(line.startswith("f ") for line in obj) == result["faces"]
    chair = next(e for e in CARD["examples"]["shapes"] if e["family"] == "chair")
    assert result["iou"] == pytest.approx(chair["iou_voxels"], abs=0.02)     # other random points, same shape
    assert result["latent"] == pytest.approx(chair["z_voxels"], abs=1e-4)
    text = cli(tmp_path / "lamp_points.npy")
    assert text.returncode == 0 and "IoU with the true shape" in text.stdout and "MISE from 16³ to 64³" in text.stdout


@pytest.mark.parametrize("array, message", [
    (np.zeros((100, 3)) + [0.6, 0, 0], "point 0 [0.6, 0.0, 0.0] is outside the unit cube"),
    (np.zeros((10, 3)), "has 10 points; the point encoder needs at least 50"),
    (np.zeros((32, 32, 32)), "is a 32×32×32 grid; the voxel encoder takes 16×16×16"),
    (np.full((16, 16, 16), 0.5), "a voxel grid holds only 0 and 1"),
    (np.zeros((100, 2)), "has shape (100, 2); expected a 16×16×16 grid of 0/1 or (N, 3) points"),
])
def test_bad_input_is_refused_with_one_line(tmp_path, array, message):
    path = tmp_path / "bad.npy"
    np.save(path, array)
    proc = cli(path)
    assert proc.returncode == 2 and message in proc.stderr and len(proc.stderr.strip().splitlines()) == 1, proc.stderr


def test_resolution_out_of_range_and_a_broken_file_are_refused(tmp_path):
    shutil.copy(EXAMPLES / "chair_voxels.npy", tmp_path / "c.npy")
    proc = cli(tmp_path / "c.npy", "--set", "resolution=48")
    assert proc.returncode == 2 and "option resolution takes one of 16, 32, 64, 128, got '48'" in proc.stderr
    (tmp_path / "broken.npy").write_bytes(b"\x93NUMPY nonsense")
    proc = cli(tmp_path / "broken.npy")
    assert proc.returncode == 2 and "is not a readable .npy file" in proc.stderr and len(proc.stderr.splitlines()) == 1


def test_training_smoke_run_learns_and_leaves_the_checkpoint_alone():
    state = ROOT / "build" / "occupancy" / "state.pt"
    before = state.stat().st_mtime_ns if state.is_file() else None
    metrics = train.main(["4"])
    assert metrics["training"]["steps"] == 4 and set(metrics["evaluation"]["per_family"]) == {*shapes.FAMILIES, "all"}
    assert 0 <= metrics["evaluation"]["per_family"]["all"]["iou_trilinear"] <= 1
    assert (state.stat().st_mtime_ns if state.is_file() else None) == before
