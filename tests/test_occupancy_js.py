"""The page's occupancy code in Node against the Python it mirrors: MISE and marching tetrahedra
(docs/javascripts/demos/occupancy/mesh.js vs demos/occupancy/mesh.py) on the same analytic field, the .obj text,
the slice points (export.py), the .npy writer (read back by numpy), the seeded prior samples and the voxel helpers."""
import json
import tempfile
from pathlib import Path

import numpy as np
import pytest

from demos.occupancy import export, mesh
from tests.nodejs import JS, NODE, ROOT, evaluate

MESH_JS = JS / "demos" / "occupancy" / "mesh.js"
INPUT_JS = JS / "demos" / "occupancy" / "input.js"
pytestmark = pytest.mark.skipif(NODE is None, reason="node is part of make test's set-up")

# a sphere and a box, as logits-like values; the same double arithmetic in both languages, rounded to float32 like
# the decoder's output
FIELD_JS = """(pts) => { const out = new Float32Array(pts.length / 3);
  for (let i = 0; i < out.length; i++) { const x = pts[3 * i], y = pts[3 * i + 1], z = pts[3 * i + 2];
    const s = 0.25 - Math.sqrt(((x - 0.1) * (x - 0.1) + y * y) + z * z);
    const b = 0.1 - Math.max(Math.abs(x + 0.2), Math.abs(y), Math.abs(z - 0.1));
    out[i] = Math.max(s, b); } return out; }"""


def field(pts):
    x, y, z = (pts[:, k].astype(np.float64) for k in range(3))
    s = 0.25 - np.sqrt(((x - 0.1) * (x - 0.1) + y * y) + z * z)
    b = 0.1 - np.maximum(np.maximum(np.abs(x + 0.2), np.abs(y)), np.abs(z - 0.1))
    return np.maximum(s, b).astype(np.float32)


def node(script: str, module=MESH_JS):
    return evaluate(script, {"m": module})


def triangles(positions, faces):
    """Each triangle as its 3 vertices rounded to 1e-6, rotated to start at the smallest (orientation kept)."""
    out = set()
    for f in faces:
        tri = [tuple(np.round(positions[i], 6)) for i in f]
        k = tri.index(min(tri))
        out.add(tuple(tri[k:] + tri[:k]))
    return out


@pytest.mark.parametrize("resolution", [32, 64])
def test_mise_and_marching_tetrahedra_match_numpy(resolution):
    js = node(f"""const g = await m.mise({FIELD_JS}, {resolution}, 16);
                 const t = m.marchingTetrahedra(g.values, g.n);
                 return {{ counts: g.counts, n: g.n, values: Array.from(g.values), positions: Array.from(t.positions),
                          indices: Array.from(t.indices) }};""")
    values, counts = mesh.mise(field, resolution, 16)
    assert js["counts"] == counts and js["n"] == resolution
    assert sum(counts) < (resolution + 1) ** 3 / 3            # MISE skips most of the grid
    assert np.array_equal(np.array(js["values"]).reshape(values.shape), values)
    v, f = mesh.marching_tetrahedra(values)
    pos = np.array(js["positions"]).reshape(-1, 3)
    idx = np.array(js["indices"]).reshape(-1, 3)
    assert len(pos) == len(v) and len(idx) == len(f) > 1000
    assert np.abs(np.sort(pos, axis=0) - np.sort(v, axis=0)).max() < 1e-6   # float32 in the page
    assert triangles(pos, idx) == triangles(v.astype(np.float32).astype(np.float64), f)


def test_mise_equals_the_dense_grid_on_this_field_and_the_mesh_is_closed_and_outward():
    values, _ = mesh.mise(field, 64, 16)
    c = mesh.grid_coords(64)
    dense = field(np.stack(np.meshgrid(c, c, c, indexing="ij"), -1).reshape(-1, 3).astype(np.float32)).reshape(values.shape)
    assert np.array_equal(values > 0, dense > 0)
    v, f = mesh.marching_tetrahedra(values)
    edges = np.sort(np.concatenate([f[:, [0, 1]], f[:, [1, 2]], f[:, [2, 0]]]), 1)
    assert set(np.unique(edges, axis=0, return_counts=True)[1]) == {2}     # every edge in two triangles: closed
    volume = np.einsum("ij,ij->i", v[f[:, 0]], np.cross(v[f[:, 1]], v[f[:, 2]])).sum() / 6
    assert volume > 0.06                                                     # outward: positive enclosed volume


def test_the_case_table_and_the_obj_text_match():
    js = node("""return { cases: m.CASES, tets: m.TETS,
                 obj: m.toObj(new Float32Array([0, 0, 0, 0.5, -0.25, 0.125, 0.1, 0.2, 0.3]), new Uint32Array([0, 1, 2]), 'a\\nb') };""")
    assert js["tets"] == [list(t) for t in mesh.TETS]
    assert js["cases"] == [[[list(e) for e in tri] for tri in tris] for tris in mesh.CASES]
    v = np.array([[0, 0, 0], [0.5, -0.25, 0.125], [0.1, 0.2, 0.3]], np.float32).astype(np.float64)
    assert js["obj"] == mesh.to_obj(v, np.array([[0, 1, 2]]), "a\nb")


def test_slice_points_npy_voxels_and_samples():
    js = node("""const npy = m.npyBytes(new Float32Array([0.5, -0.25, 0.125, 1, 2, 3]), [2, 3]);
                 const vox = m.npyBytes(new Uint8Array([1, 0, 1, 1, 0, 0, 0, 1]), [2, 2, 2]);
                 const a = m.normals(7), b = m.normals(7);
                 const draws = Array.from({ length: 2000 }, () => a());
                 return { slice: Array.from(m.slicePoints(0.03125, 8)), npy: Array.from(npy), vox: Array.from(vox),
                          centres: m.voxelCentres(m.parseVoxels('10000001'), 2), again: b() === draws[0], draws,
                          lerp: Array.from(m.lerp([0, 1], [1, 3], 0.25)), near: m.pointsNear([[0, 0.01, 0.2], [0.1, 0.2, 0]], 0, 0.03) };""",
              INPUT_JS)
    assert np.array_equal(np.array(js["slice"], np.float32).reshape(-1, 3), export.slice_points(0.03125, 8))
    with tempfile.TemporaryDirectory() as tmp:
        for name, shape, expected in (("npy", (2, 3), np.array([[0.5, -0.25, 0.125], [1, 2, 3]], np.float32)),
                                      ("vox", (2, 2, 2), np.array([1, 0, 1, 1, 0, 0, 0, 1], np.uint8).reshape(2, 2, 2))):
            path = Path(tmp) / f"{name}.npy"
            path.write_bytes(bytes(js[name]))
            got = np.load(path)
            assert got.shape == shape and got.dtype == expected.dtype and np.array_equal(got, expected)
            assert (len(js[name]) - got.nbytes) % 64 == 0            # header padded as numpy pads it
    assert js["centres"] == [-0.25, -0.25, -0.25, 0.25, 0.25, 0.25]
    assert js["again"]
    draws = np.array(js["draws"])
    assert abs(draws.mean()) < 0.1 and abs(draws.std() - 1) < 0.1
    assert js["lerp"] == [0.25, 1.5]
    assert js["near"] == [[0, 0, 0.2]]


def test_model_verdict_says_where_the_model_falls_short():
    card = json.loads((ROOT / "exported_models" / "occupancy.json").read_text())
    evaluation, bar = card["metrics"]["evaluation"], card["examples"]["iou_bar"]
    good = {"held_out_shapes": 2, "per_family": {f: {"iou_voxels": 0.95, "iou_points": 0.91} for f in ("all", "torus")}}
    said = evaluate("return [v.modelVerdict(DATA.evaluation, DATA.bar, 16, 300), v.modelVerdict(DATA.good, DATA.bar, 16, 300)];",
                    {"v": JS / "demos" / "occupancy" / "verdict.js"}, {"evaluation": evaluation, "bar": bar, "good": good})
    fam = evaluation["per_family"]
    for kind, what in (("voxels", "16³ voxels"), ("points", "300 noisy points")):
        below = [f for f in fam if f != "all" and fam[f][f"iou_{kind}"] < bar]
        assert f"{fam['all'][f'iou_{kind}']:.3f} from {what}" + (f" (below {bar}: {', '.join(below)})" if below else "") in said[0]
    short = fam["all"]["iou_voxels"] < bar or fam["all"]["iou_points"] < bar
    assert ("falls short of the 0.9" in said[0]) == short and said[0].startswith(f"On {evaluation['held_out_shapes']} held-out")
    assert "that meets the 0.9" in said[1] and "below" not in said[1]
