"""docs/javascripts/parts/view3d.js in Chromium: three.js comes from the site itself, a mesh and a coloured point
cloud are drawn (read back from the WebGL canvas), keys orbit the camera, dispose removes the canvas, and a browser
without WebGL gets a readable error instead of a view."""

VIEW = """async () => {
  const v = await import(new URL('javascripts/parts/view3d.js', document.baseURI).href);
  const box = document.createElement('div');
  box.style.width = '300px';
  document.body.prepend(box);
  const view = await v.createView(box, { height: 200, preserveDrawingBuffer: true });
  // a big grey-blue tetrahedron on the left, a red point cloud on the right
  const mesh = view.addMesh([-0.5, -0.3, 0, -0.1, -0.3, 0, -0.3, 0.3, 0, -0.3, 0, 0.3], [0, 1, 2, 0, 1, 3, 0, 2, 3, 1, 2, 3],
                            { color: '#3050f0' });
  const pts = [];
  for (let i = 0; i < 50; i++) pts.push(0.3 + 0.002 * i, 0, 0);
  const cloud = view.addPoints(pts, '#ff0000', { size: 8 });
  view.camera.position.set(0, 0, 2); view.controls.target.set(0, 0, 0); view.controls.update();
  view.renderer.render(view.scene, view.camera);
  const gl = view.renderer.getContext();
  const w = gl.drawingBufferWidth, h = gl.drawingBufferHeight;
  const px = new Uint8Array(w * h * 4);
  gl.readPixels(0, 0, w, h, gl.RGBA, gl.UNSIGNED_BYTE, px);
  let red = 0, blue = 0;
  for (let i = 0; i < px.length; i += 4) {
    if (px[i] > 200 && px[i + 1] < 60 && px[i + 2] < 60) red++;
    if (px[i + 2] > px[i] + 60) blue++;
  }
  const before = view.camera.position.toArray();
  view.canvas.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowRight', bubbles: true }));
  const after = view.camera.position.toArray();
  const bg = view.scene.background.toArray();
  const inPage = document.contains(view.canvas);
  mesh.update([0, 0, 0, 0.1, 0, 0, 0, 0.1, 0], [0, 1, 2]);
  const triangles = mesh.object.geometry.index.count / 3;
  cloud.remove();
  const children = view.scene.children.length;
  view.dispose();
  return { red, blue, before, after, bg, inPage, gone: !document.contains(view.canvas), triangles, children,
           width: w, available: v.webglAvailable() };
}"""


def test_view_draws_a_mesh_and_coloured_points_from_the_sites_three(tab):
    page = tab.open("/", mount_demos=False)
    out = page.evaluate(VIEW)
    assert out["available"] and out["inPage"] and out["gone"]
    assert out["red"] > 20, out          # the point cloud's per-point colour reached the screen
    assert out["blue"] > 500, out        # the mesh is lit and drawn
    assert out["before"] != out["after"]
    assert sum(a * a for a in out["before"]) == sum(a * a for a in out["after"]) or abs(
        sum(a * a for a in out["before"]) - sum(a * a for a in out["after"])) < 1e-9   # orbiting keeps the distance
    assert out["triangles"] == 1
    assert out["width"] >= 300
    served = [path for path in tab.server.paths() if "/assets/vendor/three/" in path]
    assert any(p.endswith("three.module.js") for p in served) and any(p.endswith("OrbitControls.js") for p in served)
    assert not tab.foreign_requests() and not tab.errors


def test_light_and_dark_backgrounds_follow_materials_scheme(tab):
    page = tab.open("/", mount_demos=False)
    colours = page.evaluate("""async () => {
      const v = await import(new URL('javascripts/parts/view3d.js', document.baseURI).href);
      const box = document.createElement('div'); document.body.prepend(box);
      const view = await v.createView(box, { height: 100 });
      const light = view.scene.background.getHexString();
      document.body.setAttribute('data-md-color-scheme', 'slate');
      await new Promise((r) => setTimeout(r, 50));
      const dark = view.scene.background.getHexString();
      view.dispose();
      return [light, dark];
    }""")
    light, dark = (int(c[:2], 16) + int(c[2:4], 16) + int(c[4:], 16) for c in colours)
    assert light > 600 and dark < 200, colours


def test_without_webgl_the_view_says_so(tab):
    tab.page.add_init_script("""{
      const original = HTMLCanvasElement.prototype.getContext;
      HTMLCanvasElement.prototype.getContext = function (kind, ...rest) {
        return String(kind).startsWith('webgl') ? null : original.call(this, kind, ...rest);
      };
    }""")
    page = tab.open("/", mount_demos=False)
    out = page.evaluate("""async () => {
      const v = await import(new URL('javascripts/parts/view3d.js', document.baseURI).href);
      try { await v.createView(document.body); return ['created', v.webglAvailable()]; }
      catch (err) { return [err.message, v.webglAvailable()]; }
    }""")
    assert out == ["WebGL is not available in this browser, so the 3-D view cannot be shown", False]
