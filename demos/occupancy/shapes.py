"""Procedural shape families with exact inside/outside tests (numpy only; the JS twin is
docs/javascripts/demos/occupancy/shapes.js).

A shape is a JSON-able dict: {"family", "angle" (radians about the vertical y axis), "parts": [primitive, ...]},
the union of its primitives, all inside the unit cube [-0.5, 0.5]³ (y up). Primitives:

    {"kind": "box",    "c": [x, y, z], "h": [hx, hy, hz]}          half sizes
    {"kind": "cyl",    "c": [x, y, z], "r": r, "h": hy}            vertical axis, half height
    {"kind": "cone",   "c": [x, y, z], "r0": r, "r1": r, "h": hy}  frustum: radius r0 at the bottom, r1 at the top
    {"kind": "sphere", "c": [x, y, z], "r": r}
    {"kind": "torus",  "c": [x, y, z], "R": R, "r": r, "axis": 0|1|2}  ring radius R, tube radius r

Families: table, chair, lamp, torus, snowman, each with random proportions (`make(family, rng)`).
Samples as in Mescheder et al. 2019: occupancy at points uniform in the cube and near the surface; exact
surface points come from bisecting short segments whose ends disagree.
"""
from __future__ import annotations

import numpy as np

FAMILIES = ("table", "chair", "lamp", "torus", "snowman")
HALF = 0.5  # the unit cube is [-HALF, HALF]³


def _u(rng, lo, hi):
    return float(rng.uniform(lo, hi))


def _table(rng):
    height, w, d = _u(rng, 0.45, 0.7), _u(rng, 0.55, 0.8), _u(rng, 0.4, 0.7)
    t, leg = _u(rng, 0.05, 0.08), _u(rng, 0.03, 0.045)
    floor = -height / 2
    top_y = floor + height - t / 2
    parts = [{"kind": "box", "c": [0, top_y, 0], "h": [w / 2, t / 2, d / 2]}]
    round_legs = rng.random() < 0.5
    inset = _u(rng, 0.02, 0.08)
    leg_h = (height - t) / 2
    for sx in (-1, 1):
        for sz in (-1, 1):
            c = [sx * (w / 2 - inset - leg), floor + leg_h, sz * (d / 2 - inset - leg)]
            parts.append({"kind": "cyl", "c": c, "r": leg, "h": leg_h} if round_legs
                         else {"kind": "box", "c": c, "h": [leg, leg_h, leg]})
    return parts


def _chair(rng):
    w, d = _u(rng, 0.38, 0.55), _u(rng, 0.38, 0.52)
    seat_h, back_h = _u(rng, 0.3, 0.42), _u(rng, 0.3, 0.42)
    t, leg, bt = _u(rng, 0.05, 0.08), _u(rng, 0.03, 0.04), _u(rng, 0.05, 0.07)
    floor = -(seat_h + back_h) / 2
    seat_y = floor + seat_h - t / 2
    parts = [{"kind": "box", "c": [0, seat_y, 0], "h": [w / 2, t / 2, d / 2]},
             {"kind": "box", "c": [0, seat_y + t / 2 + back_h / 2, -d / 2 + bt / 2], "h": [w / 2, back_h / 2, bt / 2]}]
    leg_h = (seat_h - t) / 2
    for sx in (-1, 1):
        for sz in (-1, 1):
            parts.append({"kind": "box", "c": [sx * (w / 2 - leg), floor + leg_h, sz * (d / 2 - leg)],
                          "h": [leg, leg_h, leg]})
    return parts


def _lamp(rng):
    base_r, base_h = _u(rng, 0.13, 0.2), _u(rng, 0.025, 0.045)
    pole_r, pole_len = _u(rng, 0.025, 0.04), _u(rng, 0.3, 0.45)
    shade_h, r0, r1 = _u(rng, 0.09, 0.14), _u(rng, 0.16, 0.25), _u(rng, 0.06, 0.12)
    total = 2 * base_h + pole_len + 2 * shade_h
    floor = -total / 2
    return [{"kind": "cyl", "c": [0, floor + base_h, 0], "r": base_r, "h": base_h},
            {"kind": "cyl", "c": [0, floor + 2 * base_h + pole_len / 2, 0], "r": pole_r, "h": pole_len / 2 + 0.01},
            {"kind": "cone", "c": [0, floor + 2 * base_h + pole_len + shade_h, 0], "r0": r0, "r1": r1, "h": shade_h}]


def _torus(rng):
    big, small = _u(rng, 0.2, 0.3), _u(rng, 0.06, 0.11)
    return [{"kind": "torus", "c": [0, 0, 0], "R": big, "r": small, "axis": int(rng.integers(0, 2))}]


def _snowman(rng):
    r = [_u(rng, 0.15, 0.21)]
    for _ in range(int(rng.integers(1, 3))):
        r.append(r[-1] * _u(rng, 0.6, 0.8))
    ys = [0.0]
    for a, b in zip(r, r[1:]):
        ys.append(ys[-1] + (a + b) * _u(rng, 0.72, 0.85))
    shift = -(ys[-1] + r[-1] - r[0]) / 2 - 0.0
    return [{"kind": "sphere", "c": [0, y + shift, 0], "r": rad} for y, rad in zip(ys, r)]


_MAKERS = {"table": _table, "chair": _chair, "lamp": _lamp, "torus": _torus, "snowman": _snowman}


def _rounded(value):
    if isinstance(value, float):
        return round(value, 5)
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    return value


def make(family: str, rng: np.random.Generator) -> dict:
    """One random shape of a family (numbers rounded to 5 decimals, so JSON and the tests are exact)."""
    parts = _MAKERS[family](rng)
    angle = _u(rng, 0, np.pi) if family != "snowman" else 0.0
    return _rounded({"family": family, "angle": angle, "parts": parts})


def _local(points: np.ndarray, angle: float) -> np.ndarray:
    """World points → the shape's frame (rotate by -angle about y)."""
    c, s = np.cos(angle), np.sin(angle)
    x, y, z = points[:, 0], points[:, 1], points[:, 2]
    return np.stack([c * x - s * z, y, s * x + c * z], axis=1)


def _inside_part(q: np.ndarray, part: dict) -> np.ndarray:
    d = q - np.asarray(part["c"], dtype=q.dtype)
    kind = part["kind"]
    if kind == "box":
        return np.all(np.abs(d) <= np.asarray(part["h"]), axis=1)
    if kind == "sphere":
        return (d ** 2).sum(1) <= part["r"] ** 2
    rho2 = d[:, 0] ** 2 + d[:, 2] ** 2
    if kind == "cyl":
        return (rho2 <= part["r"] ** 2) & (np.abs(d[:, 1]) <= part["h"])
    if kind == "cone":
        t = np.clip((d[:, 1] + part["h"]) / (2 * part["h"]), 0, 1)
        radius = part["r0"] + (part["r1"] - part["r0"]) * t
        return (rho2 <= radius ** 2) & (np.abs(d[:, 1]) <= part["h"])
    if kind == "torus":
        a = part["axis"]
        u = d[:, a]
        ring = np.sqrt((d ** 2).sum(1) - u ** 2)
        return (ring - part["R"]) ** 2 + u ** 2 <= part["r"] ** 2
    raise ValueError(f"unknown primitive {kind!r}")


def inside(shape: dict, points: np.ndarray) -> np.ndarray:
    """Exact occupancy (bool, (N,)) of world points (N, 3)."""
    q = _local(np.asarray(points, dtype=np.float64).reshape(-1, 3), shape["angle"]).astype(np.float32)
    out = np.zeros(len(q), dtype=bool)
    for part in shape["parts"]:
        out |= _inside_part(q, part)
    return out


def grid_points(n: int) -> np.ndarray:
    """Centres of the n³ cells of the unit cube, (n³, 3), x slowest … z fastest (index [i, j, k])."""
    c = (np.arange(n) + 0.5) / n - HALF
    return np.stack(np.meshgrid(c, c, c, indexing="ij"), -1).reshape(-1, 3)


def voxels(shape: dict, n: int = 16, sub: int = 2, fill: float = 0.25) -> np.ndarray:
    """The coarse input: an n³ grid of 0/1 (float32), a cell on when ≥ `fill` of its sub³ samples are inside."""
    occ = inside(shape, grid_points(n * sub)).reshape(n, sub, n, sub, n, sub)
    return (occ.mean(axis=(1, 3, 5)) >= fill).astype(np.float32)


def surface_points(shape: dict, count: int, rng: np.random.Generator, step: float = 0.05) -> np.ndarray:
    """`count` points on the surface, uniform by area: segments (p, p + δ) with δ ~ N(0, step²) whose ends
    disagree are bisected 16 times (to ~1e-6)."""
    found = []
    total = 0
    for _ in range(40):
        a = rng.uniform(-HALF, HALF, (20000, 3))
        b = a + rng.normal(0, step, a.shape)
        ia, ib = inside(shape, a), inside(shape, b)
        keep = ia != ib
        lo, hi = np.where(ia[keep, None], a[keep], b[keep]), np.where(ia[keep, None], b[keep], a[keep])  # in, out
        for _ in range(16):
            mid = (lo + hi) / 2
            m = inside(shape, mid)[:, None]
            lo, hi = np.where(m, mid, lo), np.where(m, hi, mid)
        found.append((lo + hi) / 2)
        total += len(found[-1])
        if total >= count:
            break
    pts = np.concatenate(found)
    return pts[rng.permutation(len(pts))[:count]].astype(np.float32)


def query_points(shape: dict, surface: np.ndarray, count: int, rng: np.random.Generator, sigma: float = 0.02):
    """`count` training points with occupancy: half uniform in the cube, half near the surface (+N(0, σ²))."""
    half = count // 2
    uniform = rng.uniform(-HALF, HALF, (count - half, 3))
    near = surface[rng.integers(0, len(surface), half)] + rng.normal(0, sigma, (half, 3))
    pts = np.clip(np.concatenate([uniform, near]), -HALF, HALF).astype(np.float32)
    return pts, inside(shape, pts)


def noisy_points(surface: np.ndarray, count: int, rng: np.random.Generator, noise: float = 0.005) -> np.ndarray:
    """The completion task's input: `count` surface points with Gaussian noise, clipped to the cube."""
    pts = surface[rng.choice(len(surface), count, replace=len(surface) < count)]
    return np.clip(pts + rng.normal(0, noise, pts.shape), -HALF, HALF).astype(np.float32)


def iou(a: np.ndarray, b: np.ndarray) -> float:
    """Intersection over union of two boolean occupancy arrays (1.0 when both are empty)."""
    union = np.logical_or(a, b).sum()
    return float(np.logical_and(a, b).sum() / union) if union else 1.0
