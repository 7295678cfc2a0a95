// face — MediaPipe's face detector and 468-point landmark net on a photo, an uploaded image or the
// reader's camera, in this page (ONNX Runtime Web); the mesh as a surface the reader can turn.
// The pipeline is face/pipeline.js, the same steps as demos/face/infer.py (tested against it in Node).

import { latestWins } from "../latest-wins.js";
import { canvasFigure } from "../parts/figure.js";
import { button } from "../runtime.js";
import { pose, solve, track } from "./face/pipeline.js";
import { meshView } from "./face/mesh3d.js";
import { formatRig, parseRig } from "./face/permalink.js";
import { colours, describe, drawPhoto } from "./face/view.js";

/** Loaded by the runtime before mount (relative to this module). */
export const styles = ["face/face.css"];

const MAX_SIDE = 4096; // like demos/common/images.py

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text) node.textContent = text;
  return node;
}

const figure = (className, caption) => canvasFigure("inn-face__view", className, caption);

export function mount(box, ctx) {
  const { sidecar } = ctx;
  const golden = sidecar.golden[0];
  const triangles = sidecar.config.triangles;
  const landmarkCount = sidecar.models[1].outputs[0].shape.at(-1) / 3; // the landmark net's (x, y, z) triples

  // ---- layout ---------------------------------------------------------------------------------
  const views = el("div", "inn-face__views");
  const [photoFig, photo] = figure("inn-face__photo", `The image and the ${landmarkCount} tracked landmarks (green); the box is the detector's.`);
  const [meshFig, meshCanvas] = figure("inn-face__mesh", "The mesh in 3D: drag, swipe or use the arrow keys to turn it.");
  const [rigFig, rigCanvas] = figure("inn-face__mesh", "The rig, driven by the controls below: solved from the tracked face, or set by you.");
  meshCanvas.width = meshCanvas.height = rigCanvas.width = rigCanvas.height = 480;
  views.append(photoFig, meshFig, rigFig);

  // One slider per rig control, ranges from the sidecar.
  const rigConfig = sidecar.config.rig;
  const rigPanel = el("div", "inn-face__rig");
  const sliders = {};
  rigConfig.controls.forEach((name, k) => {
    const [lo, hi] = rigConfig.ranges[k];
    const label = el("label", "", name.replace("_", " ") + (k >= 4 ? " (rad)" : ""));
    const input = el("input");
    // steps of 0.01 (radians for pose): every range starts on that grid, so linked values are kept exactly
    Object.assign(input, { type: "range", min: lo, max: hi, step: 0.01, value: 0, id: `inn-face-${name}` });
    label.htmlFor = input.id;
    const out = el("output", "", "0.00");
    out.htmlFor = input.id;
    rigPanel.append(label, input, out);
    sliders[name] = { input, out };
  });

  const tools = el("div", "inn-face__tools");
  const trackButton = button("Track this photo", "Run both nets on the photo in this page");
  const uploadButton = button("Upload a photo…", "Track a face in an image from your device; it stays in this page");
  const file = el("input", "inn-face__file");
  file.type = "file";
  file.accept = "image/*";
  file.setAttribute("aria-label", "Upload a photo");
  file.tabIndex = -1;
  const cameraButton = button("Start camera", "Track your face live; frames never leave this page");
  cameraButton.setAttribute("aria-pressed", "false");
  tools.append(trackButton, uploadButton, file, cameraButton);
  const note = el("p", "inn-face__note",
    "The camera starts only when you press Start camera. Its frames are processed here, by ONNX Runtime " +
    "Web in this page, and never leave it; the camera stops when this box scrolls out of view.");
  const summary = el("p", "inn-face__summary");
  summary.setAttribute("aria-live", "polite");
  ctx.body.append(views, tools, note, summary, rigPanel);

  const mesh = meshView(meshCanvas, triangles, () => colours(box));
  const rigView = meshView(rigCanvas, triangles, () => colours(box));
  rigView.set(golden.output.landmarks); // the rig's neutral face is this mesh
  rigCanvas.setAttribute("aria-label", "The rig at rest: the astronaut's tracked mesh, turnable with the arrow keys.");
  let current = { source: null, name: "", width: 0, height: 0 }; // what the photo canvas shows
  let lastResult = null;

  // ---- draw(): the current source and result ----------------------------------------------------
  function draw(result, label) {
    drawPhoto(photo, current.source, current.width, current.height, result, colours(box).accent);
    const text = result ? describe(result, label) : `${label}: not tracked yet.`;
    photo.setAttribute("aria-label", text);
    if (result?.landmarks) {
      mesh.set(result.landmarks);
      meshCanvas.setAttribute("aria-label", `The ${result.landmarks.length}-point face mesh of ${label}, ${triangles.length} triangles, turnable with the arrow keys.`);
    }
    summary.textContent = text;
  }

  function publish(result, extra = {}) {
    lastResult = result;
    summary.dataset.result = JSON.stringify({
      width: result.width, height: result.height, faces: result.faces, crop: result.crop,
      landmarks: result.landmarks, face_score: result.face_score, ms: result.ms, ...extra,
    });
  }

  // ---- sources ----------------------------------------------------------------------------------
  function loadImage(url) {
    return new Promise((resolve, reject) => {
      const image = new Image();
      image.onload = () => resolve(image);
      image.onerror = () => reject(new Error("the file is not an image this browser can decode"));
      image.src = url;
    });
  }

  function pixelsOf(source, width, height) {
    const work = el("canvas");
    work.width = width;
    work.height = height;
    const pen = work.getContext("2d", { willReadFrequently: true });
    pen.drawImage(source, 0, 0, width, height);
    return pen.getImageData(0, 0, width, height).data;
  }

  let sessions = null;
  async function models() {
    sessions ??= Promise.all(sidecar.models.map((_, i) => ctx.session(i)));
    sessions.catch(() => (sessions = null));
    return sessions;
  }

  // ---- the rig: sliders → rig net → mesh; tracked landmarks → solver → sliders ---------------------
  const values = () => Object.fromEntries(rigConfig.controls.map((n) => [n, Number(sliders[n].input.value)]));
  async function drawRig() {
    const ort = await ctx.ort();
    const loaded = await models();
    const controls = values();
    rigView.set(await pose(ort, loaded[3], controls, sidecar));
    const said = rigConfig.controls.map((n) => `${n.replace("_", " ")} ${controls[n].toFixed(2)}`).join(", ");
    rigCanvas.setAttribute("aria-label", `The rig mesh at ${said}; turnable with the arrow keys.`);
    rigPanel.dataset.controls = JSON.stringify(controls);
  }
  const poseRig = latestWins(drawRig, ctx.error);  // the latest slider values win
  function setControls(controls) {
    for (const [name, v] of Object.entries(controls)) {
      sliders[name].input.value = v;
      sliders[name].out.textContent = v.toFixed(2);
    }
  }
  async function retarget(result) {
    if (!result.landmarks?.length) return;
    const ort = await ctx.ort();
    const loaded = await models();
    const solved = await solve(ort, loaded[2], result.landmarks, sidecar);
    rigPanel.dataset.solved = JSON.stringify(solved);
    setControls(solved);
    await drawRig();
  }
  rigPanel.addEventListener("input", (event) => {
    const name = event.target.id?.replace("inn-face-", "");
    if (!sliders[name]) return;
    sliders[name].out.textContent = Number(event.target.value).toFixed(2);
    const url = new URL(window.location.href);
    url.searchParams.set("rig", formatRig(values()));
    history.replaceState(history.state, "", url);
    poseRig();
  });

  // ---- run(): the current still image through both nets ------------------------------------------
  let runs = 0;
  async function run() {
    try {
      const ort = await ctx.ort();
      const loaded = await models();
      const pixels = pixelsOf(current.source, current.width, current.height);
      const result = await track(ort, loaded, pixels, current.width, current.height, 4, sidecar);
      if (result.faces.length && result.face_score < sidecar.preprocessing.min_face_score) {
        result.faces = [];
        delete result.landmarks;
      }
      publish(result);
      draw(result, current.name);
      await retarget(result);
      summary.dataset.runs = String(++runs);
      ctx.status(result.faces.length
        ? `${current.name}: tracked in ${result.ms.toFixed(0)} ms in your browser (2 nets).`
        : `No face found in ${current.name}: nothing scored ≥ ${sidecar.preprocessing.min_score} on the detector.`);
    } catch (err) {
      ctx.error(err);
    }
  }

  async function showGolden() {
    const image = await loadImage(new URL(`../${golden.input.file.replace(/^javascripts\//, "")}`, import.meta.url).href);
    current = { source: image, name: "the astronaut photo", width: image.naturalWidth, height: image.naturalHeight };
    publish(golden.output);
    draw(golden.output, current.name);
    setControls(golden.output.controls);
    const linked = new URLSearchParams(window.location.search).get("rig");
    if (linked === null) return;
    try {
      setControls(parseRig(linked, rigConfig));
      ctx.status("The rig's pose comes from the page address; it is drawn on your first click or key in this box.");
      ctx.whenNeeded(() => drawRig().catch((err) => ctx.error(err)));
    } catch (err) {
      ctx.status(`The rig values in the page address are not valid (${err.message}); the rig stays at rest.`);
    }
  }

  uploadButton.addEventListener("click", () => file.click());
  file.addEventListener("change", async () => {
    const chosen = file.files?.[0];
    if (!chosen) return;
    stopCamera();
    const url = URL.createObjectURL(chosen);
    try {
      const image = await loadImage(url);
      const { naturalWidth: w, naturalHeight: h } = image;
      if (w > MAX_SIDE || h > MAX_SIDE) throw new Error(`${chosen.name} is ${w}×${h} pixels; images up to ${MAX_SIDE}×${MAX_SIDE} are accepted`);
      current = { source: image, name: chosen.name, width: w, height: h };
      draw(null, chosen.name);
      await run();
    } catch (err) {
      ctx.error(new Error(`${chosen.name}: ${err.message}`));
    } finally {
      URL.revokeObjectURL(url);
      file.value = "";
    }
  });
  trackButton.addEventListener("click", run);

  // ---- camera: only after a click; stopped when the box leaves the screen -------------------------
  let stream = null, video = null, frames = [];
  function stopCamera() {
    if (!stream) return;
    stream.getTracks().forEach((t) => t.stop());
    stream = null;
    cameraButton.textContent = "Start camera";
    cameraButton.setAttribute("aria-pressed", "false");
    box.dataset.camera = "off";
  }

  async function startCamera() {
    if (!navigator.mediaDevices?.getUserMedia) {
      ctx.status("This browser gives no camera to this page (a camera needs https or localhost). The photo stays.");
      return;
    }
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "user", width: { ideal: 640 } }, audio: false });
    } catch (err) {
      const refused = err.name === "NotAllowedError" || err.name === "SecurityError";
      ctx.status(refused ? "You did not allow the camera (or the browser blocked it); the photo stays. Nothing was recorded."
        : `No camera could be opened (${err.name}); the photo stays.`);
      return;
    }
    video = el("video");
    video.muted = true;
    video.playsInline = true;
    video.srcObject = stream;
    await video.play();
    cameraButton.textContent = "Stop camera";
    cameraButton.setAttribute("aria-pressed", "true");
    box.dataset.camera = "on";
    const ort = await ctx.ort();
    const loaded = await models();
    frames = [];
    while (stream && box.isConnected) {
      const width = video.videoWidth, height = video.videoHeight;
      if (width && height) {
        const result = await track(ort, loaded, pixelsOf(video, width, height), width, height, 4, sidecar);
        if (!stream) break;
        current = { source: video, name: "your camera", width, height };
        const now = performance.now();
        frames = [...frames.filter((t) => now - t < 2000), now];
        const fps = frames.length > 1 ? (1000 * (frames.length - 1)) / (now - frames[0]) : 0;
        publish(result, { fps });
        draw(result.faces.length ? result : { ...result, landmarks: [] }, "your camera");
        if (result.faces.length) await retarget(result);
        ctx.status(`Camera: ${fps.toFixed(1)} frames/s, ${result.ms.toFixed(0)} ms per frame in your browser. Frames never leave this page.`);
      }
      await new Promise((resolve) => requestAnimationFrame(resolve));
    }
    stopCamera();
  }

  cameraButton.addEventListener("click", () => (stream ? stopCamera() : startCamera().catch((err) => ctx.error(err))));
  new IntersectionObserver((entries) => {
    if (entries.some((e) => !e.isIntersecting)) stopCamera();
  }).observe(box);

  const scheme = new MutationObserver(() => lastResult && draw(lastResult, current.name));
  scheme.observe(document.body, { attributes: true, attributeFilter: ["data-md-color-scheme"] });
  return showGolden();
}
