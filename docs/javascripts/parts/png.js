// png — a base64 PNG from a sidecar (golden inputs and outputs) decoded by the browser, losslessly.

/** base64 PNG → { rgba: Uint8ClampedArray (width · height · 4), width, height }. */
export async function decodePng(base64) {
  const image = new Image();
  image.src = `data:image/png;base64,${base64}`;
  await image.decode();
  const canvas = document.createElement("canvas");
  canvas.width = image.naturalWidth;
  canvas.height = image.naturalHeight;
  const pen = canvas.getContext("2d", { willReadFrequently: true });
  pen.drawImage(image, 0, 0);
  return { rgba: pen.getImageData(0, 0, canvas.width, canvas.height).data, width: canvas.width, height: canvas.height };
}
