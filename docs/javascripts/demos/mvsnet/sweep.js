// mvsnet/sweep — the classical plane sweep with winner-take-all, step for step the algorithm of
// demos/mvsnet/planesweep.py (read its docstring): grey views, bilinear warping onto each depth plane
// (zeros outside, grid_sample's rule), 1 − NCC over a (2r + 1)² window averaged over the source views,
// the plane of least cost. Float64 throughout, the same order of operations; compared in Node
// (tests/test_mvsnet_js.py). No DOM.

import { relative } from "./geometry.js";

/** RGBA or RGB bytes (channels 4 or 3) → Float64Array grey in [0, 1]: (R + G + B) / 3 / 255. */
export function grey(pixels, channels = 4) {
  const n = pixels.length / channels;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const k = channels * i;
    out[i] = (pixels[k] + pixels[k + 1] + pixels[k + 2]) / 3 / 255;
  }
  return out;
}

/** Where each reference pixel at `depth` lands in a view: { x, y } (Float64Array H·W); behind → −1e9. */
export function warpCoords(rot, trans, depth, h, w) {
  const x = new Float64Array(h * w), y = new Float64Array(h * w);
  for (let r = 0; r < h; r++) {
    for (let c = 0; c < w; c++) {
      const px = rot[0][0] * c + rot[0][1] * r + rot[0][2];
      const py = rot[1][0] * c + rot[1][1] * r + rot[1][2];
      const pz = rot[2][0] * c + rot[2][1] * r + rot[2][2];
      const X = px * depth + trans[0], Y = py * depth + trans[1], Z = pz * depth + trans[2];
      const front = Z > 1e-6;
      x[r * w + c] = front ? X / Z : -1e9;
      y[r * w + c] = front ? Y / Z : -1e9;
    }
  }
  return { x, y };
}

/** Bilinear samples of a channels-deep H×W image at (x, y), zeros outside, as planesweep.sample. */
export function sample(image, h, w, x, y, channels = 1) {
  const out = new Float64Array(x.length * channels);
  for (let i = 0; i < x.length; i++) {
    const x0 = Math.floor(x[i]), y0 = Math.floor(y[i]);
    const fx = x[i] - x0, fy = y[i] - y0;
    for (let ch = 0; ch < channels; ch++) {
      let acc = 0;
      for (const [dy, wy] of [[0, 1 - fy], [1, fy]]) {
        for (const [dx, wx] of [[0, 1 - fx], [1, fx]]) {
          const xi = x0 + dx, yi = y0 + dy;
          const inside = xi >= 0 && xi < w && yi >= 0 && yi < h ? 1 : 0;
          const v = image[(Math.min(Math.max(yi, 0), h - 1) * w + Math.min(Math.max(xi, 0), w - 1)) * channels + ch];
          acc = acc + v * (wx * wy * inside);
        }
      }
      out[i * channels + ch] = acc;
    }
  }
  return out;
}

/** Mean over the (2r + 1)² window around each pixel, clipped at the borders (integral image). */
export function boxMean(a, h, w, r) {
  const W1 = w + 1;
  const s = new Float64Array((h + 1) * W1);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) s[(y + 1) * W1 + x + 1] = s[y * W1 + x + 1] + a[y * w + x];
  for (let y = 1; y <= h; y++) for (let x = 1; x <= w; x++) s[y * W1 + x] = s[y * W1 + x - 1] + s[y * W1 + x];
  const out = new Float64Array(h * w);
  for (let y = 0; y < h; y++) {
    const y0 = Math.max(y - r, 0), y1 = Math.min(y + r + 1, h);
    for (let x = 0; x < w; x++) {
      const x0 = Math.max(x - r, 0), x1 = Math.min(x + r + 1, w);
      const total = s[y1 * W1 + x1] - s[y0 * W1 + x1] - s[y1 * W1 + x0] + s[y0 * W1 + x0];
      out[y * w + x] = total / ((y1 - y0) * (x1 - x0));
    }
  }
  return out;
}

const times = (a, b) => a.map((v, i) => v * b[i]);

export function ncc(a, b, h, w, r, eps) {
  const ma = boxMean(a, h, w, r), mb = boxMean(b, h, w, r);
  const aa = boxMean(times(a, a), h, w, r), bb = boxMean(times(b, b), h, w, r), ab = boxMean(times(a, b), h, w, r);
  return ma.map((_, i) => {
    const va = aa[i] - ma[i] * ma[i], vb = bb[i] - mb[i] * mb[i], cov = ab[i] - ma[i] * mb[i];
    return cov / Math.sqrt(Math.max(va, 0) * Math.max(vb, 0) + eps);
  });
}

/** greys: one Float64Array per view (view 0 the reference) → cost volume, D Float64Arrays of H·W. */
export function costVolume(greys, h, w, K, R, t, depths, r, eps) {
  const { rot, trans } = relative(K, R, t, 1.0);
  return depths.map((d) => {
    const cost = new Float64Array(h * w);
    for (let i = 1; i < greys.length; i++) {
      const { x, y } = warpCoords(rot[i], trans[i], d, h, w);
      const score = ncc(greys[0], sample(greys[i], h, w, x, y), h, w, r, eps);
      for (let p = 0; p < cost.length; p++) cost[p] += 1 - score[p];
    }
    for (let p = 0; p < cost.length; p++) cost[p] /= greys.length - 1;
    return cost;
  });
}

/** Winner-take-all: { index: Int32Array, depth: Float64Array, cost } — the first plane on ties. */
export function planeSweep(greys, h, w, K, R, t, depths, r, eps) {
  const cost = costVolume(greys, h, w, K, R, t, depths, r, eps);
  const index = new Int32Array(h * w), depth = new Float64Array(h * w);
  for (let p = 0; p < h * w; p++) {
    let best = 0;
    for (let k = 1; k < depths.length; k++) if (cost[k][p] < cost[best][p]) best = k;
    index[p] = best;
    depth[p] = depths[best];
  }
  return { index, depth, cost };
}

/** A source view (RGBA bytes) warped onto the reference at one depth: RGBA bytes for a canvas. */
export function warpedView(rgba, h, w, rot, trans, depth) {
  const { x, y } = warpCoords(rot, trans, depth, h, w);
  const rgb = sample(rgba, h, w, x, y, 4);
  const out = new Uint8ClampedArray(h * w * 4);
  for (let i = 0; i < h * w; i++) {
    for (let c = 0; c < 3; c++) out[4 * i + c] = Math.round(rgb[4 * i + c]);
    out[4 * i + 3] = 255;
  }
  return out;
}
