"""charlstm and delay in the page: the recorded example first; then the model run in the browser gives the
numbers `python -m demos run` gives (activations, top-5, gates, delay answers) within 1e-4, on an example,
on a 2,000-character text (longer than any training sequence) and on a delay five times the training
range; the seeded sampler writes what Python writes; keys move the top-5; bad input is explained in the
box; axe finds no serious violation in light or dark; the 390 px phone layout stays on screen."""
import json

import numpy as np
import pytest

from demos.charlstm import infer as cinfer
from demos.common import sidecar as sc
from demos.common.paths import ROOT
from demos.common.runtime import open_sessions
from demos.delay import infer as dinfer

pytestmark = pytest.mark.browser
RNN_PAGE, LSTM_PAGE = "/nlp/rnn-interpretability/", "/nlp/lstm/"
CBOX, DBOX = "[data-demo=charlstm]", "[data-demo=delay]"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"


def score_in_page(page, text: str | None = None):
    if text is not None:
        page.fill(f"{CBOX} textarea", text)
    page.evaluate(f"() => document.querySelector('{CBOX} .inn-clstm').removeAttribute('data-inference-ms')")
    page.click(f"{CBOX} .inn-demo__button:has-text('Colour')")
    page.wait_for_function(f"() => document.querySelectorAll('{CBOX} .inn-clstm[data-inference-ms]').length && "
                           f"document.querySelector('{CBOX} .inn-demo__status').textContent.includes('scored in one call')",
                           timeout=90_000)
    return json.loads(page.locator(f"{CBOX} .inn-clstm").get_attribute("data-activation"))


def test_charlstm_golden_then_browser_matches_python(tab):
    card = sc.read("charlstm")
    session = open_sessions(card)[0]
    page = tab.open(RNN_PAGE)
    page.wait_for_selector(f"{CBOX}[data-demo-state=golden] .inn-ctext__ch")
    golden = card["golden"][0]
    assert page.locator(f"{CBOX} .inn-ctext__ch").count() == len(golden["input"]["text"])
    cell = golden["input"]["cell"]
    long_text = (ROOT / "demos" / "charlstm" / "train.py").read_text()[:card["limits"]["max_chars"]]
    for text in (None, long_text):
        shown = score_in_page(page, text)
        python = cinfer.predict([session], card, {"text": text or card["examples"]["texts"][0]["text"], "cell": cell, "position": 7})
        assert len(shown) == len(python["activation"])
        assert max(abs(a - b) for a, b in zip(shown, python["activation"])) < 1e-4
        page.click(f"{CBOX} .inn-ctext__ch[data-i='7']")
        top = json.loads(page.locator(f"{CBOX} .inn-clstm__info").get_attribute("data-result"))
        assert top["position"] == 7 and [c for c, _ in top["top5"]] == [c for c, _ in python["top5"]]
        assert max(abs(a[1] - b[1]) for a, b in zip(top["top5"], python["top5"])) < 1e-4
    ms = float(page.locator(f"{CBOX} .inn-clstm").get_attribute("data-inference-ms"))
    print(f"\ncharlstm: {len(long_text)} characters scored in the browser in {ms:.1f} ms")
    page.locator(f"{CBOX} .inn-ctext").focus()
    page.keyboard.press("ArrowRight")
    assert json.loads(page.locator(f"{CBOX} .inn-clstm__info").get_attribute("data-result"))["position"] == 8
    assert not tab.errors and not tab.foreign_requests()


def test_typing_scores_once_after_a_pause_only_if_the_text_changed_and_colour_replaces_the_pending_run(tab):
    page = tab.open(RNN_PAGE)
    page.wait_for_selector(f"{CBOX}[data-demo-state=golden]")
    runs = lambda: int(page.locator(f"{CBOX} .inn-clstm").get_attribute("data-runs") or 0)  # noqa: E731
    page.fill(f"{CBOX} textarea", "def f():\n    return 1\n")           # typing: scored after a pause
    page.wait_for_function(f"() => document.querySelector('{CBOX} .inn-ctext').textContent.includes('return 1') && "
                           f"document.querySelector('{CBOX} .inn-clstm').dataset.runs", timeout=90_000)
    before = runs()                                  # a first touch also runs: on the example or on this text
    page.locator(f"{CBOX} textarea").press("a")
    page.locator(f"{CBOX} textarea").press("Backspace")                  # typed, then back to the scored text
    page.wait_for_timeout(1500)                                         # past the 600 ms pause typing waits for
    assert runs() == before                                             # nothing new to score: no run
    score_in_page(page, "x = 2\n")                                       # typed, then Colour at once
    page.wait_for_timeout(1500)                                         # past the 600 ms pause typing waits for
    assert runs() == before + 1 and "x = 2" in page.locator(f"{CBOX} .inn-ctext").inner_text()
    assert not tab.errors


def test_charlstm_sampler_matches_python_and_cells_are_ranked(tab):
    card = sc.read("charlstm")
    page = tab.open(RNN_PAGE)
    page.wait_for_selector(f"{CBOX}[data-demo-state=golden]")
    text = "import os\n\n\ndef main():\n"
    score_in_page(page, text)
    page.fill(f"{CBOX} input[aria-label='Random seed']", "42")
    page.fill(f"{CBOX} input[aria-label='Characters to write']", "40")
    page.click(f"{CBOX} .inn-demo__button:has-text('Write')")
    page.wait_for_selector(f"{CBOX} .inn-clstm__sample[data-sampled]", timeout=60_000)
    shown = page.locator(f"{CBOX} .inn-clstm__sample").get_attribute("data-sampled")
    python = cinfer.sample(open_sessions(card)[0], card, cinfer.encode(text, card), 40, 0.7, 42)
    assert shown == python
    page.select_option(f"{CBOX} select[aria-label^='Rank cells']", "position_in_line")
    best = card["metrics"]["features"]["position_in_line"]["cell"]
    first = page.locator(f"{CBOX} [data-cell]").first
    assert first.get_attribute("data-cell") == str(best) and first.get_attribute("aria-pressed") == "true"
    for feature, summary in card["metrics"]["features"].items():          # the box says which features fall short
        page.select_option(f"{CBOX} select[aria-label^='Rank cells']", feature)
        verdict = page.locator(f"{CBOX} [data-meets-bar]")
        assert verdict.get_attribute("data-meets-bar") == str(summary["meets_bar"]).lower()
        assert ("Short of the bar" in verdict.inner_text()) != summary["meets_bar"]


def test_charlstm_bad_input_is_explained(tab):
    page = tab.open(RNN_PAGE)
    page.wait_for_selector(f"{CBOX}[data-demo-state=golden]")
    page.fill(f"{CBOX} textarea", "")
    page.click(f"{CBOX} .inn-demo__button:has-text('Colour')")
    page.wait_for_function(f"() => document.querySelector('{CBOX} .inn-demo__status').textContent.includes('empty')",
                           timeout=60_000)
    page.fill(f"{CBOX} textarea", "x" * 2001)                        # over the limit: refused, not cut
    page.click(f"{CBOX} .inn-demo__button:has-text('Colour')")
    page.wait_for_function(f"() => document.querySelector('{CBOX} .inn-demo__status').textContent.includes('at most 2,000')",
                           timeout=60_000)
    assert page.locator(f"{CBOX} textarea").input_value() == "x" * 2001
    score_in_page(page, "x = 'é'\t\n")                               # outside the vocabulary: said how it is read
    assert "2 character(s) outside the vocabulary read as ¿" in page.locator(f"{CBOX} .inn-demo__status").inner_text()
    page.fill(f"{CBOX} input[aria-label^='Cell number']", "9999")
    page.dispatch_event(f"{CBOX} input[aria-label^='Cell number']", "change")
    assert "0 to 255" in page.locator(f"{CBOX} .inn-demo__status").inner_text()


def test_delay_browser_matches_python_past_the_training_range(tab):
    card = sc.read("delay")
    session = open_sessions(card)[0]
    page = tab.open(LSTM_PAGE)
    page.wait_for_selector(f"{DBOX}[data-demo-state=golden] .inn-delay__net")
    for delay in (20, 200):
        page.fill(f"{DBOX} label:has-text('delay') input", str(delay))
        page.click(f"{DBOX} .inn-demo__button:has-text('Run')")
        page.wait_for_function(f"(d) => document.querySelector('{DBOX} .inn-demo__status').textContent.includes((d + 4) + ' steps')",
                               arg=delay, timeout=90_000)
        inputs = {k: int(page.locator(f"{DBOX} label:has-text('{card['options'][k]['label']}') input").input_value())
                  for k in ("value", "marker", "delay", "seed")}
        python = dinfer.predict([session], card, inputs)
        shown = json.loads(page.locator(f"{DBOX} .inn-delay__answers").get_attribute("data-result"))
        for kind in ("lstm", "gru", "rnn"):
            assert shown[kind]["answer"] == python["answers"][kind]["answer"]
            assert max(abs(a - b) for a, b in zip(shown[kind]["probs"], python["answers"][kind]["probs"])) < 1e-4
        lstm = json.loads(page.locator(f"{DBOX} .inn-delay").get_attribute("data-lstm"))
        np.testing.assert_allclose(np.array(lstm["forget_gate"]).reshape(-1, card["config"]["lstm_hidden"]),
                                   np.array(python["lstm"]["forget_gate"]), atol=1e-4)
        assert page.locator(f"{DBOX} canvas[role=img]").count() == 6
    page.fill(f"{DBOX} label:has-text('delay') input", "201")
    page.click(f"{DBOX} .inn-demo__button:has-text('Run')")
    page.wait_for_function(f"() => document.querySelector('{DBOX} .inn-demo__status').textContent.includes('0 to 200')")
    assert not tab.errors and not tab.foreign_requests()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_rnn_boxes_have_no_serious_accessibility_violation(new_tab, scheme):
    tab = new_tab(color_scheme=scheme)
    for path, box in ((RNN_PAGE, CBOX), (LSTM_PAGE, DBOX)):
        page = tab.open(path)
        page.wait_for_selector(f"{box}[data-demo-state=golden]")
        page.add_script_tag(path=str(AXE))   # the frame's badge is runtime.js's, checked by test_a11y_browser
        found = page.evaluate("""async (sel) => (await axe.run({ include: [sel], exclude: [[`${sel} .inn-demo__badge`]] })).violations
            .filter((v) => v.impact === 'serious' || v.impact === 'critical')
            .map((v) => `${v.id}: ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`)""", box)
        assert found == [], (scheme, path, found)


def test_phone_layout_keeps_the_boxes_on_screen(new_tab):
    tab = new_tab(has_touch=True)
    tab.page.set_viewport_size({"width": 390, "height": 844})
    for path, box in ((RNN_PAGE, CBOX), (LSTM_PAGE, DBOX)):
        page = tab.open(path)
        page.wait_for_selector(f"{box}[data-demo-state=golden]")
        widths = page.evaluate("""(sel) => { const box = document.querySelector(sel);
            const inside = [...box.querySelectorAll('*')].filter((e) => !e.closest('.inn-delay__maps, .inn-delay__seq'));
            return { box: box.getBoundingClientRect().right, widest: Math.max(...inside.map((e) => e.getBoundingClientRect().right)) }; }""", box)
        assert widths["box"] <= 390 and widths["widest"] <= widths["box"] + 1, (path, widths)
    page = tab.open(RNN_PAGE)
    page.wait_for_selector(f"{CBOX}[data-demo-state=golden]")
    page.tap(f"{CBOX} .inn-ctext__ch[data-i='3']")          # a tap picks a character and starts the model
    page.wait_for_selector(f"{CBOX} .inn-clstm__info[data-result]", timeout=90_000)


def test_delay_permalink_opens_and_runs_that_sequence(tab):
    card = sc.read("delay")
    page = tab.open(f"{LSTM_PAGE}?value=6&marker=1&delay=77&seed=5")
    page.wait_for_function(f"() => document.querySelector('{DBOX} .inn-demo__status').textContent.includes('80 steps')",
                           timeout=90_000)
    python = dinfer.predict(open_sessions(card), card, {"value": 6, "marker": 1, "delay": 77, "seed": 5})
    shown = json.loads(page.locator(f"{DBOX} .inn-delay__answers").get_attribute("data-result"))
    assert shown["lstm"]["answer"] == python["answers"]["lstm"]["answer"]
    page.fill(f"{DBOX} label:has-text('delay') input", "12")
    page.click(f"{DBOX} .inn-demo__button:has-text('Run')")
    page.wait_for_function("() => location.search.includes('delay=12')")
    page = tab.open(f"{LSTM_PAGE}?delay=oops")
    page.wait_for_function(f"() => document.querySelector('{DBOX} .inn-demo__status').textContent.includes('0 to 200')")
