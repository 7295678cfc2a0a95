// mvsnet/geometry — cameras → the matrices MVSNet and the plane sweep warp with, depth planes, and the
// page's statistics. The same arithmetic, in the same order, as demos/mvsnet/geometry.py and
// demos/mvsnet/evaluate.py (tests/test_mvsnet_js.py compares them in Node). No DOM.

/** 3×3 matrices as arrays of rows. */
export function matmul(a, b) {
  return a.map((row) => [0, 1, 2].map((j) => row[0] * b[0][j] + row[1] * b[1][j] + row[2] * b[2][j]));
}

export function matvec(a, v) {
  return a.map((row) => row[0] * v[0] + row[1] * v[1] + row[2] * v[2]);
}

export function transpose(a) {
  return [0, 1, 2].map((i) => [a[0][i], a[1][i], a[2][i]]);
}

/** The inverse from the adjugate, as geometry.inverse3; throws on a singular matrix. */
export function inverse3(m) {
  const [[a, b, c], [d, e, f], [g, h, i]] = m;
  const co = [[e * i - f * h, c * h - b * i, b * f - c * e],
    [f * g - d * i, a * i - c * g, c * d - a * f],
    [d * h - e * g, b * g - a * h, a * e - b * d]];
  const det = a * co[0][0] + b * co[1][0] + c * co[2][0];
  if (!Number.isFinite(det) || Math.abs(det) < 1e-9) throw new Error(`the camera matrix is singular (determinant ${det})`);
  return co.map((row) => row.map((v) => v / det));
}

/** K at scale s: pixel u of the image is s·u + (s − 1)/2 (at s = 1/2 the centre of feature pixel j is 2j + 0.5). */
export function scaled(K, s) {
  return matmul([[s, 0, (s - 1) / 2], [0, s, (s - 1) / 2], [0, 0, 1]], K);
}

/** { rot: V×3×3, trans: V×3 }: a reference pixel p at depth d lands at rot·p·d + trans in view i. */
export function relative(K, R, t, s) {
  const inv0 = inverse3(scaled(K[0], s));
  const rot = [], trans = [];
  for (let i = 0; i < K.length; i++) {
    const Ks = scaled(K[i], s);
    const Rrel = matmul(R[i], transpose(R[0]));
    rot.push(matmul(matmul(Ks, Rrel), inv0));
    const moved = matvec(Rrel, t[0]);
    trans.push(matvec(Ks, [0, 1, 2].map((k) => t[i][k] - moved[k])));
  }
  return { rot, trans };
}

/** count depths from lo to hi, as numpy.linspace (start + k·step, the last exactly hi). */
export function planes(lo, hi, count) {
  if (!(hi > lo) || !(lo > 0)) throw new Error(`depth range [${lo}, ${hi}] must have 0 < near < far`);
  const step = (hi - lo) / (count - 1);
  return Array.from({ length: count }, (_, k) => (k === count - 1 ? hi : lo + k * step));
}

/** RGBA bytes of a map encoded as the export's 16-bit PNG → Float64Array in [lo, hi], NaN where unknown. */
export function decode16(rgba, lo, hi) {
  const n = rgba.length / 4;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = rgba[4 * i + 2] < 128 ? NaN : lo + ((rgba[4 * i] * 256 + rgba[4 * i + 1]) / 65535) * (hi - lo);
  }
  return out;
}

/** As evaluate.stats: mean absolute error, share within one plane spacing, disparity within 3 px. */
export function stats(depth, truth, spacing, disparity = null) {
  let n = 0, sum = 0, within = 0, close = 0;
  for (let i = 0; i < truth.length; i++) {
    if (Number.isNaN(truth[i])) continue;
    const err = Math.abs(depth[i] - truth[i]);
    n += 1;
    sum += err;
    if (err <= spacing) within += 1;
    if (disparity) {
      const pred = disparity.focalBaseline / depth[i] - disparity.doffs;
      if (Math.abs(pred - disparity.truth[i]) / disparity.scale <= 3) close += 1;
    }
  }
  const out = { pixels: n, mean_abs_error: sum / n, within_one_plane: within / n };
  if (disparity) out.within_3px = close / n;
  return out;
}

/** Reference pixels at their depth as 3-D points in the reference camera's frame, turned for a y-up view
 *  (x right, y up, z towards the viewer: (x, −y, −z)), with their colours; `keep(p)` filters pixels. */
export function backProject(depth, K, h, w, rgba, keep = () => true) {
  const inv = inverse3(K);
  const positions = [], colours = [];
  for (let r = 0; r < h; r++) {
    for (let c = 0; c < w; c++) {
      const p = r * w + c;
      const d = depth[p];
      if (!Number.isFinite(d) || !keep(p)) continue;
      const ray = matvec(inv, [c, r, 1]);
      positions.push(ray[0] * d, -ray[1] * d, -ray[2] * d);
      colours.push(rgba[4 * p] / 255, rgba[4 * p + 1] / 255, rgba[4 * p + 2] / 255);
    }
  }
  return { positions: Float32Array.from(positions), colours: Float32Array.from(colours) };
}
