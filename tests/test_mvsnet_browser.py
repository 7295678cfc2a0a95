"""mvsnet in the page: the golden maps first (no model fetched), then MVSNet in ONNX Runtime Web with
Python onnxruntime's depth (≤ 1e-4) and the CLI's statistics; the plane sweep on the motorcycle pair
gives numpy's depth; pixel curves by tap and keys; the plane slider; a phone-wide layout."""
import json

import numpy as np
import pytest

from demos.common import sidecar as sc
from demos.common.runtime import open_sessions, run
from demos.mvsnet import evaluate, geometry, infer, planesweep, views

pytestmark = pytest.mark.browser
PAGE = "/3d/mvsnet/"
BOX = "[data-demo=mvsnet]"


def result(page, key):
    page.wait_for_function(f"() => document.querySelector('{BOX}').mvsnet?.results.has('{key}')", timeout=60_000)
    return np.array(page.evaluate(f"() => Array.from(document.querySelector('{BOX}').mvsnet.results.get('{key}').depth)"))


def shown(page):
    return json.loads(page.locator(BOX).get_attribute("data-result"))


def test_golden_then_the_model_gives_pythons_depth_and_statistics(tab, server):
    before = len(server.log)
    page = tab.open(PAGE)
    page.wait_for_function(f"() => document.querySelector('{BOX}').dataset.result")
    golden = shown(page)
    assert golden["golden"] and golden["example"] == "held_out:0" and golden["method"] == "mvsnet"
    assert not [p for p in server.paths()[before:] if p.endswith((".onnx", ".wasm"))]
    box = page.locator(BOX)
    box.get_by_role("button", name="MVSNet", exact=True).click()
    depth = result(page, "0:mvsnet")
    scene = views.views("held_out:0")
    x = infer.feeds({**scene, "depth_range": [2.0, 6.0]}, 32)
    python = run(open_sessions(sc.read("mvsnet"))[0], x)["depth"]
    assert np.abs(depth.reshape(python.shape) - python).max() <= 1e-4
    page.wait_for_function(f"() => !JSON.parse(document.querySelector('{BOX}').dataset.result).golden")
    ours = shown(page)
    expected = evaluate.stats(python, scene["depth"].astype(np.float64), float(x["depths"][1] - x["depths"][0]))
    assert ours["mean_abs_error"] == pytest.approx(expected["mean_abs_error"], abs=2e-4)
    assert ours["within_one_plane"] == pytest.approx(expected["within_one_plane"], abs=2e-3)
    # a tap on the depth map shows that pixel's curves over the planes; arrow keys move the pixel
    canvas = box.locator("canvas.inn-mvs__map").first
    canvas.click(position={"x": 120, "y": 60})
    caption = box.locator(".inn-mvs__curve + figcaption")
    assert caption.inner_text().startswith("Pixel row")
    first = caption.inner_text()
    canvas.focus()
    page.keyboard.press("ArrowRight")
    assert caption.inner_text() != first and "softmax probability" in caption.inner_text()
    # the slider moves the plane the source is warped onto
    box.locator(".inn-mvs__slider").fill("0")
    assert "Plane 1 of 32" in box.locator(".inn-mvs__sweep figcaption").inner_text()
    assert tab.errors == [] and tab.foreign_requests() == []


def test_plane_sweep_on_the_pair_is_numpys_and_fits_a_phone(new_tab):
    tab = new_tab(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True)
    page = tab.open(PAGE)
    page.wait_for_function(f"() => document.querySelector('{BOX}').dataset.result")
    box = page.locator(BOX)
    box.get_by_label("Example views").select_option("3")
    box.get_by_role("button", name="plane sweep").tap()
    depth = result(page, "3:plane_sweep")
    pair = views.views("motorcycle")
    depths = geometry.planes(2.0, 6.0, 32)
    ours = planesweep.plane_sweep(pair["images"], pair["K"], pair["R"], pair["t"], depths)["depth"]
    assert np.array_equal(depth.reshape(ours.shape), ours)
    page.wait_for_function(f"() => JSON.parse(document.querySelector('{BOX}').dataset.result).example === 'motorcycle'")
    assert "within_3px" in shown(page)
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways on a phone ({width} px)"
    assert tab.errors == []
