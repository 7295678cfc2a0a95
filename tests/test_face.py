"""face: onnxruntime ↔ the original TFLite (outputs committed by the export), torch rebuilt from the ONNX
initializers ↔ onnxruntime, the mesh's triangles, the pipeline's geometry, the CLI and bad input."""
import json
import math
import subprocess
import sys
from collections import Counter

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose
from PIL import Image

from demos.common import sidecar as sc
from demos.common.errors import DemoError
from demos.common.images import png_bytes
from demos.common.onnx_weights import load_into
from demos.common.paths import MODELS_DIR, ROOT
from demos.common.runtime import open_sessions, run
from demos.face import infer
from demos.face.model import GraphConfig, TFLiteGraph

ASTRONAUT = ROOT / "docs/javascripts/demos/face/astronaut.png"


@pytest.fixture(scope="module")
def card():
    return sc.read("face")


@pytest.fixture(scope="module")
def sessions(card):
    return open_sessions(card)


@pytest.fixture(scope="module")
def image(card):
    assert sc.sha256_file(ASTRONAUT) == card["golden"][0]["input"]["sha256"]
    return infer.to_rgb(np.asarray(Image.open(ASTRONAUT), np.float32) / 255)


@pytest.fixture(scope="module")
def golden(card):
    return card["golden"][0]["output"]


def crop_input(image, crop):
    size = infer.PIPELINE["landmark_size"]
    return infer.warp(image, infer.crop_matrix(crop, size), size)[None]


def test_onnxruntime_matches_tflite_on_the_golden_inputs(image, sessions, golden):
    """TFLite's outputs were recorded by the export on the same detector input and crop."""
    tflite = golden["tflite"]
    x, _ = infer.detector_input(image)
    out = run(sessions[0], {"image": x})
    top = tflite["top_anchors"]
    assert_allclose(out["classificators"][0, top, 0], tflite["top_scores"], atol=1e-3)
    assert_allclose(out["regressors"][0, top], tflite["top_regressors"], atol=1e-3)
    landmarks = run(sessions[1], {"image": crop_input(image, golden["crop"])})
    diff = np.abs(landmarks["landmarks"].reshape(-1, 3) - tflite["landmarks"]).max()
    print(f"landmarks: max |onnxruntime - tflite| = {diff:.2e} (crop pixels)")
    assert diff <= 1e-3
    assert landmarks["face_flag"].item() == pytest.approx(tflite["face_flag"], abs=1e-3)


@pytest.mark.parametrize("index, key", [(0, "detector"), (1, "landmarks")])
def test_torch_rebuilt_from_onnx_matches_onnxruntime(card, sessions, image, golden, index, key):
    config = GraphConfig(**card["config"][key])
    module = load_into(TFLiteGraph(config), sc.model_path(card, index))
    assert all(p.dtype == torch.float16 for p in module.parameters())     # the weights stay float16
    x = infer.detector_input(image)[0] if key == "detector" else crop_input(image, golden["crop"])
    noise = np.random.default_rng(0).random(x.shape, dtype=np.float32)
    names = [o["name"] for o in card["models"][index]["outputs"]]
    for feed in (x, noise):
        ours = run(sessions[index], {"image": feed})
        with torch.no_grad():
            theirs = module(torch.from_numpy(feed))
        for name, t in zip(names, theirs):
            assert_allclose(ours[name], t.numpy(), rtol=1e-3, atol=1e-4)


def test_models_are_float16_weights_within_budget(card):
    for entry in card["models"]:
        assert entry["bytes"] <= sc.MAX_MODEL_BYTES
    notice = (MODELS_DIR / "NOTICE-face").read_text()
    assert "Apache License, Version 2.0" in notice and "mediapipe==0.10.21" in notice
    assert "TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION" in notice      # the licence itself, in full
    assert "END OF TERMS AND CONDITIONS" in notice
    for entry in card["models"]:                                   # every model file says where it comes from
        assert f"exported_models/{entry['file']}" in notice


def test_the_pipeline_on_the_astronaut_is_the_golden_output(card, sessions, image, golden):
    result = infer.predict(sessions, card, {"image": image})
    assert len(result["faces"]) == 1 and result["face_score"] > 0.9
    assert_allclose(result["landmarks"], golden["landmarks"], atol=1e-3)
    assert_allclose(result["faces"][0]["box"], golden["faces"][0]["box"], atol=1e-3)
    x0, y0, x1, y1 = result["faces"][0]["box"]
    landmarks = np.array(result["landmarks"])
    inside = (landmarks[:, 0] > x0 - 5) & (landmarks[:, 0] < x1 + 5) & (landmarks[:, 1] > y0 - 10) & (landmarks[:, 1] < y1 + 5)
    assert inside.mean() > 0.97                        # the mesh lies on the face the detector found
    right_eye, left_eye = np.array(result["faces"][0]["keypoints"][:2])
    assert right_eye[0] < left_eye[0]                  # the person's right eye is on the image's left


def test_the_mesh_triangles_form_a_surface(card):
    """852 triangles over 468 points, consistently oriented, every edge in one or two triangles: a disc
    with three holes (two eyes, the mouth), Euler characteristic V − E + F = 1 − 3."""
    triangles = np.array(card["config"]["triangles"])
    assert triangles.shape == (852, 3) and set(triangles.ravel()) == set(range(468))
    directed = [(t[i], t[(i + 1) % 3]) for t in triangles.tolist() for i in range(3)]
    assert len(set(directed)) == len(directed)           # each directed edge once: consistent orientation
    undirected = Counter(tuple(sorted(e)) for e in directed)
    assert set(undirected.values()) <= {1, 2}
    assert 468 - len(undirected) + len(triangles) == -2
    boundary = [e for e, n in undirected.items() if n == 1]
    parent = list(range(468))

    def root(i):
        while parent[i] != i:
            i = parent[i]
        return i

    for a, b in boundary:
        parent[root(a)] = root(b)
    assert len({root(a) for a, _ in boundary}) == 4     # outline, two eyes, the mouth


def test_anchors_follow_mediapipe_short_range_layout():
    a = infer.anchors()
    assert a.shape == (896, 2)
    assert_allclose(a[0], [0.5 / 16, 0.5 / 16]) and assert_allclose(a[1], a[0])       # 2 per cell at stride 8
    assert_allclose(a[512], [0.5 / 8, 0.5 / 8]) and assert_allclose(a[517], a[512])   # 6 per cell at stride 16
    assert_allclose(a[-1], [7.5 / 8, 7.5 / 8])


def test_weighted_nms_blends_a_cluster_and_keeps_separate_faces():
    boxes = np.array([[0, 0, 10, 10], [1, 0, 11, 10], [50, 50, 60, 60]], float)
    found = {"boxes": boxes, "scores": np.array([0.9, 0.6, 0.7]), "keypoints": np.zeros((3, 6, 2))}
    faces = infer.weighted_nms(found, 0.3)
    assert [f["score"] for f in faces] == [0.9, 0.7]
    assert_allclose(faces[0]["box"], [0.6 / 1.5, 0, 10 + 0.6 / 1.5, 10])
    assert_allclose(faces[1]["box"], boxes[2])


def test_crop_matrix_and_back_projection_agree():
    crop = {"centre": [40.0, 30.0], "side": 64.0, "angle": 0.5}
    m = infer.crop_matrix(crop, 192)
    assert_allclose(m @ [96, 96, 1], [40, 30])                                        # crop centre → face centre
    corner = m @ [0, 0, 1] - [40, 30]
    assert np.hypot(*corner) == pytest.approx(32 * math.sqrt(2))
    raw = np.array([[96.0, 96.0, 3.0], [192.0, 96.0, 0.0]])
    back = infer.landmarks_to_image(raw, crop, 192)
    assert_allclose(back[0], [40, 30, 1.0])
    assert_allclose(back[1, :2], [40 + 32 * math.cos(0.5), 30 + 32 * math.sin(0.5)])


def test_warp_samples_pixel_centres_exactly():
    image = np.random.default_rng(3).random((20, 30, 3), dtype=np.float32)
    identity = np.array([[1.0, 0, 0], [0, 1.0, 0]])
    assert_allclose(infer.warp(image, identity, 20), image[:, :20], atol=1e-6)
    shifted = infer.warp(image, np.array([[1.0, 0, 100], [0, 1.0, 0]]), 8)
    assert not shifted.any()                                                          # outside is black


def test_a_rotated_face_gives_a_rotated_crop_and_the_same_mesh(sessions, image, golden):
    """The eye line sets the crop's angle: turn the photo by 25° and the crop turns with it, and the
    landmarks land where the turned golden landmarks are."""
    turn = 25.0
    turned = infer.to_rgb(np.asarray(Image.fromarray((image * 255).astype(np.uint8)).rotate(
        turn, resample=Image.BILINEAR, center=(128, 128)), np.float32) / 255)
    tracked = infer.track(sessions, turned)
    assert math.degrees(tracked["crop"]["angle"] - golden["crop"]["angle"]) == pytest.approx(-turn, abs=4)
    t = math.radians(-turn)                          # PIL turns counter-clockwise on screen (y down)
    rotation = np.array([[math.cos(t), -math.sin(t)], [math.sin(t), math.cos(t)]])
    expected = (np.array(golden["landmarks"])[:, :2] - 128) @ rotation.T + 128
    error = np.linalg.norm(tracked["landmarks"][:, :2] - expected, axis=1)
    print(f"rotated 25°: median landmark error {np.median(error):.2f} px on a {golden['crop']['side']:.0f} px face")
    assert np.median(error) < 2.5


def test_two_faces_are_found_and_the_most_confident_is_named(card, sessions, image):
    head = image[10:130, 50:175]                              # the short-range detector wants faces this large
    pair = np.concatenate([head, head[:, ::-1] * 0.6], axis=1)                         # a darker mirror twin
    result = infer.predict(sessions, card, {"image": pair})
    assert len(result["faces"]) == 2
    assert result["faces"][0]["score"] >= result["faces"][1]["score"]
    left, right = sorted(result["faces"], key=lambda f: f["box"][0])
    assert left["box"][2] < head.shape[1] < right["box"][0]                           # one face on each side
    assert "2 face(s) found" in infer.format_text(result, card)
    assert "using the most confident one" in infer.format_text(result, card)


@pytest.mark.parametrize("pixels, message", [
    (np.full((200, 300, 3), 0.5, np.float32), "no face found"),
    (np.random.default_rng(0).random((200, 200, 3), dtype=np.float32), "no face found"),
    (np.full((30, 30, 3), 0.5, np.float32), "too small to find a face"),
])
def test_bad_images_are_a_readable_demo_error(card, sessions, pixels, message):
    with pytest.raises(DemoError, match=message):
        infer.predict(sessions, card, {"image": pixels, "source": "x.png"})


def test_cli_prints_the_box_and_468_landmarks(tmp_path, golden):
    proc = subprocess.run([sys.executable, "-m", "demos", "run", "face", str(ASTRONAUT), "--json"], check=False, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert_allclose(result["landmarks"], golden["landmarks"], atol=1e-3)
    blank = tmp_path / "wall.png"
    blank.write_bytes(png_bytes(np.full((120, 160, 3), 200, np.uint8)))
    proc = subprocess.run([sys.executable, "-m", "demos", "run", "face", str(blank)], check=False, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and proc.stderr.startswith("error: no face found") and "Traceback" not in proc.stderr


@pytest.fixture(scope="module")
def rig_modules(card):
    from demos.face.rig import FaceRig, RigConfig, RigSolver
    cfg = card["config"]["rig"]
    config = RigConfig(**{k: v for k, v in cfg.items() if k not in ("controls", "ranges")})
    neutral = torch.tensor(card["golden"][0]["output"]["landmarks"], dtype=torch.float32)
    solver = load_into(RigSolver(config, neutral), sc.model_path(card, 2))
    rig = load_into(FaceRig(config, neutral), sc.model_path(card, 3))
    return solver, rig


def test_rig_and_solver_rebuilt_from_onnx_match_onnxruntime(sessions, rig_modules):
    solver, rig = rig_modules
    controls = torch.rand(5, 7) * torch.tensor([1, 1, 1, 1, 0.7, 0.7, 0.7]) - torch.tensor([0, 0, 0, 0, 0.35, 0.35, 0.35])
    with torch.no_grad():
        mesh = rig(controls)
        assert_allclose(run(sessions[3], {"controls": controls.numpy()})["mesh"], mesh.numpy(), atol=1e-5)
        landmarks = (mesh * 90 + 200).numpy()
        assert_allclose(run(sessions[2], {"landmarks": landmarks})["controls"], solver(torch.from_numpy(landmarks)).numpy(),
                        rtol=1e-3, atol=1e-4)


def test_jaw_open_swings_the_chin_and_leaves_the_eyes(rig_modules):
    _, rig = rig_modules
    with torch.no_grad():
        rest, open_jaw = rig(torch.zeros(1, 7))[0], rig(torch.tensor([[1.0, 0, 0, 0, 0, 0, 0]]))[0]
    from demos.face.rig import CHIN, EYE_CORNERS
    assert open_jaw[CHIN, 1] - rest[CHIN, 1] > 0.1                        # down (y grows downwards)
    assert (open_jaw[list(EYE_CORNERS)] - rest[list(EYE_CORNERS)]).abs().max() < 1e-6


def test_held_out_control_errors_are_the_record_and_meet_the_bar(card, sessions, rig_modules):
    """Regenerate the held-out faces with the rig rebuilt from face_rig.onnx, solve them with onnxruntime
    and with the linear fit: the errors must be what train.py recorded, the MLP's jaw ≤ 0.5× linear."""
    from demos.face import train
    _, rig = rig_modules
    metrics = card["metrics"]
    x, y = train.sample(rig, metrics["rig_held_out_faces"], seed=2)
    ours = run(sessions[2], {"landmarks": x.numpy()})["controls"]
    mlp = train.errors(torch.from_numpy(ours), y)
    linear = train.errors(train.linear_fit(train.blendshapes(rig), rig.neutral, x), y)
    print("MLP", mlp, "\nlinear", linear)
    for name in mlp:
        assert mlp[name] == pytest.approx(metrics["rig_mlp_mean_abs_error"][name], abs=2e-4)
        assert linear[name] == pytest.approx(metrics["rig_linear_mean_abs_error"][name], abs=2e-4)
    assert mlp["jaw_open"] <= 0.5 * linear["jaw_open"]


def test_the_astronaut_solves_to_a_nearly_neutral_face(card, sessions, image):
    controls = infer.predict(sessions, card, {"image": image})["controls"]
    assert list(controls) == card["config"]["rig"]["controls"]
    assert max(abs(controls[k]) for k in ("jaw_open", "smile", "blink", "brow_raise")) < 0.1


def test_rig_training_smoke_run_writes_the_solver_and_its_metrics(tmp_path, monkeypatch):
    from demos.common import checkpoint
    from demos.face import train
    monkeypatch.setattr(checkpoint, "BUILD_DIR", tmp_path)
    monkeypatch.setattr(train, "HELD_OUT", 300)
    metrics = train.main(steps=100, train=2000)
    assert (tmp_path / "face" / "state.pt").is_file() and (tmp_path / "face" / "rig.pt").is_file()
    saved = json.loads((tmp_path / "face" / "metrics.json").read_text())
    assert saved == metrics and saved["rig_held_out_faces"] == 300
    # even 100 steps beat the linear fit on the jaw hinge
    assert metrics["rig_mlp_mean_abs_error"]["jaw_open"] < metrics["rig_linear_mean_abs_error"]["jaw_open"]
