// What the caption demo draws: a word's attention over the scene (the paper's figure: the image dimmed
// where the model does not look), the strip of one such picture per word, the 8×8 weights as a heat map
// (parts/heatmap.js), and the lists of beams with their log-probabilities. No model code here.

import { drawHeatmap } from "../../parts/heatmap.js";

/** Dim every grid cell of a canvas by how little attention it has: 0.7 × (1 − a / max a). */
export function dimByAttention(pen, attention, grid, side) {
  const most = Math.max(...attention, 1e-12);
  const cell = side / grid;
  for (let r = 0; r < grid; r++) {
    for (let c = 0; c < grid; c++) {
      const a = attention[r * grid + c] / most;
      pen.fillStyle = `rgba(0, 0, 0, ${(0.7 * (1 - a)).toFixed(3)})`;
      pen.fillRect(c * cell, r * cell, cell, cell);
    }
  }
}

/** Draw the scene (RGBA, size×size) with a word's attention on a canvas `side` px wide. */
export function drawSceneWithAttention(canvas, rgba, size, attention, grid, side = 4 * size) {
  canvas.width = canvas.height = side;
  const pen = canvas.getContext("2d");
  const scene = document.createElement("canvas");
  scene.width = scene.height = size;
  scene.getContext("2d").putImageData(new ImageData(new Uint8ClampedArray(rgba), size, size), 0, 0);
  pen.imageSmoothingEnabled = false;
  pen.drawImage(scene, 0, 0, side, side);
  if (attention) dimByAttention(pen, attention, grid, side);
}

/** The cell with the most weight: { row, col, weight }. */
export function peak(attention, grid) {
  let best = 0;
  for (let i = 1; i < attention.length; i++) if (attention[i] > attention[best]) best = i;
  return { row: Math.floor(best / grid), col: best % grid, weight: attention[best] };
}

/** The paper's figure, live: one small picture per word of a beam, its attention over the scene. */
export function attentionStrip(strip, rgba, size, words, attentions, grid, selected, onSelect) {
  strip.replaceChildren(...words.map((word, t) => {
    const fig = document.createElement("figure");
    fig.className = "inn-vis__map";
    const canvas = document.createElement("canvas");
    drawSceneWithAttention(canvas, rgba, size, attentions[t], grid, 2 * size);
    canvas.tabIndex = 0;
    canvas.setAttribute("role", "button");
    canvas.setAttribute("aria-pressed", String(t === selected));
    const { row, col, weight } = peak(attentions[t], grid);
    canvas.setAttribute("aria-label", `Attention while writing "${word}": most weight (${weight.toFixed(2)}) on row ${row}, column ${col}`);
    canvas.addEventListener("click", () => onSelect(t));
    canvas.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); onSelect(t); } });
    const text = document.createElement("figcaption");
    text.textContent = `${t + 1}. ${word}`;
    fig.append(canvas, text);
    return fig;
  }));
}

/** The 8×8 attention weights of one word as a heat map (0 to the largest weight). */
export function attentionHeatmap(canvas, attention, grid, word) {
  drawHeatmap(canvas, {
    values: attention, rows: grid, cols: grid, min: 0, cell: 18, title: `attention while writing "${word}"`,
    rowLabel: "row", colLabel: "column", highlight: (({ row, col }) => ({ row, col }))(peak(attention, grid)),
  });
  canvas.setAttribute("role", "img");
  canvas.setAttribute("aria-label", `Attention weights over the ${grid} by ${grid} grid while writing "${word}"`);
}

/** One list item per beam (live while the search runs, ended, or not ended at the length limit): its words,
 *  total log-probability and the mean per word; with onSelect each is a button choosing that beam. */
export function beamItems(list, beams, words, { selected = -1, onSelect = null } = {}) {
  const item = (b, state, k) => {
    const li = document.createElement("li");
    const per = b.logp / Math.max(1, b.words.length);
    const text = `${words(b.words)} — log p ${b.logp.toFixed(4)}, per word ${per.toFixed(4)} (${state})`;
    if (!onSelect) {
      li.textContent = text;
      return li;
    }
    const choose = document.createElement("button"); // a plain-text button: the beam whose words are shown
    choose.type = "button";
    choose.textContent = text;
    choose.className = "inn-cap__beam";
    choose.setAttribute("aria-pressed", String(k === selected));
    choose.addEventListener("click", () => onSelect(k));
    li.append(choose);
    return li;
  };
  list.replaceChildren(...beams.map((b, k) => item(b, b.live ? "live" : b.ended === false ? "not ended" : "ended", k)));
}
