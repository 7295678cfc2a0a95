"""chartransformer in the page: the recorded example first (the last character's attention); then the model
run in the browser gives the maps, next characters and bits/char `python -m demos run chartransformer` gives
(within 1e-4); picking a character by tap or arrow key shows where each head looks; the text goes into the
address and a link with it runs it; a too-long text is explained; 390 px stays on screen."""
import json

import numpy as np
import pytest

from demos.chartransformer import infer
from demos.common import sidecar as sc
from demos.common.runtime import open_sessions

pytestmark = pytest.mark.browser
PAGE = "/nlp/attention-transformer/"
BOX = "[data-demo=chartransformer]"


def test_golden_then_browser_matches_python(tab):
    card = sc.read("chartransformer")
    session = open_sessions(card)[0]
    page = tab.open(PAGE)
    page.wait_for_selector(f"{BOX}[data-demo-state=golden] .inn-ctext__ch")
    assert page.locator(f"{BOX} .inn-ctext__ch").count() == len(card["golden"][0]["input"]["text"])
    m = card["metrics"]                                     # the box says how far the model trained
    assert f"{m['steps']:,} of the char-LSTM's {m['steps_budget']:,} steps" in page.locator(f"{BOX} .inn-ctr__trained").inner_text()
    text = "def add(a, b):\n    return a + b\n\n\nprint(add(1, 2))\n"
    page.fill(f"{BOX} textarea", text)
    page.click(f"{BOX} .inn-demo__button:has-text('Run')")
    page.wait_for_function(f"() => document.querySelector('{BOX} .inn-ctr')?.dataset.result", timeout=90_000)
    shown = json.loads(page.locator(f"{BOX} .inn-ctr").get_attribute("data-result"))
    python = infer.predict([session], card, {"text": text, "position": 20})
    T = len(text)
    for name, rows in python["attention"].items():
        np.testing.assert_allclose(np.array(shown["attention"][name]).reshape(T, T), rows, atol=1e-4, err_msg=name)
    assert abs(shown["bits_per_char"] - python["bits_per_char"]) < 1e-4
    assert [[c for c, _ in row[:3]] for row in shown["next"]] == [[c for c, _ in row] for row in python["next"]]
    assert page.locator(f"{BOX} canvas[data-head]").count() == 12
    page.locator(f"{BOX} .inn-ctext__ch[data-i='20']").click()
    info = json.loads(page.locator(f"{BOX} .inn-ctr__info").get_attribute("data-result"))
    assert info["position"] == 20
    assert {n: v[0] for n, v in info["looks_at"].items()} == {n: v[0][0] for n, v in python["looks_at"].items()}
    page.locator(f"{BOX} .inn-ctext").focus()
    page.keyboard.press("ArrowLeft")
    assert json.loads(page.locator(f"{BOX} .inn-ctr__info").get_attribute("data-result"))["position"] == 19
    assert "text=def" in page.evaluate("location.search")
    assert not tab.errors and not tab.foreign_requests()


def test_permalink_long_text_and_phone(new_tab):
    tab = new_tab(has_touch=True)
    tab.page.set_viewport_size({"width": 390, "height": 844})
    page = tab.open(f"{PAGE}?text=x%20%3D%201%0Ay%20%3D%20x")
    page.wait_for_function(f"() => JSON.parse(document.querySelector('{BOX} .inn-ctr')?.dataset.result || '{{}}').text === 'x = 1\\ny = x'",
                           timeout=90_000)
    widths = page.evaluate("""(sel) => { const box = document.querySelector(sel);
        const inside = [...box.querySelectorAll('*')].filter((e) => !e.closest('.inn-attn__scroll'));
        return { box: box.getBoundingClientRect().right, widest: Math.max(...inside.map((e) => e.getBoundingClientRect().right)) }; }""", BOX)
    assert widths["box"] <= 390 and widths["widest"] <= widths["box"] + 1, widths
    page.tap(f"{BOX} .inn-ctext__ch[data-i='4']")
    assert json.loads(page.locator(f"{BOX} .inn-ctr__info").get_attribute("data-result"))["position"] == 4
    page = tab.open(f"{PAGE}?text=" + "a" * 301)
    page.wait_for_function(f"() => document.querySelector('{BOX} .inn-demo__status').textContent.includes('301 characters')")
