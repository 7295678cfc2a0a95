// A turnable face mesh on a 2D canvas: 468 points and the mesh's triangles, rotated by yaw and pitch,
// sorted back to front and flat-shaded. Canvas 2D instead of three.js: 852 triangles need no WebGL,
// and the view then works where WebGL does not (some headless and locked-down browsers).

/** Points (x, y, z image pixels, y down) → centred, unit-sized, rotated by yaw (about y) then pitch. */
export function project(points, yaw, pitch) {
  const n = points.length;
  const mean = [0, 1, 2].map((j) => points.reduce((s, p) => s + p[j], 0) / n);
  let radius = 1e-9;
  for (const p of points) radius = Math.max(radius, Math.hypot(p[0] - mean[0], p[1] - mean[1], p[2] - mean[2]));
  const cy = Math.cos(yaw), sy = Math.sin(yaw), cp = Math.cos(pitch), sp = Math.sin(pitch);
  return points.map((p) => {
    const x = (p[0] - mean[0]) / radius, y = (p[1] - mean[1]) / radius, z = (p[2] - mean[2]) / radius;
    const x1 = cy * x + sy * z, z1 = -sy * x + cy * z;        // yaw
    const y2 = cp * y - sp * z1, z2 = sp * y + cp * z1;       // pitch
    return [x1, y2, z2];                                      // z2 < 0: toward the viewer
  });
}

/** Triangles back to front (painter's order), each with a brightness from its normal (Lambert, both sides). */
export function shade(projected, triangles) {
  const faces = triangles.map(([a, b, c]) => {
    const p = projected[a], q = projected[b], r = projected[c];
    const u = [q[0] - p[0], q[1] - p[1], q[2] - p[2]], v = [r[0] - p[0], r[1] - p[1], r[2] - p[2]];
    const nrm = [u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0]];
    const len = Math.hypot(...nrm) || 1;
    const light = Math.abs((nrm[0] * -0.3 + nrm[1] * -0.4 + nrm[2] * -0.87) / len);
    return { tri: [a, b, c], depth: (p[2] + q[2] + r[2]) / 3, light };
  });
  return faces.sort((f, g) => g.depth - f.depth);
}

/** Mount the view in `canvas`: drag (mouse, touch, pen) or arrow keys turn it; set(points) redraws. */
export function meshView(canvas, triangles, colours) {
  let points = null, yaw = 0.5, pitch = 0.15;
  const pen = canvas.getContext("2d");
  const step = 0.12;

  function draw() {
    const { width: w, height: h } = canvas;
    pen.clearRect(0, 0, w, h);
    if (!points) return;
    const projected = project(points, yaw, pitch);
    const half = Math.min(w, h) * 0.46;
    const xy = (i) => [w / 2 + projected[i][0] * half, h / 2 + projected[i][1] * half];
    const [r, g, b] = colours().surface;
    for (const face of shade(projected, triangles)) {
      const k = 0.35 + 0.65 * face.light;
      pen.fillStyle = `rgb(${Math.round(r * k)},${Math.round(g * k)},${Math.round(b * k)})`;
      pen.beginPath();
      face.tri.forEach((i, j) => (j ? pen.lineTo(...xy(i)) : pen.moveTo(...xy(i))));
      pen.closePath();
      pen.fill();
      pen.strokeStyle = pen.fillStyle;
      pen.lineWidth = 0.6;
      pen.stroke();
    }
  }

  function turn(dYaw, dPitch) {
    yaw += dYaw;
    pitch = Math.max(-1.4, Math.min(1.4, pitch + dPitch));
    canvas.dataset.yaw = yaw.toFixed(3);
    draw();
  }

  let last = null;
  canvas.addEventListener("pointerdown", (e) => {
    last = [e.clientX, e.clientY];
    canvas.setPointerCapture?.(e.pointerId);
  });
  canvas.addEventListener("pointermove", (e) => {
    if (!last) return;
    turn((e.clientX - last[0]) * 0.01, (e.clientY - last[1]) * 0.01);
    last = [e.clientX, e.clientY];
  });
  const release = () => (last = null);
  canvas.addEventListener("pointerup", release);
  canvas.addEventListener("pointercancel", release);
  const keys = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] };
  canvas.addEventListener("keydown", (e) => {
    if (!(e.key in keys)) return;
    e.preventDefault();
    turn(...keys[e.key]);
  });
  return {
    set(next) {
      points = next;
      draw();
    },
    draw,
  };
}
