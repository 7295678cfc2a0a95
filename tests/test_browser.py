"""The built site in headless Chromium (Debian's, driven by Playwright) on 127.0.0.1.

Every page loads cleanly, search finds notes by their text, the digits demo agrees with
`python -m demos run`, a broken model shows an error inside the box, and nothing but the local
server is ever contacted.
"""
import base64
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parent.parent
DEMO_PAGE = "/cnn/visualizing/"


def draw_digit(page):
    """A stroke with the mouse: a slanted '1' across the middle of the canvas."""
    canvas = page.locator(".inn-digits__canvas")
    canvas.evaluate("c => c.scrollIntoView({block: 'center'})")  # not under Material's sticky header
    box = canvas.bounding_box()
    x, y = box["x"] + box["width"] * 0.55, box["y"] + box["height"] * 0.15
    page.mouse.move(x, y)
    page.mouse.down()
    for step in range(1, 25):
        page.mouse.move(x - step * 1.5, y + step * box["height"] * 0.028)
    page.mouse.up()


def live_result(page):
    page.wait_for_selector(".inn-digits__bars[data-inference-ms]", timeout=30_000)
    return json.loads(page.locator(".inn-digits__bars").get_attribute("data-result"))


def model_top(counts) -> str:
    """The digit onnxruntime in Python gives for 8×8 counts: what the page must show."""
    from demos.common import sidecar as sc
    from demos.common.runtime import open_sessions, run
    from demos.digits import infer
    card = sc.read("digits")
    probs = run(open_sessions(card)[0], {"image": infer.to_input(counts)})["probs"][0]
    return card["labels"][int(probs.argmax())]


def cli_top(page, tmp_path) -> str:
    """The digit `python -m demos run digits` reads in the page's canvas, saved as PNG."""
    data_url = page.locator(".inn-digits__canvas").evaluate("c => c.toDataURL('image/png')")
    png = tmp_path / "drawn.png"
    png.write_bytes(base64.b64decode(data_url.split(",", 1)[1]))
    proc = subprocess.run([sys.executable, "-m", "demos", "run", "digits", str(png), "--json"],
                          cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(proc.stdout)["top"]


@pytest.mark.parametrize("phrase, expected", [
    ("line length counter", "nlp/rnn-interpretability/"),
    ("selective search", "cnn/object-detection/"),
])
def test_search_finds_a_note_by_a_phrase_from_its_body(tab, phrase, expected):
    page = tab.open("/")
    page.locator("input.md-search__input").click()
    page.keyboard.type(phrase, delay=10)           # Material searches on key events, not on fill()
    page.wait_for_selector(".md-search-result__item", timeout=15_000)
    links = page.locator(".md-search-result__item a").evaluate_all("els => els.map(e => e.href)")
    assert any(expected in link for link in links), links


def test_demo_assets_wait_for_the_reader(tab, server):
    before = len(server.log)
    page = tab.open(DEMO_PAGE)
    page.wait_for_selector("[data-demo=digits][data-demo-state=golden]")
    fetched = server.paths()[before:]
    assert not [p for p in fetched if p.endswith((".wasm", ".onnx", "ort.wasm.min.mjs"))], fetched
    golden = page.locator(".inn-digits__bars").get_attribute("data-result")
    assert json.loads(golden)["probs"], "the golden example is shown before the model loads"
    draw_digit(page)
    live_result(page)
    fetched = server.paths()[before:]
    assert any(p.endswith("digits.onnx") for p in fetched) and any(p.endswith(".wasm") for p in fetched)
    assert tab.errors == [] and tab.foreign_requests() == []


def test_drawing_gives_the_same_probabilities_as_the_cli(tab, tmp_path):
    page = tab.open(DEMO_PAGE)
    page.wait_for_selector("[data-demo=digits][data-demo-state=golden]")
    draw_digit(page)
    result = live_result(page)
    data_url = page.locator(".inn-digits__canvas").evaluate("c => c.toDataURL('image/png')")
    png = tmp_path / "drawn.png"
    png.write_bytes(base64.b64decode(data_url.split(",", 1)[1]))
    proc = subprocess.run([sys.executable, "-m", "demos", "run", "digits", str(png), "--json"],
                          cwd=ROOT, capture_output=True, text=True, check=True)
    python = json.loads(proc.stdout)
    assert python["counts"] == result["counts"]
    assert python["top"] == result["top"]
    for label, p in zip(python["probs"], result["probs"]):
        assert abs(python["probs"][label] - p) < 1e-4, (label, python["probs"][label], p)


def test_held_out_button_and_keyboard(tab):
    page = tab.open(DEMO_PAGE)
    page.wait_for_selector("[data-demo=digits][data-demo-state=golden]")
    page.get_by_role("button", name="Held-out digit").click()
    status = page.locator("[data-demo=digits] .inn-demo__status")
    result = live_result(page)
    k = int(re.search(r"#(\d+)", status.inner_text()).group(1))
    examples = json.loads((ROOT / "exported_models" / "digits.json").read_text())["examples"]
    assert result["counts"] == examples["counts"][k]
    assert result["top"] == model_top(examples["counts"][k])
    page.locator(".inn-digits__canvas").focus()
    page.keyboard.press("c")
    page.wait_for_function("!document.querySelector('.inn-digits__bars').dataset.result")


@pytest.mark.parametrize("breakage, message", [("corrupt", "sha256"), ("missing", "404")])
def test_broken_model_shows_an_error_in_the_box(tab, breakage, message):
    def corrupt(route):
        if breakage == "missing":
            route.fulfill(status=404, body="not found")
        else:
            body = bytearray(route.fetch().body())
            body[len(body) // 2] ^= 0xFF
            route.fulfill(status=200, body=bytes(body), headers={"content-type": "application/octet-stream"})

    tab.page.route("**/models/digits.onnx", corrupt)
    page = tab.open(DEMO_PAGE)
    page.wait_for_selector("[data-demo=digits][data-demo-state=golden]")
    draw_digit(page)
    page.wait_for_selector("[data-demo=digits][data-demo-state=error]", timeout=30_000)
    text = page.locator("[data-demo=digits] .inn-demo__status").inner_text()
    assert "could not run" in text and message in text, text
    assert page.locator(".inn-digits__canvas").is_visible()          # the box is not blank
    assert [e for e in tab.errors if "Failed to load resource" not in e] == []
    page.locator("input.md-search__input").click()                   # the page keeps working
    page.keyboard.type("lstm", delay=10)
    page.wait_for_selector(".md-search-result__item", timeout=15_000)


def test_sessions_survive_instant_navigation(tab, server):
    before = len(server.log)
    page = tab.open(DEMO_PAGE)
    page.wait_for_selector("[data-demo=digits][data-demo-state=golden]")
    draw_digit(page)
    live_result(page)
    page.locator("a.md-nav__link[href*='object-detection']").first.click()
    page.wait_for_url("**/object-detection/")
    page.go_back()
    page.wait_for_url("**/cnn/visualizing/")
    page.wait_for_load_state("networkidle")         # instant navigation swaps the content in after the URL
    page.wait_for_selector("[data-demo=digits][data-demo-state=golden] .inn-digits__canvas")
    draw_digit(page)
    live_result(page)
    downloads = [p for p in server.paths()[before:] if p.endswith(("digits.onnx", ".wasm"))]
    assert page.evaluate("document.querySelectorAll('.inn-demo[data-demo=digits]').length") == 1
    assert len(downloads) == 2, downloads          # model and runtime fetched once, not per visit
    assert tab.errors == [] and tab.foreign_requests() == []


def test_mobile_touch_drawing(new_tab, tmp_path):
    mobile = new_tab(has_touch=True, is_mobile=True)
    page = mobile.open(DEMO_PAGE)
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_selector("[data-demo=digits][data-demo-state=golden]")
    canvas = page.locator(".inn-digits__canvas")
    canvas.scroll_into_view_if_needed()
    assert canvas.bounding_box()["width"] <= 390
    box = canvas.bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    touch = mobile.context.new_cdp_session(page)     # real touch events, as a finger makes them
    touch.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": cx, "y": cy - 60}]})
    for step in range(1, 13):
        touch.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": cx - step, "y": cy - 60 + step * 10}]})
    touch.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    page.wait_for_timeout(300)                      # the last stroke's run
    assert live_result(page)["top"] == cli_top(page, tmp_path)
    assert mobile.errors == []


@pytest.mark.parametrize("body, expected", [
    ('{"name": "digits", "title": ', "digits.json is not valid JSON"),
    ('["digits"]', "digits.json"),
])
def test_a_malformed_sidecar_is_named_in_the_box(tab, body, expected):
    tab.page.route("**/models/digits.json", lambda route: route.fulfill(status=200, body=body,
                                                                         content_type="application/json"))
    page = tab.open(DEMO_PAGE)
    page.wait_for_selector("[data-demo=digits][data-demo-state=error]")
    message = page.inner_text("[data-demo=digits] .inn-demo__message")
    assert "could not run" in message and expected in message
    assert page.locator("article h1").count() == 1  # the page around the box keeps working


def test_example_is_drawn_and_feature_maps_follow_the_drawing(tab, tmp_path):
    page = tab.open(DEMO_PAGE)
    page.wait_for_selector("[data-demo=digits][data-demo-state=golden]")
    card = json.loads((ROOT / "exported_models" / "digits.json").read_text())
    golden = card["golden"][0]
    dark = page.locator(".inn-digits__canvas").evaluate(
        "c => c.getContext('2d').getImageData(0, 0, c.width, c.height).data.filter((v, i) => i % 4 === 0 && v < 128).length")
    assert dark > 2000, "the example's digit is on the canvas, not a blank one"
    assert json.loads(page.locator(".inn-digits__bars").get_attribute("data-result"))["counts"] == golden["input"]["counts"]
    assert not page.locator(".inn-fmaps").is_visible()             # no maps before the model has run
    page.locator(".inn-digits__canvas").focus()                      # the example runs once the model is here
    page.wait_for_selector(".inn-fmaps:not([hidden])", timeout=30_000)
    shapes = {o["name"]: o["shape"] for o in card["models"][0]["outputs"]}
    grids = page.locator(".inn-fmaps__grid")
    assert grids.count() == 2
    for i, name in enumerate(["conv1", "conv2"]):
        assert grids.nth(i).locator("button").count() == shapes[name][1]
    # keyboard: into the conv2 grid, two steps right, Enter shows that map's kernels
    first = grids.nth(1).locator("button").first
    first.focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Enter")
    assert grids.nth(1).locator("button").nth(2).get_attribute("aria-pressed") == "true"
    equation = page.locator(".inn-fmaps__equation").inner_text()
    assert "conv2 map 2" in equation and f"{shapes['conv1'][1]} conv1 maps" in equation
    assert page.locator(".inn-fmaps__termrow").count() == shapes["conv1"][1]
    # a tap on a conv1 map: one input (the drawing), one kernel
    grids.nth(0).locator("button").nth(5).click()
    assert "conv1 map 5" in page.locator(".inn-fmaps__equation").inner_text()
    assert page.locator(".inn-fmaps__termrow").count() == 1
    caption = page.locator(".inn-fmaps__detail figcaption").inner_text()
    assert "conv1 map 5: strongest" in caption
    # the reader's drawing replaces the example, and the maps follow it
    before = grids.nth(0).locator("button").nth(5).get_attribute("aria-label")
    draw_digit(page)
    page.wait_for_function("document.querySelector('.inn-digits__note').textContent.includes('your drawing')")
    page.wait_for_timeout(300)
    assert live_result(page)["top"] == cli_top(page, tmp_path)
    assert grids.nth(0).locator("button").nth(5).get_attribute("aria-label") != before
    label = page.locator(".inn-digits__canvas").get_attribute("aria-label")
    assert f"reads it as {live_result(page)['top']}" in label
    assert tab.errors == [] and tab.foreign_requests() == []


def test_digits_box_fits_a_phone(new_tab):
    phone = new_tab(has_touch=True, is_mobile=True)
    page = phone.open(DEMO_PAGE)
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_selector("[data-demo=digits][data-demo-state=golden]")
    page.locator(".inn-digits__canvas").focus()
    page.wait_for_selector(".inn-fmaps:not([hidden])", timeout=30_000)
    page.locator(".inn-fmaps__grid").nth(1).locator("button").nth(3).tap()
    widest = page.locator("[data-demo=digits]").evaluate(
        "b => Math.max(...[...b.querySelectorAll('*')].map((e) => e.getBoundingClientRect().right))")
    assert widest <= 390, widest
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert phone.errors == []
