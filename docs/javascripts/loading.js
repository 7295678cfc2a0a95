// Loading for the demo runtime: ONNX Runtime Web, sidecars and models, fetched once and cached in this module
// (so they survive instant navigation). A failure is kept until forgetFailures() — the box's Retry — so a
// missing or corrupt file is fetched once, not once per pen stroke. Progress totals are decompressed sizes.

import { validateSidecar } from "./sidecar.js";
import { needsConsent, progressTotal } from "./download.js";

const SITE = new URL("..", import.meta.url); // this file is served at <site>/javascripts/loading.js
const MODELS = new URL("models/", SITE);
const ORT_DIR = new URL("assets/vendor/ort/", SITE);
export const ORT_WASM = "ort-wasm-simd-threaded.wasm";

const sidecars = new Map(); // demo name -> Promise<sidecar JSON>
const sessions = new Map(); // model file -> Promise<InferenceSession>
// "ort" or a model file -> the Error of its last load. A failure is kept until the reader presses Retry:
// a missing or corrupt model is fetched once, not once per pen stroke.
const failures = new Map();
let ortModule = null; // Promise<ort>
let ortReady = false;
let ortSizes = null; // Promise<{file: bytes}> written by the build (scripts/notes/vendor.py)
export const AGREED = "inn-downloads-agreed"; // sessionStorage: the reader tapped "Download and run" once

/** GET a file as bytes, reporting (loaded, total) as it arrives; `known` is its decompressed size. */
async function download(url, known, onProgress) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`could not download ${url.pathname ?? url} (HTTP ${response.status})`);
  const total = progressTotal(known, response.headers.get("content-length"), response.headers.get("content-encoding"));
  if (!response.body) return new Uint8Array(await response.arrayBuffer());
  const reader = response.body.getReader();
  const chunks = [];
  let loaded = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.length;
    onProgress?.(loaded, total);
  }
  const bytes = new Uint8Array(loaded);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  return bytes;
}

async function sha256(bytes) {
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Keep `promise`'s failure under `key` until forgetFailures() is called. */
function remember(key, promise) {
  promise.then(() => failures.delete(key), (err) => failures.set(key, err));
  return promise;
}

/** Sizes of ONNX Runtime's files as the build copied them: {"ort-wasm-simd-threaded.wasm": bytes, ...}. */
export function loadOrtSizes() {
  ortSizes ??= fetch(new URL("files.json", ORT_DIR)).then((r) => (r.ok ? r.json() : {})).catch(() => ({}));
  return ortSizes;
}

/** The onnxruntime-web module, configured once: local files, one thread, no proxy worker. */
export function loadOrt(onProgress) {
  ortModule ??= remember("ort", (async () => {
    const sizes = await loadOrtSizes();
    const wasm = await download(new URL(ORT_WASM, ORT_DIR), sizes[ORT_WASM] ?? 0, (loaded, total) =>
      onProgress?.("ONNX Runtime", loaded, total),
    );
    const ort = await import(new URL("ort.wasm.min.mjs", ORT_DIR).href);
    ort.env.wasm.numThreads = 1; // threads need cross-origin isolation, which static hosts lack
    ort.env.wasm.proxy = false;
    ort.env.wasm.wasmPaths = { mjs: new URL("ort-wasm-simd-threaded.mjs", ORT_DIR).href };
    ort.env.wasm.wasmBinary = wasm;
    ortReady = true;
    return ort;
  })());
  return ortModule;
}

/** Sidecar JSON of a demo, fetched once per name. */
export function loadSidecar(name) {
  if (!sidecars.has(name)) {
    const pending = fetch(new URL(`${name}.json`, MODELS)).then((response) => {
      if (!response.ok) throw new Error(`the model description ${name}.json is missing (HTTP ${response.status})`);
      return response.text();
    }).then((text) => {
      let json;
      try {
        json = JSON.parse(text);
      } catch (err) {
        throw new Error(`${name}.json is not valid JSON (${err.message})`);
      }
      return validateSidecar(json, `${name}.json`);
    });
    pending.catch(() => sidecars.delete(name)); // a box that failed to mount mounts anew on Retry
    sidecars.set(name, pending);
  }
  return sidecars.get(name);
}

/** An InferenceSession for model `index` of a sidecar: downloaded, sha256-checked, cached. */
export function loadSession(sidecar, index = 0, onProgress) {
  const entry = sidecar.models[index];
  if (!entry) throw new Error(`${sidecar.name} has no model number ${index}`);
  if (!sessions.has(entry.file)) {
    sessions.set(entry.file, remember(entry.file, (async () => {
      const ort = await loadOrt(onProgress);
      const bytes = await download(new URL(entry.file, MODELS), entry.bytes, (loaded, total) =>
        onProgress?.(entry.file, loaded, total),
      );
      const digest = await sha256(bytes);
      if (digest !== entry.sha256) {
        throw new Error(`${entry.file} is corrupt: its sha256 does not match ${sidecar.name}.json`);
      }
      try {
        return await ort.InferenceSession.create(bytes, { executionProviders: ["wasm"] });
      } catch (err) {
        throw new Error(`${entry.file} could not be opened by ONNX Runtime (${err.message ?? err})`);
      }
    })()));
  }
  return sessions.get(entry.file);
}

/** The failure that stops model `index` of a sidecar, if its runtime or file failed to load. */
export function failureOf(sidecar, index) {
  return failures.get("ort") ?? failures.get(sidecar.models[index]?.file);
}

/** Drop the kept failures of a sidecar's files (and of the runtime), so the next load tries again. */
export function forgetFailures(sidecar) {
  if (failures.has("ort")) ortModule = null;
  failures.delete("ort");
  for (const { file } of sidecar.models) {
    if (failures.has(file)) sessions.delete(file);
    failures.delete(file);
  }
}

function agreedToDownload() {
  try {
    return sessionStorage.getItem(AGREED) === "yes";
  } catch {
    return false; // storage blocked: ask again on each page
  }
}

/** On Save-Data or a phone-like device, the first large download waits for an explicit tap. */
export function consentNeeded() {
  return needsConsent({
    saveData: navigator.connection?.saveData === true,
    coarsePointer: matchMedia("(pointer: coarse) and (hover: none)").matches,
    ortLoaded: ortReady,
    agreed: agreedToDownload(),
  });
}

/** The kept failure of ONNX Runtime's load, if any. */
export function ortFailure() {
  return failures.get("ort");
}

/** Whether ONNX Runtime has loaded on this page (or an earlier one, with instant navigation). */
export function ortLoaded() {
  return ortReady;
}

/** Whether a model file is loaded or loading without a kept failure. */
export function fileLoaded(file) {
  return sessions.has(file) && !failures.has(file);
}
