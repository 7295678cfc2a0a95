// view3d — a small reusable three.js view: scene, camera, orbit controls (mouse, touch, keyboard), resize,
// light/dark background, meshes, point clouds with per-point colours, voxels; WebGL detection; dispose.
// Shared by the demos (occupancy networks, MVSNet). three.js is served by the site (assets/vendor/three/,
// copied from npm `three` by scripts/notes/vendor.py) and loaded only when a view is created.
//
//   import { webglAvailable, createView } from "../parts/view3d.js";
//   if (!webglAvailable()) { /* say so and show a 2-D fallback */ }
//   const view = await createView(container, { height: 320, label: "3-D view of the shape" });
//   const mesh = view.addMesh(positions, indices, { color: "#5c6bc0", opacity: 1 }); // Float32Array xyz…, Uint32Array|null
//   mesh.update(newPositions, newIndices);                                             // same handle, new geometry
//   const cloud = view.addPoints(positions, colours, { size: 4 });  // colours: Float32Array sRGB in 0..1 per point
//                                                                   // (as read from an image), a CSS colour, or null
//   const boxes = view.addVoxels(centres, 0.0625, { color: "#ff7043", opacity: 0.35 }); // one cube per centre
//   view.frame([0, 0, 0], 0.6);     // look at a centre from a distance that shows a sphere of this radius
//   handle.visible = false; handle.remove();   // every add* returns { object, update, remove, visible }
//   view.render();                  // draw now (the view redraws on orbit, resize and scheme change itself)
//   view.dispose();                 // renderer, geometries, listeners, observers: all released
//
// view.three (the three.js module), view.scene, view.camera, view.controls, view.renderer and view.canvas are
// exposed for anything else. Controls: drag to orbit, right-drag/two fingers to pan, wheel/pinch to zoom;
// with the canvas focused, arrow keys orbit and +/- zoom. createView throws an Error with a readable message
// when WebGL is unavailable. Everything above createView is pure (no DOM, no three.js) and tested in Node
// (tests/test_view3d_js.py).

const SITE = new URL("../../", import.meta.url); // this file is served at <site>/javascripts/parts/view3d.js
const THREE_DIR = new URL("assets/vendor/three/", SITE);

/** [centre, radius] of the bounding sphere of the box around flat xyz positions (radius ≥ 1e-6). */
export function bounds(positions) {
  const lo = [Infinity, Infinity, Infinity], hi = [-Infinity, -Infinity, -Infinity];
  for (let i = 0; i + 2 < positions.length; i += 3) {
    for (let k = 0; k < 3; k++) {
      const v = positions[i + k];
      if (v < lo[k]) lo[k] = v;
      if (v > hi[k]) hi[k] = v;
    }
  }
  if (!(lo[0] <= hi[0])) return [[0, 0, 0], 1];
  const centre = lo.map((v, k) => (v + hi[k]) / 2);
  const radius = Math.hypot(hi[0] - lo[0], hi[1] - lo[1], hi[2] - lo[2]) / 2;
  return [centre, Math.max(radius, 1e-6)];
}

/** Camera distance at which a sphere of `radius` fills a perspective view of vertical `fovDeg` (and of `aspect`). */
export function fitDistance(radius, fovDeg, aspect = 1) {
  const half = (fovDeg * Math.PI) / 360;
  const horizontal = Math.atan(Math.tan(half) * Math.min(1, aspect));
  return radius / Math.sin(Math.min(half, horizontal));
}

/** Camera position after orbiting by (dAzimuth, dPolar) radians about `target`; polar stays in (0.01, π-0.01). */
export function orbit(position, target, dAzimuth, dPolar, zoom = 1) {
  const d = [0, 1, 2].map((k) => position[k] - target[k]);
  const r = Math.hypot(...d) * zoom;
  let theta = Math.atan2(d[0], d[2]) + dAzimuth;
  let phi = Math.acos(Math.max(-1, Math.min(1, d[1] / (Math.hypot(...d) || 1)))) + dPolar;
  phi = Math.max(0.01, Math.min(Math.PI - 0.01, phi));
  if (!Number.isFinite(theta)) theta = 0;
  return [target[0] + r * Math.sin(phi) * Math.sin(theta), target[1] + r * Math.cos(phi),
    target[2] + r * Math.sin(phi) * Math.cos(theta)];
}

/** "#rrggbb", "#rgb" or "rgb(r, g, b)" → [r, g, b] in 0..1 (null for anything else). */
export function parseColour(text) {
  const s = String(text ?? "").trim();
  let m = /^#([0-9a-f]{6})$/i.exec(s);
  if (m) return [0, 2, 4].map((i) => parseInt(m[1].slice(i, i + 2), 16) / 255);
  m = /^#([0-9a-f]{3})$/i.exec(s);
  if (m) return [0, 1, 2].map((i) => parseInt(m[1][i] + m[1][i], 16) / 255);
  m = /^rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)/i.exec(s);
  if (m) return [m[1], m[2], m[3]].map((v) => Math.min(255, Number(v)) / 255);
  return null;
}

/** Per-point colours for n points: a Float32Array of n·3 values in 0..1, from an array, one colour or null. */
export function pointColours(n, colours, fallback = [0.36, 0.42, 0.75]) {
  const out = new Float32Array(n * 3);
  if (colours != null && typeof colours !== "string" && colours.length !== undefined) {
    if (colours.length !== n * 3) throw new Error(`colours has ${colours.length} values for ${n} points (need ${n * 3})`);
    out.set(colours);
    return out;
  }
  const rgb = typeof colours === "string" ? parseColour(colours) ?? fallback : fallback;
  for (let i = 0; i < n; i++) out.set(rgb, i * 3);
  return out;
}

/** sRGB components in 0..1 (colours as seen in an image or CSS) → linear ones, what three.js's vertex colours
 *  take; in place, returned. */
export function srgbToLinear(values) {
  for (let i = 0; i < values.length; i++) {
    const c = values[i];
    values[i] = c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }
  return values;
}

// ---- three.js (DOM) ---------------------------------------------------------------------------

/** true when this browser can make a WebGL (2 or 1) context. */
export function webglAvailable() {
  if (typeof document === "undefined") return false;
  try {
    const canvas = document.createElement("canvas");
    const gl = canvas.getContext("webgl2") || canvas.getContext("webgl");
    gl?.getExtension("WEBGL_lose_context")?.loseContext();
    return Boolean(gl);
  } catch {
    return false;
  }
}

let threeModules = null; // Promise<{ THREE, OrbitControls }>

/** three.js and its OrbitControls, loaded once from the site's copy. OrbitControls.js imports the bare name
 *  'three', which a page without an import map cannot resolve: its text is loaded and that one import is
 *  pointed at the site's three.module.js (same URL, so the same module instance). */
export function loadThree() {
  threeModules ??= (async () => {
    const threeUrl = new URL("three.module.js", THREE_DIR).href;
    const THREE = await import(threeUrl);
    const response = await fetch(new URL("OrbitControls.js", THREE_DIR));
    if (!response.ok) throw new Error(`could not load three.js's OrbitControls (HTTP ${response.status})`);
    const source = (await response.text()).replace(/from\s*(['"])three\1/g, `from ${JSON.stringify(threeUrl)}`);
    const blobUrl = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
    try {
      const { OrbitControls } = await import(blobUrl);
      return { THREE, OrbitControls };
    } finally {
      URL.revokeObjectURL(blobUrl);
    }
  })();
  threeModules.catch(() => (threeModules = null));
  return threeModules;
}

/** The demo boxes' background (Material's code background) as rgb in 0..1: the browser resolves the variable,
 *  whatever colour syntax the theme writes it in (hex, hsla(var(--md-hue), …)). */
function pageBackground(element) {
  const probe = document.createElement("span");
  probe.style.cssText = "position:absolute;width:0;height:0;background:var(--md-code-bg-color, var(--md-default-bg-color, #fff))";
  element.append(probe);
  const colour = parseColour(getComputedStyle(probe).backgroundColor);
  probe.remove();
  return colour ?? [1, 1, 1];
}

/** A three.js view filling `container` (width: the container's; height: options.height px, default 320). */
export async function createView(container, options = {}) {
  if (!webglAvailable()) throw new Error("WebGL is not available in this browser, so the 3-D view cannot be shown");
  const { THREE, OrbitControls } = await loadThree();
  const height = options.height ?? 320;
  let renderer;
  try {
    renderer = new THREE.WebGLRenderer({ antialias: true, preserveDrawingBuffer: Boolean(options.preserveDrawingBuffer) });
  } catch (err) {
    throw new Error(`WebGL is not available in this browser (${err.message ?? err})`);
  }
  renderer.setPixelRatio(Math.min(2, globalThis.devicePixelRatio || 1));
  const canvas = renderer.domElement;
  canvas.className = "inn-view3d";
  canvas.tabIndex = 0;
  canvas.setAttribute("role", "img");
  canvas.setAttribute("aria-label", options.label ?? "3-D view: drag to turn, wheel or pinch to zoom, arrow keys to turn");
  canvas.style.display = "block";
  canvas.style.width = "100%";
  canvas.style.height = `${height}px`;
  canvas.style.touchAction = "none";
  container.append(canvas);

  const scene = new THREE.Scene();
  const camera = new THREE.PerspectiveCamera(options.fov ?? 35, 1, 0.01, 100);
  camera.position.set(1.2, 0.9, 1.6);
  scene.add(new THREE.HemisphereLight(0xffffff, 0x444455, 1.6));
  const sun = new THREE.DirectionalLight(0xffffff, 1.8);
  sun.position.set(1, 2, 1.5);
  camera.add(sun); // the light turns with the camera: the side the reader sees is lit
  scene.add(camera);

  const controls = new OrbitControls(camera, canvas);
  controls.enableDamping = false;
  let pending = false;
  const render = () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      renderer.render(scene, camera);
    });
  };
  controls.addEventListener("change", render);

  const onKey = (event) => {
    const steps = { ArrowLeft: [-0.15, 0, 1], ArrowRight: [0.15, 0, 1], ArrowUp: [0, -0.15, 1], ArrowDown: [0, 0.15, 1],
      "+": [0, 0, 0.85], "=": [0, 0, 0.85], "-": [0, 0, 1 / 0.85] };
    const step = steps[event.key];
    if (!step) return;
    event.preventDefault();
    const t = controls.target;
    const p = orbit([camera.position.x, camera.position.y, camera.position.z], [t.x, t.y, t.z], ...step);
    camera.position.set(...p);
    controls.update();
    render();
  };
  canvas.addEventListener("keydown", onKey);

  const setBackground = () => {
    scene.background = new THREE.Color().setRGB(...pageBackground(container), THREE.SRGBColorSpace);
    render();
  };
  setBackground();
  const schemeObserver = new MutationObserver(setBackground); // Material's light/dark toggle
  schemeObserver.observe(document.body, { attributes: true, attributeFilter: ["data-md-color-scheme"] });

  const resize = () => {
    const width = Math.max(1, container.clientWidth);
    renderer.setSize(width, height, false);
    camera.aspect = width / height;
    camera.updateProjectionMatrix();
    render();
  };
  const resizeObserver = new ResizeObserver(resize);
  resizeObserver.observe(container);
  resize();

  const handles = new Set();
  const handle = (object, update) => {
    scene.add(object);
    const h = {
      object,
      update: (...args) => { update(...args); render(); },
      get visible() { return object.visible; },
      set visible(v) { object.visible = Boolean(v); render(); },
      remove() {
        scene.remove(object);
        object.geometry?.dispose();
        object.material?.dispose();
        handles.delete(h);
        render();
      },
    };
    handles.add(h);
    render();
    return h;
  };
  const material = (opts, Kind) => new Kind({
    color: new THREE.Color(opts.color ?? "#5c6bc0"),
    transparent: (opts.opacity ?? 1) < 1,
    opacity: opts.opacity ?? 1,
    side: THREE.DoubleSide,
    ...(Kind === THREE.MeshStandardMaterial ? { roughness: 0.65, metalness: 0.05, flatShading: Boolean(opts.flat) } : {}),
    depthWrite: (opts.opacity ?? 1) >= 1,
  });

  const view = {
    three: THREE, scene, camera, controls, renderer, canvas, render,

    addMesh(positions, indices, opts = {}) {
      const geometry = new THREE.BufferGeometry();
      const mesh = new THREE.Mesh(geometry, material(opts, THREE.MeshStandardMaterial));
      const update = (p, idx) => {
        geometry.setAttribute("position", new THREE.BufferAttribute(Float32Array.from(p), 3));
        geometry.setIndex(idx ? new THREE.BufferAttribute(Uint32Array.from(idx), 1) : null);
        geometry.computeVertexNormals();
        geometry.computeBoundingSphere();
      };
      update(positions, indices);
      return handle(mesh, update);
    },

    addPoints(positions, colours, opts = {}) {
      const geometry = new THREE.BufferGeometry();
      const points = new THREE.Points(geometry, new THREE.PointsMaterial({
        size: opts.size ?? 4, sizeAttenuation: false, vertexColors: true,
      }));
      const update = (p, c = colours) => {
        const n = Math.floor(p.length / 3);
        geometry.setAttribute("position", new THREE.BufferAttribute(Float32Array.from(p), 3));
        geometry.setAttribute("color", new THREE.BufferAttribute(srgbToLinear(pointColours(n, c)), 3));
        geometry.computeBoundingSphere();
      };
      update(positions, colours);
      return handle(points, update);
    },

    addVoxels(centres, size, opts = {}) {
      const group = new THREE.Group();
      const cube = new THREE.BoxGeometry(size, size, size);
      const mat = material(opts, THREE.MeshStandardMaterial);
      let mesh = null;
      const update = (c) => {
        if (mesh) group.remove(mesh);
        mesh?.dispose();
        const n = Math.floor(c.length / 3);
        mesh = new THREE.InstancedMesh(cube, mat, Math.max(1, n));
        mesh.count = n;
        const m = new THREE.Matrix4();
        for (let i = 0; i < n; i++) mesh.setMatrixAt(i, m.makeTranslation(c[3 * i], c[3 * i + 1], c[3 * i + 2]));
        mesh.instanceMatrix.needsUpdate = true;
        group.add(mesh);
      };
      update(centres);
      const h = handle(group, update);
      const remove = h.remove;
      h.remove = () => { cube.dispose(); mat.dispose(); mesh?.dispose(); remove(); };
      return h;
    },

    frame(centre = [0, 0, 0], radius = 1) {
      const dir = camera.position.clone().sub(controls.target);
      if (dir.lengthSq() === 0) dir.set(0.6, 0.45, 0.8);
      dir.normalize().multiplyScalar(fitDistance(radius, camera.fov, camera.aspect) * 1.05);
      controls.target.set(...centre);
      camera.position.copy(controls.target).add(dir);
      camera.near = Math.max(1e-3, dir.length() / 100);
      camera.far = dir.length() * 10 + radius * 4;
      camera.updateProjectionMatrix();
      controls.update();
      render();
    },

    dispose() {
      for (const h of [...handles]) h.remove();
      controls.dispose();
      canvas.removeEventListener("keydown", onKey);
      schemeObserver.disconnect();
      resizeObserver.disconnect();
      renderer.dispose();
      canvas.remove();
    },
  };
  view.frame([0, 0, 0], options.radius ?? 0.6);
  return view;
}
