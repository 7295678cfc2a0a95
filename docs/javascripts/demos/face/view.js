// Drawing for the face demo: the photo or camera frame with the tracked landmarks, and text alternatives.

/** Material's colours as RGB triples, read from the box so dark mode changes them. */
export function colours(box) {
  const style = getComputedStyle(box);
  const rgb = (name, fallback) => {
    const probe = document.createElement("span");
    probe.style.color = style.getPropertyValue(name).trim() || fallback;
    box.append(probe);
    const parsed = getComputedStyle(probe).color.match(/[\d.]+/g).slice(0, 3).map(Number);
    probe.remove();
    return parsed;
  };
  return { accent: rgb("--md-accent-fg-color", "#ff6e42"), surface: rgb("--md-primary-fg-color--light", "#7986cb") };
}

/** Draw `source` (image, video or canvas) and the landmarks / face box over it. */
export function drawPhoto(canvas, source, width, height, result, accent) {
  canvas.width = width;
  canvas.height = height;
  const pen = canvas.getContext("2d");
  pen.drawImage(source, 0, 0, width, height);
  if (!result) return;
  const dot = Math.max(1, Math.min(width, height) / 200);
  const [r, g, b] = accent;
  result.faces.forEach((face, k) => {
    const [x0, y0, x1, y1] = face.box;
    pen.strokeStyle = k === 0 ? `rgb(${r},${g},${b})` : "rgba(255,255,255,0.8)";
    pen.lineWidth = dot;
    pen.setLineDash(k === 0 ? [] : [4 * dot, 3 * dot]);
    pen.strokeRect(x0, y0, x1 - x0, y1 - y0);
  });
  pen.setLineDash([]);
  pen.fillStyle = "rgba(60,255,120,0.9)";
  for (const [x, y] of result.landmarks ?? []) pen.fillRect(x - dot / 2, y - dot / 2, dot, dot);
}

/** One sentence for the photo canvas's aria-label and the summary line. */
export function describe(result, source) {
  if (!result.faces.length) return `No face found in ${source}.`;
  const [x0, y0, x1, y1] = result.faces[0].box.map((v) => Math.round(v));
  const several = result.faces.length > 1 ? `${result.faces.length} faces found; using the most confident. ` : "";
  const tilt = ((result.crop.angle * 180) / Math.PI).toFixed(1);
  return `${several}Face in ${source} at (${x0}, ${y0})–(${x1}, ${y1}), detector score ${result.faces[0].score.toFixed(2)}; ` +
    `${result.landmarks.length} landmarks, eye line tilted ${tilt}°.`;
}
