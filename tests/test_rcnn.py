"""rcnn: parity torch ↔ onnxruntime, the recorded metrics, the two-stage pipeline, the CLI and bad input."""
import json
import subprocess
import sys

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose

from demos.common import detection as det
from demos.common import sidecar as sc
from demos.common.errors import DemoError
from demos.common.images import png_bytes
from demos.common.onnx_weights import load_into
from demos.common.paths import ROOT
from demos.common.runtime import open_sessions, run
from demos.rcnn import hard, infer
from demos.rcnn import proposals as prop
from demos.rcnn.model import RegionCNN, RegionConfig


@pytest.fixture(scope="module")
def card():
    return sc.read("rcnn")


@pytest.fixture(scope="module")
def sessions(card):
    return open_sessions(card)


@pytest.fixture(scope="module")
def torch_model(card):
    config = RegionConfig(**{**card["config"], "widths": tuple(card["config"]["widths"])})
    return load_into(RegionCNN(config), sc.model_path(card))


@pytest.mark.parametrize("source", ["golden", "random"])
def test_parity_torch_vs_onnxruntime(card, sessions, torch_model, source):
    if source == "golden":
        image = det.scene_of(card["golden"][0]["input"])
        x = prop.warp(image, prop.proposals(image))
    else:
        x = np.random.default_rng(1).random((7, 3, prop.WARP, prop.WARP), dtype=np.float32)
    ours = run(sessions[0], {"regions": x})
    with torch.no_grad():
        probs, deltas = (t.numpy() for t in torch_model(torch.from_numpy(x)))
    print(f"{source}: max |torch - onnxruntime| = {np.abs(ours['probs'] - probs).max():.2e}, deltas "
          f"{np.abs(ours['deltas'] - deltas).max():.2e}")
    assert_allclose(ours["probs"], probs, rtol=1e-3, atol=1e-5)
    assert_allclose(ours["deltas"], deltas, rtol=1e-3, atol=1e-5)


def test_golden_outputs_are_what_the_pipeline_gives(card, sessions):
    for golden in card["golden"]:
        result = infer.predict(sessions, card, {"image": det.scene_of(golden["input"]), **infer.DEFAULTS})
        assert result["proposals"] == golden["output"]["proposals"]
        assert_allclose(result["proposal_probs"], golden["output"]["probs"], atol=1e-5)
        assert [d["proposal"] for d in result["detections"]] == golden["output"]["index"]
        assert_allclose([d["box"] for d in result["detections"]], np.reshape(golden["output"]["boxes"], (-1, 4)),
                        atol=1e-3)
        assert result["forward_passes"] == len(golden["output"]["proposals"])


def test_scene_without_objects_and_blank_image(card, sessions):
    empty = det.make_scene(det.HELD_OUT_SEED + 5, objects=0)[0]
    result = infer.predict(sessions, card, {"image": empty, **infer.DEFAULTS})
    assert result["detections"] == []
    blank = np.full((64, 64, 3), 128, np.uint8)
    result = infer.predict(sessions, card, {"image": blank, **infer.DEFAULTS})
    assert result["proposals"] == [] and result["forward_passes"] == 0 and result["detections"] == []
    assert "no objects" in infer.format_text(result, card)


@pytest.mark.parametrize("key, value", [("nms_iou", 1.01), ("nms_iou", -1), ("confidence", -0.2)])
def test_thresholds_outside_unit_interval_are_a_demo_error(card, sessions, key, value):
    image = det.make_scene(det.HELD_OUT_SEED)[0]
    with pytest.raises(DemoError, match=r"must lie in \[0, 1\]"):
        infer.predict(sessions, card, {"image": image, **infer.DEFAULTS, key: value})


def test_cli_runs_a_scene_png_and_refuses_a_non_image(tmp_path, card):
    golden = card["golden"][0]
    path = tmp_path / "scene.png"
    path.write_bytes(png_bytes(det.scene_of(golden["input"])))
    proc = subprocess.run([sys.executable, "-m", "demos", "run", "rcnn", str(path), "--json"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert_allclose(np.reshape([d["box"] for d in result["detections"]], (-1, 4)),
                    np.reshape(golden["output"]["boxes"], (-1, 4)), atol=1e-3)
    bad = tmp_path / "scene.txt"
    bad.write_text("not an image")
    proc = subprocess.run([sys.executable, "-m", "demos", "run", "rcnn", str(bad)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr and "neither a PNG" in proc.stderr


def test_held_out_map_and_the_harder_scenes_snippet_are_what_the_script_measures(card, sessions):
    """The whole pipeline on the very scenes and thresholds the export recorded gives the record, on the
    standard and on the harder scenes (torch at training time agreed), and the page's snippet comparing
    both detectors is what demos/rcnn/hard.py measures on them."""
    yolo = sc.read("yolo")
    models = [(yolo, open_sessions(yolo)), (card, sessions)]
    metrics = card["metrics"]
    assert hard.SCENES == metrics["held_out_scenes"]
    results = {name: hard.measure(gen, det.held_out_seeds(hard.SCENES), *models) for name, gen in hard.GENERATORS.items()}
    assert hard.snippet(results, yolo, card) == hard.SNIPPET.read_text()
    for kind, prefix in (("standard", ""), ("harder", "hard_")):
        measured = results[kind]
        print(f"R-CNN mAP@0.5 on {hard.SCENES} held-out {kind} scenes: {measured['rcnn_map50']:.4f} "
              f"(recorded {metrics[prefix + 'onnxruntime_map50']}, torch at training {metrics[prefix + 'held_out_map50']})")
        assert measured["rcnn_map50"] == pytest.approx(metrics[prefix + "onnxruntime_map50"], abs=1e-4)
        assert measured["rcnn_map50"] == pytest.approx(metrics[prefix + "held_out_map50"], abs=2e-3)  # torch agreed
        assert measured["proposals_per_image"] == pytest.approx(metrics[prefix + "forward_passes_per_image"], abs=0.01)
        assert measured["rcnn_map50"] >= 0.9          # R-CNN on the harder scenes: selective search made it work
    assert results["harder"]["yolo_map50"] >= 0.9                  # the bar, on the harder scenes
    assert results["harder"]["proposal_recall50"] == pytest.approx(metrics["hard_proposal_recall50"], abs=1e-4)


def test_box_regression_inverts_its_targets_by_hand():
    proposals = np.array([[10, 10, 20, 30], [0, 0, 8, 8]])
    truths = np.array([[12, 8, 22, 38], [0, 0, 8, 8]])
    targets = prop.regression_targets(proposals, truths)
    assert_allclose(targets, [[0.2, 0.15, 0, np.log(1.5)], [0, 0, 0, 0]])    # centre (15, 20) → (17, 23)
    assert_allclose(prop.regress(proposals, targets), truths)


def test_box_regression_brings_jittered_boxes_closer_and_the_page_shows_the_measurement(card, sessions):
    """R-CNN's regression fixes localisation: object boxes jittered as in training overlap their objects
    much more after it. The page's table is exactly what demos/rcnn/hard.py measures."""
    moved = {name: hard.regression(gen, det.held_out_seeds(hard.REGRESSION_SCENES), (card, sessions))
             for name, gen in hard.GENERATORS.items()}
    before, after, count = moved["standard"]["jittered"]
    print(moved)
    assert count >= 200 and after > before + 0.1
    assert hard.regression_snippet(moved) == hard.REGRESSION_SNIPPET.read_text()
