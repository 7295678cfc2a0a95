"""face: the page's pipeline (docs/javascripts/demos/face/pipeline.js) on onnxruntime-web's WASM build in
Node gives the Python pipeline's numbers (≤ 1e-3 px) on the astronaut, a turned copy and a two-face image."""
import json

import numpy as np
import pytest
from numpy.testing import assert_allclose
from PIL import Image

from demos.common import sidecar as sc
from demos.common.paths import MODELS_DIR, ROOT
from demos.common.runtime import open_sessions, run
from demos.face import infer
from tests.nodejs import NODE, run_module

pytestmark = pytest.mark.skipif(NODE is None, reason="node is part of make test's set-up")
ASTRONAUT = ROOT / "docs/javascripts/demos/face/astronaut.png"

SCRIPT = r"""
import fs from "fs";
const { root, models, images } = DATA;
const ort = await import(`${root}/node_modules/onnxruntime-web/dist/ort.wasm.min.mjs`);
ort.env.wasm.numThreads = 1;
const face = await import(`${root}/docs/javascripts/demos/face/pipeline.js`);
const side = JSON.parse(fs.readFileSync(`${models}/face.json`));
const sessions = [];
for (const m of side.models) sessions.push(await ort.InferenceSession.create(fs.readFileSync(`${models}/${m.file}`)));
const out = [];
for (const { file, width, height } of JSON.parse(fs.readFileSync(images))) {
  const pixels = new Uint8Array(fs.readFileSync(file));
  const tracked = await face.track(ort, sessions, pixels, width, height, 3, side);
  tracked.controls = await face.solve(ort, sessions[2], tracked.landmarks, side);
  tracked.rig = await face.pose(ort, sessions[3], tracked.controls, side);
  out.push(tracked);
}
console.log(JSON.stringify({ out, anchors: face.anchors(side.preprocessing).length }));
"""


def cases(tmp_path):
    astronaut = np.asarray(Image.open(ASTRONAUT).convert("RGB"))
    turned = np.asarray(Image.fromarray(astronaut).rotate(-30, resample=Image.BILINEAR))
    head = astronaut[10:130, 50:175]
    pair = np.concatenate([head, (head[:, ::-1] * 0.6).astype(np.uint8)], axis=1)
    listed = []
    for name, pixels in (("astronaut", astronaut), ("turned", turned), ("pair", pair)):
        path = tmp_path / f"{name}.rgb"
        path.write_bytes(np.ascontiguousarray(pixels).tobytes())
        listed.append({"file": str(path), "width": pixels.shape[1], "height": pixels.shape[0], "pixels": pixels})
    return listed


def test_js_pipeline_matches_python(tmp_path):
    listed = cases(tmp_path)
    (tmp_path / "images.json").write_text(json.dumps([{k: v for k, v in c.items() if k != "pixels"} for c in listed]))
    result = run_module(SCRIPT, {"root": str(ROOT), "models": str(MODELS_DIR), "images": str(tmp_path / "images.json")})
    assert result["anchors"] == 896
    card = sc.read("face")
    sessions = open_sessions(card)
    for case, js in zip(listed, result["out"]):
        py = infer.track(sessions, case["pixels"].astype(np.float32) / 255)
        assert len(js["faces"]) == len(py["faces"]) >= 1
        for a, b in zip(js["faces"], py["faces"]):
            assert_allclose(a["box"], b["box"], atol=1e-3) and assert_allclose(a["keypoints"], b["keypoints"], atol=1e-3)
        worst = np.abs(np.array(js["landmarks"]) - py["landmarks"]).max()
        print(f"{case['file'].split('/')[-1]}: {len(py['faces'])} face(s), crop angle {np.degrees(py['crop']['angle']):.1f}°, "
              f"max |JS - Python| landmark = {worst:.1e} px")
        assert worst <= 1e-3
        assert js["crop"]["angle"] == pytest.approx(py["crop"]["angle"], abs=1e-6)
        controls = infer.solve(sessions, card, py["landmarks"])
        assert list(js["controls"]) == list(controls)
        assert_allclose(list(js["controls"].values()), list(controls.values()), atol=1e-3)
        rig = run(sessions[3], {"controls": np.array([list(js["controls"].values())], np.float32)})["mesh"][0]
        assert_allclose(js["rig"], rig, atol=1e-6)
    assert len(result["out"][2]["faces"]) == 2


MESH = r"""
const { root } = DATA;
const m = await import(`${root}/docs/javascripts/demos/face/mesh3d.js`);
const p = [[10, 0, 0], [-10, 0, 0], [0, 20, 0], [0, -20, 0]];
const far = [[0, 0, 5], [1, 0, 5], [0, 1, 5], [0, 0, -5], [1, 0, -5], [0, 1, -5]];
console.log(JSON.stringify({ rest: m.project(p, 0, 0), turned: m.project(p, Math.PI / 2, 0),
  order: m.shade(far, [[3, 4, 5], [0, 1, 2]]).map((f) => [f.tri[0], f.light]) }));
"""


def test_the_mesh_view_centres_turns_and_paints_far_triangles_first():
    out = run_module(MESH, {"root": str(ROOT)})
    assert out["rest"] == [[0.5, 0, 0], [-0.5, 0, 0], [0, 1, 0], [0, -1, 0]]      # centred, unit radius
    assert out["turned"][0] == pytest.approx([0, 0, -0.5], abs=1e-12)           # a quarter turn: +x toward the viewer
    assert [tri for tri, _ in out["order"]] == [0, 3]                            # z = 5 (far) before z = -5 (near)
    assert all(0 <= light <= 1 for _, light in out["order"])


PERMALINK = r"""
const { root } = DATA;
const p = await import(`${root}/docs/javascripts/demos/face/permalink.js`);
const rig = { controls: ["jaw_open", "yaw"], ranges: [[0, 1], [-0.35, 0.35]] };
const attempt = (text) => { try { return p.parseRig(text, rig); } catch (err) { return err.message; } };
console.log(JSON.stringify({
  round: attempt(p.formatRig({ jaw_open: 0.5, yaw: -0.1234 })), text: p.formatRig({ jaw_open: 0.5, yaw: 0 }),
  bad: ["jaw_open:2", "nose:1", "jaw_open:<script>", "jaw_open:", "yaw:0.1:3"].map(attempt),
}));
"""


def test_the_rig_permalink_round_trips_and_refuses_bad_values():
    out = run_module(PERMALINK, {"root": str(ROOT)})
    assert out["round"] == {"jaw_open": 0.5, "yaw": -0.123} and out["text"] == "jaw_open:0.5"
    too_big, unknown, script, empty, extra = out["bad"]
    assert too_big == "jaw_open must be a number from 0 to 1, got '2'"
    assert unknown.startswith("'nose:1' is not control:value") and "jaw_open, yaw" in unknown
    assert script.startswith("jaw_open must be a number") and empty.startswith("jaw_open must be a number")
    assert extra.startswith("'yaw:0.1:3' is not control:value")
