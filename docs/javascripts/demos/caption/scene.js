// The captioning scenes of demos/caption/data.py (scene / _layout / _clear), draw for draw: given the
// draws numpy's generator made for a seed, in the same order, captionScene paints the same pixels and
// objects (tests/test_caption_js.py replays them). In the page the draws come from Math.random
// (detection.js's mathRandom), so a new scene follows the training distribution without its seeds.

import { iou } from "../../detection.js";
import { gradient, insideShape, mathRandom, shapeBox } from "../../parts/scenes.js";

/** Is (colour, shape) one of the pairs held out of training? */
export function isNovel(spec, colour, shape) {
  return spec.novel_pairs.some(([c, s]) => c === colour && s === shape);
}

function clear(objects, relation, size) {
  const boxes = objects.map((o) => shapeBox(o.shape, o.cx, o.cy, o.r, size));
  for (let i = 0; i < boxes.length; i++) {
    for (let j = 0; j < i; j++) if (iou(boxes[i], boxes[j]) > 0) return false;
  }
  if (objects.length === 2) {
    const dx = Math.abs(objects[0].cx - objects[1].cx), dy = Math.abs(objects[0].cy - objects[1].cy);
    return relation === "horizontal" ? dx >= dy + 14 : dy >= dx + 14;
  }
  if (objects.length === 3) {
    const xs = objects.map((o) => o.cx).sort((a, b) => a - b);
    return xs[1] - xs[0] >= 12 && xs[2] - xs[1] >= 12;
  }
  return true;
}

/** 1–3 objects {colour, shape, size, r, cx, cy} in a clear relation, as data._layout draws them. */
export function layout(rng, spec, compositional = false) {
  const colours = Object.keys(spec.colours), sizes = Object.keys(spec.sizes);
  const count = rng.integers(1, 4);
  const relation = count === 2 ? ["horizontal", "vertical"][rng.integers(0, 2)] : "horizontal";
  for (let attempt = 0; attempt < 1000; attempt++) {
    const kinds = [];
    for (let k = 0; k < count; k++) {
      const colour = colours[rng.integers(0, colours.length)];
      const shape = spec.shapes[rng.integers(0, spec.shapes.length)];
      const size = sizes[rng.integers(0, sizes.length)];
      kinds.push({ colour, shape, size, r: rng.uniform(...spec.sizes[size]) });
    }
    const novel = kinds.some((o) => isNovel(spec, o.colour, o.shape));
    if (novel !== compositional) continue;
    const objects = kinds.map((o) => ({ ...o, cx: rng.uniform(o.r + 1, spec.size - o.r - 1),
      cy: rng.uniform(o.r + 1, spec.size - o.r - 1) }));
    if (clear(objects, relation, spec.size)) return objects;
  }
  throw new Error("no layout found");
}

/**
 * A scene from the draws of `rng` (numpy Generator interface): background, gentle gradient, the objects
 * (drawn by `layout`, or the given ones), uniform noise. Returns { rgba, objects } with each object's box.
 */
export function captionScene(spec, rng = mathRandom, { compositional = false, objects = null } = {}) {
  const size = spec.size;
  const base = rng.integers(200, 245, 3);
  const ramp = rng.uniform(-15, 15, 6);
  const rgb = gradient(size, base, ramp.slice(0, 3), ramp.slice(3));
  const placed = (objects ?? layout(rng, spec, compositional)).map((o) => ({ ...o }));
  for (const o of placed) {
    const colour = spec.colours[o.colour];
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) if (insideShape(o.shape, o.cx, o.cy, o.r, x, y)) rgb.set(colour, (y * size + x) * 3);
    }
    o.box = shapeBox(o.shape, o.cx, o.cy, o.r, size);
  }
  const noise = rng.integers(-spec.noise, spec.noise + 1, size * size * 3);
  const rgba = new Uint8ClampedArray(size * size * 4);
  for (let i = 0; i < size * size; i++) {
    for (let k = 0; k < 3; k++) rgba[4 * i + k] = Math.floor(Math.min(Math.max(rgb[3 * i + k] + noise[3 * i + k], 0), 255));
    rgba[4 * i + 3] = 255;
  }
  return { rgba, objects: placed };
}
