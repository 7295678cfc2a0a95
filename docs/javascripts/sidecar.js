// Sidecar checks in the browser: the same JSON Schema as the command line and the build
// (demos/common/sidecar.schema.json, copied below; tests/test_sidecar_js.py keeps the two equal), applied
// by a small interpreter of the keywords that schema uses. A problem is thrown as one Error whose message
// names the file: "models/digits.json: models[0].file must be a plain file name ...".
//
//   validateSidecar(textOrObject, fileName)    -> the sidecar, or throws
//   optionFits(spec, value), parseOption(spec, key, raw)   the page controls declared in sidecar.options
//   checkModelInputs(inputNames, model, fileName)          the session's inputs are the ones declared

const MAX_SHOWN = 5; // problems listed in one message
const STEP_TOLERANCE = 1e-9; // relative: 0.1 + 0.2 is on the 0.1 grid
// Keywords whose schema carries a reader-facing "description" of what the value must be.
const DESCRIBED = new Set(["type", "pattern", "minItems", "minimum", "maximum", "minLength", "enum", "const",
  "oneOf", "anyOf", "exclusiveMinimum", "propertyNames"]);

export const SCHEMA = {
 "$schema": "https://json-schema.org/draft/2020-12/schema",
 "title": "Inside NN demo sidecar (exported_models/<name>.json)",
 "$comment": "read by the CLI (demos/common/sidecar.py), the build (scripts/notes/demos.py), the tests and, with the same rules, the browser (docs/javascripts/sidecar.js)",
 "type": "object",
 "required": ["name", "title", "summary", "papers", "models", "options", "metrics", "reproduce", "golden"],
 "additionalProperties": false,
 "properties": {
  "name": {"type": "string", "pattern": "^[a-z][a-z0-9_]*$", "description": "must be the demo's name: lower-case letters, digits and _"},
  "title": {"type": "string", "minLength": 1},
  "summary": {"type": "string"},
  "papers": {"type": "array", "items": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9_.:-]*$"}, "description": "must be a list of keys from docs/papers.bib"},
  "models": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/model"}, "description": "must list at least one ONNX file"},
  "options": {"type": "object", "propertyNames": {"pattern": "^[a-z][a-z0-9_]*$"}, "additionalProperties": {"$ref": "#/$defs/option"}, "description": "must map option names (lower_case) to controls"},
  "labels": {"type": "array", "items": {"type": "string"}, "description": "must be a list of class names"},
  "preprocessing": {"type": "object"},
  "config": {"type": "object"},
  "metrics": {"type": "object"},
  "reproduce": {"type": "string"},
  "golden": {"type": "array", "items": {"type": "object", "required": ["input", "output"], "additionalProperties": false, "properties": {"input": {}, "output": {}}}, "description": "must be a list of {input, output} examples"},
  "examples": {"type": "object"},
  "model_index": {"type": "object"},
  "tasks": {"type": "object"},
  "limits": {"type": "object"},
  "figures": {"type": "object"}
 },
 "$defs": {
  "model": {
   "type": "object",
   "required": ["file", "bytes", "sha256", "opset", "inputs", "outputs"],
   "additionalProperties": false,
   "properties": {
    "file": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9_.-]*\\.onnx$", "description": "must be a plain file name inside exported_models/, like digits.onnx"},
    "bytes": {"type": "integer", "minimum": 1, "maximum": 2097152, "description": "must be the file's size in bytes, at most 2 MB"},
    "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$", "description": "must be 64 lower-case hex digits"},
    "opset": {"type": "integer", "minimum": 1},
    "inputs": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/tensor"}},
    "outputs": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/tensor"}}
   }
  },
  "tensor": {
   "type": "object",
   "required": ["name", "dtype", "shape"],
   "additionalProperties": false,
   "properties": {
    "name": {"type": "string", "minLength": 1},
    "dtype": {"enum": ["float32", "int64", "int32", "bool", "uint8"]},
    "shape": {"type": "array", "items": {"anyOf": [{"type": "integer", "minimum": 0}, {"type": "string", "minLength": 1}]}, "description": "must list sizes (whole numbers) or named dimensions"}
   }
  },
  "option": {
   "oneOf": [
    {
     "type": "object",
     "required": ["label", "type", "min", "max", "step", "default"],
     "additionalProperties": false,
     "properties": {
      "label": {"type": "string", "minLength": 1},
      "type": {"enum": ["number", "integer"]},
      "min": {"type": "number"},
      "max": {"type": "number"},
      "step": {"type": "number", "exclusiveMinimum": 0},
      "default": {"type": "number"}
     }
    },
    {
     "type": "object",
     "required": ["label", "type", "choices", "default"],
     "additionalProperties": false,
     "properties": {
      "label": {"type": "string", "minLength": 1},
      "type": {"const": "choice"},
      "choices": {"type": "array", "minItems": 1, "items": {"type": ["string", "number", "boolean", "null"]}},
      "default": {"type": ["string", "number", "boolean", "null"]}
     }
    }
   ],
   "description": "must be {label, type: number|integer, min, max, step, default} or {label, type: choice, choices, default}"
  }
 }
};

const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
const show = (v) => JSON.stringify(v)?.slice(0, 60) ?? String(v);

/** "models[0].file" for ["models", 0, "file"]; the root is "the sidecar". */
export function jsonPath(parts) {
  let out = "";
  for (const part of parts) out += typeof part === "number" ? `[${part}]` : out ? `.${part}` : String(part);
  return out || "the sidecar";
}

function hasType(value, type) {
  switch (type) {
    case "object": return isObject(value);
    case "array": return Array.isArray(value);
    case "string": return typeof value === "string";
    case "number": return typeof value === "number" && Number.isFinite(value);
    case "integer": return Number.isInteger(value);
    case "boolean": return typeof value === "boolean";
    case "null": return value === null;
    default: return false;
  }
}

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

function resolve(schema, root) {
  return schema.$ref ? root.$defs[schema.$ref.replace("#/$defs/", "")] : schema;
}

/** Push "path: message" for every problem of `value` against `schema` into `out`. */
function check(value, schema, root, path, out) {
  schema = resolve(schema, root);
  const where = jsonPath(path);
  const fail = (keyword, generic) => {
    const described = DESCRIBED.has(keyword) && schema.description;
    out.push(described ? `${where} ${schema.description}, got ${show(value)}` : `${where}: ${generic}`);
  };
  if (schema.type !== undefined) {
    const types = [].concat(schema.type);
    if (!types.some((t) => hasType(value, t))) fail("type", `${show(value)} is not of type '${types.join("', '")}'`);
  }
  if (schema.enum && !schema.enum.some((e) => same(e, value))) fail("enum", `${show(value)} is not one of ${show(schema.enum)}`);
  if ("const" in schema && !same(schema.const, value)) fail("const", `${show(schema.const)} was expected`);
  if (typeof value === "string") {
    if (schema.minLength !== undefined && [...value].length < schema.minLength) fail("minLength", `${show(value)} is too short`);
    if (schema.pattern !== undefined && !new RegExp(schema.pattern, "u").test(value)) {
      fail("pattern", `${show(value)} does not match '${schema.pattern}'`);
    }
  }
  if (typeof value === "number") {
    if (schema.minimum !== undefined && value < schema.minimum) fail("minimum", `${value} is less than ${schema.minimum}`);
    if (schema.maximum !== undefined && value > schema.maximum) fail("maximum", `${value} is more than ${schema.maximum}`);
    if (schema.exclusiveMinimum !== undefined && value <= schema.exclusiveMinimum) {
      fail("exclusiveMinimum", `${value} must be more than ${schema.exclusiveMinimum}`);
    }
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) fail("minItems", `${show(value)} is too short`);
    if (schema.items) value.forEach((item, i) => check(item, schema.items, root, [...path, i], out));
  }
  if (isObject(value)) {
    const missing = (schema.required ?? []).filter((key) => !(key in value));
    for (const key of missing) out.push(`${where}: missing key '${key}'`);
    const known = schema.properties ?? {};
    if (schema.additionalProperties === false) {
      const extra = Object.keys(value).filter((key) => !(key in known));
      if (extra.length) {
        out.push(`${where}: unknown key ${extra.map((k) => `'${k}'`).join(", ")} (allowed: ${Object.keys(known).join(", ")})`);
      }
    }
    for (const [key, item] of Object.entries(value)) {
      if (key in known) check(item, known[key], root, [...path, key], out);
      else if (isObject(schema.additionalProperties)) check(item, schema.additionalProperties, root, [...path, key], out);
      if (schema.propertyNames) {
        const names = [];
        check(key, schema.propertyNames, root, path, names);
        if (names.length) fail("propertyNames", `${show(key)} is not a valid key`);
      }
    }
  }
  for (const keyword of ["oneOf", "anyOf"]) {
    if (!schema[keyword]) continue;
    const valid = schema[keyword].filter((option) => { const o = []; check(value, option, root, path, o); return !o.length; });
    if (keyword === "oneOf" ? valid.length !== 1 : !valid.length) fail(keyword, `${show(value)} matches none of the allowed forms`);
  }
  return out;
}

/** Every schema problem of `value`, as readable strings (empty when it is well formed). */
export function schemaProblems(value, schema = SCHEMA) {
  return check(value, schema, schema, [], []);
}

function describe(spec) {
  if (spec.type === "choice") return `one of ${spec.choices.map((c) => JSON.stringify(c)).join(", ")}`;
  return `${spec.type === "integer" ? "a whole number" : "a number"} from ${spec.min} to ${spec.max} in steps of ${spec.step}`;
}

/** True when the page control declared by `spec` can produce `value` (demos/common/options.py:fits). */
export function optionFits(spec, value) {
  if (spec.type === "choice") return spec.choices.some((c) => c === value);
  if (typeof value !== "number" || !Number.isFinite(value)) return false;
  if (spec.type === "integer" && !Number.isInteger(value)) return false;
  const steps = (value - spec.min) / spec.step;
  return spec.min <= value && value <= spec.max && Math.abs(steps - Math.round(steps)) <= STEP_TOLERANCE * Math.max(1, Math.abs(steps));
}

/** A data-KEY attribute's text -> its value, checked against the control; throws a readable Error. */
export function parseOption(spec, key, raw) {
  let value;
  try { value = JSON.parse(raw); } catch { value = raw; }
  if (!optionFits(spec, value)) throw new Error(`option ${key} takes ${describe(spec)}, got ${JSON.stringify(raw)}`);
  return value;
}

function optionProblems(options) {
  const found = [];
  for (const [key, spec] of Object.entries(options)) {
    if (spec.type !== "choice" && !(spec.min < spec.max)) found.push(`options.${key}: min must be below max`);
    else if (!optionFits(spec, spec.default)) found.push(`options.${key}: default ${JSON.stringify(spec.default)} is not ${describe(spec)}`);
  }
  return found;
}

/**
 * A sidecar (its JSON text, or the parsed object) checked like demos/common/sidecar.py does: the schema,
 * the options' defaults, and a name matching the file. Returns the sidecar; throws an Error naming `fileName`.
 */
export function validateSidecar(json, fileName) {
  let sidecar = json;
  if (typeof json === "string") {
    try {
      sidecar = JSON.parse(json);
    } catch (err) {
      throw new Error(`${fileName}: not valid JSON (${err.message})`);
    }
  }
  let found = schemaProblems(sidecar);
  if (!found.length) found = optionProblems(sidecar.options);
  const stem = /([^/?#]+)\.json(?:[?#].*)?$/.exec(fileName)?.[1];
  if (!found.length && stem && sidecar.name !== stem) found = [`name is '${sidecar.name}' but the file is ${stem}.json`];
  if (found.length) {
    const more = found.length > MAX_SHOWN ? ` (and ${found.length - MAX_SHOWN} more)` : "";
    throw new Error(`${fileName}: ${found.slice(0, MAX_SHOWN).join("; ")}${more}`);
  }
  return sidecar;
}

/** Throws when an ONNX session's input names are not the ones the sidecar declares for `model`. */
export function checkModelInputs(inputNames, model, fileName) {
  const declared = model.inputs.map((i) => i.name);
  if (same([...inputNames].sort(), [...declared].sort())) return;
  throw new Error(`${fileName}: ${model.file} takes inputs ${[...inputNames].join(", ")} but the sidecar declares `
    + `${declared.join(", ")} (is it another demo's model?)`);
}
