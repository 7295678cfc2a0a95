"""The demo runtime (docs/javascripts/runtime.js) in Chromium: boxes mount only when near the viewport, a
failed download is fetched once and retried only when the reader asks, progress is true under gzip, and on
a phone the first download waits for a tap."""
import re

import pytest

from site_browser import SiteServer, free_port
from test_browser import DEMO_PAGE, draw_digit, live_result

pytestmark = pytest.mark.browser
FAR_BOX = "[data-demo=visualize]"


def test_a_box_far_below_the_fold_costs_nothing_until_it_is_near(tab, server):
    start = len(server.log)
    page = tab.open(DEMO_PAGE, mount_demos=False)
    page.wait_for_selector("[data-demo=digits][data-demo-state=golden]")   # the box on screen mounts
    top = page.locator(FAR_BOX).evaluate("b => b.getBoundingClientRect().top / innerHeight")
    assert top > 2.5, f"the visualize box is only {top:.1f} screens down: the test needs a far box"
    page.wait_for_timeout(500)
    fetched = server.paths()[start:]
    assert not [p for p in fetched if p.endswith(("visualize.json", "demos/visualize.js"))], fetched
    assert page.locator(FAR_BOX).get_attribute("data-demo-state") == "waiting"
    page.locator(FAR_BOX).evaluate("b => b.scrollIntoView({block: 'start'})")
    page.wait_for_selector(f"{FAR_BOX}[data-demo-state=golden]", timeout=15_000)
    fetched = server.paths()[start:]
    assert any(p.endswith("models/visualize.json") for p in fetched)
    assert any(p.endswith("demos/visualize.js") for p in fetched)
    assert not [p for p in fetched if p.endswith((".wasm", ".onnx"))], "ONNX Runtime loads only when the reader acts"


def test_a_missing_model_is_fetched_once_and_again_only_on_retry(tab):
    calls = []

    def missing(route):
        calls.append(route.request.url)
        route.fulfill(status=404, body="not found")

    tab.page.route("**/models/digits.onnx", missing)
    page = tab.open(DEMO_PAGE)
    page.wait_for_selector("[data-demo=digits][data-demo-state=golden]")
    for _ in range(4):
        draw_digit(page)
    page.wait_for_selector("[data-demo=digits][data-demo-state=error]", timeout=30_000)
    for _ in range(3):
        draw_digit(page)
    page.wait_for_timeout(500)
    assert len(calls) == 1, calls
    status = page.locator("[data-demo=digits] .inn-demo__status")
    assert status.inner_text().count("could not run") == 1
    retry = status.get_by_role("button", name="Retry")
    page.unroute("**/models/digits.onnx")
    retry.click()
    page.wait_for_selector("[data-demo=digits][data-demo-state=ready]", timeout=30_000)
    assert status.get_by_role("button", name="Retry").count() == 0
    draw_digit(page)
    assert live_result(page)["top"] in [str(d) for d in range(10)]


def test_progress_under_gzip_counts_decompressed_bytes_against_the_true_size(browser, built_site):
    from conftest import Tab
    with SiteServer(built_site, free_port(), gzip=True) as gz:
        tab = Tab(browser, gz)
        try:
            page = tab.page
            page.add_init_script("""
              window.__statuses = [];
              new MutationObserver(() => document.querySelectorAll('.inn-demo__message')
                .forEach((m) => window.__statuses.push(m.textContent)))
                .observe(document, {subtree: true, childList: true, characterData: true});""")
            tab.open(DEMO_PAGE)
            page.wait_for_selector("[data-demo=digits][data-demo-state=golden]")
            wasm = page.evaluate("fetch('/assets/vendor/ort/files.json').then(r => r.json())")
            response = page.request.get(gz.origin + "/assets/vendor/ort/ort-wasm-simd-threaded.wasm",
                                        headers={"accept-encoding": "gzip"})
            assert response.headers.get("content-encoding") == "gzip"
            draw_digit(page)
            live_result(page)
            statuses = page.evaluate("window.__statuses")
        finally:
            tab.context.close()
    progress = [s for s in statuses if s.startswith("Downloading")]
    assert progress, statuses
    runtime_total = f"{wasm['ort-wasm-simd-threaded.wasm'] / 1e6:.1f} MB"
    assert any(s.endswith(f"of {runtime_total}") for s in progress if "ONNX Runtime" in s), progress
    for text in progress:
        loaded, total = re.search(r": ([\d.]+ [KM]?B) of ([\d.]+ [KM]?B)$", text).groups()
        assert size(loaded) <= size(total), text


def size(text: str) -> float:
    number, unit = text.split()
    return float(number) * {"B": 1, "KB": 1e3, "MB": 1e6}[unit]


def test_the_box_says_what_the_first_run_downloads(tab):
    page = tab.open(DEMO_PAGE)
    page.wait_for_selector("[data-demo=digits][data-demo-state=golden]")
    cost = page.locator("[data-demo=digits] .inn-demo__cost")
    cost.wait_for(state="visible")
    assert "ONNX Runtime" in cost.inner_text() and "digits.onnx" in cost.inner_text()
    draw_digit(page)
    live_result(page)
    page.wait_for_function("document.querySelector('[data-demo=digits] .inn-demo__cost').hidden")


def test_on_a_phone_the_first_download_waits_for_a_tap(new_tab, server):
    tab = new_tab(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True, agree_downloads=False)
    start = len(server.log)
    page = tab.open(DEMO_PAGE)
    page.wait_for_selector("[data-demo=digits][data-demo-state=golden]")
    held_out = page.get_by_role("button", name="Held-out digit")
    held_out.evaluate("b => b.scrollIntoView({block: 'center'})")
    held_out.tap()
    status = page.locator("[data-demo=digits] .inn-demo__status")
    go = status.get_by_role("button", name=re.compile(r"^Download [\d.]+ MB and run$"))
    go.wait_for()
    assert "waits for your tap" in status.inner_text()
    page.wait_for_timeout(500)
    assert not [p for p in server.paths()[start:] if p.endswith((".wasm", ".onnx"))]
    go.tap()
    page.wait_for_selector(".inn-digits__bars[data-inference-ms]", timeout=30_000)
    assert status.get_by_role("button").count() == 0
    assert tab.errors == [] and tab.foreign_requests() == []
