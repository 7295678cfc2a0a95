// induction — a 2-layer attention-only Transformer continuing a repeat of random tokens. The reader types
// tokens (a-z, 0-9); every head's attention is drawn as lines (BertViz-style, one head or all) and as heat
// maps; tapping, hovering or arrowing to a token shows where each head looks from it and the model's top
// next tokens; where the sequence repeats, the token an induction head would copy is highlighted with the
// probability the model gives it. Same numbers: `python -m demos run induction "TOKENS" --json`
// (demos/induction/infer.py). The tokens are kept in the page address (?tokens=…).

import { button } from "../runtime.js";
import { coloredText } from "../parts/colored-text.js";
import { addStyle, linesGrid, argmax, attentionLines, headGrid, headNames, headPicker, HEAD_COLOURS, mapRow, probabilityBars, shortName,
  topK } from "../parts/attention.js";
import { headScores, inductionTargets, lookupPanel } from "./induction/attention.js";
import { mulberry32 } from "./charlstm/sampler.js";

const TOP = 3;

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Text → token indices: separators skipped, anything else outside the alphabet refused (infer.parse). */
export function parseTokens(text, prep, limit) {
  const tokens = [];
  Array.from(text).forEach((ch, i) => {
    if (prep.separators.includes(ch)) return;
    const k = prep.alphabet.indexOf(ch);
    if (k < 0) throw new Error(`unknown token '${ch}' at character ${i + 1}: tokens are a-z and 0-9, one character each (spaces and commas are ignored)`);
    tokens.push(k);
  });
  if (!tokens.length) throw new Error("no tokens: type some of a-z and 0-9, e.g. \"x9k2 z5pvbq3 z5pvbq3\"");
  if (tokens.length > limit) throw new Error(`${tokens.length} tokens; the model was trained on sequences of ${limit} and reads at most ${limit}: cut the input`);
  return tokens;
}

/** Per position, what infer.predict reports: top next tokens, the induction target and guess with the
 *  model's probability of it, and each head's largest weight. probs: Float32Array(T * V). */
export function summarize(tokens, probs, maps, alphabet) {
  const T = tokens.length, V = alphabet.length;
  const targets = inductionTargets(tokens);
  return tokens.map((tok, t) => {
    const row = probs.subarray ? probs.subarray(t * V, (t + 1) * V) : probs.slice(t * V, (t + 1) * V);
    const guess = targets[t] >= 0 ? tokens[targets[t]] : null;
    return {
      token: alphabet[tok],
      top: topK(row, TOP).map(([k, p]) => [alphabet[k], p]),
      induction_target: targets[t],
      induction_guess: guess === null ? null : alphabet[guess],
      p_induction_guess: guess === null ? null : row[guess],
      looks_at: Object.fromEntries(Object.entries(maps).map(([name, a]) => [name, argmax(mapRow(a, T, t))])),
    };
  });
}

/** A random sequence like the training data: random tokens, then a block of a random period repeated. */
export function randomRepeat(seed, alphabet, length = 40) {
  const draw = mulberry32(seed);
  const pick = (n) => Math.floor(draw() * n);
  const period = 5 + pick(12);
  const start = pick(Math.max(1, length - 2 * period + 1));
  const tokens = Array.from({ length }, () => pick(alphabet.length));
  for (let t = start + period; t < length; t++) tokens[t] = tokens[t - period];
  return tokens.map((k) => alphabet[k]).join("");
}

export function mount(box, ctx) {
  const { sidecar } = ctx;
  const prep = sidecar.preprocessing;
  const alphabet = prep.alphabet;
  const limit = sidecar.limits.max_tokens;
  const names = headNames(sidecar);
  const colours = Object.fromEntries(names.map((n, i) => [n, HEAD_COLOURS[i % HEAD_COLOURS.length]]));
  const style = el("style");
  style.textContent = `
.inn-ind input[type=text] { flex: 1 1 14rem; min-width: 0; font-family: var(--md-code-font-family, monospace); }
.inn-ind .inn-ctext { letter-spacing: 0.35em; font-size: 0.8rem; max-height: 8rem; }
.inn-ind__heads { display: grid; grid-template-columns: repeat(auto-fill, minmax(7.5rem, 1fr)); gap: 0.1rem 0.6rem; }`;

  // ---- layout -------------------------------------------------------------
  addStyle();
  const root = el("div", "inn-ind inn-attn-demo");
  const inputRow = el("div", "inn-attn-demo__row");
  const input = el("input");
  input.type = "text";
  input.spellcheck = false;
  input.autocapitalize = "off";
  input.setAttribute("aria-label", `Tokens: a-z and 0-9, at most ${limit} (spaces and commas are ignored)`);
  const runButton = button("Run", "Run the model on these tokens (Enter)");
  const randomButton = button("Random repeat", "A new random sequence that starts repeating, like the training data");
  const exampleSelect = el("select");
  exampleSelect.setAttribute("aria-label", "Example sequences");
  sidecar.examples.texts.forEach((text, i) => exampleSelect.append(new Option(`Example ${i + 1}: ${text.slice(0, 18)}…`, String(i))));
  inputRow.append(input, runButton, randomButton, exampleSelect);
  const stripHolder = el("div");
  const stripKey = el("p", "inn-attn-demo__key", "Colour: where the sequence repeats, the probability the model gives to the token an induction head would copy (dark 0 → yellow 1); no colour where the token has not been seen before. Tap, hover or use the arrow keys on the tokens.");
  const views = el("div", "inn-attn-demo__views");
  const linesSide = el("div");
  const headRow = el("div", "inn-attn-demo__row");
  const headSelect = headPicker(names, { label: "Heads drawn as lines" });
  headRow.append(el("span", null, "lines:"), headSelect.element);
  const linesHolder = el("div");
  linesSide.append(headRow, linesHolder);
  const info = el("div", "inn-ind__info inn-attn-demo__info");
  info.setAttribute("aria-live", "polite");
  views.append(linesSide, info);
  const gridTitle = el("h4", null, "Every head's attention (rows: the reading position; columns: where it looks)");
  const gridHolder = el("div", "inn-attn__scroll");
  const command = el("p", "inn-attn-demo__key");
  const lookupTitle = el("h4", null, "Attention is a lookup: the same softmax of similarity as the NTM's content addressing");
  const lookupHolder = el("div");
  root.append(style, inputRow, stripHolder, stripKey, views, gridTitle, gridHolder, command, lookupTitle, lookupHolder);
  ctx.body.append(root);

  // ---- state --------------------------------------------------------------
  let scored = null; // { tokens, labels, maps, rows }
  let picked = -1;
  const strip = coloredText(stripHolder, { label: "Tokens", onPick: (i) => pick(i) });
  const lines = attentionLines(linesHolder, { label: "Attention lines from the picked token (left) to the tokens it reads (right)", onPick: (i) => strip.select(i) });
  const smallLines = linesGrid(linesHolder, { onPick: (i) => strip.select(i) });
  const grid = headGrid(gridHolder, { onPick: (i) => strip.select(i) });
  lookupPanel(lookupHolder);

  // ---- draw(): show what was computed, no inference here -------------------
  function drawAll() {
    const { labels, rows } = scored;
    const values = rows.map((r) => (r.p_induction_guess === null ? NaN : r.p_induction_guess));
    strip.draw(labels.join(""), values, { min: 0, max: 1, scheme: "sequential",
      titles: (i) => rows[i].induction_guess === null ? `position ${i}: ${labels[i]} not seen before`
        : `position ${i}: ${labels[i]} seen before; an induction head copies ${rows[i].induction_guess} (p ${rows[i].p_induction_guess.toFixed(3)})` });
    if (picked >= labels.length) picked = -1;
    if (picked >= 0) strip.select(picked, false);
    drawPicked();
  }

  function drawPicked() {
    const { labels, maps, scores } = scored;
    const T = labels.length;
    const heads = headSelect.heads();
    lines.element.style.display = headSelect.grid() ? "none" : "";
    if (headSelect.grid()) smallLines.draw(labels, maps, names, { picked, colours });
    else smallLines.element.replaceChildren();
    lines.draw(labels, maps, { heads, picked, colours });
    const captions = Object.fromEntries(names.map((n) => [n, `${shortName(n)} · prev ${fmt(scores[n].previous_token)} · ind ${fmt(scores[n].induction)}`]));
    grid.draw(maps, names, T, { picked, captions, tick: String });
    drawInfo();
  }

  function drawInfo() {
    info.replaceChildren();
    const { labels, rows, maps } = scored;
    const T = labels.length;
    if (picked < 0) {
      info.append(el("span", null, "Pick a token (tap, hover, or focus the tokens and use the arrow keys) to see where each head looks from it and what the model expects next."));
      return;
    }
    const r = rows[picked];
    info.append(el("strong", null, `Position ${picked}, token ${r.token}: the model's next tokens`));
    info.append(probabilityBars(r.top));
    info.append(el("span", null, r.induction_target < 0 ? `${r.token} has not appeared before: nothing to copy, the model can only guess.`
      : `${r.token} appeared before; next came ${r.induction_guess} (position ${r.induction_target}). An induction head copies it: p = ${r.p_induction_guess.toFixed(3)}` +
        (r.top[0][0] === r.induction_guess ? " — the model's top guess." : " — not the model's top guess.")));
    info.append(el("strong", null, "Where each head looks most from here:"));
    const heads = el("div", "inn-ind__heads");
    for (const n of names) {
      const k = r.looks_at[n];
      const span = el("span", null, `${shortName(n)} → ${k} (${labels[k]}) ${mapRow(maps[n], T, picked)[k].toFixed(2)}`);
      span.style.borderLeft = `0.4rem solid ${colours[n]}`;
      span.style.paddingLeft = "0.25rem";
      heads.append(span);
    }
    info.append(heads);
    info.dataset.result = JSON.stringify({ position: picked, top: r.top, looks_at: r.looks_at });
    command.replaceChildren("Same numbers from a terminal: ",
      el("code", null, `python -m demos run induction "${labels.join("")}" --set position=${picked}`));
  }

  const fmt = (v) => (v === null ? "–" : v.toFixed(2));

  function pick(i) {
    picked = i;
    if (scored) drawPicked();
  }

  function show(tokens, probs, maps) {
    const labels = tokens.map((k) => alphabet[k]);
    scored = { tokens, labels, maps, rows: summarize(tokens, probs, maps, alphabet), scores: headScores(maps, tokens) };
    drawAll();
  }

  // ---- run(): tokens → model → draw ---------------------------------------
  let busy = Promise.resolve();
  function run() {
    busy = busy.then(async () => {
      let tokens;
      try {
        tokens = parseTokens(input.value, prep, limit);
      } catch (err) {
        ctx.status(err.message);
        return;
      }
      try {
        const url = new URL(globalThis.location.href);
        url.searchParams.set("tokens", input.value.trim());
        globalThis.history?.replaceState(globalThis.history.state, "", url);
        const ort = await ctx.ort();
        const session = await ctx.session(0);
        const started = performance.now();
        const out = await session.run({ tokens: new ort.Tensor("int64", BigInt64Array.from(tokens, BigInt), [1, tokens.length]) });
        const ms = performance.now() - started;
        const maps = Object.fromEntries(names.map((n) => [n, out[n].data]));
        if (picked < 0 || picked >= tokens.length) picked = tokens.length - 1;
        show(tokens, out.probs.data, maps);
        root.dataset.inferenceMs = ms.toFixed(2);
        root.dataset.result = JSON.stringify({ tokens: scored.labels.join(""), rows: scored.rows, scores: scored.scores,
          attention: Object.fromEntries(names.map((n) => [n, Array.from(maps[n])])) });
        const repeats = scored.rows.filter((r) => r.induction_target >= 0);
        const hits = repeats.filter((r) => r.top[0][0] === r.induction_guess).length;
        ctx.status(`${tokens.length} tokens in one call, ${ms.toFixed(1)} ms. At ${repeats.length} position(s) the token was seen before; ` +
          `there the model's top guess is the induction head's copy ${hits} time(s).`);
      } catch (err) { ctx.error(err); }
    });
    return busy;
  }

  // ---- wiring -------------------------------------------------------------
  runButton.addEventListener("click", run);
  input.addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); run(); } });
  let seed = 1;
  randomButton.addEventListener("click", () => { input.value = randomRepeat(seed++, alphabet); run(); });
  exampleSelect.addEventListener("change", () => { input.value = sidecar.examples.texts[Number(exampleSelect.value)]; run(); });
  headSelect.element.addEventListener("change", () => { if (scored) drawPicked(); });

  // ---- first view: the address's tokens, run at once; else a recorded example
  const fromUrl = new URLSearchParams(globalThis.location?.search ?? "").get("tokens");
  if (fromUrl !== null) {
    input.value = fromUrl.slice(0, 400);
    try {
      parseTokens(input.value, prep, limit);
      run();
      return;
    } catch (err) {
      ctx.status(`The address's tokens cannot run: ${err.message}. Showing a recorded example instead.`);
    }
  }
  const golden = sidecar.golden[0];
  input.value = golden.input.text;
  const tokens = parseTokens(golden.input.tokens, prep, limit);
  const maps = Object.fromEntries(names.map((n) => [n, Float32Array.from(golden.output.attention[n].flat())]));
  scored = { tokens, labels: tokens.map((k) => alphabet[k]), maps, rows: golden.output.positions, scores: golden.output.scores };
  picked = tokens.length - 1;
  drawAll();
  if (fromUrl === null) ctx.status(`Recorded example (${tokens.length} tokens). Edit the tokens or interact to run the model here (${Math.round(sidecar.models[0].bytes / 1024)} KB).`);
  ctx.whenNeeded(() => run());
}
