// Inside NN demo runtime — the one module shared by every demo box on every page.
//
// Material's `document$` emits on the first load and after every instant navigation; each time we
// mount the `[data-demo]` boxes of the new page. A box shows its golden example at once. ONNX
// Runtime Web (plain WASM build, one thread) and the model are fetched only when the reader first
// interacts with the box; inference sessions live in this module, so they survive page changes.

import { validateSidecar } from "./sidecar.js";

const SITE = new URL("..", import.meta.url); // this file is served at <site>/javascripts/runtime.js
const MODELS = new URL("models/", SITE);
const ORT_DIR = new URL("assets/vendor/ort/", SITE);
const ORT_WASM = "ort-wasm-simd-threaded.wasm";

const sidecars = new Map(); // demo name -> Promise<sidecar JSON>
const sessions = new Map(); // model file -> Promise<InferenceSession>
let ortModule = null; // Promise<ort>

/** Sizes the reader can read: 14.2 MB, 160 KB. */
export function formatBytes(n) {
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  if (n >= 1e3) return `${Math.round(n / 1e3)} KB`;
  return `${n} B`;
}

/** GET a file as bytes, reporting (loaded, total) as it arrives. */
async function download(url, onProgress) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`could not download ${url.pathname ?? url} (HTTP ${response.status})`);
  const total = Number(response.headers.get("content-length")) || 0;
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

/** The onnxruntime-web module, configured once: local files, one thread, no proxy worker. */
export function loadOrt(onProgress) {
  ortModule ??= (async () => {
    const wasm = await download(new URL(ORT_WASM, ORT_DIR), (loaded, total) =>
      onProgress?.("ONNX Runtime", loaded, total),
    );
    const ort = await import(new URL("ort.wasm.min.mjs", ORT_DIR).href);
    ort.env.wasm.numThreads = 1; // threads need cross-origin isolation, which static hosts lack
    ort.env.wasm.proxy = false;
    ort.env.wasm.wasmPaths = { mjs: new URL("ort-wasm-simd-threaded.mjs", ORT_DIR).href };
    ort.env.wasm.wasmBinary = wasm;
    return ort;
  })();
  ortModule.catch(() => (ortModule = null)); // a failed load may be retried
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
    pending.catch(() => sidecars.delete(name));
    sidecars.set(name, pending);
  }
  return sidecars.get(name);
}

/** An InferenceSession for model `index` of a sidecar: downloaded, sha256-checked, cached. */
export function loadSession(sidecar, index = 0, onProgress) {
  const entry = sidecar.models[index];
  if (!entry) throw new Error(`${sidecar.name} has no model number ${index}`);
  if (!sessions.has(entry.file)) {
    const pending = (async () => {
      const ort = await loadOrt(onProgress);
      const bytes = await download(new URL(entry.file, MODELS), (loaded, total) =>
        onProgress?.(entry.file, loaded, total || entry.bytes),
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
    })();
    pending.catch(() => sessions.delete(entry.file));
    sessions.set(entry.file, pending);
  }
  return sessions.get(entry.file);
}

/** A Material-styled button for a demo's tools; `title` names its keyboard shortcut. */
export function button(label, title) {
  const b = element("button", "md-button inn-demo__button", label);
  b.type = "button";
  b.title = title;
  return b;
}

/** Offer a canvas as a PNG download, to run the same input with `python -m demos run`. */
export function savePng(canvas, filename) {
  const link = document.createElement("a");
  link.download = filename;
  link.href = canvas.toDataURL("image/png");
  link.click();
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text) node.textContent = text;
  return node;
}

/** The frame every demo shares: a header, the demo's own body, a status line with progress. */
function frame(box, sidecar) {
  box.classList.add("inn-demo");
  box.replaceChildren();
  const head = element("div", "inn-demo__head");
  head.append(element("span", "inn-demo__title", sidecar?.title ?? box.dataset.demo));
  const badge = element("span", "inn-demo__badge");
  head.append(badge);
  const body = element("div", "inn-demo__body");
  const status = element("div", "inn-demo__status");
  status.setAttribute("role", "status");
  status.setAttribute("aria-live", "polite");
  const bar = element("progress", "inn-demo__progress");
  bar.hidden = true;
  const text = element("span", "inn-demo__message");
  status.append(bar, text);
  box.append(head, body, status);
  return { head, badge, body, bar, text };
}

function setState(box, parts, state, badge) {
  box.dataset.demoState = state;
  parts.badge.textContent = badge;
}

function showError(box, parts, err) {
  const message = err?.message ?? String(err);
  setState(box, parts, "error", "error");
  parts.bar.hidden = true;
  parts.text.textContent = `This demo could not run: ${message}`;
  console.warn(`[inside-nn] ${box.dataset.demo}: ${message}`);
}

/** Build the context a demo module's mount(box, ctx) receives. */
function context(box, parts, sidecar) {
  const options = { ...box.dataset };
  delete options.demo;
  delete options.demoState;
  const progress = (what, loaded, total) => {
    parts.bar.hidden = false;
    parts.bar.max = total || 1;
    parts.bar.value = total ? loaded : 0;
    const size = total ? ` of ${formatBytes(total)}` : "";
    parts.text.textContent = `Downloading ${what}: ${formatBytes(loaded)}${size}`;
  };
  return {
    name: box.dataset.demo,
    sidecar,
    body: parts.body,
    options,
    ort: () => loadOrt(progress),
    async session(index = 0) {
      if (box.dataset.demoState !== "ready") setState(box, parts, "loading", "loading");
      const session = await loadSession(sidecar, index, progress);
      parts.bar.hidden = true;
      if (box.dataset.demoState !== "error") setState(box, parts, "ready", "live");
      return session;
    },
    status(message) {
      parts.text.textContent = message;
    },
    error: (err) => showError(box, parts, err),
    golden: () => setState(box, parts, "golden", "example"),
    /** Call `start` once, on the reader's first pointer, key or focus inside the box. */
    whenNeeded(start) {
      const events = ["pointerdown", "keydown", "focusin"];
      const once = () => {
        events.forEach((e) => box.removeEventListener(e, once, true));
        start();
      };
      events.forEach((e) => box.addEventListener(e, once, true));
    },
  };
}

async function mount(box) {
  const name = box.dataset.demo;
  box.dataset.demoState = "mounting"; // marks the box taken: a second emission skips it
  let parts = frame(box, null);
  try {
    const sidecar = await loadSidecar(name);
    parts = frame(box, sidecar);
    const module = await import(new URL(`demos/${name}.js`, import.meta.url).href);
    const ctx = context(box, parts, sidecar);
    ctx.golden();
    await module.mount(box, ctx);
  } catch (err) {
    showError(box, parts, err);
  }
}

function mountAll() {
  document.querySelectorAll("[data-demo]:not([data-demo-state])").forEach(mount);
}

// Demo modules import the helpers above; under Node (their tests) there is no page to mount.
if (typeof document !== "undefined") {
  if (globalThis.document$) globalThis.document$.subscribe(mountAll);
  else if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mountAll);
  else mountAll();
}
