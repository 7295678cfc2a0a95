// chartransformer — a small causal char Transformer (ALiBi positions) reading Python: pick a character
// (tap, hover or arrow keys) and the text is coloured by where one head looks from it; lines join it to the
// characters each head reads (one head or all), every head's full map is a heat map, and the panel lists the
// model's top next characters. Same numbers: `python -m demos run chartransformer FILE --set position=P --json`
// (demos/chartransformer/infer.py). The text is kept in the page address (?text=…).

import { button } from "../runtime.js";
import { coloredText, shadeAll } from "../parts/colored-text.js";
import { addStyle, linesGrid, attentionLines, headGrid, headNames, headPicker, HEAD_COLOURS, mapRow, probabilityBars, shortName, topK } from "../parts/attention.js";

const WINDOW = 24; // characters shown in the line view, up to the picked one

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Text → token indices (anything outside the vocabulary is the unknown symbol), as infer.encode. */
export function encodeText(text, prep) {
  const index = new Map(Array.from(prep.vocab, (ch, i) => [ch, i]));
  const unknown = index.get(prep.unknown);
  return Array.from(text, (ch) => index.get(ch) ?? unknown);
}

/** Mean over query positions of the attention-weighted distance back to the keys (infer.mean_distance). */
export function meanDistance(map, T) {
  let total = 0;
  for (let i = 0; i < T; i++) for (let j = 0; j <= i; j++) total += map[i * T + j] * (i - j);
  return total / T;
}

/** Bits per character the model spends on the text: mean −log2 p(next character). */
export function bitsPerChar(probs, tokens, V) {
  if (tokens.length < 2) return null;
  let total = 0;
  for (let t = 0; t + 1 < tokens.length; t++) total -= Math.log2(Math.max(probs[t * V + tokens[t + 1]], 1e-30));
  return total / (tokens.length - 1);
}

/** A readable name for a character. */
export function showChar(ch) {
  return { "\n": "↵", " ": "␣" }[ch] ?? ch;
}

export function mount(box, ctx) {
  const { sidecar } = ctx;
  const prep = sidecar.preprocessing;
  const V = prep.vocab.length;
  const limit = sidecar.limits.max_chars;
  const names = headNames(sidecar);
  const colours = Object.fromEntries(names.map((n, i) => [n, HEAD_COLOURS[i % HEAD_COLOURS.length]]));
  const examples = sidecar.examples.texts;
  const style = el("style");
  style.textContent = `
.inn-ctr textarea { width: 100%; box-sizing: border-box; font-family: var(--md-code-font-family, monospace); font-size: 0.65rem;
  min-height: 4.5rem; background: var(--md-code-bg-color); color: var(--md-code-fg-color); border: 1px solid var(--md-default-fg-color--lightest); }`;

  // ---- layout -------------------------------------------------------------
  addStyle();
  const root = el("div", "inn-ctr inn-attn-demo");
  const topRow = el("div", "inn-attn-demo__row");
  const exampleSelect = el("select");
  exampleSelect.setAttribute("aria-label", "Example text (from this project's own source files)");
  examples.forEach((ex, i) => exampleSelect.append(new Option(`Example: ${ex.name}`, String(i))));
  const runButton = button("Run", "Run the model on the text (Ctrl+Enter in the text box)");
  topRow.append(exampleSelect, runButton);
  const area = el("textarea");
  area.maxLength = limit;
  area.spellcheck = false;
  area.setAttribute("aria-label", `Text to read, at most ${limit} characters`);
  const headRow = el("div", "inn-attn-demo__row");
  const headSelect = headPicker(names, { label: "Head whose attention colours the text and is drawn as lines", note: " (lines), mean (colour)" });
  headRow.append(el("span", null, "head:"), headSelect.element);
  const textHolder = el("div");
  const key = el("p", "inn-attn-demo__key", "Colour: how much the chosen head, reading the outlined character, attends to each earlier character (scaled to its largest weight; dark 0 → yellow). Tap, hover or use the arrow keys on the text.");
  const views = el("div", "inn-attn-demo__views");
  const linesHolder = el("div");
  const info = el("div", "inn-ctr__info inn-attn-demo__info");
  info.setAttribute("aria-live", "polite");
  views.append(linesHolder, info);
  const gridTitle = el("h4", null, "Every head's attention (rows: the reading position; columns: where it looks)");
  const gridHolder = el("div", "inn-attn__scroll");
  const command = el("p", "inn-attn-demo__key");
  const m = sidecar.metrics;
  const trained = el("p", "inn-attn-demo__key", `This model trained for ${m.steps.toLocaleString("en")} of the char-LSTM's ` +
    `${m.steps_budget.toLocaleString("en")} steps (${{ steps: "all of them", "CPU time": "the LSTM's training CPU time was used up first: equal compute" }[m.stopped_by] ?? `the ${m.stopped_by} limit stopped it`}): ` +
    `${m.held_out_bits_per_char.toFixed(3)} bits per character on held-out text, against the char-LSTM's ${m.lstm_bits_per_char_same_windows.toFixed(3)} on the same text.`);
  trained.classList.add("inn-ctr__trained");
  root.append(style, topRow, area, headRow, textHolder, key, views, gridTitle, gridHolder, command, trained);
  ctx.body.append(root);

  // ---- state --------------------------------------------------------------
  let scored = null; // { text, tokens, maps, probs (Float32Array T*V) | null, next: [[ch, p]…] per position, full }
  let picked = -1;
  const view = coloredText(textHolder, { label: "Text coloured by the chosen head's attention", onPick: (i) => pick(i) });
  const lines = attentionLines(linesHolder, { label: `Attention lines from the picked character to the ${WINDOW} before it`, onPick: (i) => view.select(i) });
  const smallLines = linesGrid(linesHolder, { onPick: (i) => view.select(i) });
  const grid = headGrid(gridHolder, { onPick: (i) => view.select(i) });

  // ---- draw(): show what was computed, no inference here -------------------
  function rowOf(name, i) { return mapRow(scored.maps[name], scored.text.length, i); }

  function colourValues() {
    const T = scored.text.length;
    const heads = headSelect.heads();
    const values = new Array(T).fill(NaN);
    if (picked < 0) return values;
    for (let j = 0; j <= picked; j++) values[j] = heads.reduce((s, n) => s + rowOf(n, picked)[j], 0) / heads.length;
    const max = Math.max(...values.slice(0, picked + 1)) || 1;
    return values.map((v) => v / max);
  }

  function drawText() {
    view.draw(scored.text, colourValues(), { min: 0, max: 1, scheme: "sequential" });
    if (picked >= 0) view.select(picked, false);
  }

  /** New colours on the same character spans (re-creating them would fire a hover on the one under the pointer). */
  function recolour() {
    const shades = shadeAll(colourValues(), 0, 1, "sequential");
    Array.from(view.element.children).forEach((span, i) => {
      const [bg, ink] = shades[i] ?? [null, null];
      span.style.background = bg ?? "";
      span.style.color = ink ?? "";
    });
  }

  function drawPicked() {
    const T = scored.text.length;
    const heads = headSelect.heads();
    const window = { from: Math.max(0, picked - WINDOW + 1), to: picked + 1 };
    lines.element.style.display = headSelect.grid() ? "none" : "";
    if (headSelect.grid()) smallLines.draw(Array.from(scored.text), scored.maps, names, { picked, colours, ...window });
    else smallLines.element.replaceChildren();
    lines.draw(Array.from(scored.text), scored.maps, { heads, picked, colours, ...window });
    info.replaceChildren();
    info.append(el("strong", null, `After character ${picked} (${showChar(scored.text[picked])}), the model expects:`));
    info.append(probabilityBars(scored.next[picked], showChar));
    info.append(el("strong", null, "Where each head looks most from here (position, character, weight):"));
    const looks = {};
    for (const n of names) {
      const best = topK(rowOf(n, picked).subarray(0, picked + 1), 1)[0];
      looks[n] = [best[0], scored.text[best[0]], best[1]];
      const span = el("span", null, `${shortName(n)} → ${best[0]} (${showChar(scored.text[best[0]])}) ${best[1].toFixed(2)}`);
      span.style.borderLeft = `0.4rem solid ${colours[n]}`;
      span.style.paddingLeft = "0.25rem";
      info.append(span);
    }
    info.dataset.result = JSON.stringify({ position: picked, top: scored.next[picked], looks_at: looks });
    if (scored.full) {
      const captions = Object.fromEntries(names.map((n) => [n, `${shortName(n)} · looks ${meanDistance(scored.maps[n], T).toFixed(1)} back`]));
      grid.draw(scored.maps, names, T, { picked, captions, cell: Math.max(1, Math.min(4, Math.floor(200 / T))) });
    }
    command.replaceChildren("Same numbers from a terminal: ", el("code", null, `python -m demos run chartransformer FILE --set position=${picked} --json`));
  }

  function pick(i) {
    picked = i;
    if (!scored) return;
    recolour();
    drawPicked();
  }

  // ---- run(): text → model → draw -----------------------------------------
  let busy = Promise.resolve();
  function run() {
    busy = busy.then(async () => {
      const text = area.value.replace(/\r\n/g, "\n");
      if (!text) { ctx.status("The text is empty: type or paste some code."); return; }
      if (text.length > limit) { ctx.status(`The text has ${text.length} characters; the demo reads at most ${limit}: cut it.`); return; }
      try {
        const url = new URL(globalThis.location.href);
        url.searchParams.set("text", text);
        globalThis.history?.replaceState(globalThis.history.state, "", url);
        const tokens = encodeText(text, prep);
        const ort = await ctx.ort();
        const session = await ctx.session(0);
        const started = performance.now();
        const out = await session.run({ tokens: new ort.Tensor("int64", BigInt64Array.from(tokens, BigInt), [1, tokens.length]) });
        const ms = performance.now() - started;
        const maps = Object.fromEntries(names.map((n) => [n, out[n].data]));
        const probs = out.probs.data;
        const next = tokens.map((_, t) => topK(probs.subarray(t * V, (t + 1) * V), 5).map(([k, p]) => [prep.vocab[k], p]));
        scored = { text, tokens, maps, next, full: true };
        if (picked < 0 || picked >= text.length) picked = text.length - 1;
        drawText();
        drawPicked();
        const bits = bitsPerChar(probs, tokens, V);
        root.dataset.inferenceMs = ms.toFixed(2);
        root.dataset.result = JSON.stringify({ text, bits_per_char: bits, next, attention: Object.fromEntries(names.map((n) => [n, Array.from(maps[n])])) });
        const unknown = tokens.filter((t) => t === V - 1).length;
        ctx.status(`${text.length} characters in one call, ${ms.toFixed(0)} ms` + (bits === null ? "" : `; the model spends ${bits.toFixed(2)} bits per character on this text`) +
          (unknown ? ` · ${unknown} character(s) outside the vocabulary read as ${prep.unknown}` : ""));
      } catch (err) { ctx.error(err); }
    });
    return busy;
  }

  // ---- wiring -------------------------------------------------------------
  exampleSelect.addEventListener("change", () => { area.value = examples[Number(exampleSelect.value)].text.slice(0, limit); picked = -1; run(); });
  runButton.addEventListener("click", run);
  area.addEventListener("keydown", (e) => { if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); run(); } });
  headSelect.element.addEventListener("change", () => { if (scored && picked >= 0) { recolour(); drawPicked(); } });

  // ---- first view: the address's text, run at once; else a recorded example
  const fromUrl = new URLSearchParams(globalThis.location?.search ?? "").get("text");
  if (fromUrl) {
    area.value = fromUrl;
    if (fromUrl.length <= limit) { run(); return; }
    ctx.status(`The address's text has ${fromUrl.length} characters; the demo reads at most ${limit}. Showing a recorded example instead.`);
  }
  const golden = sidecar.golden[0];
  const text = golden.input.text, T = text.length, at = golden.input.position;
  area.value = text;
  const maps = Object.fromEntries(names.map((n) => {
    const a = new Float32Array(T * T);
    a.set(golden.output.attention_at_position[n], at * T);
    return [n, a];
  }));
  scored = { text, tokens: encodeText(text, prep), maps, next: golden.output.next, full: false };
  picked = at;
  drawText();
  drawPicked();
  grid.element.replaceChildren(el("p", "inn-attn-demo__key", "The heat maps appear when the model runs here."));
  if (!fromUrl) ctx.status(`Recorded example: where each head looks from the last character. Interact to run the model here (${(sidecar.models[0].bytes / 1048576).toFixed(1)} MB).`);
  ctx.whenNeeded(() => run());
}
