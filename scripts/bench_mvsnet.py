"""Time MVSNet's two exported models on onnxruntime (Python, one thread) and onnxruntime-web (WASM, one
thread, in Node), on 3 rendered views of 160×128 and on the motorcycle pair at 192×128, and the page's
plane sweep (Node) against numpy's. Prints the median of `--runs` runs (after one warm-up) and writes
demos/mvsnet/results/speed.md, the snippet the MVSNet page includes. Asserts nothing.

    .venv/bin/python scripts/bench_mvsnet.py [--runs 5]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

from demos.common import sidecar as sc
from demos.common.paths import MODELS_DIR, ROOT
from demos.common.runtime import open_session, run
from demos.mvsnet import infer, planesweep, views

SNIPPET = ROOT / "demos/mvsnet/results/speed.md"

NODE_SCRIPT = r"""
import fs from "fs";
const [root, input] = process.argv.slice(2);
const ort = await import(`${root}/node_modules/onnxruntime-web/dist/ort.wasm.min.mjs`);
ort.env.wasm.numThreads = 1;
const sweep = await import(`${root}/docs/javascripts/demos/mvsnet/sweep.js`);
const task = JSON.parse(fs.readFileSync(input));
const out = {};
const median = (a) => a.sort((x, y) => x - y)[Math.floor(a.length / 2)];
for (const file of task.files) {
  const session = await ort.InferenceSession.create(fs.readFileSync(file));
  for (const c of task.cases) {
    const feeds = {};
    for (const [k, v] of Object.entries(c.feeds)) feeds[k] = new ort.Tensor("float32", Float32Array.from(v.data), v.shape);
    await session.run(feeds);
    const times = [];
    for (let i = 0; i < task.runs; i++) { const t = performance.now(); await session.run(feeds); times.push(performance.now() - t); }
    out[`${file.split("/").pop()} ${c.name}`] = median(times);
  }
}
for (const c of task.cases) {
  const greys = c.images.map((v) => sweep.grey(Uint8Array.from(v), 3));
  const times = [];
  for (let i = 0; i < task.runs; i++) {
    const t = performance.now();
    sweep.planeSweep(greys, c.h, c.w, c.K, c.R, c.t, c.depths, task.radius, task.eps);
    times.push(performance.now() - t);
  }
  out[`plane sweep ${c.name}`] = median(times);
}
console.log(JSON.stringify(out));
"""


def median_ms(fn, runs: int) -> float:
    fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return float(np.median(times))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    card = sc.read("mvsnet")
    files = [MODELS_DIR / m["file"] for m in card["models"]]
    cases = []
    for name, which in (("3 views 160x128", "held_out:0"), ("pair 192x128", "motorcycle")):
        v = views.views(which)
        x = infer.feeds({**v, "depth_range": [float(d) for d in v["depth_range"]]}, card["config"]["planes"])
        cases.append({"name": name, "x": x, "v": v})
    python = {}
    for f in files:
        session = open_session(f)
        for c in cases:
            python[f"{f.name} {c['name']}"] = median_ms(lambda: run(session, c["x"]), args.runs)
    for c in cases:
        v, depths = c["v"], c["x"]["depths"].astype(np.float64)
        python[f"plane sweep {c['name']}"] = median_ms(
            lambda: planesweep.plane_sweep(v["images"], v["K"], v["R"], v["t"], depths), args.runs)
    node = shutil.which("node")
    wasm = {}
    if node:
        task = {"files": [str(f) for f in files], "runs": args.runs, "radius": planesweep.RADIUS, "eps": planesweep.EPS,
                "cases": [{"name": c["name"], "feeds": {k: {"data": a.ravel().tolist(), "shape": list(a.shape)}
                                                       for k, a in c["x"].items()},
                           "images": [im.ravel().tolist() for im in c["v"]["images"]], "h": int(c["v"]["images"].shape[1]),
                           "w": int(c["v"]["images"].shape[2]), "K": c["v"]["K"].tolist(), "R": c["v"]["R"].tolist(),
                           "t": c["v"]["t"].tolist(), "depths": c["x"]["depths"].astype(np.float64).tolist()}
                          for c in cases]}
        with tempfile.TemporaryDirectory() as tmp:
            (Path(tmp) / "bench.mjs").write_text(NODE_SCRIPT)
            (Path(tmp) / "task.json").write_text(json.dumps(task))
            proc = subprocess.run([node, "--no-warnings", str(Path(tmp) / "bench.mjs"), str(ROOT), str(Path(tmp) / "task.json")],
                                  capture_output=True, text=True, check=True)
            wasm = json.loads(proc.stdout)
    print(f"{'what':40s} {'Python ms':>10s} {'WASM/JS ms':>11s}")
    for key, ms in python.items():
        other = wasm.get(key)
        print(f"{key:40s} {ms:10.1f} {other if other is None else round(other, 1)!s:>11s}")
    if wasm:
        SNIPPET.write_text(snippet(python, wasm, [f.name for f in files], [c["name"] for c in cases], args.runs))
        print(f"wrote {SNIPPET.relative_to(ROOT)}")


def snippet(python: dict, wasm: dict, files: list[str], cases: list[str], runs: int) -> str:
    """The page's sentence and table: every model and the plane sweep on every case, in both runtimes."""
    rows = [(f"`{f}`", f"{f} {c}", c) for f in files for c in cases] + [("plane sweep", f"plane sweep {c}", c) for c in cases]
    table = ["| what | input | onnxruntime-web, WASM (ms) | Python (ms) |", "|---|---|---|---|"]
    table += [f"| {label} | {case.replace('x', '×')} | {wasm[key]:.0f} | {python[key]:.0f} |" for label, key, case in rows]
    return (f"Measured by `python scripts/bench_mvsnet.py` on {platform.machine()} Linux ({os.cpu_count()} CPU cores "
            f"shared with other jobs, 1-minute load average {os.getloadavg()[0]:.1f}), median of {runs} runs after a "
            "warm-up, one thread each: the models in onnxruntime-web's WASM build (in Node, as the page runs them) and "
            "in onnxruntime from Python; the plane sweep in the page's JavaScript and in numpy.\n\n"
            + "\n".join(table) + "\n")


if __name__ == "__main__":
    main()
