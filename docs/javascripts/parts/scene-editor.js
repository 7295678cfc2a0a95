// scene-editor — the 64×64 scene shown large, with an overlay canvas for a demo's drawings and tools: a
// new random scene, a shape and size to place with a click, tap or Enter, undo, save as PNG. Every box
// on a page shares one scene (a change in one is sent to all), so two demos compare on the same picture.
// Used by the detection demos and the visualize demo; the captioning demo reuses it.
//
//   import { sceneEditor, onScene, currentScene, setScene } from "../parts/scene-editor.js";
//   const editor = sceneEditor(ctx, sidecar.preprocessing.scene, { objects: 1 });
//   box.append(editor.element);                 // editor.overlay: a canvas over the scene, 512 px square
//   onScene(box, (scene) => run(scene.rgba));   // scene: { rgba (64·64·4 bytes), source: "random scene"… }
//
// spec: the sidecar's scene description (size, classes, radius, noise, min_contrast — what
// demos/common/detection.py writes as SCENE_DOC). Options: objects (limit random scenes to this many
// shapes), overlaySize (px), hard (the sidecar's hard_scene doc: adds a "harder" switch for new scenes,
// made by makeHardScene, the same algorithm as make_hard_scene), generate (a function returning a new
// scene's RGBA pixels: replaces the detection scenes, e.g. the captioning scenes), palette ({name: [r, g, b]}:
// a colour menu, placed shapes take the chosen colour instead of a random one far from the background),
// sizes ({name: radius}: a size menu instead of the radius slider). Returns { element, overlay, stage, canvas, size, newScene, describe }.
// Keys on the focused scene: N new scene, U undo, 1–9 choose a shape, Enter or Space place it at the
// centre. The scene canvas is its own text alternative (aria-label): describe(text) puts what the demo
// currently shows into it, e.g. editor.describe("2 objects found: circle 0.97, cross 0.88.").

import { button, savePng } from "../runtime.js";
import { decodePng } from "./png.js";
import { farColour, insideShape, makeBackground, makeHardScene, randomShapes, renderScene } from "./scenes.js";

const listeners = new Set();
let shared = null; // {rgba, source}

/** The scene of this page (a scene left over from another page does not count). */
export function currentScene() {
  return shared && shared.page === location.pathname ? shared : null;
}

export function setScene(scene) {
  shared = { ...scene, page: location.pathname };
  for (const listener of [...listeners]) listener(shared);
}

/** Call `fn(scene)` on every scene change while `box` is on the page. */
/** Until the reader or a demo sets one, the page's scene is `base64` (an exported golden PNG). */
export function offerGoldenScene(base64, onError) {
  if (currentScene()) return;
  decodePng(base64)
    .then(({ rgba }) => { if (!currentScene()) setScene({ rgba, source: "golden" }); })
    .catch(onError);
}

export function onScene(box, fn) {
  const listener = (scene) => (box.isConnected ? fn(scene) : listeners.delete(listener));
  listeners.add(listener);
}


/** A labelled range input; `format` shows its value. */
export function slider(label, min, max, step, value, format = (v) => v) {
  const wrap = document.createElement("label");
  wrap.className = "inn-det__slider";
  const text = document.createElement("span");
  const input = document.createElement("input");
  Object.assign(input, { type: "range", min, max, step, value });
  const shown = document.createElement("output");
  const update = () => (shown.textContent = format(Number(input.value)));
  input.addEventListener("input", update);
  update();
  text.textContent = label;
  wrap.append(text, input, shown);
  return { wrap, input, value: () => Number(input.value) };
}

/**
 * The scene editor: the 64×64 scene shown large with an overlay canvas for the demo's drawings, and
 * tools — a new random scene, a shape and size to place with a click or tap, undo, save as PNG.
 * `objects` limits random scenes (1 for the classifier). Returns {element, overlay, stage, size}.
 */
export function sceneEditor(ctx, spec, { objects = null, overlaySize = 512, hard = null, generate = null, palette = null,
  sizes = null } = {}) {
  const size = spec.size;
  const element = document.createElement("div");
  element.className = "inn-det__editor";
  const stage = document.createElement("div");
  stage.className = "inn-det__stage";
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = size;
  canvas.className = "inn-det__scene";
  canvas.tabIndex = 0;
  const help = `Keys: N new scene, U undo, 1-${spec.classes.length} choose a shape, Enter place it.`;
  canvas.setAttribute("aria-label", `Scene, ${size} by ${size} pixels: click or tap to place the chosen shape. ${help}`);
  // The canvas's text alternative: what the scene shows and the demo's current result.
  const describe = (text) => canvas.setAttribute("aria-label", `Scene, ${size} by ${size} pixels. ${text} ${help}`);
  const overlay = document.createElement("canvas");
  overlay.width = overlay.height = overlaySize;
  overlay.className = "inn-det__overlay";
  stage.append(canvas, overlay);

  const tools = document.createElement("div");
  tools.className = "inn-demo__tools";
  const fresh = button("New scene", "A new random scene (N)");
  const undo = button("Undo", "Remove the last shape you placed (U)");
  const save = button("Save PNG", "Save the scene, to run it with python -m demos run");
  const kind = document.createElement("select");
  kind.className = "inn-det__kind";
  kind.setAttribute("aria-label", "Shape to place");
  spec.classes.forEach((c, i) => kind.append(new Option(`${i + 1} ${c}`, c)));
  const menu = (label, names) => {
    const select = document.createElement("select");
    select.className = "inn-det__kind";
    select.setAttribute("aria-label", label);
    names.forEach((n) => select.append(new Option(n, n)));
    return select;
  };
  const paint = palette ? menu("Colour to place", Object.keys(palette)) : null;
  const sized = sizes ? menu("Size to place", Object.keys(sizes)) : null;
  const radius = sizes ? { wrap: sized, value: () => sizes[sized.value] }
    : slider("size", spec.radius[0], spec.radius[1], 0.5, (spec.radius[0] + spec.radius[1]) / 2, (v) => `${Math.round(2 * v)} px`);
  tools.append(fresh);
  const harder = Object.assign(document.createElement("input"), { type: "checkbox" });
  if (hard) {
    const label = document.createElement("label");
    label.className = "inn-det__check inn-det__harder";
    label.title = "New scenes with textures, touching same-colour objects and occlusion (make_hard_scene)";
    label.append(harder, " harder");
    tools.append(label);
  }
  tools.append(...(paint ? [paint] : []), kind, radius.wrap, undo, save);
  element.append(stage, tools);

  const pen = canvas.getContext("2d", { willReadFrequently: true });
  const history = [];
  const show = (scene) => pen.putImageData(new ImageData(new Uint8ClampedArray(scene.rgba), size, size), 0, 0);
  onScene(element, show);
  if (currentScene()) show(currentScene());

  function newScene() {
    history.length = 0;
    if (hard && harder.checked) {
      setScene({ rgba: makeHardScene(spec, hard, undefined, objects).rgba, source: "harder random scene" });
      return;
    }
    if (generate) {
      setScene({ rgba: generate(), source: "random scene" });
      return;
    }
    const background = makeBackground(spec);
    let shapes = randomShapes(background, spec);
    if (objects !== null) shapes = shapes.slice(0, objects);
    setScene({ rgba: renderScene(background, shapes, spec), source: "random scene" });
  }
  function place(x, y) {
    const scene = currentScene();
    if (!scene) return;
    const r = radius.value();
    const cx = Math.min(Math.max(x, r + 1), size - r - 1), cy = Math.min(Math.max(y, r + 1), size - r - 1);
    const at = 4 * (Math.floor(cy) * size + Math.floor(cx));
    const colour = paint ? palette[paint.value]
      : farColour([scene.rgba[at], scene.rgba[at + 1], scene.rgba[at + 2]], spec.min_contrast);
    history.push(scene.rgba);
    const rgba = new Uint8ClampedArray(scene.rgba);
    for (let py = 0; py < size; py++) {
      for (let px = 0; px < size; px++) {
        if (!insideShape(kind.value, cx, cy, r, px, py)) continue;
        for (let k = 0; k < 3; k++) {
          const v = colour[k] + Math.floor(Math.random() * (2 * spec.noise + 1)) - spec.noise;
          rgba[4 * (py * size + px) + k] = Math.min(Math.max(v, 0), 255);
        }
      }
    }
    const named = [sized?.value, paint?.value, kind.value].filter(Boolean).join(" ");
    setScene({ rgba, source: `your scene (${named} placed)` });
  }
  stage.addEventListener("pointerdown", (event) => {
    const r = stage.getBoundingClientRect();
    place(((event.clientX - r.left) / r.width) * size, ((event.clientY - r.top) / r.height) * size);
  });
  fresh.addEventListener("click", newScene);
  undo.addEventListener("click", () => {
    if (history.length) setScene({ rgba: history.pop(), source: "your scene" });
  });
  save.addEventListener("click", () => savePng(canvas, "scene.png"));
  canvas.addEventListener("keydown", (event) => {
    if (event.key === "n" || event.key === "N") newScene();
    else if (event.key === "u" || event.key === "U") undo.click();
    else if (/^[1-9]$/.test(event.key) && Number(event.key) <= spec.classes.length) {
      kind.value = spec.classes[Number(event.key) - 1];
    } else if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      place(size / 2, size / 2);
    }
  });
  return { element, overlay, stage, canvas, size, newScene, describe };
}

