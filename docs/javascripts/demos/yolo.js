// yolo — one forward pass over a scene gives an S×S grid of boxes and class probabilities; the
// confidence threshold and non-maximum suppression run here, on that grid, exactly as in
// demos/yolo/infer.py (both use the decoding and NMS of ../detection.js / demos/common/detection.py).

import { latestWins } from "../latest-wins.js";
import { CLASS_COLOURS, decodeYolo, detectionPanel, drawBox, nms, pick, toChw } from "../detection.js";
import { currentScene, offerGoldenScene, onScene, sceneEditor } from "../parts/scene-editor.js";

/** Loaded by the runtime before mount: the detection demos' shared stylesheet. */
export const styles = ["../../stylesheets/detection.css"];

export function mount(box, ctx) {
  const { sidecar } = ctx;
  const spec = sidecar.preprocessing.scene;
  const { grid: s, boxes: b, classes, image: size } = sidecar.config;
  const labels = sidecar.labels;

  const editor = sceneEditor(ctx, spec, { hard: sidecar.preprocessing.hard_scene });
  const { panel, confidence, overlap, overlay: gridBox, summary, list } = detectionPanel(sidecar, `show the ${s}×${s} grid`,
    `Measured at export on ${sidecar.metrics.held_out_scenes} held-out scenes of each kind: mAP@0.5 ` +
    `${sidecar.metrics.onnxruntime_map50.toFixed(3)} on harder scenes, ` +
    `${sidecar.metrics.onnxruntime_standard_map50.toFixed(3)} on standard ones. Why it misses objects: the table of misses below the demos.`);
  const cellInfo = document.createElement("p");
  cellInfo.className = "inn-det__cell";
  cellInfo.setAttribute("aria-live", "polite");
  cellInfo.textContent = "Point at or tap a cell (or use the arrow keys on the scene) to see its predictions.";
  panel.append(cellInfo);
  ctx.body.append(editor.element, panel);

  const pen = editor.overlay.getContext("2d");
  const scale = editor.overlay.width / size;
  let grid = null; // Float32Array S·S·(5B+C) of the scene shown
  let hover = null;

  // ---- draw(): decode + NMS on the current grid with the sliders' values -------------------------
  function draw() {
    pen.clearRect(0, 0, editor.overlay.width, editor.overlay.height);
    if (!grid) return;
    const found = decodeYolo(grid, s, b, classes, confidence.value(), size);
    const kept = pick(found, nms(found.boxes, found.scores, found.labels, overlap.value()));
    const cell = editor.overlay.width / s;
    if (gridBox.checked) {
      pen.strokeStyle = "rgba(255,255,255,0.35)";
      pen.lineWidth = 1;
      for (let i = 1; i < s; i++) {
        pen.beginPath(); pen.moveTo(i * cell, 0); pen.lineTo(i * cell, s * cell); pen.stroke();
        pen.beginPath(); pen.moveTo(0, i * cell); pen.lineTo(s * cell, i * cell); pen.stroke();
      }
    }
    kept.cells.forEach(([row, col], k) => { // the responsible cells, tinted by class
      pen.fillStyle = `${CLASS_COLOURS[kept.labels[k]]}44`;
      pen.fillRect(col * cell, row * cell, cell, cell);
    });
    if (hover) {
      pen.strokeStyle = "#fff";
      pen.lineWidth = 2;
      pen.strokeRect(hover[1] * cell, hover[0] * cell, cell, cell);
    }
    kept.boxes.forEach((bx, k) =>
      drawBox(pen, bx, scale, CLASS_COLOURS[kept.labels[k]], `${labels[kept.labels[k]]} ${kept.scores[k].toFixed(2)}`));
    list.replaceChildren(...kept.boxes.map((bx, k) => {
      const item = document.createElement("li");
      const [row, col, j] = kept.cells[k];
      const conf = grid[(row * s + col) * (5 * b + classes) + 5 * j + 4];
      item.textContent = `${labels[kept.labels[k]]} ${kept.scores[k].toFixed(3)} — cell (${row}, ${col}), box ${j}: ` +
        `C = ${conf.toFixed(3)} × Pr(${labels[kept.labels[k]]} | object) = ${(kept.scores[k] / conf).toFixed(3)}`;
      item.style.borderLeftColor = CLASS_COLOURS[kept.labels[k]];
      return item;
    }));
    summary.textContent = `${kept.boxes.length} object(s) kept of ${found.boxes.length} boxes above the threshold ` +
      `(${s * s * b} predicted by 1 forward pass).`;
    editor.describe(`${summary.textContent} ${kept.boxes.map((bx, k) => `${labels[kept.labels[k]]} ${kept.scores[k].toFixed(2)}`).join(", ")}.`);
    list.dataset.result = JSON.stringify({
      confidence: confidence.value(), nms_iou: overlap.value(),
      detections: kept.boxes.map((bx, k) => ({ class: labels[kept.labels[k]], score: kept.scores[k], box: bx, cell: kept.cells[k] })),
    });
    if (hover) describeCell(...hover);
  }

  function describeCell(row, col) {
    const base = (row * s + col) * (5 * b + classes);
    const boxes = Array.from({ length: b }, (_, j) => `box ${j}: C = ${grid[base + 5 * j + 4].toFixed(3)}`);
    const probs = labels.map((l, c) => `${l} ${grid[base + 5 * b + c].toFixed(2)}`);
    cellInfo.textContent = `Cell (${row}, ${col}) — ${boxes.join(", ")}; Pr(class | object): ${probs.join(", ")}`;
  }

  // ---- run(): scene → model → draw ---------------------------------------------------------------
  let runs = 0;
  const run = latestWins(async () => {
    const ort = await ctx.ort();
    const session = await ctx.session(0);
    const scene = currentScene();
    const input = new ort.Tensor("float32", toChw(scene.rgba, size, size), [1, 3, size, size]);
    const started = performance.now();
    const output = await session.run({ [sidecar.models[0].inputs[0].name]: input });
    const ms = performance.now() - started;
    grid = output[sidecar.models[0].outputs[0].name].data;
    draw();
    list.dataset.inferenceMs = ms.toFixed(3);
    list.dataset.runs = String(++runs);
    ctx.status(`${scene.source}: 1 forward pass in ${ms.toFixed(1)} ms in your browser.`);
  }, ctx.error);

  confidence.input.addEventListener("input", draw);
  overlap.input.addEventListener("input", draw);
  gridBox.addEventListener("change", draw);
  // The cell inspector: a mouse selects the cell under the pointer, a tap (touch or pen) the cell
  // tapped — the shape placed there too, so its own cell is shown — and arrow keys move the selection.
  function selectCell(cell) {
    if (!grid || cell[0] < 0 || cell[1] < 0 || cell[0] >= s || cell[1] >= s) return;
    if (!hover || hover[0] !== cell[0] || hover[1] !== cell[1]) { hover = cell; draw(); }
  }
  const cellAt = (event) => {
    const r = editor.stage.getBoundingClientRect();
    return [Math.floor(((event.clientY - r.top) / r.height) * s), Math.floor(((event.clientX - r.left) / r.width) * s)];
  };
  editor.stage.addEventListener("pointermove", (event) => { if (event.pointerType === "mouse") selectCell(cellAt(event)); });
  editor.stage.addEventListener("pointerdown", (event) => selectCell(cellAt(event)));
  const arrows = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
  editor.canvas.addEventListener("keydown", (event) => {
    if (!(event.key in arrows)) return;
    event.preventDefault();
    const [dr, dc] = arrows[event.key];
    const [row, col] = hover || [Math.floor(s / 2), Math.floor(s / 2)];
    selectCell([Math.min(Math.max(row + dr, 0), s - 1), Math.min(Math.max(col + dc, 0), s - 1)]);
  });
  onScene(box, (scene) => { if (scene.source !== "golden") run(); });

  // ---- until the model is ready: the golden scene and the grid computed at export ----------------
  const golden = sidecar.golden[0];
  grid = Float32Array.from(golden.output.grid.flat(2));
  draw();
  ctx.status("Example: a held-out scene and its grid as computed at export. Place a shape or ask for a new scene to run the model in your browser.");
  offerGoldenScene(golden.input.png, ctx.error);
  ctx.whenNeeded(run);
}
