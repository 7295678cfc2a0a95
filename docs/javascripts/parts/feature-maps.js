// feature-maps — every convolutional layer's feature maps as a grid of small pictures, and, for the map
// the reader picks (click, tap, Enter), the kernels behind it: CNN Explainer's core view (Wang et al.
// 2020) on our own net. map = ReLU(bias + Σ_i input_i ⋆ kernel_i), each term shown.
//
//   import { convLayers, featureMaps } from "../parts/feature-maps.js";
//   const layers = convLayers(sidecar.models[0]);          // from the sidecar's outputs, no counts here
//   const view = featureMaps(container, layers);
//   view.draw(outputs, inputValues);                       // outputs: name → { data, dims } (ORT tensors)
//
// A layer is an output of shape (batch, C, H, W) named N with outputs N_weight (C, C_in, k, k) and
// N_bias (C); its input is the previous layer's maps, the first layer's is the model input.
// Everything above featureMaps() is pure (no DOM) and tested in Node (tests/test_feature_maps_js.py).

import { colour, drawHeatmap } from "./heatmap.js";

/** The conv layers of a model entry of the sidecar, in graph order. */
export function convLayers(model) {
  const byName = new Map(model.outputs.map((o) => [o.name, o]));
  const input = model.inputs[0];
  const layers = [];
  let previous = { name: input.name, channels: input.shape[1] };
  for (const out of model.outputs) {
    const weight = byName.get(`${out.name}_weight`), bias = byName.get(`${out.name}_bias`);
    if (out.shape.length !== 4 || !weight || !bias) continue;
    const [, channels, height, width] = out.shape;
    if (weight.shape[0] !== channels || weight.shape[1] !== previous.channels) {
      throw new Error(`${weight.name} has shape ${weight.shape.join("×")}, expected ${channels}×${previous.channels}×k×k`);
    }
    layers.push({ name: out.name, channels, height, width, kernel: weight.shape[2],
      weight: weight.name, bias: bias.name, input: previous });
    previous = { name: out.name, channels };
  }
  return layers;
}

/** Channel c of the first item of a (B, C, H, W) tensor's data, as a flat (H·W) array. */
export function channel(data, c, height, width) {
  const n = height * width;
  return Array.from(data.subarray ? data.subarray(c * n, (c + 1) * n) : data.slice(c * n, (c + 1) * n));
}

/** Zero-padded ("same") cross-correlation of an (H, W) map with a (k, k) kernel, as a conv layer does. */
export function correlate(map, height, width, kernel, k) {
  const pad = (k - 1) >> 1;
  const out = new Array(height * width).fill(0);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let s = 0;
      for (let dy = 0; dy < k; dy++) {
        const yy = y + dy - pad;
        if (yy < 0 || yy >= height) continue;
        for (let dx = 0; dx < k; dx++) {
          const xx = x + dx - pad;
          if (xx >= 0 && xx < width) s += map[yy * width + xx] * kernel[dy * k + dx];
        }
      }
      out[y * width + x] = s;
    }
  }
  return out;
}

/** How map `unit` of a layer is made from its input maps: one term per input channel, the sum, the map. */
export function explainUnit(layer, inputData, weightData, biasData, unit) {
  const { height, width, kernel: k } = layer;
  const cin = layer.input.channels;
  const terms = [];
  const sum = new Array(height * width).fill(biasData[unit]);
  for (let i = 0; i < cin; i++) {
    const input = channel(inputData, i, height, width);
    const start = (unit * cin + i) * k * k;
    const kernel = Array.from(weightData.slice(start, start + k * k));
    const contribution = correlate(input, height, width, kernel, k);
    contribution.forEach((v, j) => { sum[j] += v; });
    terms.push({ input, kernel, contribution, weight: contribution.reduce((a, v) => a + Math.abs(v), 0) });
  }
  return { terms, bias: biasData[unit], sum, map: sum.map((v) => Math.max(0, v)) };
}

/** Largest value of a flat map and where it is: { value, row, col }. */
export function strongest(map, width) {
  let best = 0;
  for (let i = 1; i < map.length; i++) if (map[i] > map[best]) best = i;
  return { value: map[best], row: Math.floor(best / width), col: best % width };
}

const maxAbs = (arrays) => Math.max(1e-12, ...arrays.map((a) => Math.max(...a.map(Math.abs))));
const fmt = (v) => (Math.abs(v) < 0.005 ? "0" : v.toFixed(2));

// ---- drawing (DOM) -----------------------------------------------------------------------------

/** Paint a flat (rows × cols) array onto a canvas with one backing pixel per cell (CSS scales it). */
function thumbnail(canvas, values, rows, cols, min, max, scheme) {
  canvas.width = cols;
  canvas.height = rows;
  const g = canvas.getContext("2d");
  values.forEach((v, i) => { g.fillStyle = colour(v, min, max, scheme); g.fillRect(i % cols, Math.floor(i / cols), 1, 1); });
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text != null) node.textContent = text;
  return node;
}

/** The grids and the detail view inside `container`; returns { draw(outputs, input), select(layer, unit) }. */
export function featureMaps(container, layers, { inputLabel = "input" } = {}) {
  const root = element("div", "inn-fmaps");
  const grids = layers.map((layer) => {
    const fig = element("figure", "inn-fmaps__layer");
    const caption = element("figcaption", "inn-fmaps__caption");
    const grid = element("div", "inn-fmaps__grid");
    grid.setAttribute("role", "group");
    const buttons = Array.from({ length: layer.channels }, (_, c) => {
      const b = element("button", "inn-fmaps__map");
      b.type = "button";
      b.tabIndex = -1;
      const canvas = element("canvas");
      canvas.setAttribute("aria-hidden", "true");
      b.append(canvas, element("span", "inn-fmaps__index", String(c)));
      b.addEventListener("click", () => select(layer.name, c, true));
      grid.append(b);
      return b;
    });
    grid.addEventListener("keydown", (event) => moveFocus(event, layer, buttons));
    fig.append(grid, caption);
    return { layer, fig, caption, grid, buttons };
  });
  const detail = element("figure", "inn-fmaps__detail");
  const detailCaption = element("figcaption", "inn-fmaps__caption");
  const equation = element("div", "inn-fmaps__equation");
  const result = element("canvas", "inn-fmaps__result");
  const terms = element("div", "inn-fmaps__terms");
  const work = element("div", "inn-fmaps__work");
  work.append(result, terms);
  detail.append(equation, work, detailCaption);
  root.append(...grids.map((g) => g.fig), detail);
  container.append(root);
  grids[0].buttons[0].tabIndex = 0;

  let last = null;
  let picked = { layer: layers.at(-1).name, unit: 0 };

  function moveFocus(event, layer, buttons) {
    const at = buttons.indexOf(document.activeElement);
    if (at < 0) return;
    const perRow = Math.max(1, Math.round(buttons[0].parentElement.clientWidth / (buttons[0].offsetWidth || 1)));
    const step = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: perRow, ArrowUp: -perRow, Home: -at, End: buttons.length - 1 - at }[event.key];
    if (step == null) return;
    event.preventDefault();
    const next = Math.min(buttons.length - 1, Math.max(0, at + step));
    buttons[at].tabIndex = -1;
    buttons[next].tabIndex = 0;
    buttons[next].focus();
  }

  function draw(outputs, input) {
    last = { outputs, input };
    for (const { layer, caption, grid, buttons } of grids) {
      const data = outputs[layer.name].data;
      const maps = buttons.map((_, c) => channel(data, c, layer.height, layer.width));
      const top = Math.max(1e-12, ...maps.map((m) => Math.max(...m)));
      let busiest = 0;
      maps.forEach((m, c) => {
        const s = strongest(m, layer.width);
        if (s.value > strongest(maps[busiest], layer.width).value) busiest = c;
        thumbnail(buttons[c].querySelector("canvas"), m, layer.height, layer.width, 0, top, "sequential");
        buttons[c].setAttribute("aria-label", `${layer.name} map ${c}: strongest ${fmt(s.value)} at row ${s.row}, column ${s.col}. Enter shows its kernels.`);
      });
      const silent = maps.filter((m) => Math.max(...m) <= 0).length;
      grid.setAttribute("aria-label", `${layer.name}: ${layer.channels} feature maps`);
      caption.textContent = `${layer.name}: ${layer.channels} maps of ${layer.height}×${layer.width} after ReLU, one colour scale 0–${fmt(top)} (dark to bright). `
        + `Strongest: map ${busiest}; ${silent} of ${layer.channels} silent for this input. Pick a map to see its kernels.`;
    }
    select(picked.layer, picked.unit, false);
  }

  function select(layerName, unit, focus) {
    picked = { layer: layerName, unit };
    for (const { layer, buttons } of grids) {
      buttons.forEach((b, c) => {
        const on = layer.name === layerName && c === unit;
        b.setAttribute("aria-pressed", String(on));
        if (on && focus) { grids.forEach((g) => g.buttons.forEach((x) => { x.tabIndex = -1; })); b.tabIndex = 0; }
      });
    }
    if (!last) return;
    const layer = layers.find((l) => l.name === layerName);
    const { outputs, input } = last;
    const inputData = layer.input.name === layers[0].input.name ? input : outputs[layer.input.name].data;
    const how = explainUnit(layer, inputData, outputs[layer.weight].data, outputs[layer.bias].data, unit);
    const inputName = layer.input.name === layers[0].input.name ? inputLabel : layer.input.name;
    equation.textContent = `${layer.name} map ${unit} = ReLU(bias ${fmt(how.bias)} + Σ over ${how.terms.length} ${inputName} map${how.terms.length > 1 ? "s" : ""} ⋆ its ${layer.kernel}×${layer.kernel} kernel)`;
    drawHeatmap(result, { values: how.map, rows: layer.height, cols: layer.width, min: 0, cell: 14,
      title: `${layer.name} map ${unit}`, rowLabel: "row", colLabel: "column" });
    const kMax = maxAbs(how.terms.map((t) => t.kernel));
    const cMax = maxAbs(how.terms.map((t) => t.contribution));
    const iMax = Math.max(1e-12, ...how.terms.map((t) => Math.max(...t.input)));
    const order = how.terms.map((_, i) => i).sort((a, b) => how.terms[b].weight - how.terms[a].weight);
    terms.replaceChildren(...order.map((i) => {
      const t = how.terms[i];
      const row = element("div", "inn-fmaps__termrow");
      const cells = [[t.input, layer.height, layer.width, 0, iMax, "sequential", `${inputName} map ${i}`],
        [t.kernel, layer.kernel, layer.kernel, -kMax, kMax, "diverging", `kernel ${i}: ${t.kernel.map(fmt).join(", ")}`],
        [t.contribution, layer.height, layer.width, -cMax, cMax, "diverging", `part from ${inputName} map ${i}, total |part| ${fmt(t.weight)}`]];
      cells.forEach(([values, rows, cols, min, max, scheme, label], n) => {
        const canvas = element("canvas");
        thumbnail(canvas, values, rows, cols, min, max, scheme);
        canvas.setAttribute("role", "img");
        canvas.setAttribute("aria-label", label);
        row.append(canvas, element("span", "inn-fmaps__op", ["⋆", "→", ""][n]));
      });
      row.prepend(element("span", "inn-fmaps__index", String(i)));
      return row;
    }));
    const s = strongest(how.map, layer.width);
    const main = order[0];
    detailCaption.textContent = `${layer.name} map ${unit}: strongest ${fmt(s.value)} at row ${s.row}, column ${s.col}. `
      + `Each row: a ${inputName} map ⋆ its kernel (blue negative, red positive, ±${fmt(kMax)}) → what it adds (±${fmt(cMax)}); the largest part first: ${inputName} map ${main}.`;
    result.setAttribute("role", "img");
    result.setAttribute("aria-label", `${layer.name} map ${unit} for this input, strongest ${fmt(s.value)} at row ${s.row}, column ${s.col}`);
  }

  return { draw, select: (name, unit) => select(name, unit, false), element: root };
}
