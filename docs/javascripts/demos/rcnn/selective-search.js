// Selective search for the rcnn demo — the JavaScript twin of demos/rcnn/selective_search.py, step for
// step (its docstring explains the algorithm): Felzenszwalb–Huttenlocher over-segmentation at several
// scales, then hierarchical grouping by colour + size + fill similarity; every region's box is a proposal.
// Every merge decision is an integer or one IEEE operation on integers, so the boxes equal Python's
// (tests/test_detection.py runs both on fixed scenes).
//
//   import { selectiveSearch } from "./rcnn/selective-search.js";
//   const boxes = selectiveSearch(rgba, 64, 64, sidecar.preprocessing.proposals);   // [[x0, y0, x1, y1], …]

/** 16 × the 3×3 binomial blur of the RGB channels (edge pixels repeat): Int32Array (H·W·3), exact. */
export function smooth(rgba, width, height) {
  const at = (x, y, k) => rgba[4 * (Math.min(Math.max(y, 0), height - 1) * width + Math.min(Math.max(x, 0), width - 1)) + k];
  const out = new Int32Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let k = 0; k < 3; k++) {
        const row = (dx) => at(x + dx, y - 1, k) + 2 * at(x + dx, y, k) + at(x + dx, y + 1, k);
        out[3 * (y * width + x) + k] = row(-1) + 2 * row(0) + row(1);
      }
    }
  }
  return out;
}

/** 8-neighbour edges {a, b, weight} (squared RGB distance of the smoothed pixels), stably sorted by weight. */
export function graph(rgba, width, height) {
  const s = smooth(rgba, width, height);
  const a = [], b = [];
  const add = (p, q) => { a.push(p); b.push(q); };
  for (let y = 0; y < height; y++) for (let x = 0; x < width - 1; x++) add(y * width + x, y * width + x + 1);
  for (let y = 0; y < height - 1; y++) for (let x = 0; x < width; x++) add(y * width + x, (y + 1) * width + x);
  for (let y = 0; y < height - 1; y++) for (let x = 0; x < width - 1; x++) add(y * width + x, (y + 1) * width + x + 1);
  for (let y = 1; y < height; y++) for (let x = 0; x < width - 1; x++) add(y * width + x, (y - 1) * width + x + 1);
  const weight = a.map((p, i) => {
    let sum = 0;
    for (let k = 0; k < 3; k++) sum += (s[3 * p + k] - s[3 * b[i] + k]) ** 2;
    return sum;
  });
  const order = weight.map((_, i) => i).sort((i, j) => weight[i] - weight[j]); // stable
  return { a: order.map((i) => a[i]), b: order.map((i) => b[i]), weight: order.map((i) => weight[i]) };
}

function root(parent, x) {
  while (parent[x] !== x) {
    parent[x] = parent[parent[x]];
    x = parent[x];
  }
  return x;
}

/** Region label of every pixel (Int32Array H·W), numbered in raster order of each region's first pixel. */
export function felzenszwalb(edges, width, height, scale, minSize) {
  const n = width * height;
  const parent = Int32Array.from({ length: n }, (_, i) => i);
  const size = new Int32Array(n).fill(1);
  const internal = new Float64Array(n);
  const join = (p, q, cost) => {
    const [lo, hi] = p < q ? [p, q] : [q, p];
    parent[hi] = lo;
    size[lo] += size[hi];
    if (cost !== null) internal[lo] = cost;
  };
  edges.a.forEach((a, i) => {
    const p = root(parent, a), q = root(parent, edges.b[i]);
    const cost = Math.sqrt(edges.weight[i]) / 16;
    if (p !== q && cost < Math.min(internal[p] + scale / size[p], internal[q] + scale / size[q])) join(p, q, cost);
  });
  edges.a.forEach((a, i) => {
    const p = root(parent, a), q = root(parent, edges.b[i]);
    if (p !== q && (size[p] < minSize || size[q] < minSize)) join(p, q, null);
  });
  const roots = Int32Array.from({ length: n }, (_, i) => root(parent, i));
  const rank = new Map([...new Set(roots)].sort((x, y) => x - y).map((r, i) => [r, i]));
  return roots.map((r) => rank.get(r));
}

/** Selective search's hierarchical grouping: the boxes of every region, initial and merged. */
export function grouping(rgba, labels, width, height, bins) {
  let n = 0;
  for (const l of labels) n = Math.max(n, l + 1);
  const size = new Array(n).fill(0);
  const box = Array.from({ length: n }, () => [width, height, 0, 0]);
  const hist = Array.from({ length: n }, () => new Array(3 * bins).fill(0));
  labels.forEach((l, i) => {
    const x = i % width, y = (i - x) / width;
    size[l]++;
    const bx = box[l];
    bx[0] = Math.min(bx[0], x); bx[1] = Math.min(bx[1], y); bx[2] = Math.max(bx[2], x + 1); bx[3] = Math.max(bx[3], y + 1);
    for (let k = 0; k < 3; k++) hist[l][k * bins + Math.floor((rgba[4 * i + k] * bins) / 256)]++;
  });
  const neighbours = Array.from({ length: n }, () => new Set());
  const touch = (p, q) => { if (p !== q) { neighbours[p].add(q); neighbours[q].add(p); } };
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      if (x < width - 1) touch(labels[i], labels[i + 1]);
      if (y < height - 1) touch(labels[i], labels[i + width]);
    }
  }
  const total = width * height;
  const similarity = (p, q) => {
    let common = 0;
    for (let k = 0; k < 3 * bins; k++) common += Math.min(hist[p][k] * size[q], hist[q][k] * size[p]);
    const colour = common / (3 * size[p] * size[q]);
    const bw = Math.max(box[p][2], box[q][2]) - Math.min(box[p][0], box[q][0]);
    const bh = Math.max(box[p][3], box[q][3]) - Math.min(box[p][1], box[q][1]);
    return colour + (total - size[p] - size[q]) / total + (total - bw * bh + size[p] + size[q]) / total;
  };
  const sims = new Map(); // key p * 65536 + q (p < q) → similarity
  const key = (p, q) => (p < q ? p * 65536 + q : q * 65536 + p);
  for (let p = 0; p < n; p++) for (const q of neighbours[p]) if (p < q) sims.set(key(p, q), similarity(p, q));
  const out = box.map((b) => [...b]);
  while (sims.size) {
    let best = -1, bestSim = -Infinity;
    for (const [k, s] of sims) if (s > bestSim || (s === bestSim && k < best)) { best = k; bestSim = s; }
    const p = Math.floor(best / 65536), q = best % 65536, t = size.length;
    size.push(size[p] + size[q]);
    hist.push(hist[p].map((v, k) => v + hist[q][k]));
    box.push([Math.min(box[p][0], box[q][0]), Math.min(box[p][1], box[q][1]),
      Math.max(box[p][2], box[q][2]), Math.max(box[p][3], box[q][3])]);
    out.push([...box[t]]);
    const around = new Set([...neighbours[p], ...neighbours[q]]);
    for (const r of around) { sims.delete(key(p, r)); sims.delete(key(q, r)); }
    around.delete(p); around.delete(q);
    neighbours.push(around);
    for (const r of around) {
      neighbours[r].delete(p); neighbours[r].delete(q); neighbours[r].add(t);
      sims.set(key(r, t), similarity(r, t));
    }
  }
  return out;
}

/** Proposals of a scene: unique boxes of every strategy, filtered as `doc` says, sorted by (x0, y0, x1, y1). */
export function selectiveSearch(rgba, width, height, doc) {
  const edges = graph(rgba, width, height);
  const found = new Map();
  for (const scale of doc.scales) {
    const labels = felzenszwalb(edges, width, height, scale, doc.min_size);
    for (const b of grouping(rgba, labels, width, height, doc.bins)) {
      const w = b[2] - b[0], h = b[3] - b[1];
      if (w >= doc.min_side && h >= doc.min_side && w * h <= doc.max_area * width * height) found.set(b.join(","), b);
    }
  }
  return [...found.values()].sort((x, y) => x[0] - y[0] || x[1] - y[1] || x[2] - y[2] || x[3] - y[3]);
}
