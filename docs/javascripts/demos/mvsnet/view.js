// mvsnet/view — drawing helpers of the MVSNet demo: figures, the per-pixel curve over the depth planes,
// and the point cloud. Pure drawing of what run() produced; no inference here.

import { canvasFigure } from "../../parts/figure.js";
import { bounds, createView, webglAvailable } from "../../parts/view3d.js";
import { backProject } from "./geometry.js";

/** A new element with an optional class and text. */
export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** A focusable canvas with a caption (parts/figure.js), in this demo's figure style. */
export function figure(className, caption) {
  return canvasFigure("inn-mvs__figure", className, caption);
}

/** Each series scaled to [0, 1] over the planes (a flat series stays at 0), for one shared chart. */
export function normalise(values) {
  let lo = Infinity, hi = -Infinity;
  for (const v of values) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  return values.map((v) => (hi > lo ? (v - lo) / (hi - lo) : 0));
}

/** Curves over the depth planes: bars (probability, drawn as is) and lines scaled to [0, 1]; markers for
 *  the true depth, the chosen depth and the plane the slider is on. */
export function drawCurve(canvas, { depths, series, truth, chosen, plane }) {
  const css = getComputedStyle(canvas);
  const ink = css.color || "#888";
  const accent = css.getPropertyValue("--md-accent-fg-color").trim() || "#ff6e40";
  const room = canvas.closest(".inn-mvs")?.clientWidth || 560;
  const width = Math.min(560, Math.max(280, room - 8));
  const height = 200;
  const dpr = globalThis.devicePixelRatio || 1;
  canvas.width = Math.round(width * dpr);
  canvas.height = Math.round(height * dpr);
  canvas.style.width = `${width}px`;
  canvas.style.aspectRatio = `${width} / ${height}`;
  const g = canvas.getContext("2d");
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  g.clearRect(0, 0, width, height);
  const left = 34, right = 10, top = 10, bottom = 60;
  const pw = width - left - right, ph = height - top - bottom;
  const lo = depths[0], hi = depths[depths.length - 1];
  const X = (d) => left + ((d - lo) / (hi - lo)) * pw;
  const Y = (v) => top + (1 - v) * ph;
  const colours = ["#1e88e5", "#e53935", "#8e24aa"];
  g.font = "11px system-ui, sans-serif";
  g.strokeStyle = ink;
  g.strokeRect(left - 0.5, top - 0.5, pw + 1, ph + 1);
  series.forEach((s, k) => {
    g.strokeStyle = g.fillStyle = colours[k % colours.length];
    if (s.kind === "bars") {
      const bw = Math.max(1, pw / depths.length - 1);
      s.values.forEach((v, i) => g.fillRect(X(depths[i]) - bw / 2, Y(v), bw, v * ph));
    } else {
      const v = normalise(s.values);
      g.setLineDash(s.kind === "dashed" ? [4, 3] : []);
      g.lineWidth = 1.5;
      g.beginPath();
      v.forEach((y, i) => (i ? g.lineTo(X(depths[i]), Y(y)) : g.moveTo(X(depths[i]), Y(y))));
      g.stroke();
      g.setLineDash([]);
    }
  });
  const marker = (d, colour, dash) => {
    if (!Number.isFinite(d)) return;
    g.strokeStyle = colour;
    g.setLineDash(dash);
    g.beginPath();
    g.moveTo(X(d), top);
    g.lineTo(X(d), top + ph);
    g.stroke();
    g.setLineDash([]);
  };
  marker(truth, ink, [2, 2]);
  marker(chosen, accent, []);
  marker(depths[plane], "rgba(128,128,128,0.8)", [1, 3]);
  g.fillStyle = ink;
  g.textAlign = "center";
  g.textBaseline = "top";
  for (const d of [lo, (lo + hi) / 2, hi]) g.fillText(d.toFixed(2), X(d), top + ph + 3);
  g.textAlign = "left";
  const legend = [...series.map((s, k) => [colours[k % colours.length], s.label + (s.kind === "bars" ? "" : " (scaled)")]),
    [ink, "true depth (dotted), chosen depth (accent), slider plane (grey)"]];
  legend.forEach(([c, text], i) => {
    g.fillStyle = c;
    g.fillRect(left, top + ph + 18 + i * 11, 8, 8);
    g.fillStyle = ink;
    g.fillText(text, left + 12, top + ph + 16 + i * 11);
  });
}

/** The result as a point cloud in the shared three.js view (parts/view3d.js): the reference pixels at
 *  their depth, in their colours; with `confident`, only pixels whose confidence is at least 0.5. Created
 *  on the first live result (three.js is fetched then), kept on the container and updated after. */
export async function pointCloud(container, s, r, { confident = false } = {}) {
  if (r.golden) return;
  container.hidden = false;
  const keep = confident && r.confidence ? (p) => r.confidence[p] >= 0.5 : undefined;
  const { positions, colours } = backProject(r.depth, s.K[0], s.h, s.w, s.views[0].rgba, keep);
  const note = container.querySelector(".inn-mvs__cloud-note");
  if (!webglAvailable()) {
    note.textContent = "The point cloud needs WebGL, which this browser does not offer.";
    return;
  }
  container.view ??= createView(container, { height: 300,
    label: "Point cloud of the reference view: drag to turn, wheel or pinch to zoom; with focus, arrow keys turn and + or - zoom" });
  const view = await container.view;
  if (container.points) container.points.update(positions, colours);
  else container.points = view.addPoints(positions, colours, { size: 3 });
  if (!container.framed || container.framed !== s) {
    view.frame(...bounds(positions));
    container.framed = s;
  }
  view.render();
  note.textContent = `${positions.length / 3} points: the reference pixels at their ${r.method === "plane_sweep" ? "plane sweep" : "MVSNet"} depth`
    + `${keep ? " (confidence at least 0.5)" : ""}, in the reference camera's frame. Drag to turn, wheel or pinch to zoom.`;
  container.dataset.points = String(positions.length / 3);
}
