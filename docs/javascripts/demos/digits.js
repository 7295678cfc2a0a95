// digits — draw a digit, watch a small CNN's class probabilities and every conv layer's feature maps
// update live; pick a map to see the kernels behind it (parts/feature-maps.js).
//
// The drawing is reduced exactly as demos/digits/infer.py reduces a PNG (read its docstring): the
// same file gives the same numbers in the page and in `python -m demos run digits FILE`.

import { button, savePng } from "../runtime.js";
import { convLayers, featureMaps } from "../parts/feature-maps.js";

const CANVAS = 280; // backing pixels of the drawing canvas, whatever its size on screen
const PEN = 18;

/** RGBA pixels → 8×8 block counts (0..max_count), or null when nothing is drawn. */
export function countsFromImage(rgba, width, height, prep) {
  const n = width * height;
  const gray = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const alpha = rgba[4 * i + 3] / 255;
    const color = (rgba[4 * i] + rgba[4 * i + 1] + rgba[4 * i + 2]) / 3 / 255;
    gray[i] = color * alpha + (1 - alpha);
    sum += gray[i];
  }
  const invert = sum / n < 0.5; // light ink on a dark background
  const on = new Uint8Array(n);
  let top = height, bottom = -1, left = width, right = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const g = invert ? 1 - gray[y * width + x] : gray[y * width + x];
      if (1 - g > prep.ink_threshold) {
        on[y * width + x] = 1;
        top = Math.min(top, y); bottom = Math.max(bottom, y);
        left = Math.min(left, x); right = Math.max(right, x);
      }
    }
  }
  if (bottom < 0) return null;
  const h = bottom - top + 1, w = right - left + 1;
  const side = Math.max(h, w);
  top -= Math.floor((side - h) / 2);
  left -= Math.floor((side - w) / 2);
  const { grid, block } = prep;
  const cells = grid / block;
  const counts = Array.from({ length: cells }, () => new Array(cells).fill(0));
  for (let i = 0; i < grid; i++) {
    const y = top + Math.floor(((2 * i + 1) * side) / (2 * grid));
    for (let j = 0; j < grid; j++) {
      const x = left + Math.floor(((2 * j + 1) * side) / (2 * grid));
      if (y >= 0 && y < height && x >= 0 && x < width && on[y * width + x]) {
        counts[Math.floor(i / block)][Math.floor(j / block)] += 1;
      }
    }
  }
  return counts;
}


export function mount(box, ctx) {
  const { sidecar } = ctx;
  const prep = sidecar.preprocessing;
  const labels = sidecar.labels;
  const cells = prep.grid / prep.block;

  // ---- layout -------------------------------------------------------------
  const pad = document.createElement("div");
  pad.className = "inn-digits__pad";
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = CANVAS;
  canvas.className = "inn-digits__canvas";
  canvas.tabIndex = 0;
  canvas.setAttribute("aria-label", "Drawing area: draw a digit with mouse, pen or finger. Keys: C clears, R loads a held-out digit.");
  const tools = document.createElement("div");
  tools.className = "inn-demo__tools";
  const clear = button("Clear", "Clear the drawing (C)");
  const random = button("Held-out digit", "Load a random digit the model never saw in training (R)");
  const save = button("Save PNG", "Save the drawing, to run it with python -m demos run digits FILE");
  tools.append(clear, random, save);
  pad.append(canvas, tools);

  const seen = document.createElement("figure");
  seen.className = "inn-digits__seen";
  const preview = document.createElement("canvas");
  preview.width = preview.height = cells;
  preview.className = "inn-digits__preview";
  const caption = document.createElement("figcaption");
  caption.textContent = `What the model sees: ${cells}×${cells} counts`;
  seen.append(preview, caption);

  const chart = document.createElement("div");
  chart.className = "inn-digits__bars";
  chart.setAttribute("role", "list");
  const rows = labels.map((label) => {
    const row = document.createElement("div");
    row.className = "inn-digits__row";
    row.setAttribute("role", "listitem");
    row.innerHTML = `<span class="inn-digits__label"></span><span class="inn-digits__track"><span class="inn-digits__fill"></span></span><span class="inn-digits__value"></span>`;
    row.querySelector(".inn-digits__label").textContent = label;
    chart.append(row);
    return row;
  });
  const command = document.createElement("p");
  command.className = "inn-digits__command";
  command.innerHTML = "Same numbers from a terminal: <code>python -m demos run digits digit.png</code>";
  const inside = document.createElement("section");
  inside.className = "inn-digits__inside";
  const insideNote = document.createElement("p");
  insideNote.className = "inn-digits__note";
  insideNote.textContent = "The feature maps of every convolution appear here when the model runs in your browser: draw a digit, or press R.";
  inside.append(insideNote);
  const layers = convLayers(sidecar.models[0]);
  const maps = featureMaps(inside, layers, { inputLabel: "input" });
  maps.element.hidden = true;
  ctx.body.append(pad, seen, chart);
  ctx.body.after(inside, command);

  const pen = canvas.getContext("2d", { willReadFrequently: true });
  function blank() {
    pen.fillStyle = "#fff";
    pen.fillRect(0, 0, CANVAS, CANVAS);
  }
  blank();

  // ---- draw(): render a result, no inference here --------------------------
  function draw(counts, probs, note, outputs) {
    const view = preview.getContext("2d");
    const image = view.createImageData(cells, cells);
    for (let i = 0; i < cells * cells; i++) {
      const v = counts ? 255 - Math.round((counts[Math.floor(i / cells)][i % cells] / prep.max_count) * 255) : 255;
      image.data.set([v, v, v, 255], 4 * i);
    }
    view.putImageData(image, 0, 0);
    const top = probs ? probs.indexOf(Math.max(...probs)) : -1;
    rows.forEach((row, k) => {
      const p = probs ? probs[k] : 0;
      row.classList.toggle("inn-digits__row--top", k === top);
      row.querySelector(".inn-digits__fill").style.width = `${(p * 100).toFixed(1)}%`;
      row.querySelector(".inn-digits__value").textContent = probs ? p.toFixed(4) : "";
      row.setAttribute("aria-label", `${labels[k]}: ${probs ? (p * 100).toFixed(1) : 0} percent`);
    });
    chart.dataset.result = probs ? JSON.stringify({ top: labels[top], probs, counts }) : "";
    canvas.setAttribute("aria-label", `Drawing area: ${probs ? `the model reads it as ${labels[top]} (${(probs[top] * 100).toFixed(1)} percent)` : "blank"}. `
      + "Draw a digit with mouse, pen or finger. Keys: C clears, R loads a held-out digit.");
    if (outputs) {
      maps.element.hidden = false;
      insideNote.textContent = `Inside the network, for ${note.split(" · ")[0].toLowerCase()}: ${layers.map((l) => `${l.name} (${l.channels} maps)`).join(", ")}. `
        + "Pick a map (click, tap, or arrow keys and Enter) to see how its kernels make it from the layer before.";
      maps.draw(outputs, counts.flat().map((c) => c / prep.max_count));
    } else if (!probs) {
      maps.element.hidden = true;
      insideNote.textContent = "Draw a digit to see the feature maps.";
    }
    if (note) ctx.status(note);
  }

  // ---- run(): input → model → draw -----------------------------------------
  let pending = null;
  let queued = null;
  async function run(counts, note) {
    if (pending) { queued = [counts, note]; return; } // keep only the latest stroke
    pending = (async () => {
      const ort = await ctx.ort();
      const session = await ctx.session(0);
      const input = new Float32Array(counts.flat().map((c) => c / prep.max_count));
      const started = performance.now();
      const output = await session.run({ [session.inputNames[0]]: new ort.Tensor("float32", input, [1, 1, cells, cells]) });
      const ms = performance.now() - started;
      const probs = Array.from(output[sidecar.models[0].outputs[0].name].data);
      draw(counts, probs, `${note} · inference ${ms.toFixed(1)} ms`, output);
      chart.dataset.inferenceMs = ms.toFixed(3);
    })();
    try {
      await pending;
    } catch (err) {
      ctx.error(err);
    } finally {
      pending = null;
    }
    if (queued) {
      const [c, n] = queued;
      queued = null;
      run(c, n);
    }
  }

  let asked = false; // has the reader asked for a run (a stroke, a held-out digit)?
  function runDrawing() {
    asked = true;
    const counts = countsFromImage(pen.getImageData(0, 0, CANVAS, CANVAS).data, CANVAS, CANVAS, prep);
    if (!counts) {
      draw(null, null, "Draw a digit: the canvas is blank.");
      return;
    }
    run(counts, "Your drawing");
  }

  // ---- input: pointer (mouse, pen, touch) and keyboard ----------------------
  let last = null;
  let scheduled = false;
  const position = (event) => {
    const r = canvas.getBoundingClientRect();
    return [((event.clientX - r.left) / r.width) * CANVAS, ((event.clientY - r.top) / r.height) * CANVAS];
  };
  function stroke(to) {
    pen.strokeStyle = "#000";
    pen.lineWidth = PEN;
    pen.lineCap = pen.lineJoin = "round";
    pen.beginPath();
    pen.moveTo(...(last ?? to));
    pen.lineTo(...to);
    pen.stroke();
    last = to;
    if (!scheduled) { // at most one inference per animation frame while drawing
      scheduled = true;
      requestAnimationFrame(() => { scheduled = false; runDrawing(); });
    }
  }
  let fromExample = false;
  canvas.addEventListener("pointerdown", (event) => {
    if (fromExample) { blank(); fromExample = false; }
    canvas.setPointerCapture(event.pointerId);
    last = null;
    stroke(position(event));
  });
  canvas.addEventListener("pointermove", (event) => { if (last) stroke(position(event)); });
  const lift = () => { if (last) { last = null; runDrawing(); } };
  canvas.addEventListener("pointerup", lift);
  canvas.addEventListener("pointercancel", lift);

  function clearAll() {
    blank();
    fromExample = false;
    draw(null, null, "Cleared. Draw a digit.");
  }
  /** An example's 8×8 counts, painted as grey blocks; the next stroke starts a fresh drawing. */
  function paintCounts(counts) {
    blank();
    const size = CANVAS / cells;
    counts.forEach((row, y) => row.forEach((c, x) => {
      const v = 255 - Math.round((c / prep.max_count) * 255);
      pen.fillStyle = `rgb(${v},${v},${v})`;
      pen.fillRect(x * size, y * size, size, size);
    }));
    fromExample = true;
  }
  function loadExample() {
    asked = true;
    const { counts, labels: truth } = sidecar.examples;
    const k = Math.floor(Math.random() * counts.length);
    paintCounts(counts[k]);
    run(counts[k], `Held-out digit #${k} (true label ${truth[k]})`);
  }
  clear.addEventListener("click", clearAll);
  random.addEventListener("click", loadExample);
  save.addEventListener("click", () => savePng(canvas, "digit.png"));
  canvas.addEventListener("keydown", (event) => {
    if (event.key === "c" || event.key === "C") clearAll();
    if (event.key === "r" || event.key === "R") loadExample();
  });

  // ---- until the model is ready: the golden example, computed by onnxruntime at export ----
  const golden = sidecar.golden[0];
  paintCounts(golden.input.counts);
  draw(golden.input.counts, golden.output.probs,
    `Example: a held-out ${golden.input.label}, as computed at export. Draw to run the model in your browser.`);
  // Once the model is here, the example runs in the page too, so its feature maps show (unless the
  // reader has already drawn or asked for a digit).
  ctx.whenNeeded(() => ctx.session(0)
    .then(() => { if (!asked) run(golden.input.counts, `The example ${golden.input.label}`); })
    .catch(ctx.error));
}
