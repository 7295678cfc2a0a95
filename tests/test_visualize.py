"""visualize: parity of both graphs with torch, the backward passes against torch.autograd (1e-5),
occlusion in one batch and its bad inputs, the recorded localisation numbers, the CLI."""
import json
import re
import subprocess
import sys

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from numpy.testing import assert_allclose

from demos.common import detection as det
from demos.common import sidecar as sc
from demos.common.errors import DemoError
from demos.common.images import png_bytes
from demos.common.onnx_weights import load_into
from demos.common.paths import ROOT
from demos.common.runtime import open_sessions, run
from demos.visualize import infer
from demos.visualize.model import Explainer, ShapeCNN, ShapeConfig
from demos.visualize.ties import decisions as _decisions
from demos.visualize.train import one_shape_scenes


@pytest.fixture(scope="module")
def card():
    return sc.read("visualize")


@pytest.fixture(scope="module")
def sessions(card):
    return open_sessions(card)


@pytest.fixture(scope="module")
def cnn(card):
    config = ShapeConfig(**{**card["config"], "widths": tuple(card["config"]["widths"])})
    return load_into(ShapeCNN(config), sc.model_path(card, 0))


@pytest.fixture(scope="module")
def scenes():
    return one_shape_scenes(det.held_out_seeds(5))


@pytest.fixture(scope="module")
def branches_agree(sessions, cnn, scenes):
    return [same_branches(sessions, cnn, image) for image in scenes[0]]


def same_branches(sessions, cnn, image) -> bool:
    """Do onnxruntime and torch take the same branches on this image?

    They compute the forward values with differences of about 1e-6; where a ReLU input or a max is that
    close to a tie, the two may branch differently and their backward passes then legitimately differ.
    """
    x = det.to_chw(image)
    layers = len(cnn.convs)
    ours = [run(sessions[0], {"image": x})[f"conv{i + 1}"] for i in range(layers)]
    with torch.no_grad():
        theirs = [t.numpy() for t in cnn(torch.from_numpy(x))[2:]]
    return all((a == b).all() for a, b in zip(_decisions(ours), _decisions(theirs)))


class _Rule(torch.autograd.Function):
    """ReLU whose backward is the gradient, guided backpropagation or the deconvnet rule."""

    @staticmethod
    def forward(ctx, z, mode):
        ctx.save_for_backward(z)
        ctx.mode = mode
        return z.clamp(min=0)

    @staticmethod
    def backward(ctx, grad):
        (z,) = ctx.saved_tensors
        if ctx.mode == "gradient":
            return grad * (z > 0), None
        if ctx.mode == "guided":
            return grad.clamp(min=0) * (z > 0), None
        return grad.clamp(min=0), None


def autograd_reference(cnn, image, mode, target=None, layer=None, channel=None):
    """d(score of target) / d(image), or d(strongest unit of conv`layer` map `channel`) / d(image)."""
    x = torch.from_numpy(det.to_chw(image)).requires_grad_(True)
    h = x
    for i, conv in enumerate(cnn.convs):
        h = _Rule.apply(conv(h), mode)
        if layer == i + 1:
            strongest = h[0, channel].max()
            strongest.backward(strongest.detach())      # project the activation itself, as Zeiler & Fergus do
            return x.grad[0].numpy()
        if i < len(cnn.convs) - 1:
            h = F.max_pool2d(h, 2)
    cnn.fc(h.amax((2, 3)))[0, target].backward()
    return x.grad[0].numpy()


def test_held_out_accuracy_is_recorded_and_reached(card, sessions):
    images, _, labels = one_shape_scenes(det.held_out_seeds(card["metrics"]["held_out_scenes"]))
    probs = run(sessions[0], {"image": det.to_chw(images)})["probs"]
    accuracy = float((probs.argmax(1) == labels).mean())
    assert accuracy == pytest.approx(card["metrics"]["held_out_accuracy"], abs=2e-3) and accuracy >= 0.9


def test_classifier_parity_torch_vs_onnxruntime(card, sessions, cnn, scenes):
    x = det.to_chw(scenes[0])
    ours = run(sessions[0], {"image": x})
    with torch.no_grad():
        theirs = cnn(torch.from_numpy(x))
    names = ["probs", "logits"] + [f"conv{i + 1}" for i in range(len(card["config"]["widths"]))]
    for name, t in zip(names, theirs):
        print(f"{name}: max |torch - onnxruntime| = {np.abs(ours[name] - t.numpy()).max():.2e}")
        assert_allclose(ours[name], t.numpy(), rtol=1e-3, atol=1e-5)


@pytest.mark.parametrize("mode", ["gradient", "guided"])
def test_backward_passes_equal_autograd(sessions, cnn, scenes, branches_agree, mode):
    """The exported module equals autograd everywhere; the ONNX graph too, wherever no decision is a near-tie."""
    explainer, checked = Explainer(cnn), 0
    for image, label, agree in zip(scenes[0], scenes[2], branches_agree):
        for target in sorted({int(label), 0}):
            theirs = autograd_reference(cnn, image, mode, target=target)
            with torch.no_grad():
                module = explainer(torch.from_numpy(det.to_chw(image)), torch.tensor([target]),
                                   torch.tensor([1]), torch.tensor([0]))[1 if mode == "gradient" else 2][0].numpy()
            assert np.abs(theirs).max() > 0 and np.abs(module - theirs).max() <= 1e-5
            if agree:
                ours = infer.explain(sessions[1], image, target, 1, 0)[mode]
                print(f"{mode} class {target}: max |onnxruntime - autograd| {np.abs(ours - theirs).max():.2e} "
                      f"(max |grad| {np.abs(theirs).max():.2e})")
                assert np.abs(ours - theirs).max() <= 1e-5
                checked += 1
    assert checked >= 5          # most scenes branch identically


@pytest.mark.parametrize("layer", [1, 2, 3, 4])
def test_deconvnet_equals_the_autograd_deconvnet_rule(card, sessions, cnn, scenes, branches_agree, layer):
    explainer = Explainer(cnn)
    for image, agree in list(zip(scenes[0], branches_agree))[:2]:
        for channel in (0, card["config"]["widths"][layer - 1] - 1):
            theirs = autograd_reference(cnn, image, "deconvnet", layer=layer, channel=channel)
            with torch.no_grad():
                module = explainer(torch.from_numpy(det.to_chw(image)), torch.tensor([0]), torch.tensor([layer]),
                                   torch.tensor([channel]))[3][0].numpy()
            assert np.abs(module - theirs).max() <= 1e-5, (layer, channel, np.abs(module - theirs).max())
            if agree:
                ours = infer.explain(sessions[1], image, 0, layer, channel)["deconvnet"]
                assert np.abs(ours - theirs).max() <= 1e-5, (layer, channel, np.abs(ours - theirs).max())


def test_occlusion_is_one_batch_equal_to_one_by_one(sessions, scenes):
    image, label = scenes[0][0], int(scenes[2][0])
    result = infer.occlusion(sessions[0], image, label, patch=16, stride=16, grey=0.5)
    assert result["corners"].tolist() == [0, 16, 32, 48] and result["target_prob"].shape == (4, 4)
    for i, top in enumerate(result["corners"]):
        for j, left in enumerate(result["corners"]):
            x = det.to_chw(image)
            x[0, :, top:top + 16, left:left + 16] = 0.5
            assert_allclose(run(sessions[0], {"image": x})["probs"][0, label], result["target_prob"][i, j], atol=1e-6)


@pytest.mark.parametrize("patch, stride, message", [(65, 4, "1 to 64 pixels"), (0, 4, "1 to 64 pixels"),
                                                    (8, 0, "at least 1 pixel"), (8, -2, "at least 1 pixel"),
                                                    (8.5, 2, "whole numbers")])
def test_bad_occlusion_settings_are_demo_errors(card, sessions, scenes, patch, stride, message):
    inputs = {"image": scenes[0][0], **infer.DEFAULTS, "patch": patch, "stride": stride}
    with pytest.raises(DemoError, match=message):
        infer.predict(sessions, card, inputs)


def test_bad_unit_is_a_demo_error(card, sessions, scenes):
    with pytest.raises(DemoError, match="layer must be"):
        infer.predict(sessions, card, {"image": scenes[0][0], **infer.DEFAULTS, "layer": 7})
    with pytest.raises(DemoError, match="feature maps"):
        infer.predict(sessions, card, {"image": scenes[0][0], **infer.DEFAULTS, "layer": 1, "channel": 99})


def test_blank_image_matches_torch(card, sessions, cnn):
    """A blank grey scene: probabilities and every occlusion position are torch's on the same copies.
    (Its backward maps are all max-pool ties, where the runtimes may pick different winners.)"""
    image = np.full((64, 64, 3), 128, np.uint8)
    result = infer.predict(sessions, card, {"image": image, **infer.DEFAULTS})
    x = torch.from_numpy(det.to_chw(image))
    with torch.no_grad():
        probs = cnn(x)[0][0].numpy()
    assert_allclose(list(result["probs"].values()), probs, atol=1e-5)
    target = int(probs.argmax())
    assert result["top"] == result["target"] == card["labels"][target]
    patch, corners = infer.DEFAULTS["patch"], result["occlusion"]["corners"]
    assert corners == list(range(0, 64 - patch + 1, infer.DEFAULTS["stride"]))
    for i, top in enumerate(corners):
        copies = x.repeat(len(corners), 1, 1, 1)
        for j, left in enumerate(corners):
            copies[j, :, top:top + patch, left:left + patch] = infer.DEFAULTS["grey"]
        with torch.no_grad():
            p = cnn(copies)[0].numpy()
        assert_allclose(result["occlusion"]["target_prob"][i], p[:, target], atol=1e-5)
        assert result["occlusion"]["top_class"][i] == [card["labels"][k] for k in p.argmax(1)]
    assert all(np.isfinite(result[name]["map"]).all() for name in ("gradient", "guided", "deconvnet"))


def test_golden_outputs_and_recorded_localisation_are_reproduced(card, sessions):
    from demos.visualize import export

    for golden in card["golden"]:
        result = infer.predict(sessions, card, {"image": det.scene_of(golden["input"]), **infer.DEFAULTS})
        assert result["top"] == golden["output"]["top"]
        assert result["gradient"]["peak"] == golden["output"]["gradient"]["peak"]
        assert_allclose(result["occlusion"]["target_prob"], golden["output"]["occlusion"]["target_prob"], atol=1e-5)
    loc = card["metrics"]["localisation"]
    images, boxes, _ = one_shape_scenes(det.held_out_seeds(loc["scenes"]))
    assert export.localisation(sessions, images, boxes) == loc
    table = (ROOT / "demos" / "visualize" / "localisation.md").read_text()
    assert f"{100 * loc['yolo']['box']['correct']:.1f} %" in table


def test_cli_runs_a_scene_png(tmp_path, card):
    golden = card["golden"][0]
    path = tmp_path / "scene.png"
    path.write_bytes(png_bytes(det.scene_of(golden["input"])))
    proc = subprocess.run([sys.executable, "-m", "demos", "run", "visualize", str(path), "--json"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["top"] == golden["output"]["top"] and result["guided"]["peak"] == golden["output"]["guided"]["peak"]


def test_explanation_graph_differs_from_torch_only_at_counted_ties():
    """On fresh scenes every map that differs from torch by more than 1e-5 of its maximum comes with a
    branch (ReLU sign, max-pool winner) the runtimes decided differently; the page's figures are re-measured."""
    from demos.visualize import ties
    m = ties.measure()
    assert m["differ_with_tie"] == m["differ"] and m["differ"] <= m["ties"]
    assert m["differ"] < m["scenes"] // 5
    # Which near-ties flip depends on the CPU's kernels (torch and onnxruntime pick code paths by
    # instruction set), so the page's recorded figures are compared with a margin, not digit for digit.
    text = ties.TABLE.read_text()
    equal, differ, worst = re.search(r"on (\d+) of them\. On (\d+) they differ, by up to ([\d.]+) %", text).groups()
    assert int(equal) + int(differ) == m["scenes"]
    assert abs(int(differ) - m["differ"]) <= 3, (differ, m["differ"])
    assert 100 * m["worst"] <= 5 and float(worst) <= 5, (worst, m["worst"])
