"""digits: parity torch ↔ onnxruntime, the kernels the page shows, the recorded metrics, and the shared
preprocessing (on anti-aliased strokes, as a canvas draws them)."""
import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose

from demos.common import sidecar as sc
from demos.common.errors import DemoError
from demos.common.onnx_weights import load_into
from demos.common.runtime import open_sessions, run
from demos.digits import infer
from demos.digits.export import OUTPUTS
from demos.digits.model import DigitsConfig, WithKernels
from demos.digits.train import split


@pytest.fixture(scope="module")
def card():
    return sc.read("digits")


@pytest.fixture(scope="module")
def session(card):
    return open_sessions(card)[0]


@pytest.fixture(scope="module")
def torch_model(card):
    return load_into(WithKernels(DigitsConfig(**card["config"])), sc.model_path(card))


@pytest.mark.parametrize("source", ["golden", "random"])
def test_parity_torch_vs_onnxruntime(card, session, torch_model, source):
    if source == "golden":
        x = np.concatenate([infer.to_input(g["input"]["counts"]) for g in card["golden"]])
    else:
        x = np.random.default_rng(1).integers(0, 17, size=(16, 1, 8, 8)).astype(np.float32) / 16
    ours = run(session, {"image": x})
    with torch.no_grad():
        theirs = dict(zip(OUTPUTS, (t.numpy() for t in torch_model(torch.from_numpy(x)))))
    for name in OUTPUTS:
        diff = np.abs(ours[name] - theirs[name]).max()
        print(f"{source} {name}: max |torch - onnxruntime| = {diff:.2e}")
        assert_allclose(ours[name], theirs[name], rtol=1e-3, atol=1e-5)


def test_golden_outputs_are_what_onnxruntime_gives(card, session):
    for golden in card["golden"]:
        probs = run(session, {"image": infer.to_input(golden["input"]["counts"])})["probs"][0]
        assert_allclose(probs, golden["output"]["probs"], atol=1e-6)
        assert int(probs.argmax()) == golden["output"]["top"]


def test_held_out_accuracy_is_recorded_and_reached(card, session):
    _, x_test, _, y_test = split()
    probs = run(session, {"image": infer.to_input(x_test).reshape(-1, 1, 8, 8)})["probs"]
    accuracy = float((probs.argmax(1) == y_test).mean())
    assert accuracy >= 0.98
    assert accuracy == pytest.approx(card["metrics"]["held_out_accuracy"], abs=1e-3)


def _ring_bitmap() -> np.ndarray:
    """A 32×32 binary shape whose bounding box is the whole grid."""
    y, x = np.mgrid[:32, :32]
    r = np.hypot(y - 15.5, x - 15.5)
    return (r <= 16.2) & (r >= 11)


def test_preprocessing_recovers_a_scaled_bitmap_exactly():
    bitmap = _ring_bitmap()
    drawing = np.kron(bitmap, np.ones((7, 7))).astype(bool)           # 224×224
    canvas = np.ones((300, 260))
    canvas[40:264, 20:244][drawing] = 0.0                              # black ink on white
    expected = bitmap.reshape(8, 4, 8, 4).sum(axis=(1, 3))
    assert_allclose(infer.counts_from_image(canvas), expected)
    assert_allclose(infer.counts_from_image(1.0 - canvas), expected)   # white on black


def test_preprocessing_squares_a_narrow_digit():
    canvas = np.ones((200, 200))
    canvas[20:180, 95:105] = 0.0                                       # a tall "1"
    counts = infer.counts_from_image(canvas)
    assert counts.shape == (8, 8)
    assert counts[:, 3:5].sum() > 0 and counts[:, :2].sum() == 0 and counts[:, 6:].sum() == 0
    assert_allclose(infer.counts_from_image(canvas.T), counts.T)       # a wide "−": squared and centred too


def test_blank_image_is_refused():
    with pytest.raises(DemoError, match="blank"):
        infer.counts_from_image(np.ones((50, 50)))


def _correlate_same(x: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """(H, W) ⋆ (3, 3), zero padding 1 — written out, not torch."""
    padded = np.pad(x, 1)
    h, w = x.shape
    return sum(kernel[dy, dx] * padded[dy:dy + h, dx:dx + w] for dy in range(3) for dx in range(3))


def test_kernel_outputs_make_the_feature_maps(card, session):
    """The kernels the page shows under a map are the ones that made it: map = ReLU(b + Σ input ⋆ kernel)."""
    x = infer.to_input(card["golden"][0]["input"]["counts"])
    out = run(session, {"image": x})
    layers = [("conv1", x[0]), ("conv2", out["conv1"][0])]
    for name, inputs in layers:
        weight, bias = out[f"{name}_weight"], out[f"{name}_bias"]
        assert weight.shape == (out[name].shape[1], inputs.shape[0], 3, 3)
        for unit in range(weight.shape[0]):
            pre = bias[unit] + sum(_correlate_same(inputs[i], weight[unit, i]) for i in range(inputs.shape[0]))
            assert_allclose(np.maximum(pre, 0), out[name][0, unit], atol=2e-5)


def anti_aliased_digit() -> np.ndarray:
    """A '2'-like stroke drawn at 8× and box-filtered down to 160×160, as a canvas anti-aliases: grey edges."""
    from PIL import Image, ImageDraw
    big = Image.new("L", (1280, 1280), 255)
    pen = ImageDraw.Draw(big)
    pen.arc((300, 200, 980, 760), 180, 30, fill=0, width=110)
    pen.line((930, 600, 330, 1080), fill=0, width=110)
    pen.line((330, 1080, 1000, 1060), fill=0, width=90)
    gray = np.asarray(big.resize((160, 160), Image.Resampling.BOX), np.float64) / 255
    gray[150:158, 2:10] = 0.5            # ink exactly at the threshold: not "on" (else the crop grows)
    return gray


def reference_counts(gray: np.ndarray, threshold: float) -> np.ndarray:
    """The documented steps, one at a time with plain loops (dark ink on white)."""
    on = (1 - gray) > threshold
    ys, xs = np.nonzero(on)
    top, bottom, left, right = ys.min(), ys.max(), xs.min(), xs.max()
    side = max(bottom - top + 1, right - left + 1)
    top -= (side - (bottom - top + 1)) // 2
    left -= (side - (right - left + 1)) // 2
    counts = np.zeros((8, 8), int)
    for i in range(32):
        for j in range(32):
            y, x = top + ((2 * i + 1) * side) // 64, left + ((2 * j + 1) * side) // 64
            if 0 <= y < gray.shape[0] and 0 <= x < gray.shape[1] and on[y, x]:
                counts[i // 4, j // 4] += 1
    return counts


def test_ink_threshold_on_anti_aliased_strokes():
    gray = anti_aliased_digit()
    edge = ((1 - gray) > 0.3) & ((1 - gray) <= 0.5)
    assert edge.sum() > 100                                        # many partly covered pixels
    expected = reference_counts(gray, 0.5)
    assert (reference_counts(gray, 0.4) != expected).any()         # a 0.4 threshold would read it differently
    assert (reference_counts(gray, 0.6) != expected).any()
    assert_allclose(infer.counts_from_image(gray), expected)
    assert_allclose(infer.counts_from_image(1 - gray), expected)   # the same strokes light on dark
    assert_allclose(infer.counts_from_image(gray.T), reference_counts(gray.T, 0.5))   # wider than tall
