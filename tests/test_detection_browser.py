"""yolo and rcnn in the page: golden example first, then the same detections as `python -m demos run`
on the same scene (new random scenes, shapes placed by the reader, moved sliders)."""
import base64
import json
import subprocess
import sys

import numpy as np
import pytest

from demos.common import detection as det
from demos.common import sidecar as sc
from demos.common.paths import ROOT
from demos.yolo import infer as yolo_infer
from demos.common.runtime import open_sessions

pytestmark = pytest.mark.browser
PAGE = "/cnn/object-detection/"



def runs(page, name) -> int:
    return int(page.locator(f"[data-demo={name}] .inn-det__list").get_attribute("data-runs") or 0)


def result(page, name):
    return json.loads(page.locator(f"[data-demo={name}] .inn-det__list").get_attribute("data-result"))


def wait_live(page, name, after=0):
    """Wait until the demo has run the model more than `after` times; return its result."""
    page.wait_for_function("([n, k]) => Number(document.querySelector(`[data-demo=${n}] .inn-det__list`).dataset.runs) > k",
                           arg=[name, after], timeout=30_000)
    return result(page, name)


def scene_png(page, name, tmp_path):
    url = page.locator(f"[data-demo={name}] .inn-det__scene").evaluate("c => c.toDataURL('image/png')")
    path = tmp_path / f"{name}-scene.png"
    path.write_bytes(base64.b64decode(url.split(",", 1)[1]))
    return path


def cli(name, path):
    proc = subprocess.run([sys.executable, "-m", "demos", "run", name, str(path), "--json"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=True)
    return json.loads(proc.stdout)


def assert_same_detections(browser_result, python_result):
    assert [d["class"] for d in browser_result["detections"]] == [d["class"] for d in python_result["detections"]]
    for ours, theirs in zip(browser_result["detections"], python_result["detections"]):
        assert np.allclose(ours["box"], theirs["box"], atol=2e-3) and abs(ours["score"] - theirs["score"]) < 1e-4


def test_golden_example_is_shown_before_any_model_is_fetched(tab, server):
    before = len(server.log)
    page = tab.open(PAGE)
    page.wait_for_selector("[data-demo=yolo][data-demo-state=golden]")
    page.wait_for_selector("[data-demo=rcnn][data-demo-state=golden]")
    assert result(page, "yolo")["detections"] and result(page, "rcnn")["detections"]
    fetched = server.paths()[before:]
    assert not [p for p in fetched if p.endswith((".onnx", ".wasm"))], fetched
    assert tab.errors == [] and tab.foreign_requests() == []


def test_new_scene_gives_the_same_detections_as_the_cli_in_both_demos(tab, tmp_path):
    page = tab.open(PAGE)
    page.wait_for_selector("[data-demo=rcnn][data-demo-state=golden]")
    page.locator("[data-demo=yolo]").get_by_role("button", name="New scene").click()
    yolo, rcnn = wait_live(page, "yolo"), wait_live(page, "rcnn")
    png = scene_png(page, "yolo", tmp_path)
    assert png.read_bytes() == scene_png(page, "rcnn", tmp_path).read_bytes()    # one scene, both boxes
    assert_same_detections(yolo, cli("yolo", png))
    python = cli("rcnn", png)
    assert rcnn["proposals"] == python["proposals"] and rcnn["forward_passes"] == python["forward_passes"]
    assert_same_detections(rcnn, python)
    assert tab.errors == []


def test_a_harder_new_scene_runs_selective_search_in_the_page_like_python(tab, tmp_path):
    """The "harder" switch: a textured scene from makeHardScene; the page's selective search proposes the
    CLI's boxes, and both detectors give the CLI's detections on it."""
    page = tab.open(PAGE)
    page.wait_for_selector("[data-demo=rcnn][data-demo-state=golden]")
    box = page.locator("[data-demo=rcnn]")
    box.get_by_label("harder").check()
    box.get_by_role("button", name="New scene").click()
    rcnn, yolo = wait_live(page, "rcnn"), wait_live(page, "yolo")
    assert page.locator("[data-demo=rcnn] .inn-demo__status").inner_text().startswith("harder random scene")
    png = scene_png(page, "rcnn", tmp_path)
    python = cli("rcnn", png)
    assert rcnn["proposals"] == python["proposals"] and len(python["proposals"]) > 10
    assert_same_detections(rcnn, python)
    assert_same_detections(yolo, cli("yolo", png))
    assert page.locator("[data-demo=yolo]").get_by_label("harder").count() == 1
    assert tab.errors == []


def test_sliders_rerun_decoding_and_nms_like_python(tab, tmp_path):
    page = tab.open(PAGE)
    page.wait_for_selector("[data-demo=yolo][data-demo-state=golden]")
    box = page.locator("[data-demo=yolo]")
    box.get_by_role("button", name="New scene").click()
    wait_live(page, "yolo")
    sliders = box.locator(".inn-det__panel .inn-det__slider input")
    for index, value in [(0, "0.05"), (1, "0.8")]:
        sliders.nth(index).evaluate("(el, v) => { el.value = v; el.dispatchEvent(new Event('input')); }", value)
    ours = result(page, "yolo")
    assert ours["confidence"] == 0.05 and ours["nms_iou"] == 0.8
    card = sc.read("yolo")
    image = det.load_scene(scene_png(page, "yolo", tmp_path))
    python = yolo_infer.predict(open_sessions(card), card, {"image": image, "confidence": 0.05, "nms_iou": 0.8})
    assert_same_detections(ours, python)


def test_placing_a_shape_runs_both_detectors_on_the_edited_scene(tab, tmp_path):
    page = tab.open(PAGE)
    page.wait_for_selector("[data-demo=rcnn][data-demo-state=golden]")
    box = page.locator("[data-demo=rcnn]")
    box.locator(".inn-det__kind").select_option("square")
    box.get_by_role("button", name="New scene").click()
    wait_live(page, "rcnn")
    wait_live(page, "yolo")
    before, yolo_before = runs(page, "rcnn"), runs(page, "yolo")
    stage = box.locator(".inn-det__stage")
    stage.scroll_into_view_if_needed()
    bounds = stage.bounding_box()
    page.mouse.click(bounds["x"] + bounds["width"] * 0.25, bounds["y"] + bounds["height"] * 0.25)   # scene (16, 16)
    after = wait_live(page, "rcnn", after=before)
    python = cli("rcnn", scene_png(page, "rcnn", tmp_path))
    assert after["proposals"] == python["proposals"]
    assert_same_detections(after, python)
    assert any(x0 <= 16 < x1 and y0 <= 16 < y1 for x0, y0, x1, y1 in after["proposals"])
    yolo = wait_live(page, "yolo", after=yolo_before)
    assert_same_detections(yolo, cli("yolo", scene_png(page, "yolo", tmp_path)))


def test_a_missing_model_shows_an_error_in_its_box_and_the_other_demo_still_works(tab):
    tab.page.route("**/models/yolo.onnx", lambda route: route.fulfill(status=404, body="not found"))
    page = tab.open(PAGE)
    page.wait_for_selector("[data-demo=rcnn][data-demo-state=golden]")
    page.locator("[data-demo=yolo]").get_by_role("button", name="New scene").click()
    page.wait_for_selector("[data-demo=yolo][data-demo-state=error]", timeout=30_000)
    text = page.locator("[data-demo=yolo] .inn-demo__status").inner_text()
    assert "could not run" in text and "404" in text, text
    wait_live(page, "rcnn")                                          # the two-stage box ran on the new scene
    assert page.locator("[data-demo=rcnn]").get_attribute("data-demo-state") == "ready"


def test_a_tap_selects_a_yolo_cell_on_a_phone_and_slider_values_stay_inside_the_box(new_tab):
    mobile = new_tab(has_touch=True, is_mobile=True)
    page = mobile.open(PAGE)
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_selector("[data-demo=yolo][data-demo-state=golden]")
    box = page.locator("[data-demo=yolo]")
    info = box.locator(".inn-det__cell")
    assert info.inner_text().startswith("Point at or tap")
    stage = box.locator(".inn-det__stage")
    stage.scroll_into_view_if_needed()
    bounds = stage.bounding_box()
    s = sc.read("yolo")["config"]["grid"]
    x, y = bounds["x"] + bounds["width"] * 0.3, bounds["y"] + bounds["height"] * 0.7
    page.touchscreen.tap(x, y)
    row, col = int(0.7 * s), int(0.3 * s)
    page.wait_for_function("(t) => document.querySelector('[data-demo=yolo] .inn-det__cell').textContent.startsWith(t)",
                           arg=f"Cell ({row}, {col})", timeout=30_000)
    gaps = box.evaluate("""(el) => [...el.querySelectorAll('.inn-det__slider output')].map((out) => {
      const text = document.createRange();
      text.selectNodeContents(out);
      return el.getBoundingClientRect().right - text.getBoundingClientRect().right;
    })""")
    assert len(gaps) >= 3 and min(gaps) >= 12, gaps         # every value well inside the box's padding
    assert mobile.errors == []


def test_arrow_keys_move_the_yolo_cell_inspector(tab):
    page = tab.open(PAGE)
    page.wait_for_selector("[data-demo=yolo][data-demo-state=golden]")
    scene = page.locator("[data-demo=yolo] .inn-det__scene")
    scene.focus()
    s = sc.read("yolo")["config"]["grid"]
    page.keyboard.press("ArrowRight")
    info = page.locator("[data-demo=yolo] .inn-det__cell")
    assert info.inner_text().startswith(f"Cell ({s // 2}, {s // 2 + 1})")
    page.keyboard.press("ArrowUp")
    assert info.inner_text().startswith(f"Cell ({s // 2 - 1}, {s // 2 + 1})")


AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_detection_boxes_have_no_serious_accessibility_violation(new_tab, scheme):
    """axe-core on both demo boxes (light and dark), after a live run; the scene canvas's text alternative
    names the current result."""
    tab = new_tab(color_scheme=scheme)
    page = tab.open(PAGE)
    page.wait_for_selector("[data-demo=rcnn][data-demo-state=golden]")
    page.locator("[data-demo=yolo]").get_by_role("button", name="New scene").click()
    wait_live(page, "yolo")
    wait_live(page, "rcnn")
    page.add_script_tag(path=str(AXE))
    for name in ("yolo", "rcnn"):
        found = page.evaluate("""async (sel) => (await axe.run(document.querySelector(sel))).violations
            .filter((v) => v.impact === 'serious' || v.impact === 'critical')
            .flatMap((v) => v.nodes.map((n) => `${v.id}: ${n.target.join(' ')}`))""", f"[data-demo={name}]")
        # The box's badge and buttons are the runtime's shared chrome (runtime.js, inside-nn.css), reported
        # to their owner; everything the detection demos draw themselves must pass.
        shared = [f for f in found if "inn-demo__badge" in f or "inn-demo__button" in f]
        print(scheme, name, "shared chrome:", shared)
        assert [f for f in found if f not in shared] == [], (scheme, name, found)
        label = page.locator(f"[data-demo={name}] .inn-det__scene").get_attribute("aria-label")
        summary = page.locator(f"[data-demo={name}] .inn-det__summary").inner_text()
        assert summary in label and "object(s)" in label, label
    focused = page.locator("[data-demo=yolo] .inn-det__panel input[type=range]").first
    focused.focus()
    page.keyboard.press("ArrowRight")
    assert result(page, "yolo")["confidence"] == pytest.approx(sc.read("yolo")["options"]["confidence"]["default"] + 0.01)
    outline = focused.evaluate("(el) => getComputedStyle(el).outlineStyle")
    assert outline != "none"
