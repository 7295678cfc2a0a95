// occupancy — an occupancy network in the page: a held-out shape's coarse input (16³ voxels or ~300 noisy points)
// → encoder → code z → decoder f(p, z) evaluated by MISE only near the surface → marching tetrahedra → a mesh you
// can turn (parts/view3d.js). A slice of the occupancy field is drawn as a heat map (parts/heatmap.js): click or tap
// it (or arrows + Enter) to add/remove voxels or points and the mesh follows. A slider walks z between two shapes;
// "Sample" draws z from the prior N(0, I). Meshes download as .obj, inputs as .npy for `python -m demos run`.

import { latestWins } from "../latest-wins.js";
import { button } from "../runtime.js";
import { drawHeatmap } from "../parts/heatmap.js";
import { createView, webglAvailable } from "../parts/view3d.js";
import { mise, marchingTetrahedra, toObj } from "./occupancy/mesh.js";
import { modelVerdict } from "./occupancy/verdict.js";
import { lerp, normals, npyBytes, parseVoxels, pointsNear, slicePoints, voxelCentres } from "./occupancy/input.js";

/** Loaded by the runtime before mount (relative to this module). */
export const styles = ["occupancy/occupancy.css"];

const KINDS = { voxels: "16³ voxels", points: "noisy points" };

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text) node.textContent = text;
  return node;
}

function labelled(text, control) {
  const label = el("label", "inn-occ__field");
  label.append(el("span", "", text), control);
  return label;
}

function select(options, value) {
  const s = el("select");
  for (const [v, text] of options) {
    const o = el("option", "", text);
    o.value = v;
    s.append(o);
  }
  s.value = value;
  return s;
}

function download(bytes, filename, type) {
  const link = document.createElement("a");
  link.download = filename;
  link.href = URL.createObjectURL(new Blob([bytes], { type }));
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
}

export function mount(box, ctx) {
  const { sidecar } = ctx;
  const lim = sidecar.limits;
  const g = lim.grid, cells = lim.slice, latent = sidecar.config.latent;
  const examples = sidecar.examples.shapes;
  const golden = sidecar.golden.find((e) => e.output.vertices);
  const names = examples.map((e, i) => [String(i), `held-out ${e.family}`]);

  // ---- layout ---------------------------------------------------------------------------------------------
  const tools = el("div", "inn-occ__tools");
  const exampleSel = select(names, "0");
  const kindSel = select(Object.entries(KINDS), "voxels");
  const resSel = select(sidecar.options.resolution.choices.map((r) => [String(r), `${r}³`]), String(sidecar.options.resolution.default));
  tools.append(labelled("shape", exampleSel), labelled("input", kindSel), labelled("mesh", resSel));
  const viewBox = el("div", "inn-occ__view");
  const viewNote = el("p", "inn-occ__note");
  const showInput = el("input");
  showInput.type = "checkbox";
  showInput.checked = true;
  const showMesh = el("input");
  showMesh.type = "checkbox";
  showMesh.checked = true;
  const toggles = el("div", "inn-occ__toggles");
  toggles.append(labelled("input", showInput), labelled("reconstruction", showMesh));
  const left = el("div", "inn-occ__left");
  left.append(viewBox, toggles, viewNote);

  const sliceCanvas = el("canvas", "inn-occ__slice");
  sliceCanvas.tabIndex = 0;
  const layer = el("input");
  layer.type = "range";
  layer.min = 0;
  layer.max = g - 1;
  layer.step = 1;
  layer.value = Math.floor(g / 2);
  const layerOut = el("output");
  const sliceHelp = el("p", "inn-occ__note");
  const right = el("div", "inn-occ__right");
  right.append(labelled("slice height", layer), layerOut, sliceCanvas, sliceHelp);

  const walkSel = select(names, "1");
  const walk = el("input");
  walk.type = "range";
  walk.min = 0;
  walk.max = 1;
  walk.step = 0.05;
  walk.value = 0;
  const walkRow = el("div", "inn-occ__walk");
  walkRow.append(labelled("latent walk to", walkSel), labelled("t", walk));
  const sampleBtn = button("Sample z ~ N(0, I)", "Decode a code drawn from the prior (S)");
  const resetBtn = button("Reset input", "Back to the held-out shape's own input (R)");
  const objBtn = button("Download .obj", "Save the mesh as a Wavefront .obj file");
  const npyBtn = button("Download input .npy", "Save the input, to run it with python -m demos run occupancy FILE");
  const actions = el("div", "inn-demo__tools");
  actions.append(sampleBtn, resetBtn, objBtn, npyBtn);
  const summary = el("p", "inn-occ__summary");
  const verdict = el("p", "inn-occ__note", modelVerdict(sidecar.metrics.evaluation, sidecar.examples.iou_bar, g, sidecar.examples.input_points));
  verdict.dataset.verdict = "";
  ctx.body.append(tools, left, right, walkRow, actions, summary, verdict);

  // ---- state ---------------------------------------------------------------------------------------------
  const state = { example: 0, kind: "voxels", voxels: null, points: null, edited: false, z: null, source: "input",
    mesh: null, slice: null, sampleSeed: 1 };
  function loadExample() {
    const e = examples[state.example];
    state.voxels = parseVoxels(e.voxels);
    state.points = e.points.map((p) => p.slice());
    state.edited = false;
    state.source = "input";
    walk.value = 0;
  }
  loadExample();
  const height = () => (Number(layer.value) + 0.5) / g - 0.5;

  let sliceMap = null, cursor = null; // the drawn slice (for hit tests) and the keyboard's dashed cell

  // ---- 3-D view (or the reason there is none) ------------------------------------------------------------
  let view = null, meshHandle = null, inputHandle = null;
  const viewReady = (async () => {
    if (!webglAvailable()) throw new Error("WebGL is not available in this browser");
    view = await createView(viewBox, { height: 320, label: "3-D view of the input and the reconstructed mesh: drag to turn, wheel or pinch to zoom, arrow keys to turn" });
  })().catch((err) => {
    viewBox.classList.add("inn-occ__view--off");
    viewBox.textContent = `${err.message}: the 3-D view is off. The slice on the right still shows the occupancy field, takes your edits, and the mesh can still be downloaded.`;
    view = null;
  });

  // ---- draw(): show a state, no inference ----------------------------------------------------------------
  function drawInput() {
    if (!view) return;
    inputHandle?.remove();
    inputHandle = null;
    if (state.source !== "input") return;
    if (state.kind === "voxels") {
      inputHandle = view.addVoxels(voxelCentres(state.voxels, g), 1 / g, { color: "#ff7043", opacity: 0.35 });
    } else {
      inputHandle = view.addPoints(state.points.flat(), "#e64a19", { size: 4 });
    }
    inputHandle.visible = showInput.checked;
  }

  function drawMesh() {
    if (!view || !state.mesh) return;
    if (meshHandle) meshHandle.update(state.mesh.positions, state.mesh.indices);
    else meshHandle = view.addMesh(state.mesh.positions, state.mesh.indices, { color: "#5c6bc0" });
    meshHandle.visible = showMesh.checked;
  }

  function drawSlice() {
    const y = height();
    layerOut.textContent = `y = ${y.toFixed(3)}`;
    const values = state.slice ?? new Float32Array(cells * cells).fill(NaN);
    const map = drawHeatmap(sliceCanvas, { values, rows: cells, cols: cells, min: 0, max: 1, width: 300,
      title: "occupancy probability f(p, z)", rowLabel: "z", colLabel: "x", rowTick: () => "", colTick: () => "" });
    const { left: x0, top: y0, cell } = map.layout;
    const gc = sliceCanvas.getContext("2d");
    const px = (v) => (v + 0.5) * cells * cell;
    gc.lineWidth = 1.5;
    if (state.source === "input" && state.kind === "voxels") {
      const j = Number(layer.value);
      gc.strokeStyle = "#ff7043";
      for (let i = 0; i < g; i++) for (let k = 0; k < g; k++) {
        if (state.voxels[(i * g + j) * g + k]) gc.strokeRect(x0 + px(i / g - 0.5) + 1, y0 + px(k / g - 0.5) + 1, (cells / g) * cell - 2, (cells / g) * cell - 2);
      }
    } else if (state.source === "input") {
      gc.fillStyle = "#ff7043";
      gc.strokeStyle = "#000";
      for (const [, x, z] of pointsNear(state.points, y, 0.5 / g)) {
        gc.beginPath();
        gc.arc(x0 + px(x), y0 + px(z), 3, 0, 2 * Math.PI);
        gc.fill();
        gc.stroke();
      }
    }
    if (cursor) {
      gc.strokeStyle = getComputedStyle(sliceCanvas).color || "#888";
      gc.setLineDash([3, 2]);
      gc.strokeRect(x0 + cursor.col * (cells / g) * cell, y0 + cursor.row * (cells / g) * cell, (cells / g) * cell, (cells / g) * cell);
      gc.setLineDash([]);
    }
    sliceMap = map;
    const what = state.kind === "voxels" ? "voxel" : "point";
    sliceHelp.textContent = state.source === "input"
      ? `The decision boundary is where the colour crosses 0.5. Click or tap to add or remove a ${what} in this layer `
        + "(keys: arrows move the dashed cell, Enter toggles, Page Up/Down change the layer)."
      : "Showing a decoded code with no input (latent walk or prior sample); Reset input to edit again.";
  }

  function drawSummary(text) {
    summary.textContent = text;
  }

  // ---- run(): input → encoder → code → MISE + slice → draw -------------------------------------------------
  let ort = null;
  async function decoderFn(z) {
    const session = await ctx.session(0);
    const zt = new ort.Tensor("float32", z, [1, latent]);
    let millis = 0, calls = 0;
    const evaluate = async (pts) => {
      const started = performance.now();
      const out = await session.run({ points: new ort.Tensor("float32", pts, [pts.length / 3, 3]), z: zt });
      millis += performance.now() - started;
      calls++;
      return out.logits.data;
    };
    const occupancy = async (pts) => (await session.run({ points: new ort.Tensor("float32", pts, [pts.length / 3, 3]), z: zt })).occupancy.data;
    return { evaluate, occupancy, stats: () => ({ millis, calls }) };
  }

  async function encode() {
    if (state.kind === "voxels") {
      const session = await ctx.session(1);
      const out = await session.run({ voxels: new ort.Tensor("float32", Float32Array.from(state.voxels), [1, 1, g, g, g]) });
      return Float32Array.from(out.mu.data);
    }
    const session = await ctx.session(2);
    const out = await session.run({ points: new ort.Tensor("float32", Float32Array.from(state.points.flat()), [1, state.points.length, 3]) });
    return Float32Array.from(out.mu.data);
  }

  async function runOnce() {
    ort ??= await ctx.ort();
    await viewReady;
    if (state.kind === "points" && state.points.length < lim.min_points && state.source === "input") {
      throw new Error(`the point encoder needs at least ${lim.min_points} points (there are ${state.points.length}); add some on the slice`);
    }
    const started = performance.now();
    let z;
    if (state.source === "input") z = await encode();
    else if (state.source === "walk") {
      const a = examples[state.example][`z_${state.kind}`], b = examples[Number(walkSel.value)][`z_${state.kind}`];
      z = lerp(a, b, Number(walk.value));
    } else {
      const draw = normals(state.sampleSeed);
      z = Float32Array.from({ length: latent }, () => draw());
    }
    state.z = z;
    const resolution = Number(resSel.value);
    const dec = await decoderFn(z);
    const t0 = performance.now();
    const grid = await mise(dec.evaluate, resolution, lim.coarse);
    const t1 = performance.now();
    state.mesh = marchingTetrahedra(grid.values, grid.n);
    const t2 = performance.now();
    state.slice = await dec.occupancy(slicePoints(height(), cells));
    const evaluated = grid.counts.reduce((a, b) => a + b, 0);
    drawInput();
    drawMesh();
    drawSlice();
    const e = examples[state.example];
    const where = state.source === "input"
      ? `${state.edited ? "your edit of " : ""}the held-out ${e.family}'s ${KINDS[state.kind]}${state.edited ? "" : ` (IoU with the true shape ${e[`iou_${state.kind}`].toFixed(3)}, measured by export.py)`}`
      : state.source === "walk" ? `z = ${(1 - walk.value).toFixed(2)}·z(${e.family}) + ${Number(walk.value).toFixed(2)}·z(${examples[Number(walkSel.value)].family})`
        : `z drawn from N(0, I) (seed ${state.sampleSeed})`;
    drawSummary(`Mesh of ${where}: MISE ${lim.coarse}³ → ${resolution}³ evaluated ${evaluated.toLocaleString("en")} of `
      + `${((resolution + 1) ** 3).toLocaleString("en")} grid points in ${(t1 - t0).toFixed(0)} ms, marching tetrahedra `
      + `${(t2 - t1).toFixed(0)} ms, ${(state.mesh.indices.length / 3).toLocaleString("en")} triangles; total ${(t2 - started).toFixed(0)} ms.`);
    box.dataset.result = JSON.stringify({ z: Array.from(z), counts: grid.counts, triangles: state.mesh.indices.length / 3,
      vertices: state.mesh.positions.length / 3, miseMs: t1 - t0, marchMs: t2 - t1, totalMs: t2 - started,
      decoderMs: dec.stats().millis, resolution, source: state.source, kind: state.kind });
    ctx.status("Live: the model runs in your browser.");
  }

  const run = latestWins(runOnce, (err) => {
    ctx.status(`This input could not be reconstructed: ${err.message ?? err}`);
    box.dataset.result = JSON.stringify({ error: String(err.message ?? err) });
  });

  // ---- golden example: shown before anything is downloaded -------------------------------------------------
  viewReady.then(() => {
    if (state.mesh) return;
    layer.value = Math.round((golden.input.slice_y + 0.5) * g - 0.5);
    state.slice = Float32Array.from(golden.output.slice);
    state.mesh = { positions: Float32Array.from(golden.output.vertices), indices: Uint32Array.from(golden.output.faces) };
    drawInput();
    drawMesh();
    drawSlice();
    drawSummary(`Recorded example: the held-out ${examples[0].family} from its 16³ voxels, meshed at ${golden.input.resolution}³ `
      + "by export.py. Turn it, or touch anything to run the model in your browser (it meshes at the resolution chosen above).");
  });
  drawSlice();

  // ---- input: controls, slice edits (pointer + keyboard), downloads ---------------------------------------
  const rerun = () => run();
  exampleSel.addEventListener("change", () => { state.example = Number(exampleSel.value); loadExample(); rerun(); });
  kindSel.addEventListener("change", () => { state.kind = kindSel.value; state.source = "input"; walk.value = 0; rerun(); });
  resSel.addEventListener("change", rerun);
  layer.addEventListener("input", async () => {
    drawSlice();
    if (!state.z || !ort) return;
    const dec = await decoderFn(state.z);
    state.slice = await dec.occupancy(slicePoints(height(), cells));
    drawSlice();
  });
  walk.addEventListener("input", () => { state.source = Number(walk.value) > 0 ? "walk" : "input"; rerun(); });
  walkSel.addEventListener("change", () => { if (state.source === "walk") rerun(); });
  sampleBtn.addEventListener("click", () => { state.source = "sample"; state.sampleSeed = Math.floor(Math.random() * 2 ** 31); rerun(); });
  resetBtn.addEventListener("click", () => { loadExample(); rerun(); });
  showInput.addEventListener("change", () => { if (inputHandle) inputHandle.visible = showInput.checked; });
  showMesh.addEventListener("change", () => { if (meshHandle) meshHandle.visible = showMesh.checked; });
  objBtn.addEventListener("click", () => {
    if (!state.mesh) return;
    download(toObj(state.mesh.positions, state.mesh.indices, "occupancy network reconstruction (Inside NN)"),
      `occupancy-${examples[state.example].family}.obj`, "model/obj");
  });
  npyBtn.addEventListener("click", () => {
    const bytes = state.kind === "voxels" ? npyBytes(state.voxels, [g, g, g])
      : npyBytes(Float32Array.from(state.points.flat()), [state.points.length, 3]);
    download(bytes, `occupancy-${examples[state.example].family}-${state.kind}.npy`, "application/octet-stream");
  });

  function edit(col, row, fine) {
    // col, row: voxel column (x) and row (z) of the current layer; fine: the exact slice position for points
    if (state.source !== "input") { state.source = "input"; walk.value = 0; }
    const j = Number(layer.value);
    if (state.kind === "voxels") {
      const idx = (col * g + j) * g + row;
      state.voxels[idx] = state.voxels[idx] ? 0 : 1;
    } else {
      const [x, z] = fine ?? [(col + 0.5) / g - 0.5, (row + 0.5) / g - 0.5];
      const near = pointsNear(state.points, height(), 0.5 / g).filter(([, px, pz]) => Math.hypot(px - x, pz - z) < 0.6 / g);
      if (near.length) state.points.splice(near[0][0], 1);
      else state.points.push([x, height(), z]);
    }
    state.edited = true;
    drawSlice();
    rerun();
  }
  sliceCanvas.addEventListener("pointerdown", (event) => {
    const hit = sliceMap?.cellAt(event.clientX, event.clientY);
    if (!hit) return;
    event.preventDefault();
    const x = (hit.col + 0.5) / cells - 0.5, z = (hit.row + 0.5) / cells - 0.5;
    cursor = { col: Math.floor((hit.col * g) / cells), row: Math.floor((hit.row * g) / cells) };
    edit(cursor.col, cursor.row, [x, z]);
  });
  sliceCanvas.addEventListener("keydown", (event) => {
    const moves = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
    if (moves[event.key]) {
      cursor ??= { col: g / 2, row: g / 2 };
      cursor.col = Math.min(g - 1, Math.max(0, cursor.col + moves[event.key][0]));
      cursor.row = Math.min(g - 1, Math.max(0, cursor.row + moves[event.key][1]));
      drawSlice();
    } else if ((event.key === "Enter" || event.key === " ") && cursor) {
      edit(cursor.col, cursor.row);
    } else if (event.key === "PageUp" || event.key === "PageDown") {
      layer.value = Math.min(g - 1, Math.max(0, Number(layer.value) + (event.key === "PageUp" ? 1 : -1)));
      layer.dispatchEvent(new Event("input"));
    } else return;
    event.preventDefault();
  });
  box.addEventListener("keydown", (event) => {
    if (event.target.tagName === "SELECT" || event.target.tagName === "INPUT") return;
    if (event.key === "s" || event.key === "S") sampleBtn.click();
    else if (event.key === "r" || event.key === "R") resetBtn.click();
  });
  sliceCanvas.setAttribute("aria-label", "Slice of the occupancy field; click or press Enter to add or remove input here");
  ctx.whenNeeded(rerun);
}
