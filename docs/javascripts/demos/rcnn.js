// rcnn — the two-stage pipeline: selective-search proposals (computed here, in JavaScript, exactly as
// demos/rcnn/selective_search.py does: ./rcnn/selective-search.js), each warped to 24×24 and classified by a small CNN — one evaluation
// per region, which also gives class-specific box deltas — each proposal moved by its class's deltas,
// then per-class NMS. Same steps as demos/rcnn/infer.py.

import { latestWins } from "../latest-wins.js";
import { CLASS_COLOURS, detectionPanel, drawBox, nms, percent, regress, warp } from "../detection.js";
import { selectiveSearch } from "./rcnn/selective-search.js";
import { currentScene, offerGoldenScene, onScene, sceneEditor } from "../parts/scene-editor.js";

/** Loaded by the runtime before mount: the detection demos' shared stylesheet. */
export const styles = ["../../stylesheets/detection.css"];

/** Each proposal's best shape class and its probability (background is the last column). */
export function scoreProposals(probs) {
  const labels = probs.map((p) => {
    let best = 0;
    for (let c = 1; c < p.length - 1; c++) if (p[c] > p[best]) best = c;
    return best;
  });
  return { labels, scores: probs.map((p, i) => p[labels[i]]) };
}

export function mount(box, ctx) {
  const { sidecar } = ctx;
  const spec = sidecar.preprocessing.scene;
  const doc = sidecar.preprocessing.proposals;
  const size = spec.size;
  const labels = sidecar.labels;

  const editor = sceneEditor(ctx, spec, { hard: sidecar.preprocessing.hard_scene });
  const m = sidecar.metrics;
  const measured = `Measured at export on ${m.held_out_scenes} held-out scenes of each kind: mAP@0.5 ` +
    `${m.onnxruntime_map50.toFixed(3)} on standard scenes, ${m.hard_onnxruntime_map50.toFixed(3)} on harder ones. ` +
    `Where it falls short: on harder scenes ${percent(1 - m.hard_proposal_recall50)} of the objects get no ` +
    `proposal at IoU ≥ 0.5, so no classifier can find them, and a scene needs ` +
    `${Math.round(m.hard_forward_passes_per_image)} CNN evaluations (${Math.round(m.forward_passes_per_image)} on ` +
    "standard scenes) where YOLO needs one.";
  const { panel, confidence, overlap, overlay: proposalBox, summary, list } =
    detectionPanel(sidecar, "show every proposal (dashed)", measured);
  proposalBox.checked = false;  // selective search gives about a hundred: off at first, so the detections stay readable
  ctx.body.append(editor.element, panel);

  const pen = editor.overlay.getContext("2d");
  const scale = editor.overlay.width / size;
  let state = null; // {boxes, probs, deltas, timing}

  // ---- draw(): threshold + NMS on the current proposals' probabilities ---------------------------
  function draw() {
    pen.clearRect(0, 0, editor.overlay.width, editor.overlay.height);
    if (!state) return;
    const { boxes, probs, deltas, timing } = state;
    const { labels: best, scores } = scoreProposals(probs);
    const moved = regress(boxes, boxes.map((_, i) => deltas[i][best[i]]));
    const candidates = scores.map((_, i) => i).filter((i) => scores[i] >= confidence.value());
    const kept = nms(candidates.map((i) => moved[i]), candidates.map((i) => scores[i]),
      candidates.map((i) => best[i]), overlap.value()).map((k) => candidates[k]);
    if (proposalBox.checked) boxes.forEach((bx) => drawBox(pen, bx, scale, "#ffffff", "", { dashed: true, width: 1 }));
    kept.forEach((i) => drawBox(pen, moved[i], scale, CLASS_COLOURS[best[i]], `${labels[best[i]]} ${scores[i].toFixed(2)}`));
    list.replaceChildren(...kept.map((i) => {
      const item = document.createElement("li");
      item.textContent = `${labels[best[i]]} ${scores[i].toFixed(3)} — proposal #${i} [${boxes[i].join(", ")}] ` +
        `moved by box regression to [${moved[i].map((v) => v.toFixed(1)).join(", ")}]`;
      item.style.borderLeftColor = CLASS_COLOURS[best[i]];
      return item;
    }));
    const times = timing ? ` Proposals ${timing.proposals.toFixed(1)} ms + warping ${timing.warp.toFixed(1)} ms + ` +
      `CNN ${timing.cnn.toFixed(1)} ms = ${timing.total.toFixed(1)} ms in your browser.` : "";
    summary.textContent = `${boxes.length} proposals → ${boxes.length} CNN evaluations → ${kept.length} object(s).${times}`;
    editor.describe(`${summary.textContent} ${kept.map((i) => `${labels[best[i]]} ${scores[i].toFixed(2)}`).join(", ")}.`);
    list.dataset.result = JSON.stringify({
      confidence: confidence.value(), nms_iou: overlap.value(), proposals: boxes, forward_passes: boxes.length,
      detections: kept.map((i) => ({ class: labels[best[i]], score: scores[i], box: moved[i], proposal: i })),
    });
  }

  // ---- run(): scene → proposals → warp → CNN on every region → draw --------------------------------
  let runs = 0;
  const run = latestWins(async () => {
    const ort = await ctx.ort();
    const session = await ctx.session(0);
    const scene = currentScene();
    const t0 = performance.now();
    const boxes = selectiveSearch(scene.rgba, size, size, doc);
    const t1 = performance.now();
    const regions = warp(scene.rgba, size, size, boxes, doc.warp, doc.context);
    const t2 = performance.now();
    let probs = [], deltas = [];
    if (boxes.length) {
      const input = new ort.Tensor("float32", regions, [boxes.length, 3, doc.warp, doc.warp]);
      const output = await session.run({ [sidecar.models[0].inputs[0].name]: input });
      const flat = output[sidecar.models[0].outputs[0].name].data;
      const width = labels.length + 1;
      probs = boxes.map((_, i) => Array.from(flat.subarray(i * width, (i + 1) * width)));
      const moves = output[sidecar.models[0].outputs[1].name].data;   // (K, classes, 4)
      deltas = boxes.map((_, i) => labels.map((_, c) => Array.from(moves.subarray((i * labels.length + c) * 4, (i * labels.length + c + 1) * 4))));
    }
    const t3 = performance.now();
    state = { boxes, probs, deltas, timing: { proposals: t1 - t0, warp: t2 - t1, cnn: t3 - t2, total: t3 - t0 } };
    draw();
    list.dataset.inferenceMs = (t3 - t0).toFixed(3);
    list.dataset.runs = String(++runs);
    ctx.status(`${scene.source}: ${boxes.length} regions classified.`);
  }, ctx.error);

  confidence.input.addEventListener("input", draw);
  overlap.input.addEventListener("input", draw);
  proposalBox.addEventListener("change", draw);
  onScene(box, (scene) => { if (scene.source !== "golden") run(); });

  // ---- until the model is ready: the golden scene's proposals and probabilities from export --------
  const golden = sidecar.golden[0];
  state = { boxes: golden.output.proposals, probs: golden.output.probs, deltas: golden.output.deltas, timing: null };
  draw();
  ctx.status("Example: a held-out scene, its proposals and their class probabilities as computed at export. Place a shape or ask for a new scene to run the pipeline in your browser.");
  offerGoldenScene(golden.input.png, ctx.error);
  ctx.whenNeeded(run);
}
