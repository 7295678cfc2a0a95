// The induction demo's own part of the attention view: the induction targets and head scores its
// python twin computes (demos/induction/infer.py), and the small lookup example that puts softmax attention
// beside the NTM's content addressing. Pure functions first, tested in Node (tests/test_induction_js.py);
// the shared drawing of attention maps is parts/attention.js.

import { addStyle, svgEl } from "../../parts/attention.js";

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

const STYLE_ID = "inn-attn-lookup-style";
const CSS = `
.inn-attn__lookup { display: grid; grid-template-columns: minmax(0, 12rem) minmax(0, 1fr); gap: 0.6rem; align-items: start; font-size: 0.7rem; }
.inn-attn__pad { width: 100%; max-width: 12rem; aspect-ratio: 1; touch-action: none; border: 1px solid var(--md-default-fg-color--lightest); border-radius: 0.2rem; }
.inn-attn__pad:focus-visible { outline: 2px solid var(--md-accent-fg-color); outline-offset: 2px; }
.inn-attn__pad text { fill: var(--md-default-fg-color); }
.inn-attn__bars { display: grid; grid-template-columns: 1.5rem 1fr 1fr; gap: 0.15rem 0.4rem; align-items: center; }
@media (max-width: 30rem) { .inn-attn__lookup { grid-template-columns: 1fr; } }
`;

function addLookupStyle() {
  addStyle();
  if (document.getElementById(STYLE_ID)) return;
  const style = document.createElement("style");
  style.id = STYLE_ID;
  style.textContent = CSS;
  document.head.append(style);
}

// The lookup example: four keys of length 1 in the plane and a query the reader moves.
export const LOOKUP_KEYS = [["a", [1, 0]], ["b", [0, 1]], ["c", [-0.8, 0.6]], ["d", [0.6, -0.8]]];

/** The live example: drag or tap the query on a pad (or move it with the arrow keys); bars show
 *  softmax(q·k/√d) and the NTM's softmax(β cos(q, k)) over the same keys; "match β" sets β = |q|/√d. */
export function lookupPanel(container) {
  addLookupStyle();
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
