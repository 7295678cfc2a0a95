// A canvas picture with a caption, as the demos show their views and maps.

/** A focusable canvas with role img inside a figure with a caption. Its aria-label is the text alternative:
 *  the caption until the demo draws something and says what, so that it is never without one. */
export function canvasFigure(figureClass, canvasClass, caption) {
  const fig = document.createElement("figure");
  fig.className = figureClass;
  const canvas = document.createElement("canvas");
  canvas.className = canvasClass;
  canvas.setAttribute("role", "img");
  canvas.setAttribute("aria-label", caption ? `${caption} (not drawn yet)` : "Not drawn yet");
  canvas.tabIndex = 0;
  const text = document.createElement("figcaption");
  text.textContent = caption;
  fig.append(canvas, text);
  return [fig, canvas];
}
