// Object detection shared by the yolo and rcnn demos — the JavaScript twin of
// demos/common/detection.py and of the warping and box regression in demos/rcnn/proposals.py, step for step, so that the page and
// `python -m demos run` give the same boxes (tests/test_detection.py runs both on the golden outputs).
//
// Boxes are [x0, y0, x1, y1] in pixels of the 64×64 scene, x1/y1 exclusive.

import { slider } from "./parts/scene-editor.js";

// The scene editor moved to parts/scene-editor.js; re-exported for the demos that import it from here.

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
