"""Measure the char-LSTM demo's budget: a 2,000-character text coloured in this machine's Chromium
(ONNX Runtime Web, WASM, one thread) against the same call in onnxruntime (Python, one thread).

    python scripts/bench_charlstm.py [--runs 7] [--site DIR]

Prints the medians and writes demos/charlstm/results/speed.md, the snippet the RNN page includes.
Asserts nothing (the issue's budget: ≤ 100 ms in the browser). Also times, in the same page and runtime, a
floor: a Scan that does nothing per character but the model's recurrent matrix-vector product (its own
weights), to say how much of the time that one product takes.
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent))
from site_browser import ROOT, SiteServer, build_site, chromium, free_port

sys.path.insert(0, str(ROOT))
from demos.charlstm import infer
from demos.charlstm.export import Scorer, load_from_onnx
from demos.charlstm.model import build
from demos.common import sidecar as sc
from demos.common.paths import MODELS_DIR
from demos.common.runtime import open_sessions

PAGE = "/nlp/rnn-interpretability/"
BOX = "[data-demo=charlstm]"
SNIPPET = ROOT / "demos/charlstm/results/speed.md"
TEXT_FILE = ROOT / "demos/charlstm/train.py"    # the text: this project's own source


FLOOR_FILE = "bench-floor.onnx"    # written into the served site for the run, then removed


def floor_model(card: dict) -> onnx.ModelProto:
    """A Scan over the characters whose step is only h <- tanh((h W)[:H]) with the model's recurrent matrix
    W (H x 4H): the product every character needs, and two cheap nodes to make it a recurrence."""
    hidden = card["config"]["hidden"]
    model = build(card["config"])
    load_from_onnx(Scorer(model), MODELS_DIR / "charlstm.onnx")
    recurrent = model.lstm.weight_hh_l0.detach().numpy().T                   # (H, 4H): h @ W
    body = helper.make_graph(
        [helper.make_node("MatMul", ["h", "W"], ["z"]),
         helper.make_node("Split", ["z"], ["z0", "z1", "z2", "z3"], axis=1, num_outputs=4),
         helper.make_node("Tanh", ["z0"], ["h_next"])],
        "step", [helper.make_tensor_value_info("h", TensorProto.FLOAT, [1, hidden]),
                 helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])],
        [helper.make_tensor_value_info("h_next", TensorProto.FLOAT, [1, hidden])])
    graph = helper.make_graph(
        [helper.make_node("Scan", ["h0", "steps"], ["h_last"], body=body, num_scan_inputs=1)],
        "floor", [helper.make_tensor_value_info("h0", TensorProto.FLOAT, [1, hidden]),
                  helper.make_tensor_value_info("steps", TensorProto.FLOAT, ["T", 1])],
        [helper.make_tensor_value_info("h_last", TensorProto.FLOAT, [1, hidden])],
        [numpy_helper.from_array(recurrent.astype(np.float32), "W")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)], ir_version=10)
    onnx.checker.check_model(model)
    return model


FLOOR_JS = """async ([file, count, hidden]) => {
  if (!window.benchFloor) {
    const { loadOrt } = await import(new URL("/javascripts/loading.js", location.origin).href);
    const ort = await loadOrt();
    const bytes = new Uint8Array(await (await fetch(new URL(file, location.origin))).arrayBuffer());
    const session = await ort.InferenceSession.create(bytes);
    const feeds = { h0: new ort.Tensor("float32", new Float32Array(hidden), [1, hidden]),
                    steps: new ort.Tensor("float32", new Float32Array(count), [count, 1]) };
    window.benchFloor = async () => {
      const started = performance.now();
      await session.run(feeds);
      return performance.now() - started;
    };
  }
  return window.benchFloor();
}"""


def browser_ms(origin: str, text: str, runs: int, hidden: int) -> tuple[list[float], list[float]]:
    """The page's own timings of scoring `text`, and the floor model's, run alternately (through the page's
    already loaded runtime) so that both see the same moments of a shared machine."""
    with sync_playwright() as playwright:
        with chromium(playwright) as browser:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(origin + PAGE)
            page.locator(BOX).scroll_into_view_if_needed()    # a box mounts when it comes near the viewport
            page.wait_for_selector(f"{BOX}[data-demo-state=golden]")
            page.fill(f"{BOX} textarea", text)
            times, floor = [], []
            for _ in range(runs + 1):                  # the first call also compiles the WASM and loads the model
                page.evaluate(f"() => document.querySelector('{BOX} .inn-clstm').removeAttribute('data-inference-ms')")
                page.click(f"{BOX} .inn-demo__button:has-text('Colour')")
                page.wait_for_selector(f"{BOX} .inn-clstm[data-inference-ms]", timeout=120_000)
                times.append(float(page.locator(f"{BOX} .inn-clstm").get_attribute("data-inference-ms")))
                floor.append(page.evaluate(FLOOR_JS, [f"/{FLOOR_FILE}", len(text), hidden]))
            return times[1:], floor[1:]


def python_ms(card: dict, text: str, runs: int) -> list[float]:
    session = open_sessions(card)[0]
    tokens = infer.encode(text, card)
    infer.score(session, card, tokens)
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        infer.score(session, card, tokens)
        out.append((time.perf_counter() - start) * 1000)
    return out


def cache_note(hidden: int) -> str:
    """How the recurrent matrix compares with a core's L2 cache on this machine (Linux sysfs), if it says."""
    try:
        size = Path("/sys/devices/system/cpu/cpu0/cache/index2/size").read_text().strip()
    except OSError:
        return ""
    matrix_kib = hidden * 4 * hidden * 4 // 1024
    l2_kib = int(size.rstrip("K")) if size.endswith("K") else int(size.rstrip("M")) * 1024
    fits = "fits in" if matrix_kib <= l2_kib else "is larger than"
    return (f" ({matrix_kib:,} KiB of weights, read once per character, which {fits} this machine's "
            f"{l2_kib:,} KiB L2 cache per core)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--site", type=Path, help="an already built site (default: build one)")
    args = parser.parse_args()
    card = sc.read("charlstm")
    hidden = card["config"]["hidden"]
    text = TEXT_FILE.read_text()[:card["limits"]["max_chars"]]
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        site = args.site or Path(tmp) / "site"
        if not args.site:
            build = build_site(site, port)
            if build.returncode:
                sys.exit(f"mkdocs build failed:\n{build.stderr[-2000:]}")
        floor_path = site / FLOOR_FILE
        onnx.save(floor_model(card), str(floor_path))
        try:
            with SiteServer(site, port) as server:
                web, floor = browser_ms(server.origin, text, args.runs, hidden)
        finally:
            floor_path.unlink()
    py = python_ms(card, text, args.runs)
    load = os.getloadavg()[0]
    b, p, f = statistics.median(web), statistics.median(py), statistics.median(floor)
    print(f"browser (ONNX Runtime Web, WASM, 1 thread): median {b:.1f} ms over {len(web)} runs {[round(t) for t in web]}")
    print(f"python  (onnxruntime, 1 thread):            median {p:.1f} ms over {len(py)} runs")
    print(f"ratio browser / python: {b / p:.1f}")
    print(f"floor in the browser (the recurrent product alone): median {f:.1f} ms over {len(floor)} runs")
    SNIPPET.write_text(
        f"Measured by `python scripts/bench_charlstm.py` on {platform.machine()} Linux, Chromium headless "
        f"({os.cpu_count()} CPU cores shared with other jobs, 1-minute load average {load:.1f}): "
        f"scoring {len(text):,} characters (all {hidden} cells, gates and "
        f"next-character distributions) takes a median **{b:.1f} ms** in the page (ONNX Runtime Web, WASM, one "
        f"thread; {len(web)} runs after the first, from {min(web):.0f} to {max(web):.0f} ms) and {p:.1f} ms in onnxruntime from Python (one thread), "
        f"{b / p:.1f}× as long. The budget is 100 ms: "
        f"{'met' if b <= 100 else '**not met** on this machine at this load'}. Of that, {f:.1f} ms (median, same "
        f"page and runtime) is what a loop doing nothing per character but the product of the state with the "
        f"{hidden}×{4 * hidden} recurrent matrix takes{cache_note(hidden)}. The machine is shared, so all "
        "figures and their ratio vary from run to run with its load.\n")
    print(f"wrote {SNIPPET.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
