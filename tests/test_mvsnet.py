"""mvsnet: the renderer's cameras and depth, the warping, parity torch ↔ onnxruntime for both models,
golden outputs, the recorded metrics, a training smoke run, and the command line (results, images,
one readable line for bad views)."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose

from demos.common import sidecar as sc
from demos.common.errors import DemoError
from demos.common.onnx_weights import load_into
from demos.common.paths import ROOT
from demos.common.runtime import open_sessions, run
from demos.mvsnet import data, evaluate, geometry, infer, planesweep, train, views
from demos.mvsnet.export import NOTICE, OUTPUTS, PROBES, write_notice
from demos.mvsnet.model import MVSNet, MVSNetConfig, fold_batch_norm, warp


@pytest.fixture(scope="module")
def card():
    return sc.read("mvsnet")


@pytest.fixture(scope="module")
def sessions(card):
    return open_sessions(card)


@pytest.fixture(scope="module")
def scene():
    return views.views("held_out:0")


def x_of(v):
    return infer.feeds({**v, "depth_range": [float(x) for x in v["depth_range"]]}, 32)


# ---- data and geometry ------------------------------------------------------------------------------

def test_scenes_are_deterministic_and_the_splits_differ(scene):
    again = views.views("held_out:0")
    assert np.array_equal(scene["images"], again["images"]) and np.array_equal(scene["depth"], again["depth"])
    other = data.scene("train", 0)
    assert not np.array_equal(other["images"], scene["images"])
    lo, hi = data.DEPTH_RANGE
    assert scene["images"].shape == (3, data.HEIGHT, data.WIDTH, 3) and scene["images"].dtype == np.uint8
    assert lo <= scene["depth"].min() and scene["depth"].max() <= hi


def test_true_depth_reprojects_onto_matching_colours(scene):
    """A reference pixel moved to its true depth and projected into a source view finds its own colour:
    the cameras, the depth and the warp formula agree (a 2-pixel shift is several times worse)."""
    grey = planesweep.grey(scene["images"])
    rot, trans = geometry.relative(scene["K"], scene["R"], scene["t"], 1.0)
    h, w = grey.shape[1:]
    ys, xs = np.mgrid[0:h, 0:w].astype(float)
    for v in (1, 2):
        p = np.einsum("ij,jhw->ihw", rot[v], np.stack([xs, ys, np.ones_like(xs)])) * scene["depth"] + trans[v][:, None, None]
        x, y = p[0] / p[2], p[1] / p[2]
        inside = (x > 1) & (x < w - 2) & (y > 1) & (y < h - 2)
        right = np.abs(planesweep.sample(grey[v], x, y) - grey[0])[inside].mean()
        shifted = np.abs(planesweep.sample(grey[v], x + 2, y) - grey[0])[inside].mean()
        assert right < shifted / 2.5


def test_warp_of_the_reference_is_the_identity_and_follows_the_homography():
    feats = torch.rand(2, 4, 8, 10)
    rot = torch.stack([torch.eye(3), torch.eye(3)])
    trans = torch.tensor([[0.0, 0, 0], [2.0, 0, 0]])      # view 1 sees everything 2/d pixels to the right
    depths = torch.tensor([1.0, 2.0])
    out = warp(feats, rot, trans, depths)                  # (V, C, D, h, w)
    assert torch.allclose(out[0, :, 0], feats[0], atol=1e-6) and torch.allclose(out[0, :, 1], feats[0], atol=1e-6)
    assert torch.allclose(out[1, :, 1, :, :-1], feats[1, :, :, 1:], atol=1e-6)   # depth 2: one pixel over
    assert torch.allclose(out[1, :, 0, :, :-2], feats[1, :, :, 2:], atol=1e-6)   # depth 1: two pixels over
    assert torch.all(out[1, :, 0, :, -2:] == 0)                                  # outside the view: zeros


@pytest.mark.parametrize("unet", [(4, 4, 4), []])
def test_folding_batch_norm_keeps_every_output(unet):
    torch.manual_seed(0)
    model = MVSNet(MVSNetConfig(features=4, unet=unet, refine=4))
    for bn in (m for m in model.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)):
        bn.running_mean.uniform_(-1, 1), bn.running_var.uniform_(0.5, 2)
        bn.weight.data.uniform_(0.5, 2), bn.bias.data.uniform_(-1, 1)
    folded = fold_batch_norm(model.eval())
    assert not folded.config.batch_norm
    assert not any(isinstance(m, torch.nn.modules.batchnorm._BatchNorm) for m in folded.modules())
    args = (torch.rand(2, 3, 32, 48), torch.eye(3).repeat(2, 1, 1), torch.tensor([[0.0, 0, 0], [1.0, 0, 0]]),
            torch.linspace(2, 6, 8))
    with torch.no_grad():
        for a, b in zip(model(*args), folded(*args)):
            assert_allclose(b.numpy(), a.numpy(), rtol=1e-4, atol=1e-5)


def test_plane_sweep_finds_a_textured_fronto_parallel_plane():
    rng = np.random.default_rng(0)
    texture = rng.integers(0, 256, (32, 96, 3)).astype(np.uint8)
    K = np.stack([data.intrinsics(40.0, 64, 32)] * 2)
    R = np.stack([np.eye(3)] * 2)
    t = np.array([[0.0, 0, 0], [-0.4, 0, 0]])              # disparity 40 * 0.4 / d = 4 px at d = 4
    images = np.stack([texture[:, 16:80], texture[:, 20:84]])
    depths = geometry.planes(2.0, 6.0, 33)                 # 4.0 is plane 16
    found = planesweep.plane_sweep(images, K, R, t, depths)
    assert (found["index"][:, 8:-8] == 16).mean() > 0.95


@pytest.mark.parametrize("change,fragment", [
    (lambda v: v.update(images=v["images"][:1], K=v["K"][:1], R=v["R"][:1], t=v["t"][:1]), "at least two"),
    (lambda v: v["K"].__setitem__((1, 0, 0), 0.0) or v["K"].__setitem__((1, 0, 2), 0.0), "singular"),
    (lambda v: v.update(depth_range=np.array([6.0, 2.0])), "reversed"),
    (lambda v: v.update(R=v["R"] * 2), "not a rotation"),
])
def test_bad_views_are_one_readable_error(scene, change, fragment):
    v = {k: np.array(val, copy=True) for k, val in scene.items()}
    change(v)
    with pytest.raises(DemoError, match=fragment):
        geometry.check_views(list(v["images"]), v["K"], v["R"], v["t"], v["depth_range"])


def test_views_of_different_sizes_are_refused():
    small, big = np.zeros((32, 48, 3), np.uint8), np.zeros((48, 48, 3), np.uint8)
    cams = np.stack([np.eye(3)] * 2)
    with pytest.raises(DemoError, match="different sizes"):
        geometry.check_views([small, big], cams, cams, np.zeros((2, 3)), [2, 6])


# ---- the models -------------------------------------------------------------------------------------

@pytest.mark.parametrize("index", [0, 1])
def test_parity_torch_vs_onnxruntime(card, sessions, scene, index):
    config = dict(card["config"], unet=card["config"]["unet"] if index == 0 else [])
    model = load_into(MVSNet(MVSNetConfig(**config)), sc.model_path(card, index))
    x = x_of(scene)
    rng = np.random.default_rng(1)
    random = {**x, "images": rng.random((2, 3, 32, 48), np.float32), "rot": x["rot"][:2], "trans": x["trans"][:2]}
    for feeds in (x, random):
        ours = run(sessions[index], feeds)
        with torch.no_grad():
            theirs = model(*(torch.from_numpy(feeds[k]) for k in ("images", "rot", "trans", "depths")))
        for name, t in zip(OUTPUTS, theirs):
            assert_allclose(ours[name], t.numpy(), rtol=1e-3, atol=1e-4 if name in ("depth", "depth_initial", "cost") else 1e-5)


def test_golden_outputs_are_what_onnxruntime_gives(card, sessions):
    for golden, example in zip(card["golden"], card["examples"]["scenes"]):
        x = x_of(views.views(example["name"]))
        for index, name in enumerate(("mvsnet", "mvsnet_noreg")):
            depth = run(sessions[index], x)["depth"]
            for y, c, value in golden["output"][name]["probes"]:
                assert depth[y, c] == pytest.approx(value, abs=1e-4)
        break  # the first example (the others are checked in the browser and Node tests)
    assert [p[:2] for p in card["golden"][0]["output"]["mvsnet"]["probes"]] == [list(p) for p in PROBES]


def test_recorded_metrics_are_measured_and_reproduced(card, sessions):
    """The sidecar's held-out error (the training script's, in torch) is the mean of onnxruntime's per-scene
    errors; the first two scenes are rendered and measured again here."""
    m = card["metrics"]
    per_scene = m["onnxruntime_held_out_per_scene"]
    assert m["rendered"]["mvsnet"]["scenes"] == evaluate.HELD_OUT == len(per_scene)
    assert np.mean(per_scene) == pytest.approx(m["rendered"]["mvsnet"]["mean_abs_error"], abs=1e-3)
    for i in range(2):
        v = views.views(f"held_out:{i}")
        depth = run(sessions[0], x_of(v))["depth"]
        assert np.abs(depth.astype(np.float64) - v["depth"]).mean() == pytest.approx(per_scene[i], abs=1e-4)
    assert m["bar_met"] == (m["rendered"]["mvsnet"]["mean_abs_error"] <= 0.5 * m["rendered"]["plane_sweep"]["mean_abs_error"])
    assert m["torch_vs_onnxruntime"] < 1e-4
    text = (ROOT / "demos/mvsnet/results/metrics.md").read_text()
    assert f"{m['rendered']['mvsnet']['mean_abs_error']:.3f}" in text
    assert f"{m['motorcycle']['plane_sweep']['mean_abs_error']:.3f}" in text


def test_the_speed_snippet_covers_every_exported_model_and_input(card):
    """The page's timing table (scripts/bench_mvsnet.py) has a row per model of the sidecar and per input, both
    runtimes filled; the committed one was written for today's models."""
    from bench_mvsnet import SNIPPET, snippet
    files, cases = [m["file"] for m in card["models"]], ["3 views 160x128", "pair 192x128"]
    keys = [f"{f} {c}" for f in files for c in cases] + [f"plane sweep {c}" for c in cases]
    text = snippet({k: 10.0 + i for i, k in enumerate(keys)}, {k: 100.0 + i for i, k in enumerate(keys)}, files, cases, 3)
    rows = [line for line in text.splitlines() if line.startswith("| ") and not line.startswith("| what")]
    assert len(rows) == len(keys) and rows[0] == "| `mvsnet.onnx` | 3 views 160×128 | 100 | 10 |"
    committed = SNIPPET.read_text()
    assert all(f"| `{f}` | {c.replace('x', '×')} |" in committed for f in files for c in cases)


def test_training_smoke_run_lowers_nothing_to_nan(monkeypatch, scene):
    pool = {k: np.stack([scene[k]] * 2) for k in ("images", "K", "R", "t", "depth")}
    monkeypatch.setattr(train, "STEPS", 2)
    model, run_info = train.train("mvsnet", MVSNetConfig(features=4, unet=(4, 4, 4), refine=4), pool)
    assert run_info["steps"] == 2
    assert all(torch.isfinite(p).all() for p in model.parameters())


# ---- the command line -------------------------------------------------------------------------------

def cli(*args):
    return subprocess.run([sys.executable, "-m", "demos", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, env=dict(os.environ))


def one_line_error(proc, fragment):
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and fragment in lines[0], proc.stderr


def test_cli_prints_the_statistics_and_writes_images(tmp_path, scene, card):
    path = tmp_path / "views.npz"
    np.savez(path, **scene)
    proc = cli("run", "mvsnet", path, "--json")
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    truth = scene["depth"].astype(np.float64)
    depth = run(open_sessions(card)[0], x_of(scene))["depth"]
    expected = evaluate.stats(depth, truth, float(result["plane_spacing"]))
    assert result["mvsnet"]["mean_abs_error"] == pytest.approx(expected["mean_abs_error"], abs=1e-4)
    swept = planesweep.plane_sweep(scene["images"], scene["K"], scene["R"], scene["t"], geometry.planes(2.0, 6.0, 32))
    assert result["plane_sweep"]["mean_abs_error"] == pytest.approx(evaluate.stats(swept["depth"], truth, result["plane_spacing"])["mean_abs_error"], abs=1e-4)
    for f in result["files"].values():
        assert open(f, "rb").read(8) == b"\x89PNG\r\n\x1a\n"
    text = cli("run", "mvsnet", path)
    assert text.returncode == 0 and "mean abs. error" in text.stdout and "confidence ≥ 0.5" in text.stdout


@pytest.mark.parametrize("case,fragment", [
    ("different_sizes", "different sizes"), ("one_view", "at least two"), ("singular", "singular"),
    ("reversed", "reversed"), ("not_npz", "not a .npz"), ("missing_key", "lacks K"), ("odd_size", "multiples of 8"),
])
def test_cli_bad_views_exit_2_with_one_line(tmp_path, scene, case, fragment):
    v = {k: np.array(val, copy=True) for k, val in scene.items()}
    path = tmp_path / "views.npz"
    if case == "different_sizes":   # one array per view, the second smaller
        np.savez(path, image_0=v["images"][0], image_1=v["images"][1][:48], image_2=v["images"][2],
                 **{k: v[k] for k in ("K", "R", "t", "depth_range")})
    elif case == "not_npz":
        path.write_bytes(b"hello")
    else:
        if case == "one_view":
            v.update(images=v["images"][:1], K=v["K"][:1], R=v["R"][:1], t=v["t"][:1])
        elif case == "singular":
            v["K"][0] = 0
        elif case == "reversed":
            v["depth_range"] = np.array([6.0, 2.0])
        elif case == "missing_key":
            del v["K"]
        elif case == "odd_size":
            v["images"] = v["images"][:, :60]
        np.savez(path, **v)
    one_line_error(cli("run", "mvsnet", path), fragment)


def test_views_writer_names_what_it_knows(tmp_path):
    with pytest.raises(DemoError, match="held_out:N, train:N or motorcycle"):
        views.views("held_out:x")
    assert views.main(["held_out:0", str(tmp_path / "v.npz")]) == 0
    with np.load(tmp_path / "v.npz") as f:
        assert set(f.files) == {"images", "K", "R", "t", "depth", "depth_range"}


def test_the_motorcycle_pair_in_the_sidecar_carries_its_notice(tmp_path, monkeypatch):
    """The committed notice is what export writes: the pair's source, credit and citation, its size in the
    sidecar, and scikit-image's licence in full."""
    from demos.mvsnet import export
    committed = NOTICE.read_text()
    card = sc.read("mvsnet")
    assert any(e["name"] == "motorcycle" for e in card["examples"]["scenes"])
    monkeypatch.setattr(export, "NOTICE", tmp_path / "NOTICE-mvsnet")
    write_notice(card["metrics"]["motorcycle_size"])
    assert (tmp_path / "NOTICE-mvsnet").read_text() == committed
    height, width = card["metrics"]["motorcycle_size"]
    assert f"resizes them to {width}×{height}" in committed and "Scharstein" in committed and "GCPR 2014" in committed
    assert "License: BSD-3-Clause" in committed and "Copyright: 2009-2022 the scikit-image team" in committed
