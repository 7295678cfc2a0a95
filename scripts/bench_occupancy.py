"""Measure the occupancy demo's meshing: a 64³-effective mesh by MISE (from 16³) + marching tetrahedra against a dense
65³ evaluation of the decoder, in this machine's Chromium (ONNX Runtime Web, WASM, one thread) and in onnxruntime
(Python, one thread), for the codes of the held-out examples in the sidecar.

    python scripts/bench_occupancy.py [--site DIR] [--repeats 3]

Prints the figures and writes demos/occupancy/results/speed.md, the snippet the page includes. Asserts nothing
(the issue's budget: a 64³ mesh in ≤ 1 s in the browser).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent))
from site_browser import SiteServer, build_site, chromium, free_port

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from demos.common import sidecar as sc
from demos.common.paths import ROOT
from demos.common.runtime import open_sessions
from demos.occupancy import infer, mesh

PAGE = "/3d/occupancy-networks/"
SNIPPET = ROOT / "demos/occupancy/results/speed.md"
RESOLUTION = 64

BROWSER = """async ([resolution, repeats]) => {
  const rt = await import(new URL('/javascripts/runtime.js', location.origin).href);
  const m = await import(new URL('/javascripts/demos/occupancy/mesh.js', location.origin).href);
  const card = await rt.loadSidecar('occupancy');
  const ort = await rt.loadOrt();
  const session = await rt.loadSession(card, 0);
  const out = [];
  for (const e of card.examples.shapes) {
    const z = new ort.Tensor('float32', Float32Array.from(e.z_voxels), [1, card.config.latent]);
    const evaluate = async (pts) => (await session.run({ points: new ort.Tensor('float32', pts, [pts.length / 3, 3]), z })).logits.data;
    const mise = [], dense = [];
    let evaluated = 0, triangles = 0;
    for (let r = 0; r < repeats; r++) {
      let t = performance.now();
      const g = await m.mise(evaluate, resolution, card.limits.coarse);
      const tri = m.marchingTetrahedra(g.values, g.n);
      mise.push(performance.now() - t);
      evaluated = g.counts.reduce((a, b) => a + b, 0);
      triangles = tri.indices.length / 3;
      const n = resolution + 1, c = m.gridCoords(resolution), all = new Float32Array(n ** 3 * 3);
      for (let i = 0, p = 0; i < n; i++) for (let j = 0; j < n; j++) for (let k = 0; k < n; k++, p += 3) all.set([c[i], c[j], c[k]], p);
      t = performance.now();
      for (let s = 0; s < n ** 3; s += 65536) await evaluate(all.subarray(3 * s, 3 * Math.min(n ** 3, s + 65536)));
      const vals = await evaluate(all.subarray(0, 3 * 1000));
      if (!vals.length) throw new Error('no output');
      dense.push(performance.now() - t);
    }
    out.push({ family: e.family, mise: Math.min(...mise), dense: Math.min(...dense), evaluated, triangles });
  }
  return out;
}"""


def python_times(card: dict, repeats: int) -> list[dict]:
    sessions = open_sessions(card)
    out = []
    c = mesh.grid_coords(RESOLUTION)
    grid = np.stack(np.meshgrid(c, c, c, indexing="ij"), -1).reshape(-1, 3).astype(np.float32)
    for e in card["examples"]["shapes"]:
        f = infer.decoder_fn(sessions, np.array([e["z_voxels"]], np.float32))
        mise_t, dense_t = [], []
        for _ in range(repeats):
            t = time.perf_counter()
            values, counts = mesh.mise(f, RESOLUTION, card["limits"]["coarse"])
            mesh.marching_tetrahedra(values)
            mise_t.append(time.perf_counter() - t)
            t = time.perf_counter()
            f(grid)
            dense_t.append(time.perf_counter() - t)
        out.append({"family": e["family"], "mise": min(mise_t) * 1e3, "dense": min(dense_t) * 1e3,
                    "evaluated": sum(counts)})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", type=Path, help="an already built site (default: build one)")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    card = sc.read("occupancy")
    load_before = os.getloadavg()[0]
    py = python_times(card, args.repeats)
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        site = args.site
        if site is None:
            site = Path(tmp) / "site"
            result = build_site(site, port)
            if result.returncode != 0:
                sys.exit(f"mkdocs build failed:\n{result.stderr[-2000:]}")
        with SiteServer(site, port) as server, sync_playwright() as pw, chromium(pw) as browser:
            page = browser.new_page()
            page.goto(server.origin + PAGE)
            page.wait_for_load_state("networkidle")
            web = page.evaluate(BROWSER, [RESOLUTION, args.repeats])
    dense = (RESOLUTION + 1) ** 3
    rows = ["| held-out shape | points evaluated by MISE | browser: MISE + marching | browser: dense 65³ decoder | "
            "Python: MISE + marching | Python: dense 65³ decoder |", "|---|---:|---:|---:|---:|---:|"]
    for w, p in zip(web, py):
        rows.append(f"| {w['family']} | {w['evaluated']:,} ({w['evaluated'] / dense:.0%}) | {w['mise']:.0f} ms | "
                    f"{w['dense']:.0f} ms | {p['mise']:.0f} ms | {p['dense']:.0f} ms |")
    med = lambda xs, k: statistics.median(x[k] for x in xs)
    rows.append(f"| **median** | {med(web, 'evaluated'):,.0f} | **{med(web, 'mise'):.0f} ms** | {med(web, 'dense'):.0f} ms | "
                f"{med(py, 'mise'):.0f} ms | {med(py, 'dense'):.0f} ms |")
    cpu = platform.processor() or platform.machine()
    text = "\n".join(rows) + (
        f"\n\nA {RESOLUTION}³ mesh from each held-out example's voxel code; best of {args.repeats} runs; browser: "
        f"headless Chromium with ONNX Runtime Web (WASM, one thread), Python: onnxruntime (one thread), on a "
        f"{os.cpu_count()}-core {cpu} machine shared with other jobs (load average {load_before:.1f} before and "
        f"{os.getloadavg()[0]:.1f} after: on a busy machine every figure is slower). Browser ÷ Python: "
        f"{med(web, 'mise') / med(py, 'mise'):.1f}× for MISE + marching, {med(web, 'dense') / med(py, 'dense'):.1f}× for "
        f"the dense grid. The budget of this demo, a {RESOLUTION}³ mesh in at most 1 s in the browser, is "
        f"{'met' if med(web, 'mise') <= 1000 else '**not met**'} by the median "
        f"({sum(w['mise'] <= 1000 for w in web)} of {len(web)} shapes within it); MISE needs "
        f"{med(web, 'dense') / med(web, 'mise'):.1f}× less time than the dense grid. "
        f"Written by `python scripts/bench_occupancy.py`.\n")
    SNIPPET.parent.mkdir(exist_ok=True)
    SNIPPET.write_text(text)
    print(text)
    print(json.dumps({"browser": web, "python": py}))


if __name__ == "__main__":
    main()
