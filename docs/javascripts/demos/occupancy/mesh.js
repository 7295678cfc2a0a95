// Occupancy → mesh in the page: MISE (multiresolution isosurface extraction) and marching tetrahedra, the same
// algorithms as demos/occupancy/mesh.py, step for step (tests/test_occupancy_js.py runs both on the same fields).
// Pure functions: no DOM, no ONNX Runtime (MISE takes an async evaluate(points) → logits).
//
// Grid point (i, j, k) of an n-cell grid of the unit cube is at (-0.5 + i/n, -0.5 + j/n, -0.5 + k/n); arrays are
// flat in C order (i slowest, k fastest). Inside = value > threshold (logits: threshold 0).

/** Coordinates of the n + 1 grid points along an axis of an n-cell grid. */
export function gridCoords(n) {
  const c = new Float64Array(n + 1);
  for (let i = 0; i <= n; i++) c[i] = -0.5 + i / n;
  return c;
}

/** Corner c of a cell is at offset ((c >> 2) & 1, (c >> 1) & 1, c & 1). */
export const CORNERS = Array.from({ length: 8 }, (_, c) => [(c >> 2) & 1, (c >> 1) & 1, c & 1]);
const AXIS_BIT = [4, 2, 1];
const PERMUTATIONS = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]];
/** The 6 tetrahedra of Kuhn's triangulation: for each order (a, b, c) of the axes, corners 0, e_a, e_a + e_b, 7. */
export const TETS = PERMUTATIONS.map(([a, b]) => [0, AXIS_BIT[a], AXIS_BIT[a] | AXIS_BIT[b], 7]);

/** For each of the 16 inside patterns of a tetrahedron (bit k: corner k inside), its triangles as 3 edges
 *  [inside corner, outside corner]. */
export const CASES = Array.from({ length: 16 }, (_, code) => {
  const ins = [0, 1, 2, 3].filter((k) => (code >> k) & 1);
  const outs = [0, 1, 2, 3].filter((k) => !((code >> k) & 1));
  if (ins.length === 1) return [outs.map((o) => [ins[0], o])];
  if (ins.length === 3) return [ins.map((i) => [i, outs[0]])];
  if (ins.length === 2) {
    const [a, b] = ins, [c, d] = outs;
    return [[[a, c], [a, d], [b, d]], [[a, c], [b, d], [b, c]]];
  }
  return [];
});

/** Flat offsets of a cell's 8 corners in an (n+1)³ array. */
function cornerOffsets(side) {
  return CORNERS.map(([dx, dy, dz]) => (dx * side + dy) * side + dz);
}

/** Cells (flat n³ Uint8Array) whose 8 corners are not all on one side of the threshold. */
export function activeCells(values, n, threshold = 0) {
  const side = n + 1, out = new Uint8Array(n * n * n), off = cornerOffsets(side);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      for (let k = 0; k < n; k++) {
        const base = (i * side + j) * side + k;
        let ins = 0;
        for (let q = 0; q < 8; q++) if (values[base + off[q]] > threshold) ins++;
        out[(i * n + j) * n + k] = ins > 0 && ins < 8 ? 1 : 0;
      }
    }
  }
  return out;
}

/** (n+1)³ → (2n+1)³: even points copied, a new point the mean of its two neighbours; axis 0, then 1, then 2. */
export function upsample(values, n) {
  let dims = [n + 1, n + 1, n + 1];
  let v = values;
  for (let axis = 0; axis < 3; axis++) {
    const outer = dims.slice(0, axis).reduce((a, b) => a * b, 1);
    const inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1);
    const d = dims[axis], e = 2 * d - 1;
    const next = new Float64Array(outer * e * inner);
    for (let o = 0; o < outer; o++) {
      for (let t = 0; t < e; t++) {
        const to = (o * e + t) * inner;
        if (t % 2 === 0) {
          next.set(v.subarray((o * d + t / 2) * inner, (o * d + t / 2 + 1) * inner), to);
        } else {
          const a = (o * d + (t - 1) / 2) * inner, b = a + inner;
          for (let x = 0; x < inner; x++) next[to + x] = (v[a + x] + v[b + x]) / 2;
        }
      }
    }
    v = next;
    dims = dims.slice();
    dims[axis] = e;
  }
  return v;
}

/** MISE: values on the (resolution + 1)³ grid, the function evaluated only near the surface.
 *  `evaluate(Float32Array of M·3 coordinates)` → (a promise of) M values. Returns { values, n, counts }. */
export async function mise(evaluate, resolution = 64, coarse = 16, threshold = 0) {
  let n = Math.min(coarse, resolution);
  let side = n + 1;
  let c = gridCoords(n);
  const first = new Float32Array(side ** 3 * 3);
  for (let i = 0, p = 0; i < side; i++) for (let j = 0; j < side; j++) for (let k = 0; k < side; k++, p += 3) first.set([c[i], c[j], c[k]], p);
  let values = Float64Array.from(await evaluate(first));
  let known = new Uint8Array(side ** 3).fill(1);
  const counts = [side ** 3];
  while (n < resolution) {
    const active = activeCells(values, n, threshold);
    values = upsample(values, n);
    const m = n;
    n *= 2;
    side = n + 1;
    const fineKnown = new Uint8Array(side ** 3);
    for (let i = 0; i <= m; i++) for (let j = 0; j <= m; j++) for (let k = 0; k <= m; k++) {
      fineKnown[((2 * i) * side + 2 * j) * side + 2 * k] = known[(i * (m + 1) + j) * (m + 1) + k];
    }
    const want = new Uint8Array(side ** 3);
    for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) for (let k = 0; k < m; k++) {
      if (!active[(i * m + j) * m + k]) continue;
      for (let dx = 0; dx < 3; dx++) for (let dy = 0; dy < 3; dy++) for (let dz = 0; dz < 3; dz++) {
        want[((2 * i + dx) * side + 2 * j + dy) * side + 2 * k + dz] = 1;
      }
    }
    const todo = [];
    for (let idx = 0; idx < want.length; idx++) if (want[idx] && !fineKnown[idx]) todo.push(idx);
    if (todo.length) {
      c = gridCoords(n);
      const pts = new Float32Array(todo.length * 3);
      todo.forEach((idx, t) => {
        const k = idx % side, j = Math.floor(idx / side) % side, i = Math.floor(idx / side / side);
        pts[3 * t] = c[i]; pts[3 * t + 1] = c[j]; pts[3 * t + 2] = c[k];
      });
      const got = await evaluate(pts);
      todo.forEach((idx, t) => { values[idx] = got[t]; fineKnown[idx] = 1; });
    }
    known = fineKnown;
    counts.push(todo.length);
  }
  return { values, n, counts };
}

/** Triangle mesh of {value = threshold} on an (n+1)³ grid: { positions: Float32Array, indices: Uint32Array },
 *  vertices shared along grid edges, triangles facing away from the inside. */
export function marchingTetrahedra(values, n, threshold = 0) {
  const side = n + 1, c = gridCoords(n), active = activeCells(values, n, threshold), off = cornerOffsets(side);
  const keyOf = new Map();
  let positions = new Float64Array(3 * 4096), count = 0;
  const indices = [];
  const cx = new Float64Array(4), cy = new Float64Array(4), cz = new Float64Array(4), val = new Float64Array(4);
  const gid = new Float64Array(4), ids = [0, 0, 0], px = [0, 0, 0], py = [0, 0, 0], pz = [0, 0, 0];
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let k = 0; k < n; k++) {
    if (!active[(i * n + j) * n + k]) continue;
    const base = (i * side + j) * side + k;
    for (const tet of TETS) {
      let code = 0, nIn = 0, ox = 0, oy = 0, oz = 0, ix = 0, iy = 0, iz = 0;
      for (let q = 0; q < 4; q++) {
        const corner = CORNERS[tet[q]];
        cx[q] = c[i + corner[0]]; cy[q] = c[j + corner[1]]; cz[q] = c[k + corner[2]];
        gid[q] = base + off[tet[q]];
        val[q] = values[gid[q]];
        if (val[q] > threshold) { code |= 1 << q; nIn++; ix += cx[q]; iy += cy[q]; iz += cz[q]; }
        else { ox += cx[q]; oy += cy[q]; oz += cz[q]; }
      }
      if (code === 0 || code === 15) continue;
      const dx = ox / (4 - nIn) - ix / nIn, dy = oy / (4 - nIn) - iy / nIn, dz = oz / (4 - nIn) - iz / nIn;
      for (const tri of CASES[code]) {
        for (let e = 0; e < 3; e++) {
          const [a, b] = tri[e];
          const t = (val[a] - threshold) / (val[a] - val[b]);
          px[e] = cx[a] + (cx[b] - cx[a]) * t;
          py[e] = cy[a] + (cy[b] - cy[a]) * t;
          pz[e] = cz[a] + (cz[b] - cz[a]) * t;
          // Kuhn's tetrahedra only join corners where one is above the other in x, y and z: an edge is its lower
          // grid point and the direction bits (corner codes XOR), a small integer key (fast in a Map)
          const key = Math.min(gid[a], gid[b]) * 8 + (tet[a] ^ tet[b]);
          let id = keyOf.get(key);
          if (id === undefined) {
            id = count++;
            keyOf.set(key, id);
            if (3 * count > positions.length) { const grown = new Float64Array(positions.length * 2); grown.set(positions); positions = grown; }
            positions[3 * id] = px[e]; positions[3 * id + 1] = py[e]; positions[3 * id + 2] = pz[e];
          }
          ids[e] = id;
        }
        const ux = px[1] - px[0], uy = py[1] - py[0], uz = pz[1] - pz[0];
        const wx = px[2] - px[0], wy = py[2] - py[0], wz = pz[2] - pz[0];
        const nx = uy * wz - uz * wy, ny = uz * wx - ux * wz, nz = ux * wy - uy * wx;
        if (nx * dx + ny * dy + nz * dz < 0) indices.push(ids[0], ids[2], ids[1]);
        else indices.push(ids[0], ids[1], ids[2]);
      }
    }
  }
  return { positions: Float32Array.from(positions.subarray(0, 3 * count)), indices: Uint32Array.from(indices) };
}

/** Wavefront .obj text, as demos/occupancy/mesh.py's to_obj writes it. */
export function toObj(positions, indices, comment = "") {
  const lines = comment ? comment.split("\n").map((l) => `# ${l}`) : [];
  for (let v = 0; v < positions.length; v += 3) {
    lines.push(`v ${positions[v].toFixed(6)} ${positions[v + 1].toFixed(6)} ${positions[v + 2].toFixed(6)}`);
  }
  for (let f = 0; f < indices.length; f += 3) lines.push(`f ${indices[f] + 1} ${indices[f + 1] + 1} ${indices[f + 2] + 1}`);
  return `${lines.join("\n")}\n`;
}
