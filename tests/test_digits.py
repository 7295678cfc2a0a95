"""digits: parity torch ↔ onnxruntime, the recorded metrics, and the shared preprocessing."""
import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose

from demos.common import sidecar as sc
from demos.common.errors import DemoError
from demos.common.onnx_weights import load_into
from demos.common.runtime import open_sessions, run
from demos.digits import infer
from demos.digits.model import DigitsCNN, DigitsConfig
from demos.digits.train import split

OUTPUTS = ["probs", "logits", "conv1", "conv2"]


@pytest.fixture(scope="module")
def card():
    return sc.read("digits")


@pytest.fixture(scope="module")
def session(card):
    return open_sessions(card)[0]


@pytest.fixture(scope="module")
def torch_model(card):
    return load_into(DigitsCNN(DigitsConfig(**card["config"])), sc.model_path(card))


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


def test_blank_image_is_refused():
    with pytest.raises(DemoError, match="blank"):
        infer.counts_from_image(np.ones((50, 50)))
