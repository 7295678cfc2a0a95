"""From an occupancy function to a mesh, numpy only: MISE, then marching tetrahedra, then .obj text.
The JS twin is docs/javascripts/demos/occupancy/mesh.js (the same algorithms, checked against this file).

MISE (Mescheder et al. 2019, sec. 3.4): evaluate the function on a coarse grid of `coarse`³ cells; a cell is
*active* when its 8 corners are not all on one side of the threshold; go to a grid twice as fine, where every
value is first the trilinear interpolation of the coarse grid (one axis at a time: a new point is the mean of its
two neighbours), and evaluate only the points of the active cells' closures not evaluated yet; repeat until the
grid has `resolution`³ cells. Grid point (i, j, k) of an n-cell grid is at (-0.5 + i/n, -0.5 + j/n, -0.5 + k/n).

Marching tetrahedra: each grid cell is cut into the 6 tetrahedra around its diagonal (0,0,0)-(1,1,1) (Kuhn's
triangulation, which matches across neighbouring cells, so the surface has no cracks); a tetrahedron with 1 or 3
corners inside gives one triangle, with 2 a quad (two triangles). The marching-cubes family with a 16-case table
computed below instead of a 256-case table typed in; vertices are shared along grid edges; each triangle faces away
from the inside.
"""
from __future__ import annotations

from itertools import permutations

import numpy as np

# Corner c of a cell is at offset ((c >> 2) & 1, (c >> 1) & 1, c & 1) (x, y, z).
CORNERS = np.array([[(c >> 2) & 1, (c >> 1) & 1, c & 1] for c in range(8)])
AXIS_BIT = (4, 2, 1)
# The 6 tetrahedra: for each order (a, b, c) of the axes, corners 0, e_a, e_a + e_b, 7.
TETS = [(0, AXIS_BIT[a], AXIS_BIT[a] | AXIS_BIT[b], 7) for a, b, _ in permutations(range(3))]


def _case_table() -> list[list[list[tuple[int, int]]]]:
    """For each of the 16 inside/outside patterns of a tetrahedron's 4 corners (bit k = corner k inside):
    its triangles, each as 3 edges (inside corner, outside corner)."""
    table = []
    for case in range(16):
        ins = [k for k in range(4) if case >> k & 1]
        outs = [k for k in range(4) if not case >> k & 1]
        if len(ins) == 1:
            tris = [[(ins[0], o) for o in outs]]
        elif len(ins) == 3:
            tris = [[(i, outs[0]) for i in ins]]
        elif len(ins) == 2:
            (a, b), (c, d) = ins, outs
            tris = [[(a, c), (a, d), (b, d)], [(a, c), (b, d), (b, c)]]
        else:
            tris = []
        table.append(tris)
    return table


CASES = _case_table()


def grid_coords(n: int) -> np.ndarray:
    """Coordinates of the n + 1 grid points along an axis of an n-cell grid of the unit cube."""
    return -0.5 + np.arange(n + 1) / n


def _upsample(values: np.ndarray) -> np.ndarray:
    """(n+1)³ → (2n+1)³: even points copied, each new point the mean of its two neighbours, axis 0, 1 then 2."""
    for axis in range(3):
        v = np.moveaxis(values, axis, 0)
        out = np.empty((2 * v.shape[0] - 1, *v.shape[1:]), dtype=v.dtype)
        out[0::2] = v
        out[1::2] = (v[:-1] + v[1:]) / 2
        values = np.moveaxis(out, 0, axis)
    return values


def _corners(grid: np.ndarray) -> list[np.ndarray]:
    n = grid.shape[0] - 1
    return [grid[dx:dx + n, dy:dy + n, dz:dz + n] for dx, dy, dz in CORNERS]


def active_cells(values: np.ndarray, threshold: float = 0.0) -> np.ndarray:
    """Boolean n³: the cells whose corners are not all on one side (inside = value > threshold)."""
    inside = [c > threshold for c in _corners(values)]
    return np.logical_or.reduce(inside) & ~np.logical_and.reduce(inside)


def mise(evaluate, resolution: int = 64, coarse: int = 16, threshold: float = 0.0):
    """Values on the (resolution + 1)³ grid, evaluated only near the surface. `evaluate(points (M, 3) float32)`
    returns M values (logits: inside where > threshold). Returns (values float64, points evaluated per level)."""
    n = min(coarse, resolution)
    c = grid_coords(n)
    pts = np.stack(np.meshgrid(c, c, c, indexing="ij"), -1).reshape(-1, 3).astype(np.float32)
    values = np.asarray(evaluate(pts), dtype=np.float64).reshape(n + 1, n + 1, n + 1)
    known = np.ones(values.shape, dtype=bool)
    counts = [len(pts)]
    while n < resolution:
        active = active_cells(values, threshold)
        values = _upsample(values)
        fine_known = np.zeros(values.shape, dtype=bool)
        fine_known[0::2, 0::2, 0::2] = known
        n *= 2
        want = np.zeros(values.shape, dtype=bool)     # the closures of the active cells, on the fine grid
        for dx in range(3):
            for dy in range(3):
                for dz in range(3):
                    want[dx:dx + n - 1:2, dy:dy + n - 1:2, dz:dz + n - 1:2] |= active
        todo = want & ~fine_known
        idx = np.nonzero(todo)                        # C order: i slowest, k fastest (as the JS loops)
        if len(idx[0]):
            c = grid_coords(n)
            pts = np.stack([c[idx[0]], c[idx[1]], c[idx[2]]], -1).astype(np.float32)
            values[idx] = np.asarray(evaluate(pts), dtype=np.float64).reshape(-1)
        fine_known |= todo
        known = fine_known
        counts.append(int(len(idx[0])))
    return values, counts


def marching_tetrahedra(values: np.ndarray, threshold: float = 0.0):
    """Triangle mesh of the level set {value = threshold} of an (n+1)³ grid over the unit cube:
    (vertices (V, 3) float64, faces (F, 3) int64), inside = value > threshold, triangles facing outward."""
    n = values.shape[0] - 1
    side = n + 1
    inside = values > threshold
    cells = np.nonzero(active_cells(values, threshold))
    base = np.stack(cells, -1)                                            # (M, 3) cell origins
    coords = grid_coords(n)
    keys, positions, faces = [], [], []
    vertex_count = 0
    for tet in TETS:
        corner = base[:, None, :] + CORNERS[list(tet)][None]              # (M, 4, 3) grid indices
        gid = (corner[..., 0] * side + corner[..., 1]) * side + corner[..., 2]   # (M, 4)
        val = values[corner[..., 0], corner[..., 1], corner[..., 2]]      # (M, 4)
        ins = inside[corner[..., 0], corner[..., 1], corner[..., 2]]
        case = (ins * (1 << np.arange(4))).sum(1)
        pos = coords[corner]                                              # (M, 4, 3)
        outward = ((~ins)[..., None] * pos).sum(1) / np.maximum((~ins).sum(1), 1)[:, None] - \
            (ins[..., None] * pos).sum(1) / np.maximum(ins.sum(1), 1)[:, None]
        for code in range(1, 15):
            rows = np.nonzero(case == code)[0]
            if not len(rows):
                continue
            for tri in CASES[code]:
                corners = []
                for a, b in tri:                                          # a inside, b outside
                    va, vb = val[rows, a], val[rows, b]
                    t = (va - threshold) / (va - vb)
                    p = pos[rows, a] + (pos[rows, b] - pos[rows, a]) * t[:, None]
                    ga, gb = gid[rows, a], gid[rows, b]
                    keys.append(np.minimum(ga, gb) * side ** 3 + np.maximum(ga, gb))
                    positions.append(p)
                    corners.append(np.arange(vertex_count, vertex_count + len(rows)))
                    vertex_count += len(rows)
                p0, p1, p2 = (positions[-3], positions[-2], positions[-1])
                normal = np.cross(p1 - p0, p2 - p0)
                flip = (normal * outward[rows]).sum(1) < 0
                f = np.stack(corners, -1)
                f[flip] = f[flip][:, [0, 2, 1]]
                faces.append(f)
    if not faces:
        return np.zeros((0, 3)), np.zeros((0, 3), dtype=np.int64)
    keys, positions, faces = np.concatenate(keys), np.concatenate(positions), np.concatenate(faces)
    unique, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    return positions[first], inverse[faces]


def to_obj(vertices: np.ndarray, faces: np.ndarray, comment: str = "") -> str:
    """Wavefront .obj text: `v x y z` lines then 1-based `f a b c` lines."""
    lines = [f"# {line}" for line in comment.splitlines()]
    lines += [f"v {x:.6f} {y:.6f} {z:.6f}" for x, y, z in vertices]
    lines += [f"f {a + 1} {b + 1} {c + 1}" for a, b, c in faces]
    return "\n".join(lines) + "\n"


def sample_surface(vertices: np.ndarray, faces: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    """`count` points uniform by area on a triangle mesh (for the Chamfer distance)."""
    if len(faces) == 0:
        return np.zeros((0, 3))
    a, b, c = (vertices[faces[:, k]] for k in range(3))
    area = np.linalg.norm(np.cross(b - a, c - a), axis=1)
    pick = rng.choice(len(faces), count, p=area / area.sum())
    u, v = rng.random(count), rng.random(count)
    flip = u + v > 1
    u[flip], v[flip] = 1 - u[flip], 1 - v[flip]
    return a[pick] + (b[pick] - a[pick]) * u[:, None] + (c[pick] - a[pick]) * v[:, None]
