// visualize — look inside a shape classifier, on the reader's scene: class probabilities, the saliency
// map and guided backpropagation for a class, the deconvnet picture of one unit (all three from
// visualize_explain.onnx, whose backward passes are written as forward operations), and occlusion
// sensitivity (every patch position in one batch through visualize.onnx). Mirrors
// demos/visualize/infer.py: `python -m demos run visualize scene.png` prints the same numbers.

import { latestWins } from "../latest-wins.js";
import { toChw } from "../detection.js";
import { currentScene, offerGoldenScene, onScene, sceneEditor, slider } from "../parts/scene-editor.js";
import { decodePng } from "../parts/png.js";

/** Loaded by the runtime before mount: the detection demos' shared stylesheet. */
export const styles = ["../../stylesheets/detection.css"];

/** Top-left corners along one side; the same checks and messages as infer.occlusion_positions. */
export function occlusionPositions(size, patch, stride) {
  if (!Number.isInteger(patch) || !Number.isInteger(stride)) {
    throw new Error(`occlusion patch and stride must be whole numbers of pixels, got ${patch} and ${stride}`);
  }
  if (stride <= 0) throw new Error(`the occlusion stride must be at least 1 pixel, got ${stride}`);
  if (patch <= 0 || patch > size) {
    throw new Error(`the occlusion patch must be 1 to ${size} pixels wide (the image is ${size}×${size}), got ${patch}`);
  }
  const out = [];
  for (let p = 0; p <= size - patch; p += stride) out.push(p);
  return out;
}

/** (3, H, W) signal → (H, W) saliency: the largest magnitude over the colour channels. */
export function saliency(signal, size) {
  const n = size * size;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.max(Math.abs(signal[i]), Math.abs(signal[n + i]), Math.abs(signal[2 * n + i]));
  return out;
}

function peak(map, size) {
  let best = 0;
  for (let i = 1; i < map.length; i++) if (map[i] > map[best]) best = i;
  return { peak: [Math.floor(best / size), best % size], max: map[best] };
}

function figure(caption) {
  const fig = document.createElement("figure");
  fig.className = "inn-vis__map";
  const canvas = document.createElement("canvas");
  const text = document.createElement("figcaption");
  text.textContent = caption;
  fig.append(canvas, text);
  return { fig, canvas, text };
}

/** Paint (H, W) values in [0, 1] as grey, or RGB signals centred on grey, onto a canvas of that size. */
function paint(canvas, width, height, pixel) {
  canvas.width = width;
  canvas.height = height;
  const pen = canvas.getContext("2d");
  const image = pen.createImageData(width, height);
  for (let i = 0; i < width * height; i++) image.data.set([...pixel(i), 255], 4 * i);
  pen.putImageData(image, 0, 0);
}

const grey = (canvas, map, size, scale = Math.max(...map, 1e-12)) =>
  paint(canvas, size, size, (i) => { const v = Math.round((255 * map[i]) / scale); return [v, v, v]; });

export function mount(box, ctx) {
  const { sidecar } = ctx;
  const spec = sidecar.preprocessing.scene;
  const size = sidecar.config.image;
  const labels = sidecar.labels;
  const widths = sidecar.config.widths;
  const prep = sidecar.preprocessing;

  const editor = sceneEditor(ctx, spec, { objects: 1 });
  const panel = document.createElement("div");
  panel.className = "inn-det__panel";
  const probs = document.createElement("div");
  probs.className = "inn-vis__probs";
  probs.setAttribute("role", "group"); // a grid of name, bar and value per class, not a list
  probs.setAttribute("aria-label", "Class probabilities");
  const controls = document.createElement("div");
  controls.className = "inn-vis__controls";
  const target = document.createElement("select");
  target.append(new Option("predicted class", ""), ...labels.map((l) => new Option(l, l)));
  target.setAttribute("aria-label", "Class to explain");
  const layer = document.createElement("select");
  widths.forEach((w, i) => layer.append(new Option(`conv${i + 1} (${w} maps)`, String(i + 1))));
  layer.value = String(prep.layer);
  layer.setAttribute("aria-label", "Layer of the unit");
  const channel = Object.assign(document.createElement("input"), { type: "number", min: 0, value: prep.channel });
  channel.setAttribute("aria-label", "Feature map of the unit");
  const patch = slider("occluder", 4, size, 4, prep.patch, (v) => `${v} px`);
  const stride = slider("stride", 1, 16, 1, prep.stride, (v) => `${v} px`);
  const label = (text, input) => { const l = document.createElement("label"); l.append(text, " ", input); return l; };
  controls.append(label("explain", target), label("unit: layer", layer), label("map", channel), patch.wrap, stride.wrap);
  const oneShape = document.createElement("p");
  oneShape.className = "inn-vis__note";
  oneShape.textContent = "The classifier was trained on scenes with one shape. A placed shape is added to the scene, "
    + "so that you can see which of two shapes the maps follow; its probabilities then describe a scene it never saw. "
    + "New scene (N) gives one shape again.";
  panel.append(probs, controls, oneShape);
  const maps = document.createElement("div");
  maps.className = "inn-vis__maps";
  const views = {
    gradient: figure("saliency |∂score/∂pixel|"),
    guided: figure("guided backpropagation"),
    deconvnet: figure("deconvnet of the unit"),
    occlusion: figure("occlusion: Pr(class)"),
    top: figure("occlusion: top class"),
  };
  maps.append(...Object.values(views).map((v) => v.fig));
  // the "top class" map's colour key: one swatch per class, in the classes' order
  const classColours = ["#fdd835", "#26c6da", "#ec407a", "#7cb342"];
  const key = document.createElement("ul");
  key.className = "inn-vis__key";
  key.setAttribute("aria-label", "Colour key of the top-class map");
  Object.assign(key.style, { listStyle: "none", display: "flex", flexWrap: "wrap", justifyContent: "center", gap: "0.2em 0.8em", margin: "0.2em 0 0", padding: 0 });
  key.append(...labels.map((l, k) => {
    const item = document.createElement("li");
    const swatch = document.createElement("span");
    swatch.className = "inn-vis__swatch";
    // styled here: the box's stylesheet (detection.css) is shared with the detection demos
    Object.assign(swatch.style, { display: "inline-block", width: "0.8em", height: "0.8em", marginRight: "0.3em",
      verticalAlign: "middle", border: "1px solid currentColor", background: classColours[k % classColours.length] });
    item.append(swatch, l);
    return item;
  }));
  views.top.fig.append(key);
  ctx.body.append(editor.element, panel, maps);

  // ---- draw(): render a result (from the model, or the golden example) ---------------------------
  function draw(result, pictures) {
    const top = labels.indexOf(result.top);
    probs.replaceChildren(...labels.flatMap((l, k) => {
      const name = document.createElement("span");
      name.textContent = l;
      if (k === top) name.className = "inn-vis__top";
      const track = document.createElement("span");
      track.className = "inn-vis__track";
      const fill = document.createElement("span");
      fill.className = "inn-vis__fill";
      fill.style.width = `${(100 * result.probs[l]).toFixed(1)}%`;
      track.append(fill);
      const value = document.createElement("span");
      value.textContent = result.probs[l].toFixed(4);
      return [name, track, value];
    }));
    pictures();
    views.gradient.text.textContent = `saliency for “${result.target}”`;
    views.guided.text.textContent = `guided backpropagation for “${result.target}”`;
    views.deconvnet.text.textContent = `deconvnet of conv${result.layer} map ${result.channel}`;
    views.occlusion.text.textContent = `occlusion ${result.patch} px / ${result.stride} px: Pr(${result.target})`;
    const cells = result.occlusion.target_prob.length;
    grey(views.occlusion.canvas, result.occlusion.target_prob.flat(), cells, 1);
    if (result.occlusion.top_class) {
      const flat = result.occlusion.top_class.flat();
      const counted = labels.map((l) => flat.filter((v) => v === l).length).map((n, k) => [labels[k], n]).filter(([, n]) => n);
      views.top.text.textContent = `occlusion: top class at each patch position (${counted.map(([l, n]) => `${l} ${n}`).join(", ")} of ${flat.length})`;
      paint(views.top.canvas, cells, cells, (i) => {
        const hex = classColours[labels.indexOf(flat[i]) % classColours.length];
        return [1, 3, 5].map((o) => parseInt(hex.slice(o, o + 2), 16));
      });
    }
    const { occlusion, ...rest } = result;
    box.querySelector(".inn-vis__maps").dataset.result = JSON.stringify({ ...rest, occlusion: { corners: occlusion.corners, target_prob: occlusion.target_prob } });
  }

  // ---- run(): scene → classifier, explanation graph and occlusion batch → draw ---------------------
  let runs = 0;
  const run = latestWins(async () => {
    const ort = await ctx.ort();
    const [forward, explain] = [await ctx.session(0), await ctx.session(1)];
    const scene = currentScene();
    const started = performance.now();
    const x = toChw(scene.rgba, size, size);
    const image = new ort.Tensor("float32", x, [1, 3, size, size]);
    const p = Array.from((await forward.run({ image })).probs.data);
    const best = p.indexOf(Math.max(...p));
    const goal = target.value ? labels.indexOf(target.value) : best;
    const unitLayer = Number(layer.value);
    channel.max = widths[unitLayer - 1] - 1;
    const unit = Math.min(Math.max(Math.round(Number(channel.value)) || 0, 0), widths[unitLayer - 1] - 1);
    channel.value = unit;
    const index = (v) => new ort.Tensor("int64", BigInt64Array.from([BigInt(v)]), [1]);
    const out = await explain.run({ image, target: index(goal), layer: index(unitLayer), channel: index(unit) });
    const corners = occlusionPositions(size, patch.value(), stride.value());
    const k = patch.value();
    const batch = new Float32Array(corners.length ** 2 * x.length);
    let n = 0;
    for (const topLeft of corners) {
      for (const left of corners) {
        const copy = x.slice();
        for (let c = 0; c < 3; c++) {
          for (let yy = topLeft; yy < topLeft + k; yy++) copy.fill(prep.grey, c * size * size + yy * size + left, c * size * size + yy * size + left + k);
        }
        batch.set(copy, n++ * x.length);
      }
    }
    const occluded = (await forward.run({ image: new ort.Tensor("float32", batch, [n, 3, size, size]) })).probs.data;
    const ms = performance.now() - started;
    const c = labels.length;
    const rows = (f) => corners.map((_, i) => corners.map((_, j) => f((i * corners.length + j) * c)));
    const maps = Object.fromEntries(["gradient", "guided", "deconvnet"].map((name) => [name, out[name].data]));
    const result = {
      top: labels[best], target: labels[goal], probs: Object.fromEntries(labels.map((l, i) => [l, p[i]])),
      layer: unitLayer, channel: unit, patch: k, stride: stride.value(),
      occlusion: {
        corners, target_prob: rows((o) => occluded[o + goal]),
        top_class: rows((o) => { const s = Array.from(occluded.subarray(o, o + c)); return labels[s.indexOf(Math.max(...s))]; }),
      },
    };
    for (const [name, signal] of Object.entries(maps)) result[name] = peak(saliency(signal, size), size);
    draw(result, () => {
      // one style for the example and live maps: |signal|, the largest over the colour channels, in
      // grey scaled to its maximum (as export.py writes the example's PNGs and the CLI's "map")
      for (const name of ["gradient", "guided", "deconvnet"]) grey(views[name].canvas, saliency(maps[name], size), size);
    });
    box.querySelector(".inn-vis__maps").dataset.inferenceMs = ms.toFixed(3);
    box.querySelector(".inn-vis__maps").dataset.runs = String(++runs);
    ctx.status(`${scene.source}: classifier, explanation graph and ${n} occluded copies in one batch — ${ms.toFixed(0)} ms in your browser.`);
  }, ctx.error);

  for (const input of [target, layer, channel, patch.input, stride.input]) input.addEventListener("change", run);
  onScene(box, (scene) => { if (scene.source !== "golden") run(); });

  // ---- until the models are ready: the golden example computed at export ----------------------------
  const golden = sidecar.golden[0];
  const out = golden.output;
  const loadMap = async (canvas, png) => {
    const { rgba } = await decodePng(png);
    paint(canvas, size, size, (i) => [rgba[4 * i], rgba[4 * i + 1], rgba[4 * i + 2]]);
  };
  draw({ ...out, target: out.top, layer: prep.layer, channel: prep.channel, patch: prep.patch, stride: prep.stride },
    () => Promise.all(["gradient", "guided", "deconvnet"].map((name) => loadMap(views[name].canvas, out[name].png))).catch(ctx.error));
  ctx.status(`Example: a held-out ${golden.input.label}, as computed at export. Change the scene or a setting to run the models in your browser.`);
  offerGoldenScene(golden.input.png, ctx.error);
  // The reader's first touch of the box loads the models and runs them once: when that touch also
  // changes the scene, the scene's own run is the one (it starts in the same event, before this timer).
  ctx.whenNeeded(() => setTimeout(() => { if (!run.busy() && !runs) run(); }, 0));
}
