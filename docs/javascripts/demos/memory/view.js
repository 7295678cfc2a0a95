// memory, the drawing: bit grids, heat maps with their text alternatives, the NTM trace and the
// Transformer's attention. Pure drawing of what run() produced; no inference here.

import { drawHeatmap } from "../../parts/heatmap.js";

const WRONG = "#e53935"; // wrong bits, readable on both colour schemes

/** A new element with an optional class and text. */
export function el(tag, className, text) {
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
export function drawBits(canvas, box, vectors, target = null, cursor = null) {
  const { fg, accent } = colors(box);
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
      g.strokeStyle = accent;
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
export function heatFigure(caption) {
  const fig = el("figure", "inn-memory__figure");
  const scroller = el("div", "inn-memory__scroll");
  scroller.tabIndex = 0; // keyboard users can scroll a wide map
  const canvas = el("canvas", "inn-memory__heat");
  canvas.setAttribute("role", "img");
  canvas.setAttribute("aria-label", `${caption} (not drawn yet)`);   // named before its first drawing
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

/** The NTM at one step of its trace: memory, write and read weightings over time, both heads' gates.
 * `view` holds the figures ({mem, write, read}) and the gates table. */
export function drawNtmStep(view, trace, cfg, step) {
  const steps = trace.y.length;
  const memory = trace.memory[step];
  const cell = (r, c) => memory[c * cfg.mem_m + r];
  heat(view.mem.canvas, { values: cell, rows: cfg.mem_m, cols: cfg.mem_n, scheme: "diverging", maxCell: 6,
    title: `memory after step ${step + 1}`, rowLabel: "value", colLabel: "memory row" });
  view.mem.canvas.setAttribute("aria-label", `Memory after step ${step + 1}: ${peakText((r, c) => Math.abs(cell(r, c)), cfg.mem_m, cfg.mem_n, "value", "row")} (absolute)`);
  for (const [fig, key, name] of [[view.write, "w_write", "write"], [view.read, "w_read", "read"]]) {
    const w = (r, c) => trace[key][r][c];
    heat(fig.canvas, { values: w, rows: steps, cols: cfg.mem_n, min: 0, max: 1, maxCell: 6,
      title: `${name} weighting`, rowLabel: "step", colLabel: "memory row", highlight: { row: step },
      rowTick: (i) => String(i + 1) });
    let top = 0;
    for (let c = 1; c < cfg.mem_n; c++) if (w(step, c) > w(step, top)) top = c;
    fig.canvas.setAttribute("aria-label", `${name} weighting over ${steps} steps; at step ${step + 1} it is largest on memory row ${top} (${w(step, top).toFixed(2)})`);
  }
  const fmt = (v) => v.toFixed(2);
  view.gates.innerHTML = "<thead><tr><th>head</th><th>β (key strength)</th><th>g (content vs previous)</th><th>γ (sharpen)</th><th>shift −1 / 0 / +1</th></tr></thead>";
  const body = el("tbody");
  ["read", "write"].forEach((head, i) => {
    const tr = el("tr");
    const shift = trace.shift[step].slice(3 * i, 3 * i + 3).map(fmt).join(" / ");
    [head, fmt(trace.beta[step][i]), fmt(trace.g[step][i]), fmt(trace.gamma[step][i]), shift]
      .forEach((v) => tr.append(el("td", null, v)));
    body.append(tr);
  });
  view.gates.append(body);
}

/** One layer and head of the Transformer's attention; the menu lists every layer × head of `dims`. */
export function drawAttention(fig, select, attention, dims) {
  const [, layers, heads, t] = dims;
  if (select.options.length !== layers * heads) {
    select.replaceChildren(...Array.from({ length: layers * heads }, (_, k) => {
      const o = el("option", null, `layer ${Math.floor(k / heads) + 1}, head ${(k % heads) + 1}`);
      o.value = k;
      return o;
    }));
  }
  const base = (Number(select.value) || 0) * t * t;
  const a = (i, j) => attention[base + i * t + j];
  const name = select.selectedOptions[0]?.textContent ?? "attention";
  heat(fig.canvas, { values: a, rows: t, cols: t, min: 0, max: 1, maxCell: 8, minCell: 1,
    title: name, rowLabel: "step", colLabel: "attended step",
    rowTick: (i) => String(i + 1), colTick: (i) => String(i + 1) });
  fig.canvas.setAttribute("aria-label", `Attention of ${name} over ${t} steps: ${peakText((i, j) => (i === t - 1 ? a(i, j) : -1), t, t, "step", "attended step")} for the last step`);
}
