// memory — a Neural Turing Machine and a Transformer on the same copy / associative-recall input.
//
// The input lives in the page URL (?task=copy&bits=10110010.01100111…), in the format that
// `python -m demos run memory "task=…"` reads (demos/memory/infer.py): the same input gives the same
// bits and bit errors in the page and in a terminal. Sizes, limits and model files come from the
// sidecar (exported_models/memory.json). data-part="ntm" shows only the NTM half.

import { button } from "../runtime.js";
import { drawHeatmap } from "../parts/heatmap.js";

const WRONG = "#e53935"; // wrong bits, readable on both colour schemes

// ---- input: parse, check, build the stream (mirrors demos/memory/infer.py and tasks.py) ----------

class InputError extends Error {}

function parseBits(text, width, what) {
  if (text.length !== width || /[^01]/.test(text)) {
    throw new InputError(`${what} must be ${width} characters, each 0 or 1 (got '${text.slice(0, 20)}')`);
  }
  return Array.from(text, Number);
}

/** URL query → {task, bits} or {task, items, query}; throws InputError with a readable message. */
export function parseQuery(query, sidecar) {
  const fields = new URLSearchParams(query.replace(/^[?#]/, ""));
  const task = fields.get("task") ?? "";
  if (task === "copy") {
    const width = sidecar.tasks.copy.n_out;
    const vectors = (fields.get("bits") ?? "").split(".").filter(Boolean);
    return check({ task, bits: vectors.map((v, i) => parseBits(v, width, `copy vector ${i + 1}`)) }, sidecar);
  }
  if (task === "recall") {
    const width = sidecar.tasks.recall.n_out;
    const items = (fields.get("items") ?? "").split(".").filter(Boolean)
      .map((item, i) => item.split("-").map((v) => parseBits(v, width, `item ${i + 1}`)));
    const raw = fields.get("query") ?? "0";
    if (!/^-?\d+$/.test(raw)) throw new InputError(`query must be a whole number (got '${raw}')`);
    return check({ task, items, query: Number(raw) }, sidecar);
  }
  throw new InputError(`task must be 'copy' or 'recall' (got '${task}')`);
}

function check(input, sidecar) {
  const spec = sidecar.tasks[input.task];
  const size = input.task === "copy" ? input.bits.length : input.items.length;
  if (size < spec.min_size) {
    throw new InputError(`${input.task} needs at least ${spec.min_size} ${input.task === "copy" ? "vector" : "items"} (got ${size})`);
  }
  if (size > spec.max_size) {
    throw new InputError(`the demo accepts at most ${spec.max_size} ${spec.unit} for ${input.task} (got ${size})`);
  }
  if (input.task === "recall") {
    if (input.items.some((item) => item.length !== spec.item_len)) throw new InputError(`each recall item has ${spec.item_len} vectors`);
    if (!(input.query >= 0 && input.query < size - 1)) {
      throw new InputError(`query must be an item index from 0 to ${size - 2} (the last item has no successor)`);
    }
  }
  return input;
}

export function toQuery(input) {
  const bits = (v) => v.join("");
  if (input.task === "copy") return `task=copy&bits=${input.bits.map(bits).join(".")}`;
  return `task=recall&items=${input.items.map((item) => item.map(bits).join("-")).join(".")}&query=${input.query}`;
}

export function sizeOf(input) {
  return input.task === "copy" ? input.bits.length : input.items.length;
}

/** The input stream x (T × n_in), target rows and the first scored step, as in tasks.py. */
export function stream(input, sidecar) {
  const spec = sidecar.tasks[input.task];
  const rows = [];
  const blank = () => new Array(spec.n_in).fill(0);
  const data = (v) => [...v, ...new Array(spec.n_in - v.length).fill(0)];
  const mark = (channel) => { const r = blank(); r[channel] = 1; return r; };
  let target;
  if (input.task === "copy") {
    input.bits.forEach((v) => rows.push(data(v)));
    rows.push(mark(spec.n_out));
    input.bits.forEach(() => rows.push(blank()));
    target = input.bits;
  } else {
    input.items.forEach((item) => { rows.push(mark(spec.n_out)); item.forEach((v) => rows.push(data(v))); });
    rows.push(mark(spec.n_out + 1));
    input.items[input.query].forEach((v) => rows.push(data(v)));
    rows.push(mark(spec.n_out + 1));
    input.items[input.query + 1].forEach(() => rows.push(blank()));
    target = input.items[input.query + 1];
  }
  return { x: rows, target, first: rows.length - target.length };
}

function randomInput(task, size, sidecar) {
  const spec = sidecar.tasks[task];
  const vec = () => Array.from({ length: spec.n_out }, () => (Math.random() < 0.5 ? 0 : 1));
  if (task === "copy") return { task, bits: Array.from({ length: size }, vec) };
  const items = Array.from({ length: size }, () => Array.from({ length: spec.item_len }, vec));
  return { task, items, query: Math.floor(Math.random() * (size - 1)) };
}

/** Why a model cannot run this input (the same words as infer.py), or null. */
export function capacityProblem(model, input, steps, sidecar) {
  const { ntm_rows: rows, transformer_positions: positions } = sidecar.limits;
  const size = sizeOf(input);
  if (model === "ntm" && input.task === "copy" && size > rows) {
    return `a copy of ${size} vectors needs ${size} memory rows, the NTM has ${rows}: it would overwrite the start of the sequence before reading it back`;
  }
  if (model === "transformer" && steps > positions) {
    return `this input is ${steps} steps long; the Transformer's position capacity is ${positions} steps (the key/value cache the demo lets it grow)`;
  }
  return null;
}

// ---- run(): the models, no drawing here ----------------------------------------------------------

export async function runNtm(ort, session, cfg, x) {
  const { mem_n: n, mem_m: m, controller: hidden, mem_init: init } = cfg;
  const w0 = new Float32Array(n);
  w0[0] = 1;
  let state = {
    memory: new ort.Tensor("float32", new Float32Array(n * m).fill(init), [1, n, m]),
    read: new ort.Tensor("float32", new Float32Array(m), [1, m]),
    w_read: new ort.Tensor("float32", w0.slice(), [1, n]),
    w_write: new ort.Tensor("float32", w0.slice(), [1, n]),
    h: new ort.Tensor("float32", new Float32Array(hidden), [1, hidden]),
    c: new ort.Tensor("float32", new Float32Array(hidden), [1, hidden]),
  };
  const trace = { y: [], memory: [], w_read: [], w_write: [], beta: [], g: [], gamma: [], shift: [] };
  for (const row of x) {
    const out = await session.run({ x: new ort.Tensor("float32", Float32Array.from(row), [1, row.length]), ...state });
    state = Object.fromEntries(Object.keys(state).map((k) => [k, out[`${k}_out`]]));
    for (const k of ["memory", "w_read", "w_write"]) trace[k].push(out[`${k}_out`].data.slice());
    for (const k of ["y", "beta", "g", "gamma", "shift"]) trace[k].push(Array.from(out[k].data));
  }
  return trace;
}

export async function runTransformer(ort, session, x) {
  const t = x.length, width = x[0].length;
  const out = await session.run({ x: new ort.Tensor("float32", Float32Array.from(x.flat()), [1, t, width]) });
  const n = out.y.dims[2];
  const y = Array.from({ length: t }, (_, i) => Array.from(out.y.data.slice(i * n, (i + 1) * n)));
  return { y, attention: out.attention.data, dims: out.attention.dims }; // dims (1, layers, heads, T, T)
}

/** Output bits, probabilities and bit errors at the scored steps (the fields infer.py prints with --json). */
export function score(y, target, first) {
  const probabilities = target.map((_, i) => y[first + i]);
  const output = probabilities.map((row) => row.map((p) => (p > 0.5 ? 1 : 0)));
  const errors = output.reduce((sum, row, i) => sum + row.filter((b, j) => b !== target[i][j]).length, 0);
  return { output, probabilities, bit_errors: errors };
}

// ---- small DOM helpers -------------------------------------------------------------------------------

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}


function colors(box) {
  const css = getComputedStyle(box);
  return { fg: css.getPropertyValue("--md-default-fg-color").trim() || "#000",
    accent: css.getPropertyValue("--md-accent-fg-color").trim() || "#ff6e40" };
}

/** A canvas sized in cells; `paint(ctx, cell)` draws in cell units. */
function cellCanvas(canvas, cols, rows, cell, paint) {
  canvas.width = Math.max(1, cols * cell);
  canvas.height = Math.max(1, rows * cell);
  const g = canvas.getContext("2d");
  g.clearRect(0, 0, canvas.width, canvas.height);
  paint(g, cell);
}

/** Bits as columns (one column per vector, bit 0 on top); wrong bits in red; `cursor` {col, row} outlined. */
function drawBits(canvas, box, vectors, target = null, cursor = null) {
  const { fg } = colors(box);
  const rows = vectors[0]?.length ?? 1;
  const cell = Math.max(3, Math.min(14, Math.floor(640 / Math.max(1, vectors.length))));
  cellCanvas(canvas, vectors.length, rows, cell, (g, s) => {
    vectors.forEach((v, i) => v.forEach((b, j) => {
      const wrong = target && b !== target[i][j];
      g.fillStyle = wrong ? WRONG : fg;
      g.globalAlpha = b ? 0.85 : wrong ? 0.35 : 0.08;
      g.fillRect(i * s + 0.5, j * s + 0.5, s - 1, s - 1);
    }));
    g.globalAlpha = 1;
    if (cursor) {
      g.strokeStyle = colors(box).accent;
      g.lineWidth = 2;
      g.strokeRect(cursor.col * s + 1, cursor.row * s + 1, s - 2, s - 2);
    }
  });
}

/** A heat map filling its scrolling figure's width; the figure's cue shows when it still overflows. */
function heat(canvas, opts) {
  const scroller = canvas.parentElement;
  drawHeatmap(canvas, { width: scroller.clientWidth || 480, ...opts });
  scroller.dataset.overflows = String(scroller.scrollWidth > scroller.clientWidth + 1);
}

/** A canvas described for screen readers, inside a horizontally scrolling wrapper with a cue. */
function heatFigure(caption) {
  const fig = el("figure", "inn-memory__figure");
  const scroller = el("div", "inn-memory__scroll");
  scroller.tabIndex = 0; // keyboard users can scroll a wide map
  const canvas = el("canvas", "inn-memory__heat");
  canvas.setAttribute("role", "img");
  scroller.append(canvas);
  const cue = el("span", "inn-memory__cue", "scroll sideways to see the whole map →");
  fig.append(scroller, cue, el("figcaption", null, caption));
  scroller.setAttribute("aria-label", caption);
  return { fig, canvas };
}

/** A one-line text alternative for a heat map: where the largest value is. */
function peakText(get, rows, cols, rowName, colName) {
  let best = { v: -Infinity, r: 0, c: 0 };
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) if (get(r, c) > best.v) best = { v: get(r, c), r, c };
  return `largest value ${best.v.toFixed(2)} at ${rowName} ${best.r}, ${colName} ${best.c}`;
}

/** How well each exported model does a task, from the numbers recorded at export (sidecar.metrics). */
export function taskSummary(task, sidecar) {
  const spec = sidecar.tasks[task];
  const bits = spec.n_out * spec.item_len;
  const parts = ["ntm", "transformer"].map((m) => {
    const med = sidecar.metrics[`${m}_${task}`]?.median_bit_errors;
    if (!med) return null;
    const sizes = Object.keys(med).map(Number);
    const inside = sizes.filter((n) => n <= spec.train[1]).pop();
    const beyond = sizes.find((n) => n > spec.train[1]);
    return `${m === "ntm" ? "NTM" : "Transformer"} ${[inside, beyond].filter((n) => n !== undefined)
      .map((n) => `${med[n].toFixed(2)} at ${n} ${spec.unit}`).join(", ")}`;
  }).filter(Boolean);
  const unit = task === "copy" ? "per sequence" : `of the ${bits} answer bits`;
  return `How well the exported models do ${task} (median bit errors ${unit} on fresh inputs, recorded by the training scripts; `
    + `trained on ${spec.train[0]}–${spec.train[1]} ${spec.unit}): ${parts.join("; ")}.`
    + (task === "recall" ? ` Guessing gets ${bits / 2} wrong.` : "");
}

// ---- the demo --------------------------------------------------------------------------------------

export function mount(box, ctx) {
  const { sidecar } = ctx;
  const only = ctx.options.part; // "ntm" or "transformer" shows one half
  const models = ["ntm", "transformer"].filter((m) => !only || m === only);
  const names = { ntm: "NTM", transformer: "Transformer" };
  let input = null;
  let result = null; // {source, steps, target, first, ntm?, transformer?}
  let step = 0;

  // ---- layout --------------------------------------------------------------
  const root = el("div", "inn-memory");
  const tools = el("div", "inn-demo__tools inn-memory__tools");
  const tabs = el("div", "inn-memory__tabs");
  tabs.setAttribute("role", "radiogroup");
  tabs.setAttribute("aria-label", "Task");
  const taskButtons = Object.keys(sidecar.tasks).map((task) => {
    const b = button(task, `The ${task} task`);
    b.setAttribute("role", "radio");
    b.dataset.task = task;
    tabs.append(b);
    return b;
  });
  const sizeLabel = el("label", "inn-memory__size");
  const slider = el("input");
  slider.type = "range";
  const sizeText = el("span", "inn-memory__size-value");
  sizeLabel.append(el("span", null, "size "), slider, sizeText);
  const querySelect = el("select", "inn-memory__query");
  querySelect.setAttribute("aria-label", "Query item");
  const random = button("Random", "A new random input of this size (R)");
  const runButton = button("Run ▶", "Run the models in your browser (Enter)");
  runButton.classList.add("inn-memory__run");
  tools.append(tabs, sizeLabel, querySelect, random, runButton);

  const inputFig = el("figure", "inn-memory__figure");
  const inputCanvas = el("canvas", "inn-memory__grid inn-memory__input");
  inputCanvas.tabIndex = 0;
  inputCanvas.setAttribute("role", "application");
  inputCanvas.setAttribute("aria-roledescription", "bit grid");
  const inputCaption = el("figcaption");
  inputFig.append(inputCanvas, inputCaption);

  const outputs = el("div", "inn-memory__outputs");
  const targetCanvas = el("canvas", "inn-memory__grid");
  const targetRow = el("div", "inn-memory__row");
  targetRow.append(el("span", "inn-memory__label", "target"), targetCanvas);
  outputs.append(targetRow);
  const panels = Object.fromEntries(models.map((m) => {
    const row = el("div", "inn-memory__row inn-memory__model");
    row.dataset.model = m;
    const canvas = el("canvas", "inn-memory__grid");
    const label = el("span", "inn-memory__label", names[m]);
    const errors = el("span", "inn-memory__errors");
    row.append(label, canvas, errors);
    outputs.append(row);
    return [m, { row, canvas, errors }];
  }));

  const inside = el("div", "inn-memory__inside");
  // NTM: memory, weightings over time, gates, with a step scrubber
  const ntmView = el("div", "inn-memory__ntm");
  const scrub = el("div", "inn-memory__scrub");
  const prev = button("◀", "Previous step (←)");
  const play = button("Play", "Play the steps (P)");
  const next = button("▶", "Next step (→)");
  const stepSlider = el("input");
  stepSlider.type = "range";
  stepSlider.min = 0;
  stepSlider.setAttribute("aria-label", "Time step");
  const stepText = el("span", "inn-memory__step");
  scrub.append(prev, play, next, stepSlider, stepText);
  const mem = heatFigure(`memory after this step: its ${sidecar.limits.ntm_rows} rows (across) × the ${sidecar.config.ntm.copy.mem_m} values of each row (down); blue negative, red positive`);
  const write = heatFigure("write weighting: how much each memory row (across) is written at each step (down); the current step is framed");
  const read = heatFigure("read weighting: how much each memory row (across) is read at each step (down)");
  const gates = el("table", "inn-memory__gates");
  gates.createCaption().textContent = "gate values of both heads at this step";
  ntmView.append(scrub, mem.fig, write.fig, read.fig, gates);
  // Transformer: attention per layer and head
  const trView = el("div", "inn-memory__transformer");
  const headSelect = el("select");
  headSelect.setAttribute("aria-label", "Attention layer and head");
  const attn = heatFigure("attention: how much each step (down) attends to each step it can see (across)");
  trView.append(el("span", "inn-memory__label", "Transformer attention "), headSelect, attn.fig);
  if (models.includes("ntm")) inside.append(ntmView);
  if (models.includes("transformer")) inside.append(trView);

  const command = el("p", "inn-memory__command");
  const howWell = el("p", "inn-memory__how-well");
  root.append(tools, howWell, inputFig, outputs, inside, command);
  ctx.body.append(root);

  // The size control's range: the sidecar's declared option when there is one, else the task's limits.
  const sizeRange = (task) => sidecar.options?.[`${task}_size`]
    ?? { min: sidecar.tasks[task].min_size, max: sidecar.tasks[task].max_size };

  // ---- draw(): render input and result, no inference here ---------------------
  function drawInput() {
    const spec = sidecar.tasks[input.task];
    taskButtons.forEach((b) => b.setAttribute("aria-checked", String(b.dataset.task === input.task)));
    const range = sizeRange(input.task);
    slider.min = range.min;
    slider.max = range.max;
    slider.value = sizeOf(input);
    sizeText.textContent = `${sizeOf(input)} ${spec.unit} (trained on ${spec.train[0]}–${spec.train[1]})`;
    querySelect.hidden = input.task !== "recall";
    if (input.task === "recall") {
      querySelect.replaceChildren(...input.items.slice(0, -1).map((_, i) => {
        const o = el("option", null, `query: item ${i}`);
        o.value = i;
        return o;
      }));
      querySelect.value = input.query;
    }
    drawBits(inputCanvas, box, dataVectors(), null, cursor);
    const vec = dataVectors()[cursor.col];
    const cursorCell = vec ? ` · cursor on vector ${cursor.col + 1}, bit ${cursor.row + 1} (${vec[cursor.row]})` : "";
    inputCaption.textContent = input.task === "copy"
      ? `input: ${sizeOf(input)} vectors of ${spec.n_out} bits (columns)${cursorCell}`
      : `input: ${sizeOf(input)} items of ${spec.item_len} vectors; the query repeats item ${input.query}, the answer is item ${input.query + 1}${cursorCell}`;
    inputCanvas.setAttribute("aria-label", `${inputCaption.textContent}. Click or tap a cell to flip it; arrow keys move the cursor, space flips, Enter runs.`);
    howWell.textContent = taskSummary(input.task, sidecar);
    command.innerHTML = "";
    command.append("Same input from a terminal: ", el("code", null, `python -m demos run memory "${toQuery(input)}"`));
  }

  function dataVectors() {
    return input.task === "copy" ? input.bits : input.items.flat();
  }

  function drawResult() {
    if (!result) {
      outputs.hidden = inside.hidden = true;
      return;
    }
    outputs.hidden = inside.hidden = false;
    outputs.dataset.source = result.source;
    drawBits(targetCanvas, box, result.target);
    targetCanvas.setAttribute("role", "img");
    targetCanvas.setAttribute("aria-label", `target, ${result.target.length} vectors: ${result.target.map((v) => v.join("")).join(" ")}`);
    for (const m of models) {
      const r = result[m];
      const p = panels[m];
      if (!r || r.skipped) {
        p.canvas.hidden = true;
        p.errors.textContent = r?.skipped ? `not run: ${r.skipped}` : "";
        delete p.row.dataset.bitErrors;
        delete p.row.dataset.probabilities;
        continue;
      }
      p.canvas.hidden = false;
      drawBits(p.canvas, box, r.output, result.target);
      p.canvas.setAttribute("role", "img");
      p.canvas.setAttribute("aria-label", `${names[m]} output, ${r.output.length} vectors: ${r.output.map((v) => v.join("")).join(" ")}; ${r.bit_errors} wrong bits`);
      p.errors.textContent = `${r.bit_errors} bit error${r.bit_errors === 1 ? "" : "s"}`;
      p.row.dataset.bitErrors = r.bit_errors;
      // the scored probabilities, for comparing with `python -m demos run memory … --json`
      p.row.dataset.probabilities = JSON.stringify(r.probabilities ?? null);
    }
    drawNtm();
    drawAttention();
  }

  function drawNtm() {
    const trace = result?.ntm?.trace;
    ntmView.hidden = !trace;
    if (!trace) return;
    const cfg = sidecar.config.ntm[result.task];
    const steps = trace.y.length;
    step = Math.min(step, steps - 1);
    stepSlider.max = steps - 1;
    stepSlider.value = step;
    const phase = step < result.first ? "reading the input" : "answering";
    stepText.textContent = `step ${step + 1} of ${steps} (${phase})`;
    const memory = trace.memory[step];
    const cell = (r, c) => memory[c * cfg.mem_m + r];
    heat(mem.canvas, { values: cell, rows: cfg.mem_m, cols: cfg.mem_n, scheme: "diverging", maxCell: 6,
      title: `memory after step ${step + 1}`, rowLabel: "value", colLabel: "memory row" });
    mem.canvas.setAttribute("aria-label", `Memory after step ${step + 1}: ${peakText((r, c) => Math.abs(cell(r, c)), cfg.mem_m, cfg.mem_n, "value", "row")} (absolute)`);
    for (const [view, key, name] of [[write, "w_write", "write"], [read, "w_read", "read"]]) {
      const w = (r, c) => trace[key][r][c];
      heat(view.canvas, { values: w, rows: steps, cols: cfg.mem_n, min: 0, max: 1, maxCell: 6,
        title: `${name} weighting`, rowLabel: "step", colLabel: "memory row", highlight: { row: step },
        rowTick: (i) => String(i + 1) });
      let top = 0;
      for (let c = 1; c < cfg.mem_n; c++) if (w(step, c) > w(step, top)) top = c;
      view.canvas.setAttribute("aria-label", `${name} weighting over ${steps} steps; at step ${step + 1} it is largest on memory row ${top} (${w(step, top).toFixed(2)})`);
    }
    const fmt = (v) => v.toFixed(2);
    const heads = ["read", "write"];
    gates.innerHTML = "<thead><tr><th>head</th><th>β (key strength)</th><th>g (content vs previous)</th><th>γ (sharpen)</th><th>shift −1 / 0 / +1</th></tr></thead>";
    const body = el("tbody");
    heads.forEach((head, i) => {
      const tr = el("tr");
      const shift = trace.shift[step].slice(3 * i, 3 * i + 3).map(fmt).join(" / ");
      [head, fmt(trace.beta[step][i]), fmt(trace.g[step][i]), fmt(trace.gamma[step][i]), shift]
        .forEach((v) => tr.append(el("td", null, v)));
      body.append(tr);
    });
    gates.append(body);
  }

  function drawAttention() {
    const r = result?.transformer;
    trView.hidden = !r?.attention;
    if (!r?.attention) return;
    const [, layers, heads, t] = r.dims;
    if (headSelect.options.length !== layers * heads) {
      headSelect.replaceChildren(...Array.from({ length: layers * heads }, (_, k) => {
        const o = el("option", null, `layer ${Math.floor(k / heads) + 1}, head ${(k % heads) + 1}`);
        o.value = k;
        return o;
      }));
    }
    const k = Number(headSelect.value) || 0;
    const base = k * t * t;
    const a = (i, j) => r.attention[base + i * t + j];
    heat(attn.canvas, { values: a, rows: t, cols: t, min: 0, max: 1, maxCell: 8, minCell: 1,
      title: headSelect.selectedOptions[0]?.textContent ?? "attention", rowLabel: "step", colLabel: "attended step",
      rowTick: (i) => String(i + 1), colTick: (i) => String(i + 1) });
    attn.canvas.setAttribute("aria-label", `Attention of ${headSelect.selectedOptions[0]?.textContent} over ${t} steps: ${peakText((i, j) => (i === t - 1 ? a(i, j) : -1), t, t, "step", "attended step")} for the last step`);
  }

  // ---- run(): input → models → draw -------------------------------------------
  let running = false;
  async function run() {
    if (running) return;
    running = true;
    runButton.disabled = true;
    try {
      const { x, target, first } = stream(input, sidecar);
      const next = { source: "browser", task: input.task, steps: x.length, target, first };
      const ort = await ctx.ort();
      const started = performance.now();
      for (const m of models) {
        const problem = capacityProblem(m, input, x.length, sidecar);
        if (problem) { next[m] = { skipped: problem }; continue; }
        const session = await ctx.session(sidecar.model_index[m][input.task]);
        const out = m === "ntm"
          ? await runNtm(ort, session, sidecar.config.ntm[input.task], x)
          : await runTransformer(ort, session, x);
        next[m] = { ...score(out.y, target, first), ...(m === "ntm" ? { trace: out } : out) };
      }
      result = next;
      step = first;
      drawResult();
      const summary = models.map((m) => `${names[m]} ${next[m].skipped ? "not run" : `${next[m].bit_errors} bit errors`}`).join(", ");
      ctx.status(`${summary} · ${x.length} steps in ${(performance.now() - started).toFixed(0)} ms, in your browser`);
    } catch (err) {
      ctx.error(err);
    } finally {
      running = false;
      runButton.disabled = false;
    }
  }

  // ---- input editing --------------------------------------------------------------
  const cursor = { col: 0, row: 0 };
  let lastNote = null; // the reader's last action, kept when the models finish loading
  function setInput(next, note) {
    input = next;
    result = null;
    cursor.col = Math.min(cursor.col, dataVectors().length - 1);
    const url = new URL(window.location.href);
    url.search = toQuery(input);
    history.replaceState(history.state, "", url);
    drawInput();
    showGolden();
    if (note) { lastNote = note; ctx.status(note); }
  }

  /** If the input is one of the sidecar's golden inputs, show the outputs computed at export. */
  function showGolden() {
    const golden = sidecar.golden.find((g) => g.input === toQuery(input));
    if (golden) {
      const { x, first } = stream(input, sidecar);
      result = { source: "golden", task: input.task, steps: x.length, target: golden.output.target, first };
      for (const m of models) result[m] = golden.output[m];
    }
    drawResult();
  }

  function flip(col, row) {
    const vectors = dataVectors();
    if (!vectors[col] || vectors[col][row] === undefined) return;
    vectors[col][row] = 1 - vectors[col][row];
    setInput(input, "Bit flipped: press Run to run the models on the new input.");
  }

  inputCanvas.addEventListener("pointerdown", (event) => {
    const r = inputCanvas.getBoundingClientRect();
    const cols = dataVectors().length, rows = dataVectors()[0].length;
    cursor.col = Math.min(cols - 1, Math.floor(((event.clientX - r.left) / r.width) * cols));
    cursor.row = Math.min(rows - 1, Math.floor(((event.clientY - r.top) / r.height) * rows));
    flip(cursor.col, cursor.row);
  });
  inputCanvas.addEventListener("keydown", (event) => {
    const cols = dataVectors().length, rows = dataVectors()[0].length;
    const moves = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
    if (moves[event.key]) {
      cursor.col = (cursor.col + moves[event.key][0] + cols) % cols;
      cursor.row = (cursor.row + moves[event.key][1] + rows) % rows;
      drawInput();
      event.preventDefault();
    } else if (event.key === " ") {
      flip(cursor.col, cursor.row);
      event.preventDefault();
    }
  });
  taskButtons.forEach((b) => b.addEventListener("click", () => {
    const spec = sidecar.tasks[b.dataset.task];
    setInput(randomInput(b.dataset.task, spec.train[1], sidecar), `A random ${b.dataset.task} input: press Run.`);
  }));
  slider.addEventListener("input", () => setInput(randomInput(input.task, Number(slider.value), sidecar)));
  querySelect.addEventListener("change", () => setInput({ ...input, query: Number(querySelect.value) }));
  random.addEventListener("click", () => setInput(randomInput(input.task, sizeOf(input), sidecar), "New random input: press Run."));
  runButton.addEventListener("click", run);
  root.addEventListener("keydown", (event) => {
    if (event.target.tagName === "SELECT" || event.target.tagName === "INPUT") return;
    if (event.key === "Enter" && event.target === inputCanvas) run();
    if (event.key === "r" || event.key === "R") random.click();
    if (event.key === "p" || event.key === "P") play.click();
  });

  // ---- step scrubber ----------------------------------------------------------------
  let timer = null;
  const goTo = (s) => { step = Math.max(0, Math.min(Number(stepSlider.max), s)); drawNtm(); };
  prev.addEventListener("click", () => goTo(step - 1));
  next.addEventListener("click", () => goTo(step + 1));
  stepSlider.addEventListener("input", () => goTo(Number(stepSlider.value)));
  play.addEventListener("click", () => {
    if (timer) { clearInterval(timer); timer = null; play.textContent = "Play"; return; }
    if (step >= Number(stepSlider.max)) step = 0;
    play.textContent = "Pause";
    timer = setInterval(() => {
      if (!box.isConnected || step >= Number(stepSlider.max)) { clearInterval(timer); timer = null; play.textContent = "Play"; return; }
      goTo(step + 1);
    }, 120);
  });
  ntmView.addEventListener("keydown", (event) => {
    if (event.key === "ArrowLeft") goTo(step - 1);
    if (event.key === "ArrowRight") goTo(step + 1);
  });
  headSelect.addEventListener("change", drawAttention);

  // ---- start: the URL's input, or the first golden example ---------------------------
  const query = new URLSearchParams(window.location.search);
  if (query.has("task")) {
    try {
      input = parseQuery(window.location.search, sidecar);
    } catch (err) {
      input = parseQuery(sidecar.golden[0].input, sidecar);
      drawInput();
      showGolden();
      ctx.error(err instanceof InputError ? new Error(`the input in the page address is not valid: ${err.message}`) : err);
      return;
    }
  } else {
    input = parseQuery(sidecar.golden[0].input, sidecar);
  }
  drawInput();
  showGolden();
  ctx.status(result
    ? "Example computed at export. Edit the bits, pick a size or press Run to run both models in your browser."
    : "Press Run to run the models in your browser on this input.");
  // First interaction: fetch the runtime and this task's models, so that Run answers at once.
  ctx.whenNeeded(() => Promise.all(models.map((m) => ctx.session(sidecar.model_index[m][input.task])))
    .then(() => {
      if (result?.source !== "browser") ctx.status(lastNote ? `${lastNote} (Models ready.)` : "Models ready: press Run (or Enter on the grid).");
    })
    .catch(ctx.error));
}
