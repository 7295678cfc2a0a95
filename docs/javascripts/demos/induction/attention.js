// attention — what the attention demos (induction, chartransformer) draw from a Transformer's per-head
// attention maps: a BertViz-style line view (each position joined to the positions it attends to, one
// head or all heads at once), a grid of per-head heat maps (parts/heatmap.js), and the small lookup
// example that puts softmax attention beside the NTM's content addressing.
//
// Maps are { name: Float32Array(T * T) } (row = query position, column = key position), names like
// "attention_l2_h3" as the ONNX outputs are named. Everything above the DOM section is pure and tested
// in Node against the Python it mirrors (tests/test_induction_js.py).

import { colour, drawHeatmap } from "../../parts/heatmap.js";

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

/** Per position t: k + 1 for the latest k < t with tokens[k] == tokens[t], else -1 (task.induction_targets). */
export function inductionTargets(tokens) {
  const last = new Map();
  return tokens.map((tok, t) => {
    const target = last.has(tok) ? last.get(tok) + 1 : -1;
    last.set(tok, t);
    return target;
  });
}

/** Per head: previous-token score (mean weight on t - 1) and induction score (mean weight on the positions
 *  after earlier occurrences of the current token, over positions that have one); null when undefined.
 *  Same as demos/induction/infer.py's scores(). */
export function headScores(maps, tokens) {
  const T = tokens.length;
  const out = {};
  for (const [name, a] of Object.entries(maps)) {
    let prev = 0, ind = 0, rows = 0;
    for (let t = 1; t < T; t++) prev += a[t * T + t - 1];
    for (let t = 0; t < T; t++) {
      let sum = 0, any = false;
      for (let k = 1; k <= t; k++) if (tokens[k - 1] === tokens[t]) { sum += a[t * T + k]; any = true; }
      if (any) { ind += sum; rows += 1; }
    }
    out[name] = { previous_token: T > 1 ? prev / (T - 1) : null, induction: rows ? ind / rows : null };
  }
  return out;
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

// ---- the lookup example: attention and NTM content addressing -----------------------------------

export function softmax(scores) {
  const m = Math.max(...scores);
  const e = scores.map((s) => Math.exp(s - m));
  const z = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / z);
}

const dot = (a, b) => a.reduce((s, v, i) => s + v * b[i], 0);
const norm = (a) => Math.sqrt(dot(a, a));

/** Scaled dot-product attention of one query over keys: softmax(q·k / √d). */
export function dotAttention(query, keys) {
  return softmax(keys.map((k) => dot(query, k) / Math.sqrt(query.length)));
}

/** The NTM's content addressing (Graves et al. 2014): softmax(β · cos(q, k)). */
export function contentAddressing(query, keys, beta) {
  return softmax(keys.map((k) => (beta * dot(query, k)) / Math.max(norm(query) * norm(k), 1e-12)));
}

/** The β at which content addressing equals attention when every key has length 1: |q| / √d. */
export function matchingBeta(query) {
  return norm(query) / Math.sqrt(query.length);
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
.inn-attn__lookup { display: grid; grid-template-columns: minmax(0, 12rem) minmax(0, 1fr); gap: 0.6rem; align-items: start; font-size: 0.7rem; }
.inn-attn__pad { width: 100%; max-width: 12rem; aspect-ratio: 1; touch-action: none; border: 1px solid var(--md-default-fg-color--lightest); border-radius: 0.2rem; }
.inn-attn__pad:focus-visible { outline: 2px solid var(--md-accent-fg-color); outline-offset: 2px; }
.inn-attn__pad text { fill: var(--md-default-fg-color); }
.inn-attn__bars { display: grid; grid-template-columns: 1.5rem 1fr 1fr; gap: 0.15rem 0.4rem; align-items: center; }
.inn-attn__track { height: 0.55rem; background: var(--md-default-fg-color--lightest); }
.inn-attn__fill { display: block; height: 100%; background: var(--md-primary-fg-color); }
.inn-attn__bar { display: grid; grid-template-columns: 2.5rem 1fr 3rem; gap: 0.4rem; align-items: center; }
@media (max-width: 30rem) { .inn-attn__lookup { grid-template-columns: 1fr; } }
`;

export function addStyle() {
  if (document.getElementById(STYLE_ID)) return;
  const style = document.createElement("style");
  style.id = STYLE_ID;
  style.textContent = CSS;
  document.head.append(style);
}

function svgEl(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
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

/** A colour swatch scale for weights 0..1 (the heat maps' viridis), for keys written in text. */
export function weightColour(w) {
  return colour(w, 0, 1, "sequential");
}

// The lookup example: four keys of length 1 in the plane and a query the reader moves.
export const LOOKUP_KEYS = [["a", [1, 0]], ["b", [0, 1]], ["c", [-0.8, 0.6]], ["d", [0.6, -0.8]]];

/** The live example: drag or tap the query on a pad (or move it with the arrow keys); bars show
 *  softmax(q·k/√d) and the NTM's softmax(β cos(q, k)) over the same keys; "match β" sets β = |q|/√d. */
export function lookupPanel(container) {
  addStyle();
  const root = document.createElement("div");
  root.className = "inn-attn__lookup";
  const pad = svgEl("svg", { class: "inn-attn__pad", viewBox: "-2.2 -2.2 4.4 4.4", role: "slider", tabindex: 0,
    "aria-label": "Query vector: drag or tap, or move it with the arrow keys" });
  const side = document.createElement("div");
  const bars = document.createElement("div");
  bars.className = "inn-attn__bars";
  const betaLabel = document.createElement("label");
  const beta = document.createElement("input");
  Object.assign(beta, { type: "range", min: "0", max: "8", step: "any", value: "2" });
  beta.setAttribute("aria-label", "NTM key strength β");
  const betaValue = document.createElement("span");
  betaLabel.append("β ", beta, " ", betaValue);
  const match = document.createElement("button");
  match.type = "button";
  match.className = "md-button inn-demo__button";
  match.textContent = "match β";
  match.title = "Set β = |q| / √d: with keys of length 1 the two lookups are then the same";
  const note = document.createElement("p");
  side.append(bars, betaLabel, " ", match, note);
  root.append(pad, side);
  container.append(root);
  let query = [1.2, 0.6];

  function draw() {
    pad.replaceChildren();
    pad.append(svgEl("circle", { cx: 0, cy: 0, r: 1, fill: "none", stroke: "currentColor", "stroke-opacity": 0.3, "stroke-width": 0.02 }));
    for (const [name, k] of LOOKUP_KEYS) {
      pad.append(svgEl("line", { x1: 0, y1: 0, x2: k[0], y2: -k[1], stroke: "#888", "stroke-width": 0.04 }));
      pad.append(svgEl("text", { x: k[0] * 1.25 - 0.08, y: -k[1] * 1.25 + 0.1, "font-size": 0.3 }, name));
    }
    pad.append(svgEl("line", { x1: 0, y1: 0, x2: query[0], y2: -query[1], stroke: "#d62728", "stroke-width": 0.07 }));
    pad.append(svgEl("circle", { cx: query[0], cy: -query[1], r: 0.12, fill: "#d62728" }));
    const keys = LOOKUP_KEYS.map(([, k]) => k);
    const att = dotAttention(query, keys), ntm = contentAddressing(query, keys, Number(beta.value));
    bars.replaceChildren();
    for (const text of ["key", "attention softmax(q·k/√d)", `NTM softmax(β cos)`]) {
      const head = document.createElement("strong");
      head.textContent = text;
      bars.append(head);
    }
    LOOKUP_KEYS.forEach(([name], i) => {
      const label = document.createElement("span");
      label.textContent = name;
      bars.append(label);
      for (const [w, c] of [[att[i], "#1f77b4"], [ntm[i], "#ff7f0e"]]) {
        const track = document.createElement("span");
        track.className = "inn-attn__track";
        track.title = w.toFixed(3);
        const fill = document.createElement("span");
        fill.className = "inn-attn__fill";
        fill.style.width = `${(w * 100).toFixed(1)}%`;
        fill.style.background = c;
        track.append(fill);
        bars.append(track);
      }
    });
    betaValue.textContent = Number(beta.value).toFixed(2);
    const diff = Math.max(...att.map((w, i) => Math.abs(w - ntm[i])));
    const q = Math.hypot(...query);
    note.textContent = `q = (${query[0].toFixed(2)}, ${query[1].toFixed(2)}), |q| = ${q.toFixed(2)}. Both are a softmax of how similar the query is to each key. ` +
      `The keys have length 1, so q·k/√d = (|q|/√2)·cos(q, k): with β = ${matchingBeta(query).toFixed(2)} the two weightings are the same ` +
      `(largest difference now ${diff.toFixed(3)}).`;
    pad.setAttribute("aria-valuetext", `query ${query[0].toFixed(2)}, ${query[1].toFixed(2)}; attention ${att.map((w) => w.toFixed(2)).join(", ")}; NTM ${ntm.map((w) => w.toFixed(2)).join(", ")}`);
    root.dataset.weights = JSON.stringify({ query, beta: Number(beta.value), attention: att, ntm });
  }

  const place = (event) => {
    const box = pad.getBoundingClientRect();
    const x = ((event.clientX - box.left) / box.width) * 4.4 - 2.2;
    const y = -(((event.clientY - box.top) / box.height) * 4.4 - 2.2);
    query = [Math.max(-2, Math.min(2, x)), Math.max(-2, Math.min(2, y))];
    draw();
  };
  pad.addEventListener("pointerdown", (event) => { pad.setPointerCapture?.(event.pointerId); place(event); });
  pad.addEventListener("pointermove", (event) => { if (event.buttons) place(event); });
  pad.addEventListener("keydown", (event) => {
    const move = { ArrowLeft: [-0.1, 0], ArrowRight: [0.1, 0], ArrowUp: [0, 0.1], ArrowDown: [0, -0.1] }[event.key];
    if (!move) return;
    event.preventDefault();
    query = query.map((v, i) => Math.max(-2, Math.min(2, v + move[i])));
    draw();
  });
  beta.addEventListener("input", draw);
  match.addEventListener("click", () => { beta.value = String(Math.min(8, matchingBeta(query))); draw(); });
  draw();
  return { element: root, draw };
}
