// What a demo box says about its downloads — pure functions, tested in Node (tests/test_download_js.py).
//
// Hosts compress .wasm, .onnx and .js on the wire, so `Content-Length` is the compressed size while the
// bytes a fetch stream yields are the decompressed ones. Totals therefore come from sizes the site knows
// (the sidecar's `bytes`, the build's assets/vendor/ort/files.json), never from the response headers
// when the response is encoded.

/** Sizes the reader can read: 14.2 MB, 160 KB. */
export function formatBytes(n) {
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  if (n >= 1e3) return `${Math.round(n / 1e3)} KB`;
  return `${n} B`;
}

/** The total to show for a response: the known decompressed size, else Content-Length if not encoded. */
export function progressTotal(known, contentLength, contentEncoding) {
  if (known > 0) return known;
  const encoded = contentEncoding && contentEncoding !== "identity";
  return encoded ? 0 : Number(contentLength) || 0;
}

/** "Downloading digits.onnx: 80 KB of 160 KB", never more loaded than the total. */
export function progressText(what, loaded, total) {
  if (!total) return `Downloading ${what}: ${formatBytes(loaded)}`;
  return `Downloading ${what}: ${formatBytes(Math.min(loaded, total))} of ${formatBytes(total)}`;
}

/** The files the first run of a box will fetch, with their sizes: [{what, bytes}]. */
export function firstRunFiles(sidecar, ortBytes, ortLoaded) {
  const files = ortLoaded ? [] : [{ what: "ONNX Runtime", bytes: ortBytes }];
  return files.concat(sidecar.models.map((m) => ({ what: m.file, bytes: m.bytes })));
}

/** One sentence naming what the first run downloads. */
export function firstRunText(files) {
  const total = files.reduce((sum, f) => sum + f.bytes, 0);
  const parts = files.map((f) => `${f.what} ${formatBytes(f.bytes)}`).join(", ");
  const runtime = files.some((f) => f.what === "ONNX Runtime") ? " ONNX Runtime is fetched once for the whole site." : "";
  return `Running this demo downloads ${formatBytes(total)} (${parts}).${runtime}`;
}

/** Whether to wait for an explicit tap before a large first download: on Save-Data, or a phone-like
 *  device (coarse pointer, no hover), unless the runtime is already loaded or the reader agreed. */
export function needsConsent({ saveData, coarsePointer, ortLoaded, agreed }) {
  if (ortLoaded || agreed) return false;
  return Boolean(saveData || coarsePointer);
}
