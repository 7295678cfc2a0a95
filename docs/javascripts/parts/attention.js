// attention — drawing a Transformer's per-head attention maps, shared by the attention demos (induction,
// chartransformer): a BertViz-style line view (each position joined to the positions it attends to, one
// head or all heads at once), a grid of per-head heat maps (heatmap.js), probability bars.
//
// Maps are { name: Float32Array(T * T) } (row = query position, column = key position), names like
// "attention_l2_h3" as the ONNX outputs are named. Everything above the DOM section is pure.

import { drawHeatmap } from "./heatmap.js";

// One colour per head (Tableau 10 and two more), used by the line view and the grid titles alike.
export const HEAD_COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
  "#7f7f7f", "#bcbd22", "#17becf", "#393b79", "#637939"];

/** "attention_l2_h3" → "L2H3" (layer and head from 1). */
export function shortName(name) {
  const m = /^attention_l(\d+)_h(\d+)$/.exec(name);
  return m ? `L${m[1]}H${m[2]}` : name;
}

/** The attention outputs of a sidecar's first model, in layer, head order. */
export function headNames(sidecar) {
  return sidecar.models[0].outputs.map((o) => o.name).filter((n) => n.startsWith("attention_"));
}

/** The `k` largest entries of a row as [index, value], highest first (ties: lower index first). */
export function topK(row, k = 3) {
  return Array.from(row, (p, i) => [i, p]).sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, k);
}

/** Index of the largest entry (the first one on ties). */
export function argmax(row) {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i] > row[best]) best = i;
  return best;
}

/** Row t of a T × T map. */
export function mapRow(map, T, t) {
  return map.subarray ? map.subarray(t * T, (t + 1) * T) : map.slice(t * T, (t + 1) * T);
}

// ---- DOM ------------------------------------------------------------------------------------------

const SVG_NS = "http://www.w3.org/2000/svg";
const STYLE_ID = "inn-attn-style";
const CSS = `
.inn-attn-demo { display: grid; gap: 0.5rem; width: 100%; min-width: 0; font-size: 0.7rem; }
.inn-attn-demo__row { display: flex; flex-wrap: wrap; gap: 0.4rem; align-items: center; }
.inn-attn-demo select, .inn-attn-demo input[type=text] { font: inherit; color: var(--md-default-fg-color); background: var(--md-default-bg-color);
  border: 1px solid var(--md-default-fg-color--lighter); border-radius: 0.2rem; padding: 0.15rem 0.3rem; min-height: 1.8rem; max-width: 100%; }
.md-typeset .inn-attn-demo .md-button { color: var(--md-default-fg-color); border-color: var(--md-default-fg-color--light); }
.md-typeset .inn-attn-demo .inn-demo__button:is(:focus, :hover) { background: var(--md-primary-fg-color); border-color: var(--md-primary-fg-color); color: var(--md-primary-bg-color); }
.inn-attn-demo__views { display: grid; grid-template-columns: minmax(0, 18rem) minmax(0, 1fr); gap: 0.8rem; align-items: start; }
.inn-attn-demo__info { display: grid; gap: 0.2rem; min-height: 8rem; }
.inn-attn-demo__key { opacity: 0.85; margin: 0; }
.inn-attn-demo h4 { margin: 0.4rem 0 0; font-size: 0.75rem; }
@media (max-width: 40rem) { .inn-attn-demo__views { grid-template-columns: 1fr; } }
.inn-attn__lines { width: 100%; max-width: 26rem; height: auto; display: block; touch-action: manipulation; }
.inn-attn__lines text { font-family: var(--md-code-font-family, monospace); fill: var(--md-default-fg-color); cursor: pointer; }
.inn-attn__lines text.is-on { font-weight: bold; fill: var(--md-accent-fg-color); }
.inn-attn__grid { display: flex; flex-wrap: wrap; gap: 0.4rem; }
.inn-attn__linegrid { display: grid; grid-template-columns: repeat(auto-fill, minmax(6.5rem, 1fr)); gap: 0.3rem; }
.inn-attn__linegrid figure { margin: 0; }
.inn-attn__linegrid figcaption { font-size: 0.62rem; }
.inn-attn__grid figure { margin: 0; display: grid; gap: 0.1rem; }
.inn-attn__grid figcaption { font-size: 0.62rem; }
.inn-attn__grid canvas { color: var(--md-default-fg-color); max-width: 100%; height: auto; touch-action: manipulation; cursor: crosshair; }
.inn-attn__scroll { overflow-x: auto; max-width: 100%; }
.inn-attn__track { height: 0.55rem; background: var(--md-default-fg-color--lightest); }
.inn-attn__fill { display: block; height: 100%; background: var(--md-primary-fg-color); }
.inn-attn__bar { display: grid; grid-template-columns: 2.5rem 1fr 3rem; gap: 0.4rem; align-items: center; }
`;

export function addStyle() {
  if (document.getElementById(STYLE_ID)) return;
  const style = document.createElement("style");
  style.id = STYLE_ID;
  style.textContent = CSS;
  document.head.append(style);
}

export function svgEl(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** The head chooser both attention demos show: all heads at once, each head in a grid, or one head.
 *  `heads()` is the names to draw, `grid()` whether the grid was chosen; `note` follows the first two
 *  choices (what the text's colour shows then). */
export function headPicker(names, { label, note = "" }) {
  const select = document.createElement("select");
  select.setAttribute("aria-label", label);
  select.append(new Option(`all heads${note}`, "all"), new Option(`each head in a grid${note}`, "grid"));
  for (const n of names) select.append(new Option(`head ${shortName(n)}`, n));
  const together = () => ["all", "grid"].includes(select.value);
  return { element: select, heads: () => (together() ? names : [select.value]), grid: () => select.value === "grid" };
}

/** BertViz-style lines: tokens down the left (queries) and the right (keys); a line from query i to key j
 *  whose opacity is the weight. `draw(labels, maps, { heads, picked, from, to })`: heads = names to draw
 *  (one colour each), picked = the query whose lines are drawn (-1: all queries, faintly), rows from..to-1. */
export function attentionLines(container, { label = "Attention lines", onPick = () => {} } = {}) {
  addStyle();
  const svg = svgEl("svg", { class: "inn-attn__lines", role: "img", "aria-label": label });
  container.append(svg);
  let labelsShown = [];
  function draw(labels, maps, { heads, picked = -1, from = 0, to = labels.length, colours = {} }) {
    const T = labels.length, rows = to - from;
    const rowH = 14, width = 300, left = 46, right = width - 46, top = 10;
    svg.setAttribute("viewBox", `0 0 ${width} ${top * 2 + rows * rowH}`);
    svg.replaceChildren();
    const y = (i) => top + (i - from + 0.5) * rowH;
    const lines = svgEl("g", { "stroke-linecap": "round" });
    for (const name of heads) {
      const a = maps[name];
      const stroke = colours[name] ?? HEAD_COLOURS[0];
      for (let i = from; i < to; i++) {
        if (picked >= 0 && i !== picked) continue;
        for (let j = from; j <= i; j++) {
          const w = a[i * T + j];
          if (w < 0.02) continue;
          lines.append(svgEl("line", { x1: left + 4, y1: y(i), x2: right - 4, y2: y(j), stroke,
            "stroke-width": picked >= 0 ? 1 + 3 * w : 1.5, "stroke-opacity": picked >= 0 ? Math.min(1, 0.15 + w) : w * 0.8 }));
        }
      }
    }
    svg.append(lines);
    labelsShown = [];
    for (let i = from; i < to; i++) {
      for (const [x, anchor, side] of [[left, "end", "query"], [right, "start", "key"]]) {
        const t = svgEl("text", { x, y: y(i) + 4, "text-anchor": anchor, "font-size": 11, "data-i": i, "data-side": side },
          `${labels[i] === "\n" ? "↵" : labels[i] === " " ? "␣" : labels[i]}`);
        if (side === "query" && i === picked) t.classList.add("is-on");
        if (side === "key" && picked >= 0 && heads.some((n) => maps[n][picked * T + i] >= 0.2)) t.classList.add("is-on");
        labelsShown.push(t);
        svg.append(t);
      }
    }
    svg.dataset.lines = String(lines.childElementCount);
  }
  svg.addEventListener("click", (event) => {
    const i = Number(event.target?.dataset?.i);
    if (Number.isInteger(i)) onPick(i);
  });
  svg.addEventListener("pointerover", (event) => {
    if (event.pointerType !== "mouse" || event.target?.dataset?.side !== "query") return;
    const i = Number(event.target.dataset.i);
    if (Number.isInteger(i)) onPick(i);
  });
  return { element: svg, draw, labels: () => labelsShown };
}

/** BertViz's "model view": one small line view per head, side by side, each with the picked query's lines. */
export function linesGrid(container, { onPick = () => {} } = {}) {
  addStyle();
  const grid = document.createElement("div");
  grid.className = "inn-attn__linegrid";
  container.append(grid);
  function draw(labels, maps, names, { picked = -1, colours = {}, from = 0, to = labels.length } = {}) {
    grid.replaceChildren();
    for (const name of names) {
      const fig = document.createElement("figure");
      const caption = document.createElement("figcaption");
      caption.textContent = shortName(name);
      caption.style.borderLeft = `0.4rem solid ${colours[name] ?? HEAD_COLOURS[0]}`;
      caption.style.paddingLeft = "0.25rem";
      grid.append(fig);
      const view = attentionLines(fig, { label: `${shortName(name)}: attention lines`, onPick });
      view.draw(labels, maps, { heads: [name], picked, colours, from, to });
      view.element.dataset.head = name;
      fig.append(caption);
    }
  }
  return { element: grid, draw };
}

/** One heat map per head (rows: query, columns: key), a row highlighted; a tap or click picks that row. */
export function headGrid(container, { onPick = () => {} } = {}) {
  addStyle();
  const grid = document.createElement("div");
  grid.className = "inn-attn__grid";
  container.append(grid);
  function draw(maps, names, T, { picked = -1, captions = {}, tick = String, cell } = {}) {
    grid.replaceChildren();
    for (const name of names) {
      const fig = document.createElement("figure");
      const canvas = document.createElement("canvas");
      canvas.tabIndex = 0;
      canvas.setAttribute("role", "img");
      canvas.dataset.head = name;
      const caption = document.createElement("figcaption");
      caption.textContent = captions[name] ?? shortName(name);
      caption.style.borderLeft = `0.5rem solid ${HEAD_COLOURS[names.indexOf(name) % HEAD_COLOURS.length]}`;
      caption.style.paddingLeft = "0.3rem";
      canvas.setAttribute("aria-label", `${caption.textContent}: attention weights, one row per position (query), one column per position it reads (key)`);
      fig.append(canvas, caption);
      grid.append(fig);
      const map = drawHeatmap(canvas, { values: maps[name], rows: T, cols: T, min: 0, max: 1, key: false,
        cell: cell ?? Math.max(2, Math.min(5, Math.floor(160 / T))), rowTick: tick, colTick: tick,
        highlight: picked >= 0 ? { row: picked } : undefined });
      canvas.addEventListener("click", (event) => {
        const at = map.cellAt(event.clientX, event.clientY);
        if (at) onPick(at.row);
      });
      canvas.addEventListener("keydown", (event) => {
        const step = { ArrowDown: 1, ArrowUp: -1 }[event.key];
        if (!step) return;
        event.preventDefault();
        onPick(Math.min(T - 1, Math.max(0, (picked < 0 ? 0 : picked) + step)));
      });
    }
  }
  return { element: grid, draw };
}

/** One row per [label, probability]: the label, a bar, the number (the demos' "next token" lists). */
export function probabilityBars(rows, show = String) {
  const frag = document.createDocumentFragment();
  for (const [label, p] of rows) {
    const bar = document.createElement("div");
    bar.className = "inn-attn__bar";
    const track = document.createElement("span");
    track.className = "inn-attn__track";
    const fill = document.createElement("span");
    fill.className = "inn-attn__fill";
    fill.style.width = `${(p * 100).toFixed(1)}%`;
    track.append(fill);
    const name = document.createElement("span");
    name.textContent = show(label);
    const value = document.createElement("span");
    value.textContent = p.toFixed(3);
    bar.append(name, track, value);
    frag.append(bar);
  }
  return frag;
}
