// mvsnet — depth of a reference view from calibrated views: MVSNet (ONNX Runtime Web), the same network
// without its 3D U-Net, and a classical plane sweep (mvsnet/sweep.js, the algorithm of
// demos/mvsnet/planesweep.py). Pick an example (rendered scenes the model never saw, or the Middlebury
// motorcycle pair), step through the depth planes to watch a source view slide over the reference,
// and click or tap a pixel of the depth map for its cost curve and softmax over the planes.
// `python -m demos run mvsnet views.npz` gives the same numbers (demos/mvsnet/infer.py).

import { button } from "../runtime.js";
import { drawHeatmap } from "../parts/heatmap.js";
import { decodePng } from "../parts/png.js";
import { decode16, planes, relative, stats } from "./mvsnet/geometry.js";
import { grey, planeSweep, warpedView } from "./mvsnet/sweep.js";
import { drawCurve, el, figure, pointCloud } from "./mvsnet/view.js";

/** Loaded by the runtime before mount (relative to this module). */
export const styles = ["mvsnet/mvsnet.css"];

const METHODS = [
  { key: "mvsnet", label: "MVSNet", model: 0 },
  { key: "mvsnet_noreg", label: "without 3D U-Net", model: 1 },
  { key: "plane_sweep", label: "plane sweep", model: null },
];

const mean = (a) => a.reduce((x, y) => x + y, 0) / a.length;

/** The model's four inputs as onnxruntime tensors (images / 255, matrices at the feature maps' size: 1 / stride, planes). */
export function modelInputs(ort, scene, depths, stride) {
  const { h, w, views } = scene;
  const images = new Float32Array(views.length * 3 * h * w);
  views.forEach((v, i) => {
    for (let c = 0; c < 3; c++) {
      for (let p = 0; p < h * w; p++) images[(i * 3 + c) * h * w + p] = v.rgba[4 * p + c] / 255;
    }
  });
  const { rot, trans } = relative(scene.K, scene.R, scene.t, 1 / stride);
  const n = views.length;
  return {
    images: new ort.Tensor("float32", images, [n, 3, h, w]),
    rot: new ort.Tensor("float32", Float32Array.from(rot.flat(2)), [n, 3, 3]),
    trans: new ort.Tensor("float32", Float32Array.from(trans.flat()), [n, 3]),
    depths: new ort.Tensor("float32", Float32Array.from(depths), [depths.length]),
  };
}

export function mount(box, ctx) {
  const { sidecar } = ctx;
  const D = sidecar.config.planes;
  const prep = sidecar.preprocessing;
  const examples = sidecar.examples.scenes;
  const state = { example: 0, method: "mvsnet", plane: Math.floor(D / 2), source: 1, pixel: null, mode: "blend" };
  const results = new Map(); // `${example}:${method}` → result
  const scenes = new Map(); // example index → Promise<decoded scene>
  box.mvsnet = { state, results };

  // ---- layout -------------------------------------------------------------------------------------
  const root = el("div", "inn-mvs");
  const tools = el("div", "inn-demo__tools");
  const pick = el("select", "inn-mvs__select");
  pick.setAttribute("aria-label", "Example views");
  examples.forEach((e, i) => {
    const o = el("option", "", e.name === "motorcycle" ? "Middlebury motorcycle (real, 2 views)" : `Held-out rendered scene ${i + 1} (3 views)`);
    o.value = String(i);
    pick.append(o);
  });
  const methodGroup = el("div", "inn-mvs__methods");
  methodGroup.setAttribute("role", "group");
  methodGroup.setAttribute("aria-label", "Method");
  const methodButtons = METHODS.map((m) => {
    const b = button(m.label, `Show the depth from ${m.label}`);
    b.dataset.method = m.key;
    methodGroup.append(b);
    return b;
  });
  tools.append(pick, methodGroup);

  const viewsRow = el("div", "inn-mvs__views");
  const sweep = el("div", "inn-mvs__sweep");
  const [sweepFig, sweepCanvas] = figure("inn-mvs__img", "");
  const sweepCaption = sweepFig.querySelector("figcaption");
  const slider = el("input", "inn-mvs__slider");
  slider.type = "range";
  slider.min = "0";
  slider.max = String(D - 1);
  slider.value = String(state.plane);
  slider.setAttribute("aria-label", "Depth plane");
  const sourcePick = el("select", "inn-mvs__select");
  sourcePick.setAttribute("aria-label", "Source view warped onto the plane");
  const modeButton = button("Difference", "Show |reference − warped source| instead of a blend (D)");
  const sweepTools = el("div", "inn-demo__tools");
  sweepTools.append(el("span", "inn-mvs__label", "Plane"), slider, sourcePick, modeButton);
  sweep.append(sweepFig, sweepTools);

  const maps = el("div", "inn-mvs__maps");
  const [depthFig, depthCanvas] = figure("inn-mvs__map", "Depth (click or tap a pixel; arrow keys move it)");
  const [confFig, confCanvas] = figure("inn-mvs__map", "Confidence: probability of the 4 planes nearest the depth");
  const [truthFig, truthCanvas] = figure("inn-mvs__map", "True depth");
  maps.append(depthFig, confFig, truthFig);
  const [curveFig, curveCanvas] = figure("inn-mvs__curve", "");
  const curveCaption = curveFig.querySelector("figcaption");
  curveCanvas.setAttribute("aria-label", "A pixel's cost curve over the depth planes: pick a pixel of the depth map to draw it.");
  const summary = el("p", "inn-mvs__summary");
  summary.setAttribute("aria-live", "polite");
  const cloud = el("div", "inn-mvs__cloud");
  cloud.hidden = true;
  const cloudTools = el("label", "inn-mvs__label");
  const confidentBox = el("input");
  confidentBox.type = "checkbox";
  cloudTools.append(confidentBox, " only pixels with confidence ≥ 0.5 (MVSNet)");
  cloud.append(el("p", "inn-mvs__cloud-note"), cloudTools);
  const command = el("p", "inn-mvs__command");
  command.innerHTML = "Same numbers from a terminal: <code>python -m demos.mvsnet.views held_out:0 views.npz</code> "
    + "then <code>python -m demos run mvsnet views.npz</code> (<code>motorcycle</code> for the pair).";
  const m = sidecar.metrics;
  const bar = el("p", "inn-mvs__bar", `Measured on ${m.held_out_scenes} held-out rendered scenes: mean absolute depth error `
    + `MVSNet ${m.rendered.mvsnet.mean_abs_error.toFixed(3)}, plane sweep ${m.rendered.plane_sweep.mean_abs_error.toFixed(3)} `
    + `(${m.error_ratio_vs_plane_sweep.toFixed(2)}×). ${m.bar_met ? "That meets" : "That falls short of"} the goal of at most half the plane sweep's error.`);
  root.append(tools, bar, viewsRow, sweep, summary, maps, curveFig, cloud);
  ctx.body.append(root);
  ctx.body.after(command);

  // ---- data ---------------------------------------------------------------------------------------
  function scene(i) {
    if (!scenes.has(i)) {
      const e = examples[i];
      const pending = (async () => {
        const views = await Promise.all(e.views.map(decodePng));
        const { width: w, height: h } = views[0];
        const [lo, hi] = e.depth_range;
        const truth = decode16((await decodePng(e.depth_png)).rgba, lo, hi);
        const disparity = e.disparity_png ? { truth: decode16((await decodePng(e.disparity_png)).rgba, 0, 64),
          focalBaseline: e.focal_baseline, doffs: e.doffs, scale: e.disparity_scale } : null;
        const depths = planes(lo, hi, D);
        const greys = views.map((v) => grey(v.rgba));
        return { index: i, name: e.name, views, h, w, K: e.K, R: e.R, t: e.t, lo, hi, depths, truth, disparity, greys,
          pixelRot: relative(e.K, e.R, e.t, 1.0) };
      })();
      pending.catch(() => scenes.delete(i));
      scenes.set(i, pending);
    }
    return scenes.get(i);
  }

  // ---- run(): inference or the plane sweep, no drawing here ----------------------------------------
  async function run(i, method) {
    const key = `${i}:${method}`;
    if (results.has(key)) return results.get(key);
    const s = await scene(i);
    const spacing = s.depths[1] - s.depths[0];
    let result;
    if (method === "plane_sweep") {
      const started = performance.now();
      const out = planeSweep(s.greys, s.h, s.w, s.K, s.R, s.t, s.depths, prep.ncc_radius, prep.ncc_eps);
      result = { method, depth: out.depth, index: out.index, cost: out.cost, ms: performance.now() - started };
    } else {
      const m = METHODS.find((x) => x.key === method);
      const ort = await ctx.ort();
      const session = await ctx.session(m.model);
      const started = performance.now();
      const out = await session.run(modelInputs(ort, s, s.depths, prep.feature_stride));
      result = { method, depth: out.depth.data, confidence: out.confidence.data, probability: out.probability.data,
        cost: out.cost.data, variance: out.variance.data, fh: out.probability.dims[1], fw: out.probability.dims[2],
        ms: performance.now() - started };
    }
    result.stats = stats(result.depth, s.truth, spacing, s.disparity);
    results.set(key, result);
    return result;
  }

  /** The golden maps computed at export (shown before the model is downloaded). */
  async function golden(i, method) {
    const s = await scene(i);
    const g = sidecar.golden[i].output[method];
    const depth = decode16((await decodePng(g.depth_png)).rgba, s.lo, s.hi);
    const confidence = decode16((await decodePng(g.confidence_png)).rgba, 0, 1);
    return { method, depth, confidence, golden: true, stats: stats(depth, s.truth, s.depths[1] - s.depths[0], s.disparity) };
  }

  // ---- draw(): pictures of a scene and a result ---------------------------------------------------
  function putImage(canvas, rgba, w, h) {
    canvas.width = w;
    canvas.height = h;
    canvas.getContext("2d").putImageData(new ImageData(new Uint8ClampedArray(rgba), w, h), 0, 0);
  }

  function drawViews(s) {
    viewsRow.replaceChildren();
    s.views.forEach((v, k) => {
      const [fig, canvas] = figure("inn-mvs__img", k === 0 ? "Reference view" : `Source view ${k}`);
      canvas.setAttribute("aria-label", k === 0 ? "The reference view: the depth maps below are its depth" : `Source view ${k}`);
      putImage(canvas, v.rgba, s.w, s.h);
      viewsRow.append(fig);
    });
    sourcePick.replaceChildren(...s.views.slice(1).map((_, k) => {
      const o = el("option", "", `source ${k + 1}`);
      o.value = String(k + 1);
      return o;
    }));
    state.source = Math.min(state.source, s.views.length - 1);
    sourcePick.value = String(state.source);
  }

  function drawSweep(s) {
    const k = state.plane;
    const warped = warpedView(s.views[state.source].rgba, s.h, s.w, s.pixelRot.rot[state.source],
      s.pixelRot.trans[state.source], s.depths[k]);
    const ref = s.views[0].rgba;
    const out = new Uint8ClampedArray(warped.length);
    for (let p = 0; p < warped.length; p += 4) {
      for (let c = 0; c < 3; c++) {
        out[p + c] = state.mode === "blend" ? (ref[p + c] + warped[p + c]) / 2 : Math.abs(ref[p + c] - warped[p + c]) * 2;
      }
      out[p + 3] = 255;
    }
    putImage(sweepCanvas, out, s.w, s.h);
    const text = `Plane ${k + 1} of ${D}: depth ${s.depths[k].toFixed(3)}. Source ${state.source} warped onto this plane of the reference camera, `
      + (state.mode === "blend" ? "blended with the reference: surfaces at this depth look sharp." : "minus the reference: surfaces at this depth turn dark.");
    sweepCaption.textContent = text;
    sweepCanvas.setAttribute("aria-label", text);
    slider.setAttribute("aria-valuetext", `plane ${k + 1}, depth ${s.depths[k].toFixed(3)}`);
  }

  let depthMap = null;
  function drawMaps(s, r) {
    const cell = Math.max(1, Math.round(160 / s.w)); // the rendered 160 columns and the pair's 192: 1 px a pixel
    const highlight = state.pixel ? { row: state.pixel.row, col: state.pixel.col } : undefined;
    const title = METHODS.find((m) => m.key === r.method).label;
    const common = { rows: s.h, cols: s.w, cell, highlight };
    depthMap = drawHeatmap(depthCanvas, { ...common, values: r.depth, min: s.lo, max: s.hi, title: `${title} depth` });
    drawHeatmap(truthCanvas, { ...common, values: s.truth, min: s.lo, max: s.hi, title: "true depth" });
    confFig.hidden = !r.confidence;
    if (r.confidence) drawHeatmap(confCanvas, { ...common, values: r.confidence, min: 0, max: 1, title: "confidence" });
    const st = r.stats;
    const disp = st.within_3px === undefined ? "" : `, disparity within 3 px ${(100 * st.within_3px).toFixed(1)} %`;
    const how = r.golden ? "computed at export; press a method or click the map to run it in your browser"
      : r.method === "plane_sweep" ? `plane sweep in your browser, ${r.ms.toFixed(0)} ms` : `ONNX Runtime Web, ${r.ms.toFixed(0)} ms`;
    summary.textContent = `${title} on ${s.name === "motorcycle" ? "the motorcycle pair" : `held-out scene ${s.index + 1}`}: `
      + `mean absolute depth error ${st.mean_abs_error.toFixed(3)}, within one plane ${(100 * st.within_one_plane).toFixed(1)} %${disp} (${how}).`;
    depthCanvas.setAttribute("aria-label", `${summary.textContent} Click or tap a pixel, or use the arrow keys, for its cost curve.`);
    truthCanvas.setAttribute("aria-label", `The true depth of the reference view, from ${s.lo} (dark) to ${s.hi} (bright)`
      + (s.name === "motorcycle" ? ", from the Middlebury disparity; pixels without it are blank." : "."));
    confCanvas.setAttribute("aria-label", r.confidence ? `MVSNet's confidence, mean ${mean(r.confidence).toFixed(3)}: `
      + "the probability of the four planes nearest the estimated depth (0 dark, 1 bright)." : "No confidence for the plane sweep.");
    box.dataset.result = JSON.stringify({ example: s.name, method: r.method, golden: Boolean(r.golden), ...st });
  }

  function drawPixel(s, r) {
    if (!state.pixel || r.golden) {
      curveFig.hidden = true;
      return;
    }
    curveFig.hidden = false;
    const { row, col } = state.pixel;
    const truth = s.truth[row * s.w + col];
    const series = [];
    if (r.method === "plane_sweep") {
      series.push({ label: "1 − NCC (plane sweep cost)", values: r.cost.map((c) => c[row * s.w + col]), kind: "line" });
    } else {
      const cell = Math.floor((row * r.fh) / s.h) * r.fw + Math.floor((col * r.fw) / s.w); // the feature pixel
      const at = (a) => s.depths.map((_, k) => a[k * r.fh * r.fw + cell]);
      series.push({ label: "softmax probability", values: at(r.probability), kind: "bars" });
      series.push({ label: "cost after the 3D regularisation", values: at(r.cost), kind: "line" });
      series.push({ label: "variance cost (mean over channels)", values: at(r.variance), kind: "dashed" });
    }
    const chosen = r.depth[row * s.w + col];
    drawCurve(curveCanvas, { depths: s.depths, series, truth, chosen, plane: state.plane });
    const text = `Pixel row ${row}, column ${col}: ${METHODS.find((m) => m.key === r.method).label} says depth ${chosen.toFixed(3)}, `
      + `the truth is ${Number.isNaN(truth) ? "unknown" : truth.toFixed(3)}. Curves over the ${D} planes: ${series.map((x) => x.label).join(", ")}.`;
    curveCaption.textContent = text;
    curveCanvas.setAttribute("aria-label", text);
  }

  let current = null; // { scene, result } on screen
  function draw(s, r) {
    current = { scene: s, result: r };
    methodButtons.forEach((b) => b.setAttribute("aria-pressed", String(b.dataset.method === r.method)));
    drawMaps(s, r);
    drawPixel(s, r);
    pointCloud(cloud, s, r, { confident: confidentBox.checked })
      .catch((err) => { cloud.querySelector(".inn-mvs__cloud-note").textContent = `The point cloud cannot be shown: ${err.message ?? err}`; });
  }

  // ---- control --------------------------------------------------------------------------------------
  let token = 0;
  async function show(live) {
    const mine = ++token;
    try {
      const s = await scene(state.example);
      if (mine !== token) return;
      if (!current || current.scene !== s) {
        drawViews(s);
        drawSweep(s);
      }
      const hasGolden = Boolean(sidecar.golden[state.example]?.output[state.method]?.depth_png);
      const usable = live || !hasGolden || results.has(`${state.example}:${state.method}`);
      if (!usable) ctx.status("Showing maps computed at export. Interact with the demo to run it in your browser.");
      else if (state.method !== "plane_sweep" && !results.has(`${state.example}:${state.method}`)) ctx.status("Running the model…");
      const r = usable ? await run(state.example, state.method) : await golden(state.example, state.method);
      if (mine !== token) return;
      draw(s, r);
      if (usable) ctx.status(`${METHODS.find((m) => m.key === r.method).label}: ${r.ms.toFixed(0)} ms. Click or tap the depth map for a pixel's cost curve.`);
    } catch (err) {
      ctx.error(err);
    }
  }

  let live = false;
  ctx.whenNeeded(() => { live = true; show(true); });
  pick.addEventListener("change", () => { state.example = Number(pick.value); state.pixel = null; current = null; show(live); });
  methodButtons.forEach((b) => b.addEventListener("click", () => { state.method = b.dataset.method; live = true; show(true); }));
  slider.addEventListener("input", () => {
    state.plane = Number(slider.value);
    if (current) { drawSweep(current.scene); drawPixel(current.scene, current.result); }
  });
  sourcePick.addEventListener("change", () => { state.source = Number(sourcePick.value); if (current) drawSweep(current.scene); });
  const toggleMode = () => {
    state.mode = state.mode === "blend" ? "difference" : "blend";
    modeButton.textContent = state.mode === "blend" ? "Difference" : "Blend";
    if (current) drawSweep(current.scene);
  };
  modeButton.addEventListener("click", toggleMode);
  confidentBox.addEventListener("change", () => { if (current) draw(current.scene, current.result); });

  async function choosePixel(row, col) {
    state.pixel = { row, col };
    if (!current) return;
    if (current.result.golden) { live = true; await show(true); return; }
    draw(current.scene, current.result);
  }
  depthCanvas.addEventListener("pointerdown", (event) => {
    const cell = depthMap?.cellAt(event.clientX, event.clientY);
    if (cell) choosePixel(cell.row, cell.col);
  });
  depthCanvas.addEventListener("keydown", (event) => {
    if (!current) return;
    const { h, w } = current.scene;
    const p = state.pixel ?? { row: Math.floor(h / 2), col: Math.floor(w / 2) };
    const moves = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
    if (moves[event.key]) {
      event.preventDefault();
      const [dr, dc] = moves[event.key];
      choosePixel(Math.min(h - 1, Math.max(0, p.row + dr)), Math.min(w - 1, Math.max(0, p.col + dc)));
    } else if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      choosePixel(p.row, p.col);
    }
  });
  root.addEventListener("keydown", (event) => {
    if (event.target.tagName === "INPUT" || event.target.tagName === "SELECT") return;
    if (event.key === "d" || event.key === "D") toggleMode();
  });

  show(false);
}
