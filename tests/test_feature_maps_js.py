"""The digits page's JS in Node: parts/feature-maps.js (layers read from the sidecar, the kernel view's
arithmetic against onnxruntime's own feature maps) and digits.js's countsFromImage on anti-aliased
strokes against demos/digits/infer.py."""
import json

import numpy as np
import pytest
from numpy.testing import assert_allclose

from demos.common import sidecar as sc
from demos.common.runtime import open_sessions, run
from demos.digits import infer
from tests.test_digits import anti_aliased_digit
from tests.nodejs import JS, NODE, evaluate

pytestmark = pytest.mark.skipif(NODE is None, reason="node is part of make test's set-up")


def node(script: str, data) -> object:
    """`script` reads its input as `data`."""
    return evaluate("const data = DATA;\n" + script, {"f": JS / "parts" / "feature-maps.js", "d": JS / "demos" / "digits.js"}, data)


@pytest.fixture(scope="module")
def card():
    return sc.read("digits")


def test_layers_are_read_from_the_sidecar(card):
    layers = node("return f.convLayers(data);", card["models"][0])
    outputs = {o["name"]: o["shape"] for o in card["models"][0]["outputs"]}
    assert [layer["name"] for layer in layers] == ["conv1", "conv2"]
    assert [layer["channels"] for layer in layers] == [outputs["conv1"][1], outputs["conv2"][1]]
    assert layers[0]["input"] == {"name": "image", "channels": 1}
    assert layers[1]["input"] == {"name": "conv1", "channels": outputs["conv1"][1]}
    broken = json.loads(json.dumps(card["models"][0]))
    next(o for o in broken["outputs"] if o["name"] == "conv2_weight")["shape"][1] = 3
    message = node("try { f.convLayers(data); return 'no error'; } catch (e) { return e.message; }", broken)
    assert "conv2_weight" in message and "32×16" in message


def test_correlate_by_hand():
    # a 3×3 map, a kernel picking the right neighbour: zero padding at the right edge
    out = node("return f.correlate([1, 2, 3, 4, 5, 6, 7, 8, 9], 3, 3, [0, 0, 0, 0, 0, 1, 0, 0, 0], 3);", None)
    assert out == [2, 3, 0, 5, 6, 0, 8, 9, 0]
    out = node("return f.correlate([1, 0, 0, 0], 2, 2, [1, 2, 3, 4, 5, 6, 7, 8, 9], 3);", None)
    assert out == [5, 4, 2, 1]


def test_kernel_view_rebuilds_onnxruntime_maps(card):
    counts = card["golden"][1]["input"]["counts"]
    x = infer.to_input(counts)
    out = run(open_sessions(card)[0], {"image": x})
    data = {"model": card["models"][0], "input": x.ravel().tolist(),
            **{k: v.ravel().tolist() for k, v in out.items() if k.startswith("conv")}}
    got = node("""
      const layers = f.convLayers(data.model);
      return layers.map((l) => Array.from({ length: l.channels }, (_, u) => {
        const how = f.explainUnit(l, l.input.name === 'image' ? data.input : data[l.input.name], data[l.weight], data[l.bias], u);
        return { map: how.map, sum: how.sum, terms: how.terms.length };
      }));""", data)
    for layer, name in zip(got, ["conv1", "conv2"]):
        assert len(layer) == out[name].shape[1]
        for unit, how in enumerate(layer):
            assert how["terms"] == out[f"{name}_weight"].shape[1]
            assert_allclose(np.array(how["map"]).reshape(8, 8), out[name][0, unit], atol=2e-5)
            assert_allclose(np.maximum(how["sum"], 0), how["map"])


@pytest.mark.parametrize("view", ["as drawn", "wide", "light on dark"])
def test_counts_from_image_matches_python_on_anti_aliased_strokes(card, view):
    gray = {"as drawn": lambda g: g, "wide": lambda g: g.T.copy(), "light on dark": lambda g: 1 - g}[view](anti_aliased_digit())
    rgba = np.dstack([np.rint(gray * 255)] * 3 + [np.full(gray.shape, 255)]).astype(np.uint8)
    h, w = gray.shape
    lower = {**card["preprocessing"], "ink_threshold": 0.4}
    got, at_lower = node("""const image = Uint8ClampedArray.from(data.rgba);
      return [d.countsFromImage(image, data.w, data.h, data.prep), d.countsFromImage(image, data.w, data.h, data.lower)];""",
                         {"rgba": rgba.ravel().tolist(), "w": w, "h": h, "prep": card["preprocessing"], "lower": lower})
    assert_allclose(got, infer.counts_from_image(rgba[..., :3] / 255.0))
    assert got != at_lower      # the page reads its threshold from the sidecar, and it matters here
