"""induction in the page: the recorded example first; then the model run in the browser gives the attention
maps and predictions `python -m demos run induction` gives (within 1e-4); keys and taps pick a token and show
where each head looks; the tokens go into the address and a link with them runs them; bad tokens are explained
in the box; the lookup example's "match β" makes the NTM's weights equal attention's; 390 px stays on screen."""
import json

import numpy as np
import pytest

from demos.common import sidecar as sc
from demos.common.runtime import open_sessions
from demos.induction import infer

pytestmark = pytest.mark.browser
PAGE = "/nlp/attention-transformer/"
BOX = "[data-demo=induction]"


def run_in_page(page, text: str):
    page.fill(f"{BOX} input[type=text]", text)
    page.click(f"{BOX} .inn-demo__button:has-text('Run')")
    page.wait_for_function(f"(t) => document.querySelector('{BOX} .inn-ind')?.dataset.result?.includes(t)",
                           arg=json.dumps("".join(ch for ch in text if ch not in infer.SEPARATORS))[1:-1],
                           timeout=90_000)
    return json.loads(page.locator(f"{BOX} .inn-ind").get_attribute("data-result"))


def test_golden_then_browser_matches_python(tab):
    card = sc.read("induction")
    session = open_sessions(card)[0]
    page = tab.open(PAGE)
    page.wait_for_selector(f"{BOX}[data-demo-state=golden] .inn-ctext__ch")
    golden = card["golden"][0]
    assert page.locator(f"{BOX} .inn-ctext__ch").count() == len(golden["input"]["tokens"])
    assert page.locator(f"{BOX} canvas[data-head]").count() == 8
    for text in ("x9k2 z5pvbq3 z5pvbq3 z5pv", "q" * 64, "7"):
        shown = run_in_page(page, text)
        python = infer.predict([session], card, {"tokens": text})
        T = python["count"]
        for name, rows in python["attention"].items():
            np.testing.assert_allclose(np.array(shown["attention"][name]).reshape(T, T), rows, atol=1e-4, err_msg=name)
        for mine, theirs in zip(shown["rows"], python["positions"]):
            assert [t for t, _ in mine["top"]] == [t for t, _ in theirs["top"]]
            assert max(abs(a[1] - b[1]) for a, b in zip(mine["top"], theirs["top"])) < 1e-4
    run_in_page(page, "x9k2 z5pvbq3 z5pvbq3 z5pv")
    assert "tokens=x9k2" in page.evaluate("location.search")
    page.locator(f"{BOX} .inn-ctext__ch[data-i='14']").click()
    info = json.loads(page.locator(f"{BOX} .inn-ind__info").get_attribute("data-result"))
    python = infer.predict([session], card, {"tokens": "x9k2z5pvbq3z5pvbq3z5pv", "position": 14})
    assert info["position"] == 14 and info["looks_at"] == python["positions"][14]["looks_at"]
    page.locator(f"{BOX} .inn-ctext").focus()
    page.keyboard.press("ArrowRight")
    assert json.loads(page.locator(f"{BOX} .inn-ind__info").get_attribute("data-result"))["position"] == 15
    lines = int(page.locator(f"{BOX} .inn-attn__lines").get_attribute("data-lines"))
    page.select_option(f"{BOX} select[aria-label='Heads drawn as lines']", "attention_l2_h1")
    assert 0 < int(page.locator(f"{BOX} .inn-attn__lines").get_attribute("data-lines")) < lines
    page.select_option(f"{BOX} select[aria-label='Heads drawn as lines']", "grid")   # one small view per head
    assert page.locator(f"{BOX} .inn-attn__linegrid svg[data-head]").count() == 8
    assert page.locator(f"{BOX} .inn-attn__linegrid svg[data-head='attention_l1_h4']").get_attribute("data-lines") != "0"
    assert not tab.errors and not tab.foreign_requests()


def test_permalink_bad_tokens_and_lookup(tab):
    page = tab.open(f"{PAGE}?tokens=ab12ab12ab")
    page.wait_for_selector(f"{BOX} .inn-ind[data-result]", timeout=90_000)
    assert json.loads(page.locator(f"{BOX} .inn-ind").get_attribute("data-result"))["tokens"] == "ab12ab12ab"
    page.fill(f"{BOX} input[type=text]", "abc!")
    page.click(f"{BOX} .inn-demo__button:has-text('Run')")
    page.wait_for_function(f"() => document.querySelector('{BOX} .inn-demo__status').textContent.includes(\"unknown token '!'\")")
    page = tab.open(f"{PAGE}?tokens=" + "a" * 70)
    page.wait_for_function(f"() => document.querySelector('{BOX} .inn-demo__status').textContent.includes('70 tokens')")
    assert page.locator(f"{BOX} .inn-ctext__ch").count() > 0          # the recorded example instead
    pad = page.locator(f"{BOX} .inn-attn__pad")
    pad.focus()
    page.keyboard.press("ArrowUp")
    page.click(f"{BOX} .inn-demo__button:has-text('match β')")
    weights = json.loads(page.locator(f"{BOX} .inn-attn__lookup").get_attribute("data-weights"))
    assert weights["query"][1] == pytest.approx(0.7)
    assert np.allclose(weights["attention"], weights["ntm"], atol=1e-9)


def test_phone_layout_and_touch(new_tab):
    tab = new_tab(has_touch=True)
    tab.page.set_viewport_size({"width": 390, "height": 844})
    page = tab.open(PAGE)
    page.wait_for_selector(f"{BOX}[data-demo-state=golden]")
    widths = page.evaluate("""(sel) => { const box = document.querySelector(sel);
        const inside = [...box.querySelectorAll('*')].filter((e) => !e.closest('.inn-attn__scroll'));
        return { box: box.getBoundingClientRect().right, widest: Math.max(...inside.map((e) => e.getBoundingClientRect().right)) }; }""", BOX)
    assert widths["box"] <= 390 and widths["widest"] <= widths["box"] + 1, widths
    page.tap(f"{BOX} .inn-ctext__ch[data-i='3']")
    page.wait_for_function(f"() => JSON.parse(document.querySelector('{BOX} .inn-ind__info').dataset.result || '{{}}').position === 3",
                           timeout=90_000)
