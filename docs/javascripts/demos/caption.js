// caption — Show, Attend and Tell against Show and Tell on the reader's scene. Each model's encoder runs
// once; the decoder step runs once per live beam and word (caption/pipeline.js, the same steps as
// demos/caption/infer.py; caption/search.js is demos/caption/search.py). The caption appears word by word;
// "Next word" advances the search by one word and shows the live beams; every word of the attention
// model's caption has its attention over the scene (the paper's figure, live) and as an 8×8 heat map.
// `python -m demos run caption scene.png --set beam=K --json` prints the same beams and log-probabilities.

import { button } from "../runtime.js";
import { currentScene, onScene, sceneEditor, setScene, slider } from "../parts/scene-editor.js";
import { parseOption } from "../sidecar.js";
import { decodePng } from "../parts/png.js";
import * as pipeline from "./caption/pipeline.js";
import { captionScene } from "./caption/scene.js";
import * as view from "./caption/view.js";

const WORD_MS = 150; // pause between words when the caption plays (none with prefers-reduced-motion)

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text) node.textContent = text;
  return node;
}

/** Loaded by the runtime before mount: the scene editor's stylesheet and this demo's own. */
export const styles = ["../../stylesheets/detection.css", "caption/caption.css"];

export function mount(box, ctx) {
  const { sidecar } = ctx;
  const pre = sidecar.preprocessing;
  const spec = pre.scene, size = spec.size, grid = sidecar.config.attend.grid;
  const vocab = sidecar.labels;
  const beamSpec = sidecar.options.beam;
  const initialBeam = "beam" in ctx.options ? parseOption(beamSpec, "beam", ctx.options.beam) : beamSpec.default;
  const radii = Object.fromEntries(Object.entries(spec.sizes).map(([name, [lo, hi]]) => [name, (lo + hi) / 2]));

  const editor = sceneEditor(ctx, { ...spec, classes: spec.shapes, radius: [spec.sizes.small[0], spec.sizes.large[1]] }, {
    generate: () => captionScene(spec).rgba, palette: spec.colours, sizes: radii,
  });
  const clear = button("Clear", "A scene without shapes (the models refuse it: there is nothing to describe)");
  editor.element.querySelector(".inn-demo__tools").append(clear);

  const panel = element("div", "inn-det__panel inn-cap");
  const controls = element("div", "inn-vis__controls");
  const beam = slider("beam width", beamSpec.min, beamSpec.max, beamSpec.step, initialBeam);
  beam.input.setAttribute("aria-label", `Beam width, ${beamSpec.min} (greedy) to ${beamSpec.max}`);
  const next = button("Next word", "Advance the search by one word: every live beam proposes its best words");
  const finish = button("Finish", "Run the search to the end");
  controls.append(beam.wrap, next, finish);
  const headline = element("p", "inn-det__summary");
  headline.setAttribute("aria-live", "polite");
  const words = element("p", "inn-cap__words");
  const beamsTitle = element("p", "", "Beams of Show, Attend and Tell (best first):");
  const beams = element("ol", "inn-det__list");
  const heat = element("canvas");
  heat.width = heat.height = 0;
  const baseline = element("p", "inn-det__summary");
  const baseBeams = element("ol", "inn-det__list");
  const m = sidecar.metrics;
  const pct = (x) => `${(100 * x).toFixed(1)} %`;
  const measured = element("p", "inn-det__measured",
    `Measured on ${m.test_scenes} held-out scenes (exact match, greedy): Show, Attend and Tell ` +
    `${pct(m.attend.held_out.greedy.exact_match)}, Show and Tell ${pct(m.show.held_out.greedy.exact_match)}; on scenes ` +
    `with colour–shape pairs never seen in training: ${pct(m.attend.compositional.greedy.exact_match)} and ` +
    `${pct(m.show.compositional.greedy.exact_match)}.`);
  panel.append(controls, headline, words, beamsTitle, beams, heat, baseline, baseBeams, measured);
  const strip = element("div", "inn-vis__maps inn-cap__strip");
  strip.setAttribute("aria-label", "Attention for every word of the caption");
  strip.setAttribute("role", "group");
  ctx.body.append(editor.element, panel, strip);

  const pen = editor.overlay.getContext("2d");
  const text = (ids) => ids.map((w) => vocab[w]).join(" ");
  let shown = null;      // what is drawn: { rgba, attend: {beams, live}, show, step, done }
  let chosen = { beam: 0, word: -1 };

  // ---- drawing -------------------------------------------------------------------------------------------
  function draw() {
    pen.clearRect(0, 0, editor.overlay.width, editor.overlay.height);
    if (!shown) return;
    const { attend, show, done } = shown;
    const list = done ? attend.beams : [...attend.beams, ...attend.live].sort((a, b) => b.logp - a.logp);
    const best = list[Math.min(chosen.beam, list.length - 1)];
    const ids = best ? best.words : [];
    // the chosen word; by default the first shape word of a finished caption, the newest word while stepping
    const noun = ids.findIndex((w) => spec.shapes.includes(vocab[w]));
    const t = chosen.word >= 0 && chosen.word < ids.length ? chosen.word : done && noun >= 0 ? noun : ids.length - 1;
    headline.textContent = done
      ? `Show, Attend and Tell: ${text(ids.filter((w) => w !== pre.end))}`
      : `Show, Attend and Tell, step ${shown.step}: ${text(ids)} …`;
    words.replaceChildren(...ids.map((w, k) => {
      const b = button(vocab[w], `Show the attention while writing "${vocab[w]}"`);
      b.setAttribute("aria-pressed", String(k === t));
      b.addEventListener("click", () => { chosen.word = k; draw(); });
      return b;
    }));
    view.beamItems(beams, done ? attend.beams : list.map((b) => ({ ...b, live: attend.live.includes(b) })), text, {
      selected: done ? chosen.beam : -1, onSelect: done ? (k) => { chosen = { beam: k, word: -1 }; draw(); } : null,
    });
    const attention = best && t >= 0 ? best.extras[t] : null;
    if (attention) {
      view.dimByAttention(pen, attention, grid, editor.overlay.width);
      view.attentionHeatmap(heat, attention, grid, vocab[ids[t]]);
      view.attentionStrip(strip, shown.rgba, size, ids.map((w) => vocab[w]), best.extras, grid, t, (k) => { chosen.word = k; draw(); });
      const { row, col, weight } = view.peak(attention, grid);
      editor.describe(`${headline.textContent}. While writing "${vocab[ids[t]]}" the model looks most at row ${row}, column ${col} (weight ${weight.toFixed(2)}).`);
    } else {
      heat.width = heat.height = 0;
      strip.replaceChildren();
    }
    if (show) {
      baseline.textContent = `Show and Tell (no attention): ${show.caption}`;
      view.beamItems(baseBeams, show.beams.map((b) => ({ ...b, words: b.words.map((w) => vocab.indexOf(w)) })), text);
    } else {
      baseline.textContent = "Show and Tell (no attention): …";
      baseBeams.replaceChildren();
    }
  }

  function clearResult(message) {
    shown = null;
    panel.removeAttribute("data-result");
    headline.textContent = message;
    words.replaceChildren();
    beams.replaceChildren();
    baseBeams.replaceChildren();
    baseline.textContent = "";
    strip.replaceChildren();
    heat.width = heat.height = 0;
    pen.clearRect(0, 0, editor.overlay.width, editor.overlay.height);
  }

  // ---- searching: one job at a time (ONNX Runtime runs one call per session at once) ----------------------
  let queue = Promise.resolve();
  let search = null;   // { token, rgba, width, attend (pipeline.begin), show, ms, calls }
  let token = 0, runs = 0;
  const exclusive = (job) => (queue = queue.then(job).catch(ctx.error));
  const reduced = () => globalThis.matchMedia?.("(prefers-reduced-motion: reduce)").matches;

  async function prepare(mine = token) {
    const scene = currentScene();
    const width = beam.value();
    if (!scene) return null;
    try {
      pipeline.checkInputs(scene.rgba, width, sidecar);
    } catch (err) {
      search = null;
      clearResult(`Nothing to caption: ${err.message}.`);
      ctx.status(err.message);
      return null;
    }
    const ort = await ctx.ort();
    const sessions = [];
    for (let i = 0; i < sidecar.models.length; i++) sessions.push(await ctx.session(i));
    const started = performance.now();
    const show = await pipeline.begin(ort, sessions, sidecar, "show", scene.rgba, width);
    while (!show.over()) await show.advance();
    const attend = await pipeline.begin(ort, sessions, sidecar, "attend", scene.rgba, width);
    search = { token: mine, rgba: scene.rgba, width, attend, show: pipeline.report(show.result(), sidecar, "show"),
      ms: performance.now() - started, source: scene.source };
    chosen = { beam: 0, word: -1 };
    shown = { rgba: scene.rgba, attend: { beams: [], live: attend.search.live }, show: search.show, step: 0, done: false };
    panel.removeAttribute("data-result");
    draw();
    return search;
  }

  async function advanceOnce() {
    const s = search;
    if (!s || s.attend.over()) return false;
    const t0 = performance.now();
    await s.attend.advance();
    s.ms += performance.now() - t0;
    const st = s.attend.search;
    shown = { rgba: s.rgba, attend: { beams: st.done, live: st.live }, show: s.show, step: st.length, done: false };
    if (s.attend.over()) complete(s);
    else draw();
    return !s.attend.over();
  }

  function complete(s) {
    const finished = s.attend.result();
    shown = { rgba: s.rgba, attend: { beams: finished, live: [] }, show: s.show, step: s.attend.search.length, done: true };
    chosen = { beam: 0, word: -1 };
    draw();
    const result = { demo: "caption", beam: s.width, attend: pipeline.report(finished, sidecar, "attend"), show: s.show };
    panel.dataset.result = JSON.stringify(result);
    panel.dataset.runs = String(++runs);
    panel.dataset.inferenceMs = s.ms.toFixed(1);
    ctx.status(`${s.source}: both captions computed in your browser in ${s.ms.toFixed(0)} ms (beam width ${s.width}).`);
  }

  /** A fresh search on the current scene and width; `play` writes the caption word by word. */
  function restart(play = true) {
    const mine = ++token; // a later restart, Next word or Finish supersedes this one
    exclusive(async () => {
      if (mine !== token) return;
      const s = await prepare(mine);
      if (!s || !play) return;
      ctx.status(`${s.source}: writing the caption…`);
      while (mine === token && search === s && (await advanceOnce())) {
        if (!reduced()) await new Promise((done) => setTimeout(done, WORD_MS));
      }
    });
  }

  next.addEventListener("click", () => {
    const width = beam.value();
    ++token; // stops a caption that is playing
    exclusive(async () => {
      const scene = currentScene();
      if (!search || search.attend.over() || search.rgba !== scene?.rgba || search.width !== width) {
        if (!(await prepare())) return;
      }
      await advanceOnce();
      if (search && !search.attend.over()) ctx.status(`Step ${search.attend.search.length}: ${search.attend.search.live.length} live and ${search.attend.search.done.length} finished beam(s). Next word for one more.`);
    });
  });
  finish.addEventListener("click", () => {
    ++token;
    exclusive(async () => {
      const scene = currentScene();
      if (!search || search.rgba !== scene?.rgba || search.width !== beam.value()) {
        if (!(await prepare())) return;
      }
      while (await advanceOnce());
    });
  });
  beam.input.addEventListener("change", () => restart());
  clear.addEventListener("click", () => setScene({ rgba: captionScene(spec, undefined, { objects: [] }).rgba, source: "an empty scene" }));
  onScene(box, (scene) => { if (scene.source !== "golden") restart(); });

  // ---- until the models are loaded: the golden example computed at export -------------------------------
  const golden = sidecar.golden[0];
  const toIds = (b) => ({ ...b, words: b.words.map((w) => vocab.indexOf(w)), extras: b.attention ?? [], steps: b.word_logp });
  decodePng(golden.input.png).then(({ rgba }) => {
    if (!currentScene()) setScene({ rgba, source: "golden" });
    const out = golden.output;
    shown = { rgba, attend: { beams: out.attend.beams.map(toIds), live: [] }, show: out.show, step: 0, done: true };
    draw();
  }).catch(ctx.error);
  ctx.status(`Example: held-out scene ${golden.input.seed} captioned at export (beam width ${golden.input.beam}). ` +
    "Place a shape, take a new scene or press Next word to run the models in your browser.");
  // The first touch of the box fetches the models; what the reader did (a new scene, Next word…) runs them.
  ctx.whenNeeded(() => exclusive(async () => {
    await ctx.ort();
    for (let i = 0; i < sidecar.models.length; i++) await ctx.session(i);
  }));
}
