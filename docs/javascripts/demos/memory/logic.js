// memory, the logic: the reader's input (parse, check, stream — mirrors demos/memory/infer.py and
// tasks.py), the two models' runs on onnxruntime-web, and scoring. No DOM here: tests run it in Node.

export class InputError extends Error {}

function parseBits(text, width, what) {
  if (text.length !== width || /[^01]/.test(text)) {
    throw new InputError(`${what} must be ${width} characters, each 0 or 1 (got '${text.slice(0, 20)}')`);
  }
  return Array.from(text, Number);
}

/** URL query → {task, bits} or {task, items, query}; throws InputError with a readable message. */
export function parseQuery(query, sidecar) {
  const fields = new URLSearchParams(query.replace(/^[?#]/, ""));
  const task = fields.get("task") ?? "";
  if (task === "copy") {
    const width = sidecar.tasks.copy.n_out;
    const vectors = (fields.get("bits") ?? "").split(".").filter(Boolean);
    return check({ task, bits: vectors.map((v, i) => parseBits(v, width, `copy vector ${i + 1}`)) }, sidecar);
  }
  if (task === "recall") {
    const width = sidecar.tasks.recall.n_out;
    const items = (fields.get("items") ?? "").split(".").filter(Boolean)
      .map((item, i) => item.split("-").map((v) => parseBits(v, width, `item ${i + 1}`)));
    const raw = fields.get("query") ?? "0";
    if (!/^-?\d+$/.test(raw)) throw new InputError(`query must be a whole number (got '${raw}')`);
    return check({ task, items, query: Number(raw) }, sidecar);
  }
  throw new InputError(`task must be 'copy' or 'recall' (got '${task}')`);
}

function check(input, sidecar) {
  const spec = sidecar.tasks[input.task];
  const size = input.task === "copy" ? input.bits.length : input.items.length;
  if (size < spec.min_size) {
    throw new InputError(`${input.task} needs at least ${spec.min_size} ${input.task === "copy" ? "vector" : "items"} (got ${size})`);
  }
  if (size > spec.max_size) {
    throw new InputError(`the demo accepts at most ${spec.max_size} ${spec.unit} for ${input.task} (got ${size})`);
  }
  if (input.task === "recall") {
    if (input.items.some((item) => item.length !== spec.item_len)) throw new InputError(`each recall item has ${spec.item_len} vectors`);
    if (!(input.query >= 0 && input.query < size - 1)) {
      throw new InputError(`query must be an item index from 0 to ${size - 2} (the last item has no successor)`);
    }
  }
  return input;
}

export function toQuery(input) {
  const bits = (v) => v.join("");
  if (input.task === "copy") return `task=copy&bits=${input.bits.map(bits).join(".")}`;
  return `task=recall&items=${input.items.map((item) => item.map(bits).join("-")).join(".")}&query=${input.query}`;
}

export function sizeOf(input) {
  return input.task === "copy" ? input.bits.length : input.items.length;
}

/** The input stream x (T × n_in), target rows and the first scored step, as in tasks.py. */
export function stream(input, sidecar) {
  const spec = sidecar.tasks[input.task];
  const rows = [];
  const blank = () => new Array(spec.n_in).fill(0);
  const data = (v) => [...v, ...new Array(spec.n_in - v.length).fill(0)];
  const mark = (channel) => { const r = blank(); r[channel] = 1; return r; };
  let target;
  if (input.task === "copy") {
    input.bits.forEach((v) => rows.push(data(v)));
    rows.push(mark(spec.n_out));
    input.bits.forEach(() => rows.push(blank()));
    target = input.bits;
  } else {
    input.items.forEach((item) => { rows.push(mark(spec.n_out)); item.forEach((v) => rows.push(data(v))); });
    rows.push(mark(spec.n_out + 1));
    input.items[input.query].forEach((v) => rows.push(data(v)));
    rows.push(mark(spec.n_out + 1));
    input.items[input.query + 1].forEach(() => rows.push(blank()));
    target = input.items[input.query + 1];
  }
  return { x: rows, target, first: rows.length - target.length };
}

export function randomInput(task, size, sidecar) {
  const spec = sidecar.tasks[task];
  const vec = () => Array.from({ length: spec.n_out }, () => (Math.random() < 0.5 ? 0 : 1));
  if (task === "copy") return { task, bits: Array.from({ length: size }, vec) };
  const items = Array.from({ length: size }, () => Array.from({ length: spec.item_len }, vec));
  return { task, items, query: Math.floor(Math.random() * (size - 1)) };
}

/** Why a model cannot run this input (the same words as infer.py), or null. */
export function capacityProblem(model, input, steps, sidecar) {
  const { ntm_rows: rows, transformer_positions: positions } = sidecar.limits;
  const size = sizeOf(input);
  if (model === "ntm" && input.task === "copy" && size > rows) {
    return `a copy of ${size} vectors needs ${size} memory rows, the NTM has ${rows}: it would overwrite the start of the sequence before reading it back`;
  }
  if (model === "transformer" && steps > positions) {
    return `this input is ${steps} steps long; the Transformer's position capacity is ${positions} steps (the key/value cache the demo lets it grow)`;
  }
  return null;
}

export async function runNtm(ort, session, cfg, x) {
  const { mem_n: n, mem_m: m, controller: hidden, mem_init: init } = cfg;
  const w0 = new Float32Array(n);
  w0[0] = 1;
  let state = {
    memory: new ort.Tensor("float32", new Float32Array(n * m).fill(init), [1, n, m]),
    read: new ort.Tensor("float32", new Float32Array(m), [1, m]),
    w_read: new ort.Tensor("float32", w0.slice(), [1, n]),
    w_write: new ort.Tensor("float32", w0.slice(), [1, n]),
    h: new ort.Tensor("float32", new Float32Array(hidden), [1, hidden]),
    c: new ort.Tensor("float32", new Float32Array(hidden), [1, hidden]),
  };
  const trace = { y: [], memory: [], w_read: [], w_write: [], beta: [], g: [], gamma: [], shift: [] };
  for (const row of x) {
    const out = await session.run({ x: new ort.Tensor("float32", Float32Array.from(row), [1, row.length]), ...state });
    state = Object.fromEntries(Object.keys(state).map((k) => [k, out[`${k}_out`]]));
    for (const k of ["memory", "w_read", "w_write"]) trace[k].push(out[`${k}_out`].data.slice());
    for (const k of ["y", "beta", "g", "gamma", "shift"]) trace[k].push(Array.from(out[k].data));
  }
  return trace;
}

export async function runTransformer(ort, session, x) {
  const t = x.length, width = x[0].length;
  const out = await session.run({ x: new ort.Tensor("float32", Float32Array.from(x.flat()), [1, t, width]) });
  const n = out.y.dims[2];
  const y = Array.from({ length: t }, (_, i) => Array.from(out.y.data.slice(i * n, (i + 1) * n)));
  return { y, attention: out.attention.data, dims: out.attention.dims }; // dims (1, layers, heads, T, T)
}

/** Output bits, probabilities and bit errors at the scored steps (the fields infer.py prints with --json). */
export function score(y, target, first) {
  const probabilities = target.map((_, i) => y[first + i]);
  const output = probabilities.map((row) => row.map((p) => (p > 0.5 ? 1 : 0)));
  const errors = output.reduce((sum, row, i) => sum + row.filter((b, j) => b !== target[i][j]).length, 0);
  return { output, probabilities, bit_errors: errors };
}

/** A few words where a model falls short: at the largest training size, or beyond it (within 80 % of
 * what guessing gets counts as no better than guessing). `guessAt(n)` is guessing's bit errors at size n. */
function verdict(errors, inside, beyond, guessAt) {
  if (errors[inside] >= 0.5) {
    return errors[inside] >= 0.8 * guessAt(inside) ? " (not learned: about what guessing gets)" : " (not fully learned)";
  }
  return beyond.some((n) => errors[n] >= 0.8 * guessAt(n)) ? " (only at the training sizes: beyond them about what guessing gets)" : "";
}

/** How well each exported model does a task, from the numbers recorded by the training scripts
 * (sidecar.metrics): for copy the median over the comparison's seeds, for recall the exported
 * curriculum run itself (demos/memory/recall.py). */
export function taskSummary(task, sidecar) {
  const spec = sidecar.tasks[task];
  const bits = spec.n_out * spec.item_len;
  const guess = bits / 2;
  const curriculum = task === "recall" ? sidecar.metrics.recall_exported : null;
  const parts = ["ntm", "transformer"].map((m) => {
    const errors = curriculum ? curriculum[m]?.bit_errors : sidecar.metrics[`${m}_${task}`]?.median_bit_errors;
    if (!errors) return null;
    const sizes = Object.keys(errors).map(Number).sort((a, b) => a - b);
    const inside = sizes.filter((n) => n <= spec.train[1]).pop();
    const beyond = sizes.find((n) => n > spec.train[1]);
    const shown = [inside, beyond, curriculum ? sizes.at(-1) : undefined]
      .filter((n, i, all) => n !== undefined && all.indexOf(n) === i);
    const guessAt = (n) => (task === "copy" ? (n * spec.n_out) / 2 : guess);
    return `${m === "ntm" ? "NTM" : "Transformer"} ${shown.map((n) => `${errors[n].toFixed(2)} at ${n} ${spec.unit}`).join(", ")}`
      + (inside === undefined ? "" : verdict(errors, inside, shown.filter((n) => n > inside), guessAt));
  }).filter(Boolean);
  const how = curriculum
    ? `bit errors of the ${bits} answer bits, mean over 100 fresh inputs per size, recorded by demos/memory/recall.py; `
      + `trained with a curriculum of ${spec.train[0]}–${spec.train[1]} ${spec.unit}`
    : `median bit errors ${task === "copy" ? "per sequence" : `of the ${bits} answer bits`} on fresh inputs, recorded by the training scripts; `
      + `trained on ${spec.train[0]}–${spec.train[1]} ${spec.unit}`;
  return `How well the exported models do ${task} (${how}): ${parts.join("; ")}.`
    + (task === "recall" ? ` Guessing gets ${guess} wrong.` : "");
}
