// The face pipeline, step for step as demos/face/infer.py (see its docstring): letterbox → detector →
// SSD anchor decoding → weighted NMS → crop rotated by the eye line → landmark net → image pixels.
// Pure functions plus track(), which runs the two ONNX sessions; tested in Node against Python.

/** (896·2) anchor centres in [0, 1]; layers of the same stride share one grid, 2 anchors per layer. */
export function anchors(p) {
  const out = [];
  const strides = p.anchor_strides;
  let layer = 0;
  while (layer < strides.length) {
    let same = 0;
    while (layer + same < strides.length && strides[layer + same] === strides[layer]) same++;
    const cells = Math.ceil(p.detector_size / strides[layer]);
    for (let y = 0; y < cells; y++) {
      for (let x = 0; x < cells; x++) {
        for (let k = 0; k < 2 * same; k++) out.push([(x + p.anchor_offset) / cells, (y + p.anchor_offset) / cells]);
      }
    }
    layer += same;
  }
  return out;
}

/** Sample RGB(A) pixels on a size×size grid through `m` (2×3, output pixel centre → source point),
 * bilinear, zero outside; values scaled by `scale` and shifted by `shift`. Float32Array NHWC. */
export function warp(pixels, width, height, channels, m, size, scale = 1 / 255, shift = 0) {
  const out = new Float32Array(size * size * 3);
  const at = (yy, xx, c) => (yy >= 0 && yy < height && xx >= 0 && xx < width ? pixels[(yy * width + xx) * channels + c] * scale : 0);
  for (let v = 0; v < size; v++) {
    for (let u = 0; u < size; u++) {
      const x = m[0][0] * (u + 0.5) + m[0][1] * (v + 0.5) + m[0][2] - 0.5;
      const y = m[1][0] * (u + 0.5) + m[1][1] * (v + 0.5) + m[1][2] - 0.5;
      const x0 = Math.floor(x), y0 = Math.floor(y);
      const fx = x - x0, fy = y - y0;
      for (let c = 0; c < 3; c++) {
        const top = at(y0, x0, c) * (1 - fx) + at(y0, x0 + 1, c) * fx;
        const bottom = at(y0 + 1, x0, c) * (1 - fx) + at(y0 + 1, x0 + 1, c) * fx;
        out[(v * size + u) * 3 + c] = top * (1 - fy) + bottom * fy + shift;
      }
    }
  }
  return out;
}

/** Detector input → image: the image fits the size×size square, centred. */
export function letterbox(width, height, size) {
  const scale = Math.max(width, height) / size;
  return [[scale, 0, (width - size * scale) / 2], [0, scale, (height - size * scale) / 2]];
}

/** Raw regressors (896·16) and logits (896) → detections above min_score, in detector units. */
export function decode(regressors, logits, p, anchorList = anchors(p)) {
  const found = [];
  const n = p.keypoints.length;
  anchorList.forEach(([ax, ay], i) => {
    const z = Math.min(Math.max(logits[i], -p.score_clip), p.score_clip);
    const score = 1 / (1 + Math.exp(-z));
    if (score < p.min_score) return;
    const r = (j) => regressors[i * 16 + j] / p.box_scale;
    const cx = r(0) + ax, cy = r(1) + ay, hw = r(2) / 2, hh = r(3) / 2;
    const keypoints = Array.from({ length: n }, (_, k) => [r(4 + 2 * k) + ax, r(5 + 2 * k) + ay]);
    found.push({ score, box: [cx - hw, cy - hh, cx + hw, cy + hh], keypoints });
  });
  return found;
}

export function iou(a, b) {
  const w = Math.max(Math.min(a[2], b[2]) - Math.max(a[0], b[0]), 0);
  const h = Math.max(Math.min(a[3], b[3]) - Math.max(a[1], b[1]), 0);
  const area = (q) => Math.max(q[2] - q[0], 0) * Math.max(q[3] - q[1], 0);
  return (w * h) / Math.max(area(a) + area(b) - w * h, 1e-12);
}

/** MediaPipe's weighted NMS (as infer.weighted_nms): a cluster's box and keypoints are score-weighted means. */
export function weightedNms(found, threshold) {
  let order = found.map((_, i) => i).sort((a, b) => found[b].score - found[a].score || a - b);
  const faces = [];
  while (order.length) {
    const best = found[order[0]];
    const group = order.filter((i) => iou(best.box, found[i].box) > threshold);
    order = order.filter((i) => iou(best.box, found[i].box) <= threshold);
    const total = group.reduce((s, i) => s + found[i].score, 0);
    const mean = (get) => get(best).map((_, j) => group.reduce((s, i) => s + get(found[i])[j] * found[i].score, 0) / total);
    faces.push({
      score: best.score,
      box: mean((d) => d.box),
      keypoints: best.keypoints.map((_, k) => mean((d) => d.keypoints[k])),
    });
  }
  return faces;
}

function apply(m, [x, y]) {
  return [m[0][0] * x + m[0][1] * y + m[0][2], m[1][0] * x + m[1][1] * y + m[1][2]];
}

/** A detection in detector units → image pixels (undo the letterbox). */
export function toImage(face, boxMap, size) {
  const m = boxMap.map((row) => [row[0] * size, row[1] * size, row[2]]);
  const [x0, y0] = apply(m, face.box.slice(0, 2));
  const [x1, y1] = apply(m, face.box.slice(2));
  return { score: face.score, box: [x0, y0, x1, y1], keypoints: face.keypoints.map((k) => apply(m, k)) };
}

/** Square crop 1.5× the face box, rotated so the eyes are level (target angle 0). */
export function cropOf(face, p) {
  const [[x0, y0], [x1, y1]] = face.keypoints;
  let angle = -Math.atan2(-(y1 - y0), x1 - x0);
  angle -= 2 * Math.PI * Math.floor((angle + Math.PI) / (2 * Math.PI));
  const b = face.box;
  const side = Math.max(b[2] - b[0], b[3] - b[1]) * p.crop_scale;
  return { centre: [(b[0] + b[2]) / 2, (b[1] + b[3]) / 2], side, angle };
}

/** Crop pixels (0..size) → image pixels. */
export function cropMatrix(crop, size) {
  const c = Math.cos(crop.angle), s = Math.sin(crop.angle), k = crop.side / size;
  const [cx, cy] = crop.centre;
  return [[c * k, -s * k, cx - ((c - s) * crop.side) / 2], [s * k, c * k, cy - ((s + c) * crop.side) / 2]];
}

/** Raw landmarks (468·3, crop pixels) → [[x, y, z]] in image pixels. */
export function landmarksToImage(raw, crop, size) {
  const m = cropMatrix(crop, size);
  const out = [];
  for (let i = 0; i < raw.length; i += 3) out.push([...apply(m, [raw[i], raw[i + 1]]), (raw[i + 2] * crop.side) / size]);
  return out;
}

/** The whole pipeline on RGBA (or RGB) pixels with the sidecar's two sessions. */
export async function track(ort, sessions, pixels, width, height, channels, sidecar) {
  const p = sidecar.preprocessing;
  if (Math.min(width, height) < p.min_side) {
    throw new Error(`the image is ${width}×${height} pixels, too small to find a face in (at least ${p.min_side} pixels a side)`);
  }
  const started = performance.now();
  const det = p.detector_size;
  const boxMap = letterbox(width, height, det);
  const x = warp(pixels, width, height, channels, boxMap, det, 2 / 255, -1);
  const [detector, landmarker] = sidecar.models;
  const d = await sessions[0].run({ [detector.inputs[0].name]: new ort.Tensor("float32", x, [1, det, det, 3]) });
  const found = decode(d.regressors.data, d.classificators.data, p);
  const faces = weightedNms(found, p.nms_iou).map((f) => toImage(f, boxMap, det));
  const result = { width, height, faces, candidates: found.length };
  if (faces.length) {
    const size = p.landmark_size;
    const crop = cropOf(faces[0], p);
    const patch = warp(pixels, width, height, channels, cropMatrix(crop, size), size);
    const l = await sessions[1].run({ [landmarker.inputs[0].name]: new ort.Tensor("float32", patch, [1, size, size, 3]) });
    result.crop = crop;
    result.landmarks = landmarksToImage(l.landmarks.data, crop, size);
    result.face_score = 1 / (1 + Math.exp(-l.face_flag.data[0]));
  }
  result.ms = performance.now() - started;
  return result;
}

/** The rig solver (sessions[2]) on tracked landmarks → { control: value }, clipped to each slider's range. */
export async function solve(ort, session, landmarks, sidecar) {
  const { controls, ranges } = sidecar.config.rig;
  const input = new ort.Tensor("float32", Float32Array.from(landmarks.flat()), [1, landmarks.length, 3]);
  const raw = (await session.run({ [sidecar.models[2].inputs[0].name]: input })).controls.data;
  return Object.fromEntries(controls.map((name, k) => [name, Math.min(Math.max(raw[k], ranges[k][0]), ranges[k][1])]));
}

/** The rig (sessions[3]): controls → [[x, y, z]] mesh points (normalised units). */
export async function pose(ort, session, values, sidecar) {
  const names = sidecar.config.rig.controls;
  const input = new ort.Tensor("float32", Float32Array.from(names.map((n) => values[n])), [1, names.length]);
  const mesh = (await session.run({ [sidecar.models[3].inputs[0].name]: input })).mesh.data;
  return Array.from({ length: mesh.length / 3 }, (_, i) => [mesh[3 * i], mesh[3 * i + 1], mesh[3 * i + 2]]);
}
