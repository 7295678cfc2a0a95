"""`python -m demos`: results, and one readable line (never a traceback) for every bad input."""
import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image


ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def cli(*args, models_dir=None):
    env = dict(os.environ)
    if models_dir:
        env["INSIDE_NN_MODELS"] = str(models_dir)
    return subprocess.run([sys.executable, "-m", "demos", *map(str, args)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def assert_one_line_error(proc, fragment):
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and fragment in lines[0], proc.stderr


@pytest.fixture
def drawn_png(tmp_path):
    """A held-out digit drawn large and blocky on a white 300×300 canvas, as PNG; returns (path, label)."""
    example = json.load(open(os.path.join(ROOT, "exported_models", "digits.json")))["golden"][0]["input"]
    strokes = np.kron(np.array(example["counts"]) >= 7, np.ones((30, 30), bool))
    canvas = np.full((300, 300), 255, np.uint8)
    canvas[30:270, 30:270][strokes] = 0
    path = tmp_path / "digit.png"
    Image.fromarray(canvas).save(path)
    return path, str(example["label"])


def test_list_names_every_demo():
    proc = cli("list")
    assert proc.returncode == 0 and "digits" in proc.stdout and "held_out_accuracy" in proc.stdout


def test_run_png_json_and_text_agree(drawn_png):
    png, label = drawn_png
    as_json = cli("run", "digits", png, "--json")
    assert as_json.returncode == 0, as_json.stderr
    result = json.loads(as_json.stdout)
    probs = result["probs"]
    assert set(probs) == {str(d) for d in range(10)}
    assert sum(probs.values()) == pytest.approx(1.0, abs=1e-4)
    assert result["top"] == max(probs, key=probs.get) == label
    as_text = cli("run", "digits", png)
    assert as_text.returncode == 0 and as_text.stdout.startswith(f"prediction: {label}")


@pytest.mark.parametrize("k", [0, 7, 25])
def test_npy_counts_are_classified_as_onnxruntime_classifies_them(tmp_path, k):
    """A held-out digit's 8×8 counts as .npy: the CLI's prediction is the model's on counts / 16."""
    import onnxruntime as ort
    card = json.load(open(os.path.join(ROOT, "exported_models", "digits.json")))
    counts = np.array(card["examples"]["counts"][k])
    npy = tmp_path / "counts.npy"
    np.save(npy, counts)
    result = json.loads(cli("run", "digits", npy, "--json").stdout)
    session = ort.InferenceSession(os.path.join(ROOT, "exported_models", "digits.onnx"))
    probs = session.run(["probs"], {"image": (counts / 16).astype(np.float32).reshape(1, 1, 8, 8)})[0][0]
    assert result["top"] == str(int(probs.argmax())) == str(card["examples"]["labels"][k])
    assert list(result["probs"].values()) == pytest.approx(probs.tolist(), abs=1e-6)


def test_unknown_demo(drawn_png):
    assert_one_line_error(cli("run", "nosuchdemo", drawn_png[0]), "unknown demo 'nosuchdemo'")


def test_missing_file():
    assert_one_line_error(cli("run", "digits", "no/such/file.png"), "no such file")


def test_non_image_file(tmp_path):
    text = tmp_path / "notes.png"
    text.write_text("not an image at all")
    assert_one_line_error(cli("run", "digits", text), "is neither a PNG, JPEG, WebP or GIF image nor a .npy file")


def test_truncated_png(drawn_png, tmp_path):
    broken = tmp_path / "broken.png"
    broken.write_bytes(drawn_png[0].read_bytes()[:200])
    proc = cli("run", "digits", broken)
    assert_one_line_error(proc, "broken.png")


def test_any_size_is_resized_but_huge_is_refused(tmp_path):
    wide = np.full((120, 700), 255, np.uint8)
    wide[10:110, 300:330] = 0
    Image.fromarray(wide).save(tmp_path / "wide.png")
    assert cli("run", "digits", tmp_path / "wide.png").returncode == 0
    Image.fromarray(np.zeros((10, 5000), np.uint8)).save(tmp_path / "huge.png")
    assert_one_line_error(cli("run", "digits", tmp_path / "huge.png"), "up to 4096")


def test_blank_image(tmp_path):
    Image.fromarray(np.full((64, 64), 255, np.uint8)).save(tmp_path / "blank.png")
    assert_one_line_error(cli("run", "digits", tmp_path / "blank.png"), "blank")


def test_counts_out_of_range(tmp_path):
    np.save(tmp_path / "bad.npy", np.full((8, 8), 40))
    assert_one_line_error(cli("run", "digits", tmp_path / "bad.npy"), "0..16")


def test_bad_arguments():
    assert_one_line_error(cli("run", "digits"), "required")
    assert_one_line_error(cli("frobnicate"), "invalid choice")


@pytest.fixture
def models_copy(tmp_path):
    copy = tmp_path / "models"
    shutil.copytree(os.path.join(ROOT, "exported_models"), copy)
    return copy


def test_sha256_mismatch_is_refused(models_copy, drawn_png):
    model = models_copy / "digits.onnx"
    data = bytearray(model.read_bytes())
    data[len(data) // 2] ^= 0xFF
    model.write_bytes(bytes(data))
    assert_one_line_error(cli("run", "digits", drawn_png[0], models_dir=models_copy), "sha256")


def test_missing_model_is_refused(models_copy, drawn_png):
    (models_copy / "digits.onnx").unlink()
    assert_one_line_error(cli("run", "digits", drawn_png[0], models_dir=models_copy), "missing")


def test_corrupt_sidecar_is_refused(models_copy, drawn_png):
    (models_copy / "digits.json").write_text('{"name": "digits",\n "models": [}')
    assert_one_line_error(cli("run", "digits", drawn_png[0], models_dir=models_copy), "digits.json:2")


@pytest.fixture
def scene_png(tmp_path):
    from demos.common import detection as det
    from demos.common.images import png_bytes

    image, _, _ = det.make_scene(det.held_out_seeds(1)[0])
    path = tmp_path / "scene.png"
    path.write_bytes(png_bytes(image))
    return path


def test_set_changes_a_demo_option(scene_png):
    loose = json.loads(cli("run", "yolo", scene_png, "--json", "--set", "confidence=0.05").stdout)
    strict = json.loads(cli("run", "yolo", scene_png, "--json", "--set", "confidence=0.6",
                            "--set", "nms_iou=0.3").stdout)
    assert (loose["confidence"], strict["confidence"], strict["nms_iou"]) == (0.05, 0.6, 0.3)
    assert all(d["score"] >= 0.6 for d in strict["detections"])
    assert len(strict["detections"]) <= len(loose["detections"])


@pytest.mark.parametrize("setting, fragment", [
    ("confidence=2", "option confidence takes a number from 0 to 1 in steps of 0.01, got '2'"),
    ("confidence=abc", "option confidence takes a number from 0 to 1 in steps of 0.01, got 'abc'"),
    ("confidence=NaN", "got 'NaN'"),
    ("nosuch=1", "unknown option 'nosuch' (this demo's options and defaults: confidence=0.2, nms_iou=0.4)"),
    ("confidence", "option confidence needs a value: --set confidence=VALUE"),
])
def test_bad_settings(scene_png, setting, fragment):
    assert_one_line_error(cli("run", "yolo", scene_png, "--set", setting), fragment)


def test_digits_has_no_options(drawn_png):
    assert_one_line_error(cli("run", "digits", drawn_png[0], "--set", "layer=1"), "options and defaults: none")
