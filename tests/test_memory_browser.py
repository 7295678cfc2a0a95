"""memory in the page: the golden example first, then both models run in the browser give the bit
errors `python -m demos run memory` gives for the same input, and the same probabilities (1e-4) on copy
and recall inputs inside and past the training lengths; nothing stale or empty is shown; bad input from
the URL and inputs past the models' capacity are explained in the box; axe finds no serious violation
in light or dark; the phone layout keeps the box within the screen."""
import json
import subprocess
import sys

import pytest

from demos.common import sidecar as sc
from demos.common.paths import ROOT
from demos.common.runtime import open_sessions
from demos.memory import export as memory_export
from demos.memory import infer
from demos.memory import tasks as T

pytestmark = pytest.mark.browser
PAGE = "/brain/ntm-vs-transformer/"
BOX = "[data-demo=memory]"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"

def shown_errors(page) -> dict:
    return {m: page.locator(f"{BOX} .inn-memory__model[data-model={m}]").get_attribute("data-bit-errors")
            for m in ("ntm", "transformer")}


def test_golden_then_browser_run_matches_the_cli(tab):
    card = sc.read("memory")
    golden = card["golden"][1]                     # copy beyond the training length
    page = tab.open(f"{PAGE}?{golden['input']}")
    page.wait_for_selector(f"{BOX}[data-demo-state=golden] .inn-memory__outputs[data-source=golden]")
    expected = {m: str(golden["output"][m]["bit_errors"]) for m in ("ntm", "transformer")}
    assert shown_errors(page) == expected
    page.click(f"{BOX} .inn-memory__run")
    page.wait_for_selector(f"{BOX} .inn-memory__outputs[data-source=browser]", timeout=60_000)
    cli = subprocess.run([sys.executable, "-m", "demos", "run", "memory", golden["input"], "--json"], cwd=ROOT,
                         capture_output=True, text=True, timeout=120, check=True)
    python = json.loads(cli.stdout)
    assert shown_errors(page) == {m: str(python[m]["bit_errors"]) for m in ("ntm", "transformer")} == expected
    assert page.locator(f"{BOX} .inn-memory__gates tbody tr").count() == 2        # NTM gates shown
    assert not tab.errors and not tab.foreign_requests()


def test_bad_cells_in_the_url_are_explained_in_the_box(tab):
    page = tab.open(f"{PAGE}?task=copy&bits=10102010")
    page.wait_for_selector(f"{BOX}[data-demo-state=error]")
    assert "0 or 1" in page.locator(f"{BOX} .inn-demo__status").inner_text()


def test_inputs_past_capacity_are_explained_not_run(tab):
    card = sc.read("memory")
    size = card["limits"]["ntm_rows"] + 2
    page = tab.open(f"{PAGE}?task=copy&bits=" + ".".join(["10110010"] * size))
    page.click(f"{BOX} .inn-memory__run")
    page.wait_for_selector(f"{BOX} .inn-memory__outputs[data-source=browser]", timeout=60_000)
    ntm = page.locator(f"{BOX} .inn-memory__model[data-model=ntm]").inner_text()
    transformer = page.locator(f"{BOX} .inn-memory__model[data-model=transformer]").inner_text()
    assert "memory rows" in ntm and str(card["limits"]["ntm_rows"]) in ntm
    assert "position capacity" in transformer
    assert shown_errors(page) == {"ntm": None, "transformer": None}


def run_in_page(tab, query: str):
    page = tab.open(f"{PAGE}?{query}")
    page.wait_for_selector(f"{BOX}[data-demo-state]")
    page.click(f"{BOX} .inn-memory__run")
    page.wait_for_selector(f"{BOX} .inn-memory__outputs[data-source=browser]", timeout=120_000)
    return page


# copy inside (10) and past (30) the training lengths (1–20); recall inside (6) and past (9) its 2–6 items
INPUTS = [(T.COPY, 10, 11), (T.COPY, 30, 12), (T.RECALL, 6, 13), (T.RECALL, 9, 14)]


def test_browser_probabilities_match_python_inside_and_past_the_training_length(tab):
    card = sc.read("memory")
    sessions = open_sessions(card)
    for task, size, seed in INPUTS:
        query = memory_export.query_for(task, size, seed)
        page = run_in_page(tab, query)
        python = infer.predict(sessions, card, infer.parse_query(query, card))
        for model in ("ntm", "transformer"):
            row = page.locator(f"{BOX} .inn-memory__model[data-model={model}]")
            shown = json.loads(row.get_attribute("data-probabilities"))
            assert len(shown) == len(python[model]["probabilities"]) == (size if task is T.COPY else T.ITEM_LEN)
            worst = max(abs(a - b) for ra, rb in zip(shown, python[model]["probabilities"]) for a, b in zip(ra, rb))
            assert worst < 1e-4, (task.name, size, model, worst)
            assert row.get_attribute("data-bit-errors") == str(python[model]["bit_errors"])
    assert not tab.errors and not tab.foreign_requests()


def visible(page, part: str) -> bool:
    return page.locator(f"{BOX} .inn-memory__{part}").is_visible()


def test_nothing_empty_before_a_run_and_nothing_stale_after_an_edit(tab):
    card = sc.read("memory")
    page = tab.open(f"{PAGE}?{memory_export.query_for(T.COPY, 7, 21)}")   # not a golden input
    page.wait_for_selector(f"{BOX}[data-demo-state]")
    assert not any(visible(page, part) for part in ("outputs", "ntm", "transformer", "inside"))
    page = tab.open(f"{PAGE}?{card['golden'][0]['input']}")
    page.wait_for_selector(f"{BOX} .inn-memory__outputs[data-source=golden]")
    assert visible(page, "outputs")
    grid = page.locator(f"{BOX} .inn-memory__input")
    grid.focus()
    page.keyboard.press("ArrowDown")
    assert "bit 2" in page.locator(f"{BOX} .inn-memory__figure figcaption").first.inner_text()
    page.keyboard.press(" ")
    assert not visible(page, "outputs") and not visible(page, "ntm")
    status = page.locator(f"{BOX} .inn-demo__status")
    page.wait_for_function("(el) => el.textContent.includes('Models ready')", arg=status.element_handle(), timeout=60_000)
    assert "Bit flipped" in status.inner_text()                  # the reader's note survives the download
    assert "bit 2" in grid.get_attribute("aria-label")


def test_recall_box_says_how_well_each_model_does_recall(tab):
    card = sc.read("memory")
    page = tab.open(f"{PAGE}?{memory_export.query_for(T.RECALL, 6, 5)}")
    text = page.locator(f"{BOX} .inn-memory__how-well").inner_text()
    for model, name in (("ntm", "NTM"), ("transformer", "Transformer")):   # the exported curriculum runs
        e = card["metrics"]["recall_exported"][model]["bit_errors"]
        assert f"{name} {e['6']:.2f} at 6 items, {e['8']:.2f} at 8 items, {e['20']:.2f} at 20 items" in text, text
    assert "Guessing gets 9 wrong" in text


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_memory_box_has_no_serious_accessibility_violation(new_tab, scheme):
    tab = new_tab(color_scheme=scheme)
    page = run_in_page(tab, memory_export.query_for(T.RECALL, 6, 5))
    page.add_script_tag(path=str(AXE))
    # the state badge is the runtime's (inside-nn.css), checked by its own tests; everything else is this demo's
    found = page.evaluate("""async (sel) => (await axe.run({ include: [sel], exclude: [[`${sel} .inn-demo__badge`]] })).violations
        .filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)""", BOX)
    assert found == [], (scheme, found)
    label = page.locator(f"{BOX} .inn-memory__ntm canvas").first.get_attribute("aria-label")
    assert label.startswith("Memory after step") and "largest value" in label
    errors = page.locator(f"{BOX} .inn-memory__model[data-model=ntm]").get_attribute("data-bit-errors")
    assert f"{errors} wrong bits" in page.locator(f"{BOX} .inn-memory__model[data-model=ntm] canvas").get_attribute("aria-label")


def test_phone_layout_keeps_the_box_on_screen(new_tab):
    tab = new_tab(has_touch=True)
    tab.page.set_viewport_size({"width": 390, "height": 844})
    page = run_in_page(tab, memory_export.query_for(T.COPY, 20, 3))
    widths = page.evaluate("""(sel) => { const box = document.querySelector(sel);
        const inside = [...box.querySelectorAll('*')].filter((e) => !e.closest('.inn-memory__scroll'));
        return { box: box.getBoundingClientRect().right, widest: Math.max(...inside.map((e) => e.getBoundingClientRect().right)),
                 scrollers: [...box.querySelectorAll('.inn-memory__scroll')].map((s) => s.getBoundingClientRect().right) }; }""", BOX)
    assert widths["box"] <= 390 and widths["widest"] <= widths["box"] + 1, widths   # wide maps scroll inside
    assert widths["scrollers"] and max(widths["scrollers"]) <= 390, widths
