// charlstm — a char-LSTM reading Python: the text coloured by one cell's tanh(c), cells ranked by how well
// they track a feature, the top-5 next characters at any character, and a seeded sampler.
//
// One model call scores the whole text (all cells, all gates, every position); the sampler calls the same
// graph one character at a time from the carried state. Same numbers: `python -m demos run charlstm FILE
// --set cell=K --set position=P` (demos/charlstm/infer.py).

import { button } from "../runtime.js";
import { coloredText } from "../parts/colored-text.js";
import { mulberry32, pick, topK } from "./charlstm/sampler.js";

const GATE_NAMES = { input_gate: "input gate", forget_gate: "forget gate", output_gate: "output gate", candidate: "candidate" };
const RANKED = 6; // cells offered per feature

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Text → token indices (anything outside the vocabulary is the unknown symbol), as infer.encode. */
export function encode(text, prep) {
  const index = new Map(Array.from(prep.vocab, (ch, i) => [ch, i]));
  const unknown = index.get(prep.unknown);
  return Array.from(text, (ch) => index.get(ch) ?? unknown);
}

/** The `count` cells with the largest |r| for a feature: [[cell, r], …]. */
export function rankCells(correlations, count = RANKED) {
  return correlations.map((r, cell) => [cell, r]).sort((a, b) => Math.abs(b[1]) - Math.abs(a[1]) || a[0] - b[0]).slice(0, count);
}

/** A readable name for a character in the top-5 list. */
export function showChar(ch) {
  return { "\n": "↵ newline", " ": "␣ space" }[ch] ?? ch;
}

/** What the training script measured for the best cell of a feature, and whether it meets the bar:
 *  `summary` is the sidecar's metrics.features[name], `bar` its examples.bar ({abs_r, ratio}). */
export function featureVerdict(summary, label, bar) {
  const { cell, r, random_init_abs_r: base, ratio } = summary;
  const measured = `Best cell for ${label}: ${cell}, r ${r >= 0 ? "+" : ""}${r.toFixed(2)} on held-out text, ` +
    `${ratio.toFixed(1)}× the untrained network's best (${base.toFixed(2)}).`;
  const rule = `|r| ≥ ${bar.abs_r} and ≥ ${bar.ratio}×`;
  return summary.meets_bar ? `${measured} Meets the bar (${rule}).`
    : `${measured} Short of the bar (${rule}): this model has no single cell that follows ${label} cleanly.`;
}

export function mount(box, ctx) {
  const { sidecar } = ctx;
  const prep = sidecar.preprocessing;
  const hidden = sidecar.config.hidden;
  const limit = sidecar.limits.max_chars;
  const examples = sidecar.examples.texts;
  const labels = sidecar.examples.feature_labels;
  const corr = sidecar.figures.cell_correlation;
  const opts = sidecar.options;
  const style = document.createElement("style");
  style.textContent = `
.inn-clstm { display: grid; gap: 0.5rem; width: 100%; min-width: 0; }
.inn-clstm__row { display: flex; flex-wrap: wrap; gap: 0.4rem; align-items: center; font-size: 0.7rem; }
.inn-clstm textarea { width: 100%; box-sizing: border-box; font-family: var(--md-code-font-family, monospace);
  font-size: 0.65rem; min-height: 5rem; background: var(--md-code-bg-color); color: var(--md-code-fg-color);
  border: 1px solid var(--md-default-fg-color--lightest); }
.inn-clstm select, .inn-clstm input { font: inherit; color: var(--md-default-fg-color); background: var(--md-default-bg-color);
  border: 1px solid var(--md-default-fg-color--lighter); border-radius: 0.2rem; padding: 0.15rem 0.3rem; min-height: 1.8rem; }
.inn-clstm input[type=number] { width: 5.5rem; }
/* primary with its own text colour: the accent under white text is below 4.5:1 */
.md-typeset .inn-clstm .inn-demo__button[aria-pressed="true"], .md-typeset .inn-clstm .inn-demo__button:is(:focus, :hover) {
  background: var(--md-primary-fg-color); border-color: var(--md-primary-fg-color); color: var(--md-primary-bg-color); }
.inn-clstm__info { font-size: 0.7rem; display: grid; gap: 0.2rem; min-height: 7rem; }
.inn-clstm__bar { display: grid; grid-template-columns: 6.5rem 1fr 3.5rem; gap: 0.4rem; align-items: center; }
.inn-clstm__track { height: 0.6rem; background: var(--md-default-fg-color--lightest); }
.inn-clstm__fill { display: block; height: 100%; background: var(--md-primary-fg-color); }
.inn-clstm__sample { font-family: var(--md-code-font-family, monospace); font-size: 0.65rem; white-space: pre-wrap;
  margin: 0; padding: 0.4rem; background: var(--md-code-bg-color); min-height: 2rem; }
.inn-clstm__key { font-size: 0.65rem; opacity: 0.85; }
@media (max-width: 30rem) { .inn-clstm__bar { grid-template-columns: 5rem 1fr 3rem; } }`;

  // ---- layout -------------------------------------------------------------
style.textContent += `
/* the shared button's own colours are below 4.5:1 on the dark scheme: the page's text colour instead */
.md-typeset .inn-clstm .md-button { color: var(--md-default-fg-color); border-color: var(--md-default-fg-color--light); }`;
  const root = el("div", "inn-clstm");
  const pickRow = el("div", "inn-clstm__row");
  const exampleSelect = el("select");
  exampleSelect.setAttribute("aria-label", "Example text (from this project's own source files)");
  examples.forEach((ex, i) => exampleSelect.append(new Option(`Example: ${ex.name}`, String(i))));
  const runButton = button("Colour", "Score the text with the model (Ctrl+Enter in the text box)");
  pickRow.append(exampleSelect, runButton);
  const area = el("textarea");
  area.spellcheck = false;
  area.setAttribute("aria-label", `Python code to read, at most ${limit} characters`);
  area.value = examples[0].text;

  const cellRow = el("div", "inn-clstm__row");
  const featureSelect = el("select");
  featureSelect.setAttribute("aria-label", "Rank cells by the feature they track");
  for (const f of sidecar.examples.features) featureSelect.append(new Option(`cells tracking: ${labels[f]}`, f));
  const ranked = el("div", "inn-clstm__row");
  ranked.setAttribute("role", "group");
  ranked.setAttribute("aria-label", "Cells ranked by |correlation| with the feature");
  const cellInput = el("input");
  cellInput.type = "number";
  cellInput.min = "0";
  cellInput.max = String(hidden - 1);
  cellInput.value = String(opts.cell.default);
  cellInput.setAttribute("aria-label", `Cell number, 0 to ${hidden - 1}`);
  const cellLabel = el("label", null, "cell ");
  cellLabel.append(cellInput);
  cellRow.append(featureSelect, ranked, cellLabel);
  const verdict = el("p", "inn-clstm__key");

  const textHolder = el("div");
  const key = el("div", "inn-clstm__key", "Colour: tanh(c) of the chosen cell after reading each character, blue −1 · grey 0 · red +1. Tap, hover or use the arrow keys on the text for the top-5 next characters.");
  const info = el("div", "inn-clstm__info");
  info.setAttribute("aria-live", "polite");

  const sampleRow = el("div", "inn-clstm__row");
  const temp = el("input");
  Object.assign(temp, { type: "range", min: opts.temperature.min, max: opts.temperature.max, step: opts.temperature.step, value: opts.temperature.default });
  temp.setAttribute("aria-label", "Sampling temperature");
  const tempValue = el("span", null, Number(temp.value).toFixed(2));
  const seed = el("input");
  Object.assign(seed, { type: "number", min: 0, max: opts.seed.max, value: opts.seed.default });
  seed.setAttribute("aria-label", "Random seed");
  const length = el("input");
  Object.assign(length, { type: "number", min: 1, max: opts.sample.max, value: 120 });
  length.setAttribute("aria-label", "Characters to write");
  const write = button("Write", "Continue the text with sampled characters");
  const tLabel = el("label", null, "temperature ");
  tLabel.append(temp, tempValue);
  const sLabel = el("label", null, "seed ");
  sLabel.append(seed);
  const nLabel = el("label", null, "length ");
  nLabel.append(length);
  sampleRow.append(tLabel, sLabel, nLabel, write);
  const sampled = el("pre", "inn-clstm__sample");
  sampled.setAttribute("role", "log");
  sampled.setAttribute("aria-label", "Sampled continuation");
  const command = el("p", "inn-clstm__key");
  root.append(style, pickRow, area, cellRow, verdict, textHolder, key, info, sampleRow, sampled, command);
  ctx.body.append(root);

  // ---- state --------------------------------------------------------------
  let scored = null; // { text, c, probs, gates: {name: Float32Array}, T }
  let cell = opts.cell.default;
  const view = coloredText(textHolder, { label: "Text coloured by the chosen cell", onPick: (i) => drawInfo(i) });

  // ---- draw(): show what was computed, no inference here -------------------
  function activation(i) { return Math.tanh(scored.c[i * hidden + cell]); }

  function drawText() {
    if (!scored) return;
    const values = Array.from({ length: scored.T }, (_, i) => activation(i));
    view.draw(scored.text, values, { titles: (i) => `character ${i}: tanh(c) = ${values[i].toFixed(3)}` });
    root.dataset.activation = JSON.stringify(values.map((v) => Number(v.toFixed(5))));
    command.innerHTML = "";
    command.append("Same numbers from a terminal: ", el("code", null, `python -m demos run charlstm FILE --set cell=${cell} --set position=${Math.max(0, view.selected())}`));
  }

  function drawInfo(i) {
    info.replaceChildren();
    if (!scored || !scored.probs) {
      info.append(el("span", null, "Press Colour (or edit the text) to run the model here: the example above shows the recorded colours of one cell."));
      return;
    }
    const V = prep.vocab.length;
    const row = scored.probs.subarray(i * V, (i + 1) * V);
    info.append(el("strong", null, `After character ${i} (${showChar(scored.text[i])}), the model expects:`));
    const top = topK(row, 5);
    for (const [k, p] of top) {
      const bar = el("div", "inn-clstm__bar");
      const fill = el("span", "inn-clstm__fill");
      fill.style.width = `${(p * 100).toFixed(1)}%`;
      const track = el("span", "inn-clstm__track");
      track.append(fill);
      bar.append(el("span", null, showChar(prep.vocab[k])), track, el("span", null, p.toFixed(3)));
      info.append(bar);
    }
    const gates = Object.entries(GATE_NAMES).map(([g, name]) => `${name} ${scored.gates[g][i * hidden + cell].toFixed(3)}`);
    info.append(el("span", null, `Cell ${cell} there: tanh(c) ${activation(i).toFixed(3)} · ${gates.join(" · ")}`));
    info.dataset.result = JSON.stringify({ position: i, top5: top.map(([k, p]) => [prep.vocab[k], p]) });
    command.lastChild.textContent = `python -m demos run charlstm FILE --set cell=${cell} --set position=${i}`;
  }

  function drawRanking() {
    const feature = featureSelect.value;
    verdict.textContent = featureVerdict(sidecar.metrics.features[feature], labels[feature], sidecar.examples.bar);
    verdict.dataset.meetsBar = String(sidecar.metrics.features[feature].meets_bar);
    ranked.replaceChildren();
    for (const [c, r] of rankCells(corr[feature])) {
      const b = button(`${c} (r ${r >= 0 ? "+" : ""}${r.toFixed(2)})`, `Colour by cell ${c}: r = ${r.toFixed(3)} with ${labels[feature]} on held-out text`);
      b.setAttribute("aria-pressed", String(c === cell));
      b.dataset.cell = String(c);
      b.addEventListener("click", () => setCell(c));
      ranked.append(b);
    }
  }

  function setCell(c) {
    if (!Number.isInteger(c) || c < 0 || c >= hidden) {
      ctx.status(`The cell must be a whole number from 0 to ${hidden - 1}.`);
      return;
    }
    cell = c;
    cellInput.value = String(c);
    ranked.querySelectorAll("[data-cell]").forEach((b) => b.setAttribute("aria-pressed", String(Number(b.dataset.cell) === c)));
    if (scored?.probs) { drawText(); drawInfo(Math.max(0, view.selected())); }
    else if (scored) run();
  }

  // ---- run(): text → model → draw -----------------------------------------
  const zeros = () => new Float32Array(hidden);
  async function call(tokens, h0, c0) {
    const ort = await ctx.ort();
    const session = await ctx.session(0);
    const feeds = {
      tokens: new ort.Tensor("int64", BigInt64Array.from(tokens, BigInt), [1, tokens.length]),
      h0: new ort.Tensor("float32", h0, [1, hidden]),
      c0: new ort.Tensor("float32", c0, [1, hidden]),
    };
    return session.run(feeds);
  }

  let busy = Promise.resolve();
  let typing = 0;     // the run that typing schedules; a run the reader asks for replaces it
  function run(typed = false) {
    clearTimeout(typing);
    busy = busy.then(async () => {
      const text = area.value.replace(/\r\n/g, "\n");
      if (typed && scored?.probs && text === scored.text) return;   // a run since the typing already scored it
      if (!text) { ctx.status("The text is empty: type or paste some code."); return; }
      if (text.length > limit) { ctx.status(`The text has ${text.length.toLocaleString("en-US")} characters; the demo reads at most ${limit.toLocaleString("en-US")}: cut it.`); return; }
      try {
        const tokens = encode(text, prep);
        const started = performance.now();
        const out = await call(tokens, zeros(), zeros());
        const ms = performance.now() - started;
        scored = { text, T: tokens.length, c: out.c.data, probs: out.probs.data, h: out.h.data,
          gates: Object.fromEntries(Object.keys(GATE_NAMES).map((g) => [g, out[g].data])) };
        const unknown = tokens.filter((t) => t === prep.vocab.length - 1).length;
        drawText();
        const at = view.selected() >= 0 && view.selected() < scored.T ? view.selected() : Math.min(40, scored.T - 1);
        view.select(at);
        root.dataset.inferenceMs = ms.toFixed(2);
        root.dataset.runs = String(Number(root.dataset.runs || 0) + 1);
        ctx.status(`${tokens.length} characters scored in one call: ${ms.toFixed(0)} ms` +
          (unknown ? ` · ${unknown} character(s) outside the vocabulary read as ${prep.unknown}` : ""));
      } catch (err) { ctx.error(err); }
    });
    return busy;
  }

  async function sample() {
    await run();
    if (!scored) return;
    const n = Number(length.value), t = Number(temp.value), s = Number(seed.value);
    if (!Number.isInteger(n) || n < 1 || n > opts.sample.max) { ctx.status(`Length must be 1 to ${opts.sample.max}.`); return; }
    if (!Number.isInteger(s) || s < 0 || s > opts.seed.max) { ctx.status(`The seed must be a whole number from 0 to ${opts.seed.max}.`); return; }
    const V = prep.vocab.length;
    const draw = mulberry32(s);
    let probs = scored.probs.subarray((scored.T - 1) * V);
    let h = scored.h.slice((scored.T - 1) * hidden), c = scored.c.slice((scored.T - 1) * hidden);
    let written = "";
    try {
      for (let k = 0; k < n; k++) {
        const token = pick(probs, t, draw());
        written += prep.vocab[token];
        const out = await call([token], h, c);
        probs = out.probs.data; h = out.h.data; c = out.c.data;
        sampled.textContent = written;
      }
      sampled.dataset.sampled = written;
      ctx.status(`Wrote ${n} characters at temperature ${t} with seed ${s}: python -m demos run charlstm FILE --set sample=${n} --set temperature=${t} --set seed=${s} gives the same.`);
    } catch (err) { ctx.error(err); }
  }

  // ---- wiring -------------------------------------------------------------
  exampleSelect.addEventListener("change", () => { area.value = examples[Number(exampleSelect.value)].text; run(); });
  runButton.addEventListener("click", () => run());
  area.addEventListener("keydown", (e) => { if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); run(); } });
  area.addEventListener("input", () => { clearTimeout(typing); typing = setTimeout(() => run(true), 600); });
  featureSelect.addEventListener("change", () => { drawRanking(); setCell(rankCells(corr[featureSelect.value], 1)[0][0]); });
  cellInput.addEventListener("change", () => setCell(Number(cellInput.value)));
  temp.addEventListener("input", () => { tempValue.textContent = Number(temp.value).toFixed(2); });
  write.addEventListener("click", sample);

  // ---- first view: a recorded example, no model download -----------------
  const golden = sidecar.golden[0];
  cell = golden.input.cell;
  cellInput.value = String(cell);
  // rank by the feature whose best cell the recorded example shows (the first feature if none)
  featureSelect.value = sidecar.examples.features.find((f) => rankCells(corr[f], 1)[0][0] === cell) ?? sidecar.examples.features[0];
  drawRanking();
  scored = { text: golden.input.text, T: golden.input.text.length, c: null, probs: null };
  view.draw(golden.input.text, golden.output.activation);
  drawInfo(0);
  command.append("Same numbers from a terminal: ", el("code", null, `python -m demos run charlstm FILE --set cell=${cell}`));
  ctx.status(`Recorded example: cell ${cell} on ${examples[0].name}. Interact to load the model (${(sidecar.models[0].bytes / 1048576).toFixed(1)} MB).`);
  ctx.whenNeeded(() => run());
}
