"""Measure the site: build time, bytes before a demo runs, first output, inference per interaction.

    python scripts/bench_site.py [--runs 3] [--interactions 40]
    python scripts/bench_site.py --lighthouse [--pages /nlp/lstm/ ...]

Prints figures; asserts nothing (targets are in the foundation issue: build < 15 s, no demo asset
before the reader interacts, first output < 1.5 s after the first interaction, inference < 16 ms; and
in the page-speed issue: each note's Lighthouse performance within 5 points of a plain-Material baseline of
the same text, bytes <= 1.3x, accessibility >= 95, both sites served gzipped as Pages does).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent))
import lighthouse  # noqa: E402
from site_browser import ROOT, SiteServer, chromium, free_port  # noqa: E402

sys.path.insert(0, str(ROOT))
from demos.common import sidecar as sc  # noqa: E402
from demos.common.runtime import open_sessions  # noqa: E402
from demos.digits import infer  # noqa: E402

PAGE = "/cnn/visualizing/"
DEMO_ASSETS = (".wasm", ".onnx", "ort.wasm.min.mjs", "ort-wasm-simd-threaded.mjs")


def demo_pages() -> list[str]:
    """URL paths of the notes that place a demo box."""
    return sorted({"/" + str(note.relative_to(ROOT / "docs").with_suffix("")).removesuffix("/index") + "/"
                  for note in (ROOT / "docs").rglob("*.md") if 'data-demo="' in note.read_text(encoding="utf-8")})


def build(site: Path, port: int, cold: bool) -> float:
    if cold:
        shutil.rmtree(ROOT / ".cache", ignore_errors=True)
    env = {**os.environ, "SITE_URL": f"http://127.0.0.1:{port}/", "NO_MKDOCS_2_WARNING": "1"}
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(site)],
                   cwd=ROOT, env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def transferred(server: SiteServer, site: Path, start: int) -> tuple[int, list[str]]:
    paths = [p for p in server.paths()[start:]]
    total = 0
    for path in paths:
        file = site / path.lstrip("/")
        file = file / "index.html" if file.is_dir() else file
        total += file.stat().st_size if file.is_file() else 0
    return total, paths


def page_bytes(browser, server, site, strip_demo: bool) -> tuple[int, list[str]]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    if strip_demo:
        def without_demo(route):
            html = route.fetch().text()
            route.fulfill(body=re.sub(r'<div data-demo="[^"]*"></div>', "", html),
                          headers={"content-type": "text/html"})
        page.route(f"**{PAGE}", without_demo)
    start = len(server.log)
    page.goto(server.origin + PAGE)
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(500)
    result = transferred(server, site, start)
    context.close()
    return result


def stroke(page):
    canvas = page.locator(".inn-digits__canvas")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    x, y = box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.15
    page.mouse.move(x, y)
    page.mouse.down()
    for step in range(1, 20):
        page.mouse.move(x - step, y + step * box["height"] * 0.035)
    page.mouse.up()


def first_output(browser, server) -> float:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(server.origin + PAGE)
    page.wait_for_selector(".inn-demo[data-demo-state=golden]")
    start = time.perf_counter()
    stroke(page)
    page.wait_for_selector(".inn-digits__bars[data-inference-ms]", timeout=60_000)
    elapsed = time.perf_counter() - start
    context.close()
    return elapsed


def browser_inference(browser, server, interactions: int) -> list[float]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(server.origin + PAGE)
    page.wait_for_selector(".inn-demo[data-demo-state=golden]")
    button = page.get_by_role("button", name="Held-out digit")
    times = []
    for i in range(interactions + 1):
        page.evaluate("delete document.querySelector('.inn-digits__bars').dataset.inferenceMs")
        button.click()
        page.wait_for_selector(".inn-digits__bars[data-inference-ms]", timeout=60_000)
        if i:  # the first run includes the model download
            times.append(float(page.locator(".inn-digits__bars").get_attribute("data-inference-ms")))
    context.close()
    return times


LONG_TASKS = """
  window.__long = [];
  new PerformanceObserver((list) => list.getEntries().forEach((e) => window.__long.push(e.duration)))
    .observe({type: 'longtask', buffered: true});"""


def mount_long_tasks(browser, server, path: str) -> tuple[int, float]:
    """Scroll each demo box of `path` into view (it mounts then) and return (boxes, longest main-thread
    task in ms while they mounted); 0 when none took over 50 ms."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(server.origin + path)
    page.wait_for_load_state("networkidle")
    page.evaluate(LONG_TASKS)
    boxes = page.locator("[data-demo]").element_handles()
    for box in boxes:
        box.evaluate("b => b.scrollIntoView({block: 'center'})")
        page.wait_for_function("b => !['waiting', 'mounting'].includes(b.dataset.demoState)", arg=box, timeout=30_000)
        page.wait_for_timeout(300)
    longest = max(page.evaluate("window.__long"), default=0.0)
    context.close()
    return len(boxes), longest


def python_inference(interactions: int) -> list[float]:
    card = sc.read("digits")
    session = open_sessions(card)[0]
    counts = card["examples"]["counts"]
    times = []
    for i in range(interactions + 1):
        x = infer.to_input(counts[i % len(counts)])
        start = time.perf_counter()
        session.run(None, {"image": x})
        if i:
            times.append((time.perf_counter() - start) * 1000)
    return times


def compare_with_baseline(site: Path, baseline: Path, port: int, pages: list[str] | None) -> None:
    lighthouse.build_baseline(baseline)
    rows = []
    with SiteServer(site, port, gzip=True) as ours, SiteServer(baseline, gzip=True) as base:
        for path in pages or lighthouse.note_pages(site):
            rows.append((path, lighthouse.audit(ours.origin + path), lighthouse.audit(base.origin + path)))
            print(f"lighthouse {path}: {rows[-1][1]} baseline {rows[-1][2]}", flush=True)
    print(lighthouse.table(rows))
    close = sum(base["performance"] - ours["performance"] <= 5 for _, ours, base in rows)
    light = sum(ours["kib"] <= 1.3 * base["kib"] for _, ours, base in rows)
    accessible = sum(ours["accessibility"] >= 95 for _, ours, _ in rows)
    print(f"pages within 5 performance points of the baseline: {close} of {len(rows)}; "
          f"bytes <= 1.3x: {light} of {len(rows)}; accessibility >= 95: {accessible} of {len(rows)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--interactions", type=int, default=40)
    parser.add_argument("--lighthouse", action="store_true", help="Lighthouse on every note and its baseline")
    parser.add_argument("--pages", nargs="*", help="with --lighthouse: only these paths, e.g. /nlp/lstm/")
    args = parser.parse_args()
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        cold = build(site, port, cold=True)
        warm = build(site, port, cold=False)
        print(f"build, cold (notebook executed):      {cold:6.1f} s")
        print(f"build, warm (notebook cached):        {warm:6.1f} s")
        if args.lighthouse:
            compare_with_baseline(site, Path(tmp) / "baseline", port, args.pages)
            return
        with SiteServer(site, port) as server, sync_playwright() as pw, chromium(pw) as browser:
            with_demo, paths = page_bytes(browser, server, site, strip_demo=False)
            without_demo, _ = page_bytes(browser, server, site, strip_demo=True)
            early = [p for p in paths if p.endswith(DEMO_ASSETS)]
            print(f"{PAGE} before any interaction: {with_demo / 1e3:8.1f} KB in {len(paths)} requests")
            print(f"{PAGE} with its demo removed: {without_demo / 1e3:8.1f} KB")
            print(f"demo assets (ORT, model) fetched before interaction: {early or 'none'}")
            for path in demo_pages():
                boxes, longest = mount_long_tasks(browser, server, path)
                print(f"{path}: {boxes} demo boxes mounted on scroll, longest main-thread task {longest:.0f} ms")
            firsts = [first_output(browser, server) for _ in range(args.runs)]
            print(f"cold load, first interaction -> first output: median {statistics.median(firsts) * 1000:.0f} ms "
                  f"(runs: {', '.join(f'{t * 1000:.0f}' for t in firsts)})")
            in_browser = browser_inference(browser, server, args.interactions)
        in_python = python_inference(args.interactions)
    print(f"inference per interaction, browser (onnxruntime-web wasm): median {np.median(in_browser):.3f} ms "
          f"over {len(in_browser)}")
    print(f"inference per interaction, Python (onnxruntime, 1 thread): median {np.median(in_python):.3f} ms "
          f"over {len(in_python)}")
    print(json.dumps({"build_cold_s": round(cold, 2), "build_warm_s": round(warm, 2),
                      "page_bytes": with_demo, "page_bytes_without_demo": without_demo,
                      "first_output_ms": round(statistics.median(firsts) * 1000),
                      "browser_inference_ms": round(float(np.median(in_browser)), 3),
                      "python_inference_ms": round(float(np.median(in_python)), 3)}))


if __name__ == "__main__":
    main()
