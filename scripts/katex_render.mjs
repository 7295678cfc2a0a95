// Render TeX to HTML with KaTeX, for the whole build in one Node process (scripts/notes/math.py).
// Reads one JSON object a line on stdin, {"tex": "...", "display": true|false}, and answers each with
// one JSON line on stdout: {"html": "..."} or {"error": "KaTeX's message"}.
import { createInterface } from "node:readline";
import katex from "katex";

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of lines) {
  let answer;
  try {
    const { tex, display } = JSON.parse(line);
    answer = { html: katex.renderToString(tex, { displayMode: display, throwOnError: true, strict: "ignore" }) };
  } catch (err) {
    answer = { error: err.message ?? String(err) };
  }
  process.stdout.write(JSON.stringify(answer) + "\n");
}
