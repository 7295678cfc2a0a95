// memory — a Neural Turing Machine and a Transformer on the same copy / associative-recall input.
//
// The input lives in the page URL (?task=copy&bits=10110010.01100111…), in the format that
// `python -m demos run memory "task=…"` reads (demos/memory/infer.py): the same input gives the same
// bits and bit errors in the page and in a terminal. Sizes, limits and model files come from the
// sidecar (exported_models/memory.json). data-part="ntm" shows only the NTM half.
// memory/logic.js holds input, runs and scoring (tested in Node), memory/view.js the drawing.

import { button } from "../runtime.js";
import {
  InputError, capacityProblem, parseQuery, randomInput, runNtm, runTransformer, score, sizeOf, stream, taskSummary,
  toQuery,
} from "./memory/logic.js";
import { drawAttention, drawBits, drawNtmStep, el, heatFigure } from "./memory/view.js";

/** Loaded by the runtime before mount. */
export const styles = ["../../stylesheets/memory.css"];

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
    drawTransformer();
  }

  function drawNtm() {
    const trace = result?.ntm?.trace;
    ntmView.hidden = !trace;
    if (!trace) return;
    const steps = trace.y.length;
    step = Math.min(step, steps - 1);
    stepSlider.max = steps - 1;
    stepSlider.value = step;
    stepText.textContent = `step ${step + 1} of ${steps} (${step < result.first ? "reading the input" : "answering"})`;
    drawNtmStep({ mem, write, read, gates }, trace, sidecar.config.ntm[result.task], step);
  }

  function drawTransformer() {
    const r = result?.transformer;
    trView.hidden = !r?.attention;
    if (r?.attention) drawAttention(attn, headSelect, r.attention, r.dims);
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
      let inferenceMs = 0; // inference alone: downloads and session creation are not counted
      for (const m of models) {
        const problem = capacityProblem(m, input, x.length, sidecar);
        if (problem) { next[m] = { skipped: problem }; continue; }
        const session = await ctx.session(sidecar.model_index[m][input.task]);
        const started = performance.now();
        const out = m === "ntm"
          ? await runNtm(ort, session, sidecar.config.ntm[input.task], x)
          : await runTransformer(ort, session, x);
        inferenceMs += performance.now() - started;
        next[m] = { ...score(out.y, target, first), ...(m === "ntm" ? { trace: out } : out) };
      }
      result = next;
      step = first;
      drawResult();
      const summary = models.map((m) => `${names[m]} ${next[m].skipped ? "not run" : `${next[m].bit_errors} bit errors`}`).join(", ");
      ctx.status(`${summary} · ${x.length} steps, inference ${inferenceMs.toFixed(0)} ms in your browser (downloads not counted)`);
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
  headSelect.addEventListener("change", drawTransformer);

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
