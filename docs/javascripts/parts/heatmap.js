// heatmap — a 2-D array drawn on a canvas: frame, axis ticks and labels, a colour key, an optional
// highlighted cell, row or column. Shared by the demos (memory, LSTM gates, feature maps, attention).
//
//   import { drawHeatmap, colour } from "../parts/heatmap.js";
//   const map = drawHeatmap(canvas, { values, rows, cols, min: 0, max: 1, scheme: "sequential",
//     title: "write weighting", rowLabel: "step", colLabel: "memory row", highlight: { row: 3 } });
//   map.cellAt(event.clientX, event.clientY); // → { row, col } under a pointer, or null
//
// values: a function (row, col) → number, a flat row-major array (typed arrays too) or an array of rows.
// min/max default to the data's range (diverging: symmetric around 0). scheme: "sequential" (viridis:
// dark to bright, readable on the light and the dark page) or "diverging" (blue, grey at the middle,
// red). highlight: { row, col } a cell, { row } a row, { col } a column. cell: px per cell, or width:
// the CSS width to fill (cells ≥ minCell, default 2; a wider map makes the canvas wider, so put it in
// a scrolling container). rowTick/colTick: index → label. Text uses the canvas's CSS `color`.
// Everything above drawHeatmap is pure (no DOM) and tested in Node (tests/test_heatmap_js.py).

// Colour stops [r, g, b] at even spacing. viridis (matplotlib's, sampled at 9 points) and a cool–warm
// diverging map whose middle is a mid-light grey, so "zero" stays visible on a white or black page.
export const SCHEMES = {
  sequential: [[68, 1, 84], [72, 40, 120], [62, 74, 137], [49, 104, 142], [38, 130, 142],
    [31, 158, 137], [53, 183, 121], [110, 206, 88], [253, 231, 37]],
  diverging: [[49, 54, 149], [69, 117, 180], [116, 173, 209], [171, 199, 220], [200, 200, 200],
    [235, 170, 140], [244, 109, 67], [215, 48, 39], [165, 0, 38]],
};

const FONT_PX = 11;

/** The colour of `value` on a scheme between min and max, as "rgb(r, g, b)"; out-of-range values clamp,
 *  NaN is transparent. */
export function colour(value, min, max, scheme = "sequential") {
  const stops = SCHEMES[scheme];
  if (!stops) throw new Error(`unknown colour scheme '${scheme}' (use ${Object.keys(SCHEMES).join(" or ")})`);
  if (Number.isNaN(value)) return "rgba(0, 0, 0, 0)";
  const t = max > min ? Math.min(1, Math.max(0, (value - min) / (max - min))) : 0.5;
  const x = t * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x));
  const f = x - i;
  const [r, g, b] = stops[i].map((a, k) => Math.round(a + (stops[i + 1][k] - a) * f));
  return `rgb(${r}, ${g}, ${b})`;
}

/** Indices 0..n-1 to label on an axis: every 1, 2, 5, 10, 20, 50… so at most `most` ticks; 0 always. */
export function ticks(n, most = 8) {
  if (n <= 0) return [];
  let step = 1;
  for (let k = 0; Math.ceil(n / step) > Math.max(1, most); k++) step = [2, 5, 10][k % 3] * 10 ** Math.floor(k / 3);
  const out = [];
  for (let i = 0; i < n; i += step) out.push(i);
  return out;
}

/** values (function, flat array or rows) → a function (row, col) → number. */
export function reader(values, cols) {
  if (typeof values === "function") return values;
  if (Array.isArray(values) && Array.isArray(values[0])) return (r, c) => values[r][c];
  return (r, c) => values[r * cols + c];
}

/** [min, max] of the data (ignoring NaN); diverging maps are made symmetric around 0. */
export function valueRange(get, rows, cols, scheme = "sequential") {
  let lo = Infinity, hi = -Infinity;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const v = get(r, c);
      if (!Number.isNaN(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    }
  }
  if (lo > hi) return [0, 1];
  if (scheme === "diverging") { const m = Math.max(Math.abs(lo), Math.abs(hi)) || 1; return [-m, m]; }
  return lo === hi ? [lo - 0.5, hi + 0.5] : [lo, hi];
}

/** Geometry in CSS px: margins around the cells (room for title, ticks, labels, key), cell size, total. */
export function layout({ rows, cols, cell, width, minCell = 2, maxCell = 24, title, rowLabel, colLabel, key = true }) {
  const left = (rowLabel ? FONT_PX + 6 : 0) + 28;
  const top = title ? FONT_PX + 8 : 4;
  const bottom = 16 + (colLabel ? FONT_PX + 4 : 0);
  const right = key ? 52 : 6;
  const size = cell ?? Math.max(minCell, Math.min(maxCell, Math.floor(((width ?? 480) - left - right) / Math.max(1, cols))));
  return { left, top, bottom, right, cell: size, width: left + cols * size + right, height: top + Math.max(rows * size, key ? 48 : 0) + bottom };
}

/** The short label of a key value: 2 significant figures, no trailing zeros. */
export function keyLabel(v) {
  if (v === 0) return "0";
  const a = Math.abs(v);
  return a >= 1000 || a < 0.01 ? v.toExponential(1) : String(Number(v.toPrecision(2)));
}

// ---- drawing (DOM) -----------------------------------------------------------------------------

/** Draw the heat map on `canvas` (sized here, sharp on high-DPI screens); returns { cellAt, layout }. */
export function drawHeatmap(canvas, opts) {
  const { rows, cols, scheme = "sequential", title, highlight, key = true } = opts;
  const get = reader(opts.values, cols);
  const [dataMin, dataMax] = valueRange(get, rows, cols, scheme);
  const min = opts.min ?? dataMin, max = opts.max ?? dataMax;
  const geo = layout(opts);
  const dpr = globalThis.devicePixelRatio || 1;
  canvas.width = Math.round(geo.width * dpr);
  canvas.height = Math.round(geo.height * dpr);
  canvas.style.width = `${geo.width}px`;
  canvas.style.aspectRatio = `${geo.width} / ${geo.height}`;
  const g = canvas.getContext("2d");
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  g.clearRect(0, 0, geo.width, geo.height);
  const ink = getComputedStyle(canvas).color || "#888";
  const { left, top, cell } = geo;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      g.fillStyle = colour(get(r, c), min, max, scheme);
      g.fillRect(left + c * cell, top + r * cell, cell, cell);
    }
  }
  g.strokeStyle = ink;
  g.lineWidth = 1;
  g.strokeRect(left - 0.5, top - 0.5, cols * cell + 1, rows * cell + 1);
  drawHighlight(g, geo, rows, cols, highlight, ink);
  g.fillStyle = ink;
  g.font = `${FONT_PX}px system-ui, sans-serif`;
  drawAxes(g, geo, rows, cols, opts);
  if (title) { g.textAlign = "left"; g.textBaseline = "top"; g.fillText(title, left, 2); }
  if (key) drawKey(g, geo, rows, min, max, scheme, ink);
  return {
    layout: geo, min, max,
    cellAt(clientX, clientY) {
      const box = canvas.getBoundingClientRect();
      const scale = box.width / geo.width || 1;
      const c = Math.floor(((clientX - box.left) / scale - left) / cell);
      const r = Math.floor(((clientY - box.top) / scale - top) / cell);
      return r >= 0 && r < rows && c >= 0 && c < cols ? { row: r, col: c } : null;
    },
  };
}

function drawHighlight(g, { left, top, cell }, rows, cols, h, ink) {
  if (!h || (h.row == null && h.col == null)) return;
  const x = h.col == null ? 0 : h.col, y = h.row == null ? 0 : h.row;
  const w = h.col == null ? cols : 1, hh = h.row == null ? rows : 1;
  for (const [colourName, inset] of [[ink, 0.5], ["rgba(128, 128, 128, 0.9)", 2]]) {
    g.strokeStyle = colourName;
    g.lineWidth = 1.5;
    g.strokeRect(left + x * cell - inset, top + y * cell - inset, w * cell + 2 * inset, hh * cell + 2 * inset);
  }
}

function drawAxes(g, { left, top, cell }, rows, cols, { rowLabel, colLabel, rowTick = String, colTick = String }) {
  const gridBottom = top + rows * cell;
  g.textAlign = "center";
  g.textBaseline = "top";
  for (const c of ticks(cols, Math.max(2, Math.floor((cols * cell) / 40)))) {
    const x = left + (c + 0.5) * cell;
    g.fillRect(x - 0.5, gridBottom, 1, 3);
    g.fillText(colTick(c), x, gridBottom + 4);
  }
  g.textAlign = "right";
  g.textBaseline = "middle";
  for (const r of ticks(rows, Math.max(2, Math.floor((rows * cell) / 16)))) {
    const y = top + (r + 0.5) * cell;
    g.fillRect(left - 4, y - 0.5, 3, 1);
    g.fillText(rowTick(r), left - 6, y);
  }
  if (colLabel) { g.textAlign = "center"; g.textBaseline = "top"; g.fillText(colLabel, left + (cols * cell) / 2, gridBottom + 18); }
  if (rowLabel) {
    g.save();
    g.translate(FONT_PX / 2 + 1, top + (rows * cell) / 2);
    g.rotate(-Math.PI / 2);
    g.textAlign = "center";
    g.textBaseline = "middle";
    g.fillText(rowLabel, 0, 0);
    g.restore();
  }
}

function drawKey(g, { width, right, top, cell }, rows, min, max, scheme, ink) {
  const x = width - right + 6;
  const h = Math.max(40, rows * cell);
  for (let i = 0; i < h; i++) {
    g.fillStyle = colour(max - ((max - min) * i) / (h - 1), min, max, scheme);
    g.fillRect(x, top + i, 8, 1);
  }
  g.strokeStyle = ink;
  g.strokeRect(x - 0.5, top - 0.5, 9, h + 1);
  g.fillStyle = ink;
  g.textAlign = "left";
  g.textBaseline = "top";
  g.fillText(keyLabel(max), x + 11, top);
  g.textBaseline = "bottom";
  g.fillText(keyLabel(min), x + 11, top + h);
  if (scheme === "diverging" && min < 0 && max > 0) { g.textBaseline = "middle"; g.fillText("0", x + 11, top + h / 2); }
}
