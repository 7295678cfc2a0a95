// Inside NN demo runtime — the one module shared by every demo box on every page.
//
// Material's `document$` emits on the first load and after every instant navigation; each time we
// watch the `[data-demo]` boxes of the new page, and a box mounts when it comes within about a screen of
// the viewport, showing its golden example. ONNX Runtime Web (plain WASM build, one thread) and the model
// are fetched only when the reader first interacts with the box — on Save-Data or a phone, only after an
// explicit tap — and the box says beforehand what that download is. A failed download is shown once with
// a Retry button and not fetched again until the reader asks. Loading and the cached sessions live in
// loading.js, so they survive page changes.

import { firstRunFiles, firstRunText, formatBytes, progressText } from "./download.js";
import {
  AGREED, ORT_WASM, consentNeeded, failureOf, fileLoaded, forgetFailures, loadOrt, loadOrtSizes, loadSession,
  loadSidecar, ortFailure, ortLoaded,
} from "./loading.js";


/** Add each stylesheet once (a demo module lists its own in `export const styles`, relative to the module)
 *  and resolve when all have loaded: a page without that demo never fetches its styles. */
export function loadStyles(urls) {
  return Promise.all(urls.map((url) => {
    const existing = document.querySelector(`link[rel=stylesheet][href="${url.href}"]`);
    if (existing) return existing.dataset.loaded ? undefined : new Promise((resolve) => existing.addEventListener("load", resolve, { once: true }));
    const link = element("link");
    link.rel = "stylesheet";
    link.href = url.href;
    const loaded = new Promise((resolve, reject) => {
      link.addEventListener("load", () => { link.dataset.loaded = "yes"; resolve(); }, { once: true });
      link.addEventListener("error", () => reject(new Error(`the stylesheet ${url.pathname} is missing`)), { once: true });
    });
    document.head.append(link);
    return loaded;
  }));
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

/** The frame every demo shares: a header, the demo's own body, a status line with progress and an
 *  action (Retry, Download and run), and a line saying what the first run downloads. */
function frame(box, sidecar) {
  box.classList.add("inn-demo");
  box.replaceChildren();
  const head = element("div", "inn-demo__head");
  head.append(element("span", "inn-demo__title", sidecar?.title ?? box.dataset.demo));
  const badge = element("span", "inn-demo__badge");
  head.append(badge);
  const body = element("div", "inn-demo__body");
  const status = element("div", "inn-demo__status");
  const bar = element("progress", "inn-demo__progress");
  bar.hidden = true;
  bar.setAttribute("aria-label", `Download progress of the ${box.dataset.demo} demo`);
  const text = element("span", "inn-demo__message");
  text.setAttribute("role", "status");
  text.setAttribute("aria-live", "polite");
  const action = element("span", "inn-demo__action");
  status.append(bar, text, action);
  const cost = element("p", "inn-demo__cost");
  cost.hidden = true;
  box.append(head, body, status, cost);
  return { head, badge, body, bar, text, action, cost };
}

function setState(box, parts, state, badge) {
  box.dataset.demoState = state;
  parts.badge.textContent = badge;
}

/** Show a failure once (the same failure again changes nothing), with a Retry button when `retry` is given. */
function showError(box, parts, err, retry) {
  const message = `This demo could not run: ${err?.message ?? String(err)}`;
  if (box.dataset.demoState === "error" && parts.text.textContent === message) return;
  setState(box, parts, "error", "error");
  parts.bar.hidden = true;
  parts.text.textContent = message;
  parts.action.replaceChildren();
  if (retry) {
    const again = button("Retry", "Download the files again and run");
    again.addEventListener("click", () => {
      parts.action.replaceChildren();
      retry();
    });
    parts.action.append(again);
  }
  console.warn(`[inside-nn] ${box.dataset.demo}: ${message}`);
}

/** "Running this demo downloads …" under the box until its files are loaded. */
async function showCost(parts, sidecar) {
  const sizes = await loadOrtSizes();
  const files = firstRunFiles(sidecar, sizes[ORT_WASM] ?? 0, ortLoaded()).filter((f) => !fileLoaded(f.what));
  parts.cost.hidden = files.length === 0;
  parts.cost.textContent = files.length ? firstRunText(files) : "";
  return files;
}

/** Build the context a demo module's mount(box, ctx) receives. */
function context(box, parts, sidecar) {
  const options = { ...box.dataset };
  delete options.demo;
  delete options.demoState;
  const starters = []; // the demo's first actions (whenNeeded), run again by Retry
  let asking = null; // Promise resolved when the reader taps "Download and run"
  const progress = (what, loaded, total) => {
    parts.bar.hidden = false;
    parts.bar.max = total || 1;
    parts.bar.value = total ? Math.min(loaded, total) : 0;
    parts.text.textContent = progressText(what, loaded, total);
  };
  const askConsent = () => {
    if (!consentNeeded()) return Promise.resolve();
    asking ??= showCost(parts, sidecar).then((files) => new Promise((resolve) => {
      const total = files.reduce((sum, f) => sum + f.bytes, 0);
      const go = button(`Download ${formatBytes(total)} and run`, "Fetch ONNX Runtime and the model, then run the demo");
      const why = element("span", "inn-demo__why", "On this device the demo waits for your tap before its first download:");
      parts.action.replaceChildren(why, go);
      go.addEventListener("click", () => {
        try { sessionStorage.setItem(AGREED, "yes"); } catch { /* storage blocked: asked again next page */ }
        parts.action.replaceChildren();
        asking = null;
        resolve();
      });
    }));
    return asking;
  };
  const loaded = () => {
    parts.bar.hidden = true;
    showCost(parts, sidecar);
  };
  const ctx = {
    name: box.dataset.demo,
    sidecar,
    body: parts.body,
    options,
    async ort() {
      if (ortFailure()) throw ortFailure();
      await askConsent();
      const ort = await loadOrt(progress);
      loaded();
      return ort;
    },
    async session(index = 0) {
      const failed = failureOf(sidecar, index);
      if (failed) throw failed; // kept until Retry: no request
      await askConsent();
      if (box.dataset.demoState !== "ready") setState(box, parts, "loading", "loading");
      const session = await loadSession(sidecar, index, progress);
      loaded();
      if (box.dataset.demoState !== "error") setState(box, parts, "ready", "live");
      return session;
    },
    status(message) {
      parts.text.textContent = message;
    },
    error: (err) => showError(box, parts, err, retry),
    golden: () => setState(box, parts, "golden", "example"),
    /** Call `start` once, on the reader's first pointer, key or focus inside the box (and again on Retry). */
    whenNeeded(start) {
      starters.push(start);
      const events = ["pointerdown", "keydown", "focusin"];
      const once = () => {
        events.forEach((e) => box.removeEventListener(e, once, true));
        start();
      };
      events.forEach((e) => box.addEventListener(e, once, true));
    },
  };
  function retry() {
    const trying = "Trying again…";
    forgetFailures(sidecar);
    setState(box, parts, "loading", "loading");
    parts.text.textContent = trying;
    starters.forEach((start) => start());
    Promise.all(sidecar.models.map((_, i) => ctx.session(i)))
      .then(() => { if (parts.text.textContent === trying) ctx.status("Loaded: your next change runs in your browser."); })
      .catch(ctx.error);
  }
  return ctx;
}

async function mount(box) {
  const name = box.dataset.demo;
  box.dataset.demoState = "mounting";
  box.classList.remove("inn-demo--waiting");
  let parts = frame(box, null);
  try {
    const sidecar = await loadSidecar(name);
    parts = frame(box, sidecar);
    const moduleUrl = new URL(`demos/${name}.js`, import.meta.url);
    const module = await import(moduleUrl.href);
    await loadStyles((module.styles ?? []).map((href) => new URL(href, moduleUrl)));
    const ctx = context(box, parts, sidecar);
    ctx.golden();
    showCost(parts, sidecar);
    await new Promise((resolve) => setTimeout(resolve)); // the demo draws in a task of its own
    await module.mount(box, ctx);
  } catch (err) {
    showError(box, parts, err, () => mount(box));
  }
}

// A box mounts — fetches its sidecar, imports its module, draws its example — only when it comes within
// about a screen of the viewport: a page of text costs nothing for the demos further down.
const NEAR = "100% 0px";
let observer = null;

function mountWhenNear(entries) {
  for (const entry of entries) {
    if (!entry.isIntersecting || entry.target.dataset.demoState !== "waiting") continue;
    observer.unobserve(entry.target);
    mount(entry.target);
  }
}

function mountAll() {
  observer?.disconnect(); // boxes of the previous page are gone after an instant navigation
  if (typeof IntersectionObserver !== "undefined") observer = new IntersectionObserver(mountWhenNear, { rootMargin: NEAR });
  document.querySelectorAll("[data-demo]:not([data-demo-state]), [data-demo][data-demo-state=waiting]").forEach((box) => {
    box.dataset.demoState = "waiting";
    box.classList.add("inn-demo", "inn-demo--waiting");
    if (observer) observer.observe(box);
    else mount(box);
  });
}

// Demo modules import the helpers above; under Node (their tests) there is no page to mount.
if (typeof document !== "undefined") {
  if (globalThis.document$) globalThis.document$.subscribe(mountAll);
  else if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mountAll);
  else mountAll();
}
