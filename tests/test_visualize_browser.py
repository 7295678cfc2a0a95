"""visualize in the page: the golden example first, then the same probabilities, saliency peaks and
occlusion map as `python -m demos run visualize` on the same scene; settings rerun the graphs."""
import base64
import json
import subprocess
import sys

import numpy as np
import pytest

from demos.common.paths import ROOT

pytestmark = pytest.mark.browser
PAGE = "/cnn/visualizing/"
MAPS = "[data-demo=visualize] .inn-vis__maps"



def live(page, after=0):
    """Wait until the demo has run the models more than `after` times; return (result, runs)."""
    page.wait_for_function("([s, k]) => Number(document.querySelector(s).dataset.runs) > k", arg=[MAPS, after],
                           timeout=30_000)
    return json.loads(page.locator(MAPS).get_attribute("data-result")), int(page.locator(MAPS).get_attribute("data-runs"))


def python_result(page, tmp_path, *options):
    url = page.locator("[data-demo=visualize] .inn-det__scene").evaluate("c => c.toDataURL('image/png')")
    png = tmp_path / "scene.png"
    png.write_bytes(base64.b64decode(url.split(",", 1)[1]))
    proc = subprocess.run([sys.executable, "-m", "demos", "run", "visualize", str(png), "--json"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=True)
    return json.loads(proc.stdout)


def assert_agrees(ours: dict, python: dict):
    assert ours["top"] == python["top"] and ours["target"] == python["target"]
    for label, p in python["probs"].items():
        assert abs(ours["probs"][label] - p) < 1e-4
    for name in ("gradient", "guided", "deconvnet"):
        full = np.array(python[name]["map"])
        assert abs(ours[name]["max"] - python[name]["max"]) <= 1e-4 * max(1.0, python[name]["max"])
        row, col = ours[name]["peak"]              # the same pixel, or a tie within float error
        assert full[row, col] >= python[name]["max"] - 1e-4 * max(1.0, python[name]["max"])
    assert ours["occlusion"]["corners"] == python["occlusion"]["corners"]
    assert np.allclose(ours["occlusion"]["target_prob"], python["occlusion"]["target_prob"], atol=1e-4)


def test_golden_first_then_the_same_numbers_as_the_cli(tab, server, tmp_path):
    before = len(server.log)
    page = tab.open(PAGE)
    page.wait_for_selector("[data-demo=visualize][data-demo-state=golden]")
    golden = json.loads(page.locator(MAPS).get_attribute("data-result"))
    assert golden["probs"] and golden["occlusion"]["target_prob"]
    assert not [p for p in server.paths()[before:] if p.endswith((".onnx", ".wasm"))]
    page.locator("[data-demo=visualize]").get_by_role("button", name="New scene").click()
    ours, _ = live(page)
    assert ours["layer"] == 4 and ours["patch"] == 16 and ours["stride"] == 4      # the CLI's defaults
    assert_agrees(ours, python_result(page, tmp_path))
    fetched = server.paths()[before:]
    assert any(p.endswith("visualize.onnx") for p in fetched) and any(p.endswith("visualize_explain.onnx") for p in fetched)
    assert tab.errors == [] and tab.foreign_requests() == []


def test_changing_unit_and_occluder_reruns_the_graphs(tab):
    page = tab.open(PAGE)
    page.wait_for_selector("[data-demo=visualize][data-demo-state=golden]")
    box = page.locator("[data-demo=visualize]")
    box.get_by_role("button", name="New scene").click()
    _, first = live(page)
    box.get_by_label("Layer of the unit").select_option("2")
    second, count = live(page, first)
    assert second["layer"] == 2
    sliders = box.locator(".inn-vis__controls .inn-det__slider input")
    sliders.nth(0).evaluate("el => { el.value = 32; el.dispatchEvent(new Event('change')); }")
    third, _ = live(page, count)
    assert third["patch"] == 32 and third["occlusion"]["corners"] == list(range(0, 33, 4))
    assert tab.errors == []


def test_the_first_tap_runs_the_models_once_and_the_top_class_map_has_a_key(tab):
    page = tab.open(PAGE)
    page.wait_for_selector("[data-demo=visualize][data-demo-state=golden]")
    box = page.locator("[data-demo=visualize]")
    box.get_by_role("button", name="New scene").click()                # the first touch of the box
    live(page)
    page.wait_for_timeout(1500)                                        # a second run would have finished
    assert page.locator(MAPS).get_attribute("data-runs") == "1"
    labels = json.loads((ROOT / "exported_models" / "visualize.json").read_text())["labels"]
    assert box.locator(".inn-vis__key li").all_inner_texts() == labels
    swatches = box.locator(".inn-vis__key .inn-vis__swatch").evaluate_all("els => els.map((e) => getComputedStyle(e).backgroundColor)")
    assert len(set(swatches)) == len(labels)
    caption = box.locator(".inn-vis__map figcaption").nth(4).inner_text()
    result, _ = live(page)
    assert "top class" in caption and f"of {len(result['occlusion']['corners']) ** 2}" in caption
    # one style for the example's and the live backward maps: grey |signal| scaled to its maximum
    grey_and_full = """c => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let grey = true, top = 0;
      for (let i = 0; i < d.length; i += 4) { grey = grey && d[i] === d[i + 1] && d[i] === d[i + 2]; top = Math.max(top, d[i]); }
      return grey && top === 255; }"""
    for k in range(3):
        assert box.locator(".inn-vis__map canvas").nth(k).evaluate(grey_and_full), k
    assert "one shape" in box.locator(".inn-vis__note").inner_text()
    assert tab.errors == []
