// The seeded sampler shared with demos/charlstm/infer.py (mulberry32, pick): the same seed and
// temperature give the same characters in the page and from `python -m demos run charlstm`.

/** mulberry32: a function returning numbers in [0, 1), the same sequence as infer.mulberry32. */
export function mulberry32(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1) >>> 0;
    t = (t ^ ((t + (Math.imul(t ^ (t >>> 7), t | 61) >>> 0)) >>> 0)) >>> 0;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The index drawn by u in [0, 1) from probs^(1/temperature), renormalised (float64), as infer.pick. */
export function pick(probs, temperature, u) {
  const cumulative = new Float64Array(probs.length);
  let total = 0;
  for (let i = 0; i < probs.length; i++) {
    total += Math.exp(Math.log(Math.max(probs[i], 1e-30)) / temperature);
    cumulative[i] = total;
  }
  const target = u * total;
  for (let i = 0; i < probs.length; i++) if (cumulative[i] > target) return i;
  return probs.length - 1;
}

/** The top `k` entries of probs as [index, p], highest first (ties: lower index first). */
export function topK(probs, k = 5) {
  return Array.from(probs, (p, i) => [i, p]).sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, k);
}
