// delay — remember a marked value across a delay: the LSTM's gates, candidate, cell and hidden state per
// step (one row per cell: the elementwise forget gate made visible), and the LSTM's, GRU's and plain RNN's
// answers to the same sequence side by side. `python -m demos run delay "value=5&marker=2&delay=20&seed=1"`
// runs the same sequence (demos/delay/infer.py; distractors from the shared mulberry32).

import { button } from "../runtime.js";
import { drawHeatmap } from "../parts/heatmap.js";
import { mulberry32 } from "./charlstm/sampler.js";

const MAPS = [["forget_gate", "forget gate f", 0, 1, "sequential"], ["input_gate", "input gate i", 0, 1, "sequential"],
  ["output_gate", "output gate o", 0, 1, "sequential"], ["candidate", "candidate c̃", -1, 1, "diverging"],
  ["c", "cell state c", null, null, "diverging"], ["h", "hidden state h", -1, 1, "diverging"]];
const NETS = [["lstm", "LSTM"], ["gru", "GRU"], ["rnn", "plain RNN"]];
const FIELDS = ["value", "marker", "delay", "seed"];

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** The sequence's step values and flat input x (T × (values + 2)), as infer.build_sequence. */
export function buildSequence({ value, marker, delay, seed }, values) {
  const draw = mulberry32(seed);
  const noise = Array.from({ length: marker + delay }, () => Math.floor(draw() * values));
  const steps = [...noise.slice(0, marker), value, ...noise.slice(marker)];
  const width = values + 2, T = steps.length + 1;
  const x = new Float32Array(T * width);
  steps.forEach((v, t) => { x[t * width + v] = 1; });
  x[marker * width + values] = 1;
  x[(T - 1) * width + values + 1] = 1;
  return { steps, x, T };
}

/** An options object checked against the sidecar's controls: {ok, message}. */
export function checkInputs(inputs, options) {
  for (const key of FIELDS) {
    const spec = options[key], v = inputs[key];
    if (!Number.isInteger(v) || v < spec.min || v > spec.max) return { ok: false, message: `${spec.label} must be a whole number from ${spec.min} to ${spec.max}` };
  }
  return { ok: true };
}

/** The demo's fields from a URL query ("?value=5&delay=20"), defaults for the rest; null when none is given.
 *  Values are not checked here: run() explains a bad one in the box. */
export function fromQuery(search, options) {
  const params = new URLSearchParams(search);
  if (!FIELDS.some((k) => params.has(k))) return null;
  return Object.fromEntries(FIELDS.map((k) => [k, params.has(k) ? Number(params.get(k)) : options[k].default]));
}

export function mount(box, ctx) {
  const { sidecar } = ctx;
  const values = sidecar.preprocessing.values;
  const H = sidecar.config.lstm_hidden;
  const style = document.createElement("style");
  style.textContent = `
.inn-delay { display: grid; gap: 0.5rem; width: 100%; min-width: 0; font-size: 0.7rem; }
.inn-delay__row { display: flex; flex-wrap: wrap; gap: 0.6rem; align-items: center; }
.inn-delay input { font: inherit; width: 4.5rem; color: var(--md-default-fg-color); background: var(--md-default-bg-color);
  border: 1px solid var(--md-default-fg-color--lighter); border-radius: 0.2rem; padding: 0.15rem 0.3rem; min-height: 1.8rem; }
.inn-delay__seq { font-family: var(--md-code-font-family, monospace); overflow-x: auto; white-space: nowrap; }
.inn-delay__mark { background: var(--md-primary-fg-color); color: var(--md-primary-bg-color); padding: 0 0.15rem; }
.inn-delay__maps { display: grid; gap: 0.3rem; overflow-x: auto; color: var(--md-default-fg-color); }
.inn-delay__maps figure { margin: 0; }
.inn-delay__answers { display: grid; grid-template-columns: repeat(auto-fit, minmax(9rem, 1fr)); gap: 0.5rem; }
.inn-delay__net { border: 1px solid var(--md-default-fg-color--lightest); border-radius: 0.2rem; padding: 0.3rem; }
.inn-delay__net--right { border: 2px solid var(--md-primary-fg-color); }
.inn-delay__bar { display: grid; grid-template-columns: 1rem 1fr 3rem; gap: 0.3rem; align-items: center; }
.inn-delay__track { height: 0.5rem; background: var(--md-default-fg-color--lightest); }
.inn-delay__fill { display: block; height: 100%; background: var(--md-primary-fg-color); }`;
style.textContent += `
/* the shared button's own colours are below 4.5:1 on the dark scheme: the page's text colour instead */
.md-typeset .inn-delay .md-button { color: var(--md-default-fg-color); border-color: var(--md-default-fg-color--light); }
.md-typeset .inn-delay .md-button:is(:focus, :hover) { background: var(--md-primary-fg-color); border-color: var(--md-primary-fg-color); color: var(--md-primary-bg-color); }`;
  const root = el("div", "inn-delay");
  const controls = el("div", "inn-delay__row");
  const inputs = {};
  for (const key of FIELDS) {
    const spec = sidecar.options[key];
    const input = el("input");
    Object.assign(input, { type: "number", min: spec.min, max: spec.max, step: 1, value: spec.default });
    const label = el("label", null, `${spec.label} `);
    label.append(input);
    controls.append(label);
    inputs[key] = input;
  }
  const runButton = button("Run", "Run the three networks on this sequence (Enter in a field)");
  const newSeed = button("New distractors", "Draw other distractor values (a new seed)");
  controls.append(runButton, newSeed);
  const seq = el("div", "inn-delay__seq");
  const answers = el("div", "inn-delay__answers");
  answers.setAttribute("aria-live", "polite");
  const maps = el("div", "inn-delay__maps");
  const command = el("p");
  root.append(style, controls, seq, answers, maps, command);
  ctx.body.append(root);

  function read() { return Object.fromEntries(FIELDS.map((k) => [k, Number(inputs[k].value)])); }

  // ---- draw() -------------------------------------------------------------
  function drawAnswers(state, probsOf) {
    answers.replaceChildren();
    const result = {};
    for (const [kind, name] of NETS) {
      const probs = probsOf(kind);
      const answer = probs.indexOf(Math.max(...probs));
      result[kind] = { answer, probs };
      const card = el("div", `inn-delay__net${answer === state.value ? " inn-delay__net--right" : ""}`);
      card.append(el("strong", null, `${name}: ${answer} (${answer === state.value ? "right" : "wrong"})`));
      probs.forEach((p, v) => {
        const bar = el("div", "inn-delay__bar");
        const fill = el("span", "inn-delay__fill");
        fill.style.width = `${(p * 100).toFixed(1)}%`;
        const track = el("span", "inn-delay__track");
        track.append(fill);
        bar.append(el("span", null, String(v)), track, el("span", null, p.toFixed(3)));
        card.append(bar);
      });
      answers.append(card);
    }
    answers.dataset.result = JSON.stringify(result);
  }

  function drawSequence(state, steps) {
    seq.replaceChildren(el("span", null, "sequence: "));
    steps.forEach((v, t) => seq.append(t === state.marker ? el("span", "inn-delay__mark", String(v)) : `${v} `, t === state.marker ? " " : ""));
    seq.append("? (query)");
    command.replaceChildren("Same numbers from a terminal: ",
      el("code", null, `python -m demos run delay "value=${state.value}&marker=${state.marker}&delay=${state.delay}&seed=${state.seed}"`));
  }

  function drawMaps(out, T, marker) {
    maps.replaceChildren();
    for (const [key, title, min, max, scheme] of MAPS) {
      const fig = el("figure");
      const canvas = el("canvas");
      const data = out[key];
      canvas.setAttribute("role", "img");
      let held = 0;
      for (let c = 0; c < H; c++) held += data[(T - 2) * H + c];
      canvas.setAttribute("aria-label", `${title}: ${H} cells (rows) over ${T} steps (columns); the marker is step ${marker}; mean over cells at the last distractor ${(held / H).toFixed(2)}`);
      fig.append(canvas);
      maps.append(fig);
      drawHeatmap(canvas, { values: (r, col) => data[col * H + r], rows: H, cols: T, min: min ?? undefined, max: max ?? undefined,
        scheme, title: `LSTM ${title}`, rowLabel: "cell", colLabel: "step", highlight: { col: marker }, width: Math.max(320, maps.clientWidth - 8) });
    }
  }

  // ---- run() --------------------------------------------------------------
  let busy = Promise.resolve();
  function run() {
    busy = busy.then(async () => {
      const state = read();
      const check = checkInputs(state, sidecar.options);
      if (!check.ok) { ctx.status(check.message); return; }
      try {
        const { steps, x, T } = buildSequence(state, values);
        drawSequence(state, steps);
        const url = new URL(globalThis.location.href);
        FIELDS.forEach((k) => url.searchParams.set(k, String(state[k])));
        globalThis.history?.replaceState(globalThis.history.state, "", url);
        const ort = await ctx.ort();
        const session = await ctx.session(0);
        const started = performance.now();
        const out = await session.run({ x: new ort.Tensor("float32", x, [1, T, values + 2]) });
        const ms = performance.now() - started;
        const data = Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.data]));
        drawAnswers(state, (kind) => Array.from(data[`${kind}_probs`].subarray((T - 1) * values)));
        drawMaps(data, T, state.marker);
        root.dataset.lstm = JSON.stringify({ forget_gate: Array.from(data.forget_gate), c: Array.from(data.c) });
        ctx.status(`${T} steps through all three networks in one call: ${ms.toFixed(1)} ms`);
      } catch (err) { ctx.error(err); }
    });
    return busy;
  }

  runButton.addEventListener("click", run);
  newSeed.addEventListener("click", () => { inputs.seed.value = String((Number(inputs.seed.value) + 1) % (sidecar.options.seed.max + 1)); run(); });
  for (const input of Object.values(inputs)) {
    input.addEventListener("keydown", (e) => { if (e.key === "Enter") run(); });
    input.addEventListener("change", run);
  }

  // first view: the sequence in the address (a permalink), run at once; else a recorded example
  const query = fromQuery(globalThis.location?.search ?? "", sidecar.options);
  const queryCheck = query && checkInputs(query, sidecar.options);
  if (queryCheck?.ok) {
    for (const key of FIELDS) inputs[key].value = String(query[key]);
    run();
    return;
  }
  const golden = sidecar.golden[0];
  for (const key of FIELDS) inputs[key].value = String(golden.input[key]);
  drawSequence(golden.input, golden.output.sequence);
  drawAnswers(golden.input, (kind) => golden.output.answers[kind].probs);
  ctx.status(query ? `The address's sequence cannot run: ${queryCheck.message}. Showing a recorded example instead.`
    : "Recorded example. Change the sequence, or press Run, to run the three networks here.");
  ctx.whenNeeded(() => run());
}
