"""mvsnet in Node: the page's geometry (docs/javascripts/demos/mvsnet/geometry.js) and plane sweep
(mvsnet/sweep.js) give numpy's numbers (demos/mvsnet/geometry.py, planesweep.py), and the page's model
inputs on onnxruntime-web's WASM build give Python onnxruntime's depth within 1e-4."""
import json
import shutil
import subprocess

import numpy as np
import pytest
from numpy.testing import assert_allclose

from demos.common import sidecar as sc
from demos.common.paths import MODELS_DIR, ROOT
from demos.common.runtime import open_sessions, run
from demos.mvsnet import evaluate, geometry, infer, planesweep, views

NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="node is part of make test's set-up")
JS = ROOT / "docs" / "javascripts" / "demos"

SCRIPT = r"""
import fs from "fs";
const [root, input] = process.argv.slice(2);
const geo = await import(`${root}/docs/javascripts/demos/mvsnet/geometry.js`);
const sweep = await import(`${root}/docs/javascripts/demos/mvsnet/sweep.js`);
const task = JSON.parse(fs.readFileSync(input));
const out = {};
const { K, R, t, h, w, depths } = task;
out.relFeatures = geo.relative(K, R, t, 1 / task.stride);
out.rel1 = geo.relative(K, R, t, 1.0);
out.planes = geo.planes(task.lo, task.hi, depths.length);
const greys = task.views.map((v) => sweep.grey(Uint8Array.from(v), 3));
out.grey0 = Array.from(greys[0].slice(0, 50));
if (task.sweep) {
  const swept = sweep.planeSweep(greys, h, w, K, R, t, depths, task.radius, task.eps);
  out.index = Array.from(swept.index);
  out.cost = swept.cost.map((c) => Array.from(c));
  out.stats = geo.stats(swept.depth, task.truth.map((v) => (v === null ? NaN : v)), task.spacing);
  const rgba = new Uint8Array(h * w * 4).fill(255);
  const cloud = geo.backProject(swept.depth, K[0], h, w, rgba, (p) => p % 3 === 0);
  out.cloud = Array.from(cloud.positions);
}
try { geo.inverse3([[1, 2, 3], [2, 4, 6], [0, 0, 1]]); out.singular = "no error"; } catch (e) { out.singular = e.message; }
const code = task.codes;
out.decoded = Array.from(geo.decode16(Uint8Array.from(code), 2, 6));
if (task.ort) {
  const ort = await import(`${root}/node_modules/onnxruntime-web/dist/ort.wasm.min.mjs`);
  ort.env.wasm.numThreads = 1;
  const { modelInputs } = await import(`${root}/docs/javascripts/demos/mvsnet.js`);
  const session = await ort.InferenceSession.create(fs.readFileSync(task.ort));
  const scene = { h, w, K, R, t, views: task.views.map((v) => {
    const rgba = new Uint8Array(h * w * 4);
    for (let p = 0; p < h * w; p++) { rgba.set(v.slice(3 * p, 3 * p + 3), 4 * p); rgba[4 * p + 3] = 255; }
    return { rgba };
  }) };
  const result = await session.run(modelInputs(ort, scene, geo.planes(task.lo, task.hi, depths.length), task.stride));
  out.depth = Array.from(result.depth.data);
  out.confidence = Array.from(result.confidence.data);
}
console.log(JSON.stringify(out));
"""


def node(tmp_path, task: dict) -> dict:
    (tmp_path / "script.mjs").write_text(SCRIPT)
    (tmp_path / "task.json").write_text(json.dumps(task))
    proc = subprocess.run([NODE, str(tmp_path / "script.mjs"), str(ROOT), str(tmp_path / "task.json")],
                          check=False, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def task_for(v: dict, ort_file=None) -> dict:
    lo, hi = (float(x) for x in v["depth_range"])
    depths = geometry.planes(lo, hi, 32)
    truth = v["depth"].astype(np.float64)
    codes = np.random.default_rng(0).integers(0, 256, (40, 4))
    codes[::7, 2] = 0
    return {"K": v["K"].tolist(), "R": v["R"].tolist(), "t": v["t"].tolist(), "h": int(v["images"].shape[1]),
            "w": int(v["images"].shape[2]), "depths": depths.tolist(), "lo": lo, "hi": hi,
            "views": [im.ravel().tolist() for im in v["images"]], "radius": planesweep.RADIUS, "eps": planesweep.EPS,
            "truth": [None if not np.isfinite(x) else float(x) for x in truth.ravel()],
            "spacing": float(depths[1] - depths[0]), "codes": codes.ravel().tolist(),
            "ort": str(ort_file) if ort_file else None, "sweep": ort_file is None,
            "stride": sc.read("mvsnet")["preprocessing"]["feature_stride"]}, depths, codes


@pytest.fixture(scope="module")
def scene():
    return views.views("held_out:1")


def test_geometry_and_plane_sweep_match_numpy_on_a_rendered_scene(tmp_path, scene):
    task, depths, codes = task_for(scene)
    out = node(tmp_path, task)
    for key, scale in (("relFeatures", ()), ("rel1", (1.0,))):     # the feature maps' scale, then full size
        rot, trans = geometry.relative(scene["K"], scene["R"], scene["t"], *scale)
        assert_allclose(out[key]["rot"], rot, rtol=1e-13, atol=1e-12)
        assert_allclose(out[key]["trans"], trans, rtol=1e-13, atol=1e-12)
    assert out["planes"] == depths.tolist()  # bit for bit, as numpy.linspace
    assert_allclose(out["grey0"], planesweep.grey(scene["images"])[0].ravel()[:50], rtol=0, atol=0)
    ours = planesweep.plane_sweep(scene["images"], scene["K"], scene["R"], scene["t"], depths)
    # the same arithmetic; the integral images of 160×128 views reach ~10⁴, so float64 rounding ~1e-12
    assert_allclose(np.array(out["cost"]).reshape(ours["cost"].shape), ours["cost"], rtol=0, atol=1e-11)
    index = np.array(out["index"]).reshape(ours["index"].shape)
    differ = np.nonzero(index != ours["index"])     # winners differ only where two planes tie to rounding
    assert len(differ[0]) <= index.size // 1000
    assert np.all(np.abs(ours["cost"][(index[differ], *differ)] - ours["cost"][(ours["index"][differ], *differ)]) < 1e-11)
    expected = evaluate.stats(depths[index], scene["depth"].astype(np.float64), float(depths[1] - depths[0]))
    assert out["stats"]["pixels"] == expected["pixels"]
    assert out["stats"]["mean_abs_error"] == pytest.approx(expected["mean_abs_error"], abs=1e-4)
    assert out["stats"]["within_one_plane"] == pytest.approx(expected["within_one_plane"], abs=1e-4)
    assert "singular" in out["singular"]
    # the point cloud: every third pixel at its plane-sweep depth, K⁻¹ [x, y, 1] · d, turned y-up
    ys, xs = np.divmod(np.arange(ours["depth"].size)[::3], ours["depth"].shape[1])
    rays = np.linalg.inv(scene["K"][0]) @ np.stack([xs, ys, np.ones_like(xs)])
    points = (rays * depths[index].ravel()[::3]).T * [1, -1, -1]
    assert_allclose(np.array(out["cloud"]).reshape(-1, 3), points, rtol=1e-6, atol=1e-6)
    # decode16 inverts the export's encoding: R, G = high and low byte, B < 128 = unknown
    c = codes.reshape(-1, 4)
    want = np.where(c[:, 2] < 128, np.nan, 2 + (c[:, 0] * 256 + c[:, 1]) / 65535 * 4)
    assert_allclose(np.array(out["decoded"], dtype=float), want, rtol=1e-15, equal_nan=True)


def test_page_inputs_on_onnxruntime_web_give_pythons_depth(tmp_path):
    """Browser runtime (WASM, as in the page) vs Python onnxruntime on the motorcycle pair: ≤ 1e-4."""
    pair = views.views("motorcycle")
    card = sc.read("mvsnet")
    task, _, _ = task_for(pair, MODELS_DIR / card["models"][0]["file"])
    out = node(tmp_path, task)
    py = run(open_sessions(card)[0], infer.feeds({**pair, "depth_range": [float(x) for x in pair["depth_range"]]}, 32))
    gap = np.abs(np.array(out["depth"]).reshape(py["depth"].shape) - py["depth"]).max()
    print(f"onnxruntime-web vs Python, depth of the motorcycle pair: max |diff| {gap:.2e}")
    assert gap <= 1e-4
    assert_allclose(np.array(out["confidence"]).reshape(py["confidence"].shape), py["confidence"], atol=1e-4)
