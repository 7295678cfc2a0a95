// colored-text — a text whose every character is coloured by a value (the char-LSTM page's picture:
// text coloured by one cell's activation). Shared by demos that colour text by a number per character.
//
//   import { coloredText } from "../parts/colored-text.js";
//   const view = coloredText(container, { label: "Text coloured by cell 12", onPick: (i) => … });
//   view.draw(text, values, { min: -1, max: 1, scheme: "diverging" }); // values: one number per character
//   view.select(i);  // highlight character i (also moved by arrow keys, Home/End, a tap or hover)
//   view.selected(); // → the selected index, or -1
//
// The text keeps its line breaks and spaces (white-space: pre-wrap); each character is a <span> with the
// colour of its value from parts/heatmap.js (`colour`), and a text colour that stays readable on it
// (`inkOn`). The view is one focusable element (role "textbox", read-only): Left/Right move by a
// character, Up/Down by a line, Home/End to the line's ends; onPick(i) fires on every move, tap or hover.
// The pure parts (`shadeAll`, `inkOn`, `lineMove`) are tested in Node (tests/test_charlstm_js.py).

import { colour } from "./heatmap.js";

const STYLE_ID = "inn-colored-text-style";
const CSS = `
.inn-ctext { font-family: var(--md-code-font-family, monospace); font-size: 0.68rem; line-height: 1.45;
  white-space: pre-wrap; word-break: break-all; overflow-y: auto; max-height: 22rem; padding: 0.4rem;
  border: 1px solid var(--md-default-fg-color--lightest); border-radius: 0.2rem; margin: 0;
  background: var(--md-code-bg-color); color: var(--md-code-fg-color); touch-action: manipulation; }
.inn-ctext:focus-visible { outline: 2px solid var(--md-accent-fg-color); outline-offset: 2px; }
.inn-ctext__ch { cursor: pointer; }
.inn-ctext__ch--nl::after { content: "\\21b5"; opacity: 0.45; }
.inn-ctext__ch--on { outline: 2px solid var(--md-accent-fg-color); outline-offset: -1px; }
`;

/** Relative luminance (sRGB, 0..1) of "rgb(r, g, b)". */
function luminance(rgb) {
  const [r, g, b] = rgb.match(/\d+/g).slice(0, 3).map((v) => {
    const c = Number(v) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** Black or white text, whichever contrasts more with the background colour "rgb(r, g, b)". */
export function inkOn(background) {
  const l = luminance(background);
  return (l + 0.05) / 0.05 >= 1.05 / (l + 0.05) ? "#000" : "#fff";
}

/** Every value's [background, ink] on a scheme between min and max (NaN: no colour). */
export function shadeAll(values, min, max, scheme = "diverging") {
  return Array.from(values, (v) => {
    if (v === null || v === undefined || Number.isNaN(v)) return [null, null];
    const bg = colour(v, min, max, scheme);
    return [bg, inkOn(bg)];
  });
}

/** The index a key moves to from `i` in `text`: Left/Right ±1, Up/Down the same column of the
 *  previous/next line (or its end), Home/End the line's ends; null for other keys. */
export function lineMove(text, i, key) {
  const n = text.length;
  if (n === 0) return null;
  const start = (k) => text.lastIndexOf("\n", k - 1) + 1;
  const end = (k) => { const e = text.indexOf("\n", k); return e < 0 ? n - 1 : e; };
  const at = Math.min(Math.max(i, 0), n - 1);
  const col = at - start(at);
  switch (key) {
    case "ArrowLeft": return Math.max(0, at - 1);
    case "ArrowRight": return Math.min(n - 1, at + 1);
    case "Home": return start(at);
    case "End": return end(at);
    case "ArrowUp": {
      const s = start(at);
      if (s === 0) return at;
      const prev = start(s - 1);
      return Math.min(prev + col, s - 1);
    }
    case "ArrowDown": {
      const e = end(at);
      if (e >= n - 1) return at;
      return Math.min(e + 1 + col, end(e + 1));
    }
    default: return null;
  }
}

function addStyle() {
  if (document.getElementById(STYLE_ID)) return;
  const style = document.createElement("style");
  style.id = STYLE_ID;
  style.textContent = CSS;
  document.head.append(style);
}

export function coloredText(container, { label = "Coloured text", onPick = () => {} } = {}) {
  addStyle();
  const root = document.createElement("pre");
  root.className = "inn-ctext";
  root.tabIndex = 0;
  root.setAttribute("role", "textbox");
  root.setAttribute("aria-readonly", "true");
  root.setAttribute("aria-label", `${label}. Arrow keys move between characters.`);
  container.append(root);
  let text = "";
  let spans = [];
  let current = -1;

  function select(i, notify = true) {
    if (i < 0 || i >= spans.length) return;
    if (current >= 0 && spans[current]) spans[current].classList.remove("inn-ctext__ch--on");
    current = i;
    spans[i].classList.add("inn-ctext__ch--on");
    if (notify) onPick(i);
  }

  function draw(newText, values, { min = -1, max = 1, scheme = "diverging", titles } = {}) {
    text = newText;
    const shades = shadeAll(values, min, max, scheme);
    const frag = document.createDocumentFragment();
    spans = Array.from(text, (ch, i) => {
      const span = document.createElement("span");
      span.className = ch === "\n" ? "inn-ctext__ch inn-ctext__ch--nl" : "inn-ctext__ch";
      span.textContent = ch;
      span.dataset.i = String(i);
      const [bg, ink] = shades[i] ?? [null, null];
      if (bg) { span.style.background = bg; span.style.color = ink; }
      if (titles) span.title = titles(i);
      frag.append(span);
      return span;
    });
    root.replaceChildren(frag);
    if (current >= spans.length) current = -1;
    if (current >= 0) select(current, false);
  }

  const pick = (event) => {
    const i = Number(event.target?.dataset?.i);
    if (Number.isInteger(i) && i !== current) select(i);
  };
  root.addEventListener("click", pick);
  root.addEventListener("pointerover", (event) => { if (event.pointerType === "mouse") pick(event); });
  root.addEventListener("keydown", (event) => {
    const next = lineMove(text, current < 0 ? 0 : current, event.key);
    if (next === null) return;
    event.preventDefault();
    select(next);
    spans[next].scrollIntoView({ block: "nearest" });
  });
  return { element: root, draw, select, selected: () => current };
}
