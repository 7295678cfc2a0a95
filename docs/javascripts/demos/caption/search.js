// Greedy and beam search over a decoder step — the JavaScript twin of demos/caption/search.py, rule for
// rule (tests/test_caption_js.py runs both on the same logits tables and on the exported model):
//
// 1. One live beam: no words, log-probability 0, the encoder's state.
// 2. Each step runs every live beam once on its last word (<start> first); log-softmax in float64, summed
//    left to right; each beam proposes its k best words (ties: lower word id).
// 3. All proposals ranked by total log-probability (ties: earlier beam, then its better word); the best
//    k − (finished so far) are kept; a kept proposal ending in <end> is finished, the others stay live.
// 4. Stop when k beams have finished, none is live, or after maxLen words (live beams count as unended).
// 5. Finished beams ranked by total log-probability / length^alpha, length = words including <end>.
//
// `step(word, state)` may be async (an ONNX Runtime call) and returns { logits, state, extra }.

/** float64 log-softmax of float32 logits, summed left to right like search.py. */
export function logSoftmax(logits) {
  const x = Array.from(logits, Number);
  let m = -Infinity;
  for (const v of x) m = Math.max(m, v);
  let total = 0;
  for (const v of x) total += Math.exp(v - m);
  const logTotal = Math.log(total);
  return Float64Array.from(x, (v) => v - m - logTotal);
}

/** The k best word ids, best first; ties: the lower id first. */
export function topWords(lp, k) {
  return Array.from(lp, (_, w) => w).sort((a, b) => lp[b] - lp[a] || a - b).slice(0, k);
}

/** A search before its first word. */
export function start(state, width) {
  return { width, live: [{ words: [], logp: 0, state, steps: [], extras: [] }], done: [], length: 0 };
}

export function over(search, maxLen) {
  return search.done.length >= search.width || search.live.length === 0 || search.length >= maxLen;
}

/** One more word for every live beam (rules 2 and 3); updates and returns `search`. */
export async function advance(search, step, startWord, endWord) {
  const { width } = search;
  const proposals = [];
  for (const beam of search.live) {
    const last = beam.words.length ? beam.words[beam.words.length - 1] : startWord;
    const { logits, state, extra } = await step(last, beam.state);
    const lp = logSoftmax(logits);
    for (const w of topWords(lp, width)) proposals.push({ total: beam.logp + lp[w], beam, w, lpw: lp[w], state, extra });
  }
  proposals.sort((a, b) => b.total - a.total); // stable: earlier beam, then its better word, on ties
  const live = [];
  for (const p of proposals.slice(0, Math.max(0, width - search.done.length))) {
    const grown = { words: [...p.beam.words, p.w], logp: p.total, state: p.state,
      steps: [...p.beam.steps, p.lpw], extras: [...p.beam.extras, p.extra] };
    (p.w === endWord ? search.done : live).push(grown);
  }
  search.live = live;
  search.length += 1;
  return search;
}

/** Finished beams, then unended live ones, best length-normalised score first. */
export function result(search, alpha = 1) {
  const beams = [...search.done.map((b) => ({ ...b, ended: true })), ...search.live.map((b) => ({ ...b, ended: false }))];
  for (const b of beams) {
    b.score = b.logp / b.words.length ** alpha;
    delete b.state;
  }
  return beams.sort((a, b) => b.score - a.score);
}

export async function beamSearch(step, state, width, maxLen, startWord, endWord, alpha = 1) {
  const search = start(state, width);
  while (!over(search, maxLen)) await advance(search, step, startWord, endWord);
  return result(search, alpha);
}
