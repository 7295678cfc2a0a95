// occupancy's input logic — voxels, points, slices, latent walks and .npy bytes; pure functions, tested in Node
// (tests/test_occupancy_js.py).

/** Voxel string "0101…" (the sidecar's) → Uint8Array g³. */
export function parseVoxels(text) {
  return Uint8Array.from(text, (ch) => (ch === "1" ? 1 : 0));
}

/** Centres of the on voxels of a g³ grid, flat xyz. */
export function voxelCentres(voxels, g) {
  const out = [];
  for (let i = 0; i < g; i++) for (let j = 0; j < g; j++) for (let k = 0; k < g; k++) {
    if (voxels[(i * g + j) * g + k]) out.push((i + 0.5) / g - 0.5, (j + 0.5) / g - 0.5, (k + 0.5) / g - 0.5);
  }
  return out;
}

/** (1 - t)·a + t·b, element by element (the latent walk). */
export function lerp(a, b, t) {
  return Float32Array.from(a, (v, i) => (1 - t) * v + t * b[i]);
}

/** A seeded standard normal generator (mulberry32 + Box–Muller): sample codes are reproducible. */
export function normals(seed) {
  let s = seed >>> 0;
  const uniform = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
}

/** Centres of a cells × cells grid on the plane y = height; row r ↔ z, column c ↔ x (export.py's slice_points). */
export function slicePoints(height, cells) {
  const pts = new Float32Array(cells * cells * 3);
  for (let r = 0; r < cells; r++) {
    for (let c = 0; c < cells; c++) pts.set([(c + 0.5) / cells - 0.5, height, (r + 0.5) / cells - 0.5], (r * cells + c) * 3);
  }
  return pts;
}

/** A .npy file (version 1.0, C order) of a typed array: '<f4' for Float32Array, '|u1' for Uint8Array. */
export function npyBytes(array, shape) {
  const descr = array instanceof Float32Array ? "<f4" : "|u1";
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(", ")}${shape.length === 1 ? "," : ""}), }`;
  header += " ".repeat(63 - ((10 + header.length) % 64)) + "\n";
  const bytes = new Uint8Array(10 + header.length + array.byteLength);
  bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 255, header.length >> 8]);
  for (let i = 0; i < header.length; i++) bytes[10 + i] = header.charCodeAt(i);
  bytes.set(new Uint8Array(array.buffer, array.byteOffset, array.byteLength), 10 + header.length);
  return bytes;
}

/** The points within half a layer of the slice plane, as [index, x, z]. */
export function pointsNear(points, height, halfLayer) {
  const out = [];
  points.forEach((p, i) => { if (Math.abs(p[1] - height) <= halfLayer) out.push([i, p[0], p[2]]); });
  return out;
}

// ---- the demo ----------------------------------------------------------------------------------------------
