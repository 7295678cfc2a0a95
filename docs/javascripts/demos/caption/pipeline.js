// The captioning pipeline of demos/caption/infer.py in JavaScript: check the scene and the beam width, run
// each model's encoder once, then beam search (./search.js) over its decoder step, one ONNX Runtime call
// per live beam and word. `caption` returns what infer.predict returns (tests/test_caption_js.py runs both
// on the exported models in Node; the browser test compares the page with the CLI).
//
// The models are listed in the sidecar: preprocessing.models = { attend: [encoder, step], show: [...] }.

import { toChw } from "../../detection.js";
import * as search from "./search.js";

export const MODELS = ["attend", "show"];

/** Pixels of a named colour: largest minus smallest channel above `saturation` (infer.ink). */
export function ink(rgba, saturation) {
  let count = 0;
  for (let i = 0; i < rgba.length; i += 4) {
    const hi = Math.max(rgba[i], rgba[i + 1], rgba[i + 2]), lo = Math.min(rgba[i], rgba[i + 1], rgba[i + 2]);
    if (hi - lo > saturation) count++;
  }
  return count;
}

/** The checks infer.predict makes, with its messages: a beam width the control allows, a scene with ink. */
export function checkInputs(rgba, width, sidecar) {
  const spec = sidecar.options.beam, pre = sidecar.preprocessing;
  if (!Number.isInteger(width) || width < spec.min || width > spec.max) {
    throw new Error(`beam must be a whole number from ${spec.min} to ${spec.max} (got ${width})`);
  }
  if (ink(rgba, pre.saturation) < pre.min_ink) {
    throw new Error("the scene has no coloured shape to describe (place one, or take a new scene)");
  }
}

/** Run a model's encoder on the scene: { features, keys?, h0, c0 } as ONNX Runtime tensors. */
export async function encode(ort, encoder, rgba, size) {
  const image = new ort.Tensor("float32", toChw(rgba, size, size), [1, 3, size, size]);
  return encoder.run({ image });
}

/** search.js's step function over a decoder step session: (word, [h, c]) -> { logits, state, extra }. */
export function stepper(ort, session, encoded) {
  const grid = {};
  for (const name of ["features", "keys"]) if (session.inputNames.includes(name)) grid[name] = encoded[name];
  return async (word, [h, c]) => {
    const out = await session.run({ word: new ort.Tensor("int64", BigInt64Array.from([BigInt(word)]), [1]), h, c, ...grid });
    return { logits: out.logits.data, state: [out.h_out, out.c_out], extra: out.attention ? Float32Array.from(out.attention.data) : null };
  };
}

/** A search of one model, ready to advance word by word: { search, step, run(), over(), advance(), result() }. */
export async function begin(ort, sessions, sidecar, name, rgba, width) {
  const pre = sidecar.preprocessing;
  const [first, second] = pre.models[name];
  const encoded = await encode(ort, sessions[first], rgba, pre.scene.size);
  const step = stepper(ort, sessions[second], encoded);
  const state = search.start([encoded.h0, encoded.c0], width);
  return {
    name, search: state,
    over: () => search.over(state, pre.max_len),
    advance: () => search.advance(state, step, pre.start, pre.end),
    result: () => search.result(state, pre.alpha),
  };
}

/** Finished beams as infer.predict reports them: words as text, log-probabilities, attention per word. */
export function report(beams, sidecar, name) {
  const vocab = sidecar.labels, end = sidecar.preprocessing.end;
  return {
    caption: beams[0].words.filter((w) => w !== end).map((w) => vocab[w]).join(" "),
    beams: beams.map((b) => ({
      words: b.words.map((w) => vocab[w]), logp: b.logp, score: b.score, ended: b.ended, word_logp: b.steps,
      ...(name === "attend" ? { attention: b.extras.map((a) => Array.from(a)) } : {}),
    })),
  };
}

/** Both models on a scene, to the end: the same object as infer.predict. */
export async function caption(ort, sessions, sidecar, rgba, width) {
  checkInputs(rgba, width, sidecar);
  const out = { demo: "caption", beam: width };
  for (const name of MODELS) {
    const run = await begin(ort, sessions, sidecar, name, rgba, width);
    while (!run.over()) await run.advance();
    out[name] = report(run.result(), sidecar, name);
  }
  return out;
}
