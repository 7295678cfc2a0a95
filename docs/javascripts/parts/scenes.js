// Generated scenes in the page — the JavaScript twin of demos/common/detection.py's make_scene and
// make_hard_scene (shapes, backgrounds, textures), shared by the scene editor and the caption demo; the hard
// scene is numpy's algorithm draw for draw (tests/test_detection.py replays numpy's draws in Node).

import { iou } from "../detection.js";

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

/** size × size RGB (Float64Array, row-major) of colour `base` plus a linear ramp across x and down y,
 *  zero at the centre — every generated scene's background, as numpy computes it. */
export function gradient(size, base, xRamp, yRamp) {
  const rgb = new Float64Array(size * size * 3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      for (let k = 0; k < 3; k++) rgb[(y * size + x) * 3 + k] = base[k] + (x / size - 0.5) * xRamp[k] + (y / size - 0.5) * yRamp[k];
    }
  }
  return rgb;
}

/** A random background: colour, gentle gradient and clutter (thin lines, dots), as in make_scene. */
export function makeBackground(spec) {
  const size = spec.size;
  const base = [0, 1, 2].map(() => randInt(20, 236));
  const ramp = [0, 1].map(() => [0, 1, 2].map(() => uniform(-25, 25)));
  const rgb = gradient(size, base, ramp[0], ramp[1]);
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
  const rgb = gradient(size, base, ramp.slice(0, 3), ramp.slice(3));
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
