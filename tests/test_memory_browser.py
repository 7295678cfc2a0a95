"""memory in the page: the golden example first, then both models run in the browser give the bit
errors `python -m demos run memory` gives for the same input; bad input from the URL and inputs past
the models' capacity are explained in the box."""
import json
import subprocess
import sys

import pytest

from demos.common import sidecar as sc
from demos.common.paths import ROOT

pytestmark = pytest.mark.browser
PAGE = "/brain/ntm-vs-transformer/"
BOX = "[data-demo=memory]"



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
