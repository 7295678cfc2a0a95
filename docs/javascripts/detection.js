// Object detection shared by the yolo and rcnn demos — the JavaScript twin of
// demos/common/detection.py and of the warping and box regression in demos/rcnn/proposals.py, step for step, so that the page and
// `python -m demos run` give the same boxes (tests/test_detection.py runs both on the golden outputs).
//
// Boxes are [x0, y0, x1, y1] in pixels of the 64×64 scene, x1/y1 exclusive.

import { slider } from "./parts/scene-editor.js";

// The scene editor moved to parts/scene-editor.js; re-exported for the demos that import it from here.
export { currentScene, onScene, sceneEditor, setScene, slider } from "./parts/scene-editor.js";

/** IoU of two boxes. */
export function iou(a, b) {
  const w = Math.max(Math.min(a[2], b[2]) - Math.max(a[0], b[0]), 0);
  const h = Math.max(Math.min(a[3], b[3]) - Math.max(a[1], b[1]), 0);
  const inter = w * h;
  const union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter;
  return union > 0 ? inter / union : 0;
}

export function checkThreshold(name, value) {
  if (!(value >= 0 && value <= 1)) throw new Error(`${name} must lie in [0, 1], got ${value}`);
  return value;
}

/** Greedy per-class NMS: indices of kept boxes, best first (ties: lower index first). */
export function nms(boxes, scores, labels, iouThreshold) {
  checkThreshold("the NMS IoU threshold", iouThreshold);
  const order = scores.map((_, i) => i).sort((i, j) => scores[j] - scores[i]); // stable sort
  const kept = [];
  for (const i of order) {
    if (kept.every((k) => labels[k] !== labels[i] || iou(boxes[i], boxes[k]) <= iouThreshold)) kept.push(i);
  }
  return kept;
}

/** One image's YOLO grid (flat S·S·(5B+C), row-major) → candidate boxes scoring ≥ confidence, cell order. */
export function decodeYolo(grid, s, b, classes, confidence, size) {
  checkThreshold("the confidence threshold", confidence);
  const depth = 5 * b + classes;
  const out = { boxes: [], scores: [], labels: [], cells: [] };
  for (let row = 0; row < s; row++) {
    for (let col = 0; col < s; col++) {
      const base = (row * s + col) * depth;
      let label = 0;
      for (let c = 1; c < classes; c++) if (grid[base + 5 * b + c] > grid[base + 5 * b + label]) label = c;
      const prob = grid[base + 5 * b + label];
      for (let j = 0; j < b; j++) {
        const p = base + 5 * j;
        const score = grid[p + 4] * prob;
        if (!(score >= confidence)) continue;
        const cx = ((col + grid[p]) / s) * size, cy = ((row + grid[p + 1]) / s) * size;
        const w = grid[p + 2] * size, h = grid[p + 3] * size;
        out.boxes.push([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2]);
        out.scores.push(score);
        out.labels.push(label);
        out.cells.push([row, col, j]);
      }
    }
  }
  return out;
}

/** Keep the entries of a decoded set at the given indices. */
export function pick(found, indices) {
  const out = {};
  for (const key of Object.keys(found)) out[key] = indices.map((i) => found[key][i]);
  return out;
}

// ---- scenes ------------------------------------------------------------------------------------

/** Is the centre of pixel (x, y) inside a shape? Same rules as demos.common.detection.shape_mask. */
export function insideShape(kind, cx, cy, r, x, y) {
  const px = x + 0.5 - cx, py = y + 0.5 - cy;
  if (kind === "circle") return px * px + py * py <= r * r;
  if (kind === "square") return Math.abs(px) <= 0.85 * r && Math.abs(py) <= 0.85 * r;
  if (kind === "triangle") return py >= -r && py <= r && Math.abs(px) <= (py + r) / 2;
  if (kind === "cross") {
    const arm = r / 3;
    return (Math.abs(px) <= r && Math.abs(py) <= arm) || (Math.abs(py) <= r && Math.abs(px) <= arm);
  }
  throw new Error(`unknown shape ${kind}`);
}

/** Tight box of a shape's pixels, or null if it covers none. */
export function shapeBox(kind, cx, cy, r, size) {
  let x0 = size, y0 = size, x1 = -1, y1 = -1;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      if (insideShape(kind, cx, cy, r, x, y)) {
        x0 = Math.min(x0, x); y0 = Math.min(y0, y); x1 = Math.max(x1, x); y1 = Math.max(y1, y);
      }
    }
  }
  return x1 < 0 ? null : [x0, y0, x1 + 1, y1 + 1];
}

const randInt = (lo, hi) => lo + Math.floor(Math.random() * (hi - lo)); // [lo, hi)
const uniform = (lo, hi) => lo + Math.random() * (hi - lo);

/** A random background: colour, gentle gradient and clutter (thin lines, dots), as in make_scene. */
export function makeBackground(spec) {
  const size = spec.size;
  const base = [0, 1, 2].map(() => randInt(20, 236));
  const ramp = [0, 1].map(() => [0, 1, 2].map(() => uniform(-25, 25)));
  const rgb = new Float64Array(size * size * 3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      for (let k = 0; k < 3; k++) {
        rgb[(y * size + x) * 3 + k] = base[k] + (x / size - 0.5) * ramp[0][k] + (y / size - 0.5) * ramp[1][k];
      }
    }
  }
  const clutter = randInt(2, 6);
  for (let n = 0; n < clutter; n++) {
    const colour = [0, 1, 2].map(() => randInt(0, 256));
    const line = Math.random() < 0.5;
    const [x0, y0, x1, y1] = [0, 1, 2, 3].map(() => uniform(0, size));
    const radius = uniform(1, 2.2);
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const px = x + 0.5, py = y + 0.5;
        let dist;
        if (line) {
          const len2 = (x1 - x0) ** 2 + (y1 - y0) ** 2 + 1e-18;
          const t = Math.min(Math.max(((px - x0) * (x1 - x0) + (py - y0) * (y1 - y0)) / len2, 0), 1);
          dist = Math.hypot(px - (x0 + t * (x1 - x0)), py - (y0 + t * (y1 - y0)));
        } else {
          dist = Math.hypot(px - x0, py - y0);
        }
        if (dist <= (line ? 0.6 : radius)) rgb.set(colour, (y * size + x) * 3);
      }
    }
  }
  return { base, rgb };
}

/** A colour that differs from the background by at least `contrast` in some channel. */
export function farColour(base, contrast) {
  for (;;) {
    const colour = [0, 1, 2].map(() => randInt(0, 256));
    if (colour.some((v, k) => Math.abs(v - base[k]) >= contrast)) return colour;
  }
}

/** Paint shapes [{kind, cx, cy, r, colour}] over a background and add noise → RGBA pixels + boxes. */
export function renderScene(background, shapes, spec) {
  const size = spec.size;
  const rgb = Float64Array.from(background.rgb);
  for (const s of shapes) {
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        if (insideShape(s.kind, s.cx, s.cy, s.r, x, y)) rgb.set(s.colour, (y * size + x) * 3);
      }
    }
  }
  const rgba = new Uint8ClampedArray(size * size * 4);
  for (let i = 0; i < size * size; i++) {
    for (let k = 0; k < 3; k++) {
      const v = rgb[3 * i + k] + randInt(-spec.noise, spec.noise + 1);
      rgba[4 * i + k] = Math.floor(Math.min(Math.max(v, 0), 255)); // clip, then truncate like numpy's astype
    }
    rgba[4 * i + 3] = 255;
  }
  return rgba;
}

/** Random shapes like make_scene: 1..max_objects, radius range, boxes overlapping at most max_overlap. */
export function randomShapes(background, spec) {
  const count = randInt(1, spec.max_objects + 1);
  const shapes = [];
  for (let attempt = 0; attempt < 200 && shapes.length < count; attempt++) {
    const kind = spec.classes[randInt(0, spec.classes.length)];
    const r = uniform(spec.radius[0], spec.radius[1]);
    const cx = uniform(r + 1, spec.size - r - 1), cy = uniform(r + 1, spec.size - r - 1);
    const box = shapeBox(kind, cx, cy, r, spec.size);
    if (shapes.some((s) => iou(s.box, box) > spec.max_overlap)) continue;
    shapes.push({ kind, cx, cy, r, box, colour: farColour(background.base, spec.min_contrast) });
  }
  return shapes;
}

// ---- harder scenes: make_hard_scene / hard_scene of demos/common/detection.py, draw for draw ---------------

/** Math.random behind the interface of a numpy Generator (integers and uniform: one value, or `n` of them). */
export const mathRandom = {
  integers: (lo, hi, n) => (n === undefined ? randInt(lo, hi) : Array.from({ length: n }, () => randInt(lo, hi))),
  uniform: (lo, hi, n) => (n === undefined ? uniform(lo, hi) : Array.from({ length: n }, () => uniform(lo, hi))),
  random: () => Math.random(),
};

/** Python's float floor division (CPython's float_floor_div, which numpy's floor_divide follows). */
function floorDiv(a, b) {
  const mod = a % b;
  let div = (a - mod) / b;
  if (mod && (b < 0) !== (mod < 0)) div -= 1;
  const floor = Math.floor(div);
  return div - floor > 0.5 ? floor + 1 : floor;
}

function texture(rng, size) {
  const out = new Float64Array(size * size);
  if (rng.random() < 0.5) {
    const angle = rng.uniform(0, Math.PI), period = rng.uniform(4, 12);
    const c = Math.cos(angle), s = Math.sin(angle);
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) out[y * size + x] = Math.sin((2 * Math.PI * ((x + 0.5) * c + (y + 0.5) * s)) / period);
    }
    return out;
  }
  const coarse = rng.uniform(-1, 1, 25);
  const i0 = [], f = [];
  for (let i = 0; i < size; i++) {
    const idx = (i * 4) / (size - 1);
    i0.push(Math.min(Math.floor(idx), 3));
    f.push(idx - i0[i]);
  }
  for (let y = 0; y < size; y++) {
    const row = (k) => coarse[i0[y] * 5 + k] * (1 - f[y]) + coarse[(i0[y] + 1) * 5 + k] * f[y];
    for (let x = 0; x < size; x++) out[y * size + x] = row(i0[x]) * (1 - f[x]) + row(i0[x] + 1) * f[x];
  }
  return out;
}

function farColourFrom(rng, base, contrast) {
  for (;;) {
    const colour = rng.integers(0, 256, 3);
    if (colour.some((v, k) => Math.abs(v - base[k]) >= contrast)) return colour;
  }
}

/**
 * A harder scene (the sidecar's hard_scene doc says what makes it hard) from the draws of `rng` — the
 * same draws, in the same order, as demos.common.detection.hard_scene, so the same draws give the same
 * scene. Returns { rgba, boxes, labels }.
 */
export function makeHardScene(spec, hard, rng = mathRandom, objects = null) {
  const size = spec.size, classes = spec.classes;
  const count = objects === null ? rng.integers(1, spec.max_objects + 1) : objects;
  const base = rng.integers(40, 216, 3);
  const ramp = rng.uniform(-60, 60, 6);
  const rgb = new Float64Array(size * size * 3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      for (let k = 0; k < 3; k++) {
        rgb[(y * size + x) * 3 + k] = base[k] + (x / size - 0.5) * ramp[k] + (y / size - 0.5) * ramp[3 + k];
      }
    }
  }
  const tex = texture(rng, size);
  const amplitude = rng.uniform(10, 30, 3);
  rgb.forEach((v, i) => { rgb[i] = v + tex[Math.floor(i / 3)] * amplitude[i % 3]; });
  let owner = new Int32Array(size * size).fill(-1);
  const areas = [], labels = [];
  let last = null;
  for (let attempt = 0; attempt < 200 && labels.length < count; attempt++) {
    const kind = rng.integers(0, classes.length), r = rng.uniform(spec.radius[0], spec.radius[1]);
    let cx, cy, look;
    if (last !== null && rng.random() < 0.35) {      // touch the previous object, same colour and texture
      const angle = rng.uniform(0, 2 * Math.PI);
      const distance = (last.r + r) * rng.uniform(0.85, 1.0);
      cx = last.cx + distance * Math.cos(angle);
      cy = last.cy + distance * Math.sin(angle);
      look = last.look;
      if (!(r + 1 <= cx && cx <= size - r - 1 && r + 1 <= cy && cy <= size - r - 1)) continue;
    } else {
      [cx, cy] = rng.uniform(r + 1, size - r - 1, 2);
      const pattern = ["solid", "stripes", "checks"][rng.integers(0, 3)];
      look = { pattern, first: farColourFrom(rng, base, spec.min_contrast), second: farColourFrom(rng, base, spec.min_contrast),
        period: rng.uniform(3, 6) };
    }
    const after = Int32Array.from(owner);
    const mask = [];
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        if (insideShape(classes[kind], cx, cy, r, x, y)) { mask.push(y * size + x); after[y * size + x] = labels.length; }
      }
    }
    const visible = new Array(labels.length).fill(0);
    for (const o of after) if (o >= 0 && o < labels.length) visible[o]++;
    if (visible.some((v, k) => v < (1 - hard.max_occlusion) * areas[k])) continue;   // would hide too much
    for (const i of mask) {
      const x = i % size, y = (i - x) / size;
      const u = floorDiv(x + 0.5 - cx, look.period), v = floorDiv(y + 0.5 - cy, look.period);
      const odd = look.pattern === "stripes" ? ((u % 2) + 2) % 2 === 1 : look.pattern === "checks" ? (((u + v) % 2) + 2) % 2 === 1 : false;
      rgb.set(odd ? look.second : look.first, 3 * i);
    }
    owner = after;
    areas.push(mask.length);
    labels.push(kind);
    last = { cx, cy, r, look };
  }
  const noise = rng.integers(-spec.noise, spec.noise + 1, size * size * 3);
  const rgba = new Uint8ClampedArray(size * size * 4);
  for (let i = 0; i < size * size; i++) {
    for (let k = 0; k < 3; k++) rgba[4 * i + k] = Math.floor(Math.min(Math.max(rgb[3 * i + k] + noise[3 * i + k], 0), 255));
    rgba[4 * i + 3] = 255;
  }
  const boxes = labels.map((_, k) => {
    let x0 = size, y0 = size, x1 = 0, y1 = 0;
    owner.forEach((o, i) => {
      if (o !== k) return;
      const x = i % size, y = (i - x) / size;
      x0 = Math.min(x0, x); y0 = Math.min(y0, y); x1 = Math.max(x1, x + 1); y1 = Math.max(y1, y + 1);
    });
    return [x0, y0, x1, y1];
  });
  return { rgba, boxes, labels };
}

// ---- R-CNN warping and box regression (its proposals: demos/rcnn/selective-search.js) --------------

/** Every box widened by context and resampled bilinearly to size×size: Float32Array (K, 3, size, size). */
export function warp(rgba, width, height, boxes, size, context) {
  const out = new Float32Array(boxes.length * 3 * size * size);
  const at = (y, x, k) => Math.fround(rgba[4 * (y * width + x) + k] / 255);
  boxes.forEach(([bx0, by0, bx1, by1], n) => {
    const bw = bx1 - bx0, bh = by1 - by0;
    const x0 = bx0 - context * bw, x1 = bx1 + context * bw;
    const y0 = by0 - context * bh, y1 = by1 + context * bh;
    for (let i = 0; i < size; i++) {
      const sy = Math.min(Math.max(y0 + ((i + 0.5) / size) * (y1 - y0) - 0.5, 0), height - 1);
      const iy = Math.floor(sy), jy = Math.min(iy + 1, height - 1), fy = sy - iy;
      for (let j = 0; j < size; j++) {
        const sx = Math.min(Math.max(x0 + ((j + 0.5) / size) * (x1 - x0) - 0.5, 0), width - 1);
        const ix = Math.floor(sx), jx = Math.min(ix + 1, width - 1), fx = sx - ix;
        for (let k = 0; k < 3; k++) {
          const top = at(iy, ix, k) * (1 - fx) + at(iy, jx, k) * fx;
          const bottom = at(jy, ix, k) * (1 - fx) + at(jy, jx, k) * fx;
          out[((n * 3 + k) * size + i) * size + j] = top * (1 - fy) + bottom * fy;
        }
      }
    }
  });
  return out;
}

/** Proposals moved by R-CNN box deltas [dx, dy, dw, dh] — as demos.rcnn.proposals.regress. */
export function regress(boxes, deltas) {
  return boxes.map(([x0, y0, x1, y1], i) => {
    const [dx, dy, dw, dh] = deltas[i];
    const pw = x1 - x0, ph = y1 - y0;
    const cx = (x0 + x1) / 2 + pw * dx, cy = (y0 + y1) / 2 + ph * dy;
    const w = pw * Math.exp(dw), h = ph * Math.exp(dh);
    return [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2];
  });
}

/** RGBA pixels → (1, 3, H, W) Float32Array in [0, 1], the detectors' input layout. */
export function toChw(rgba, width, height) {
  const out = new Float32Array(3 * width * height);
  for (let i = 0; i < width * height; i++) {
    for (let k = 0; k < 3; k++) out[k * width * height + i] = rgba[4 * i + k] / 255;
  }
  return out;
}

/** RGBA pixels of a PNG given as base64 (the sidecars' golden scenes). */
export async function decodePng(base64, size) {
  const image = new Image();
  image.src = `data:image/png;base64,${base64}`;
  await image.decode();
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = size;
  const pen = canvas.getContext("2d", { willReadFrequently: true });
  pen.drawImage(image, 0, 0);
  return pen.getImageData(0, 0, size, size).data;
}


/**
 * The controls both detectors share: confidence and NMS IoU sliders (from the sidecar's options), an
 * overlay checkbox, a summary line, the list of kept boxes (its data-* attributes carry results) and a
 * line saying how well the model did when it was measured (`measured`, built from the sidecar's metrics).
 */
export function detectionPanel(sidecar, checkboxLabel, measured) {
  const panel = document.createElement("div");
  panel.className = "inn-det__panel";
  const control = (key) => {  // label, range, step and default as the sidecar's "options" declare them
    const o = sidecar.options[key];
    return slider(o.label, o.min, o.max, o.step, o.default, (v) => v.toFixed(2));
  };
  const confidence = control("confidence");
  const overlap = control("nms_iou");
  const check = document.createElement("label");
  check.className = "inn-det__check";
  const overlay = Object.assign(document.createElement("input"), { type: "checkbox", checked: true });
  check.append(overlay, ` ${checkboxLabel}`);
  const summary = document.createElement("p");
  summary.className = "inn-det__summary";
  const list = document.createElement("ol");
  list.className = "inn-det__list";
  const note = document.createElement("p");
  note.className = "inn-det__measured";
  note.textContent = measured;
  panel.append(confidence.wrap, overlap.wrap, check, summary, list, note);
  return { panel, confidence, overlap, overlay, summary, list };
}

/** A share as a percentage with one decimal, as the generated snippets print it. */
export const percent = (share) => `${(100 * share).toFixed(1)}%`;

/** Colours of the classes on the overlays (readable on light and dark scenes alike, with an outline). */
export const CLASS_COLOURS = ["#ffeb3b", "#00e5ff", "#ff4081", "#76ff03", "#ff9100", "#e040fb"];

/** Draw a labelled box on an overlay; coordinates in scene pixels. */
export function drawBox(pen, box, scale, colour, label, { dashed = false, width = 2 } = {}) {
  const [x0, y0, x1, y1] = box.map((v) => v * scale);
  pen.save();
  pen.setLineDash(dashed ? [4, 3] : []);
  pen.lineWidth = width + 2;
  pen.strokeStyle = "rgba(0,0,0,0.7)";
  pen.strokeRect(x0, y0, x1 - x0, y1 - y0);
  pen.lineWidth = width;
  pen.strokeStyle = colour;
  pen.strokeRect(x0, y0, x1 - x0, y1 - y0);
  if (label) {
    pen.font = "bold 13px system-ui, sans-serif";
    const w = pen.measureText(label).width + 6;
    const top = y0 >= 16 ? y0 - 16 : y1;
    pen.fillStyle = "rgba(0,0,0,0.75)";
    pen.fillRect(x0, top, w, 16);
    pen.fillStyle = colour;
    pen.fillText(label, x0 + 3, top + 12);
  }
  pen.restore();
}
