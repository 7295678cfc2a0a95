"""Views with known cameras and exact depth: a small numpy ray tracer, and the Middlebury motorcycle pair.

Rendered scenes (numpy only): a tilted back wall, a floor, one to three boxes and up to two spheres,
each with a texture — scikit-image's brick, grass or gravel photographs, or a procedural one
(checkers, stripes, smooth noise, and faint noise for nearly textureless surfaces) — tinted and
shaded by one distant light (Lambert, so a surface looks the same from every camera). The reference
camera sits at the origin looking down +z; the source cameras are moved sideways by 0.5–0.75 and
turned to look at the scene's middle. Every pixel is the mean of 2×2 rays (anti-aliasing); the true
depth is the z of the ray through the pixel centre, in the reference camera's frame. Scene `i` of a
split is drawn from its own generator seeded with (split, i): the same scenes on every machine.

A camera is (K, R, t) with x_cam = R x_world + t and pixel ~ K x_cam, pixel centres at integer
coordinates ((0, 0) is the centre of the top-left pixel).

The motorcycle pair (scikit-image ships Middlebury 2014's Motorcycle, left and right view with the
left view's disparity) becomes two cameras sharing one focal length, the right one moved by the
baseline along x, with the calibration skimage.data's docstring gives for its size, scaled to ours;
depth = f·b / (disparity + doffs).
"""
from __future__ import annotations

from functools import cache

import numpy as np

HEIGHT, WIDTH = 128, 160         # rendered views (pixels): half-size feature maps of 80×64
FOCAL = 160.0                    # focal length of every rendered camera (pixels)
DEPTH_RANGE = (2.0, 6.0)         # every rendered surface lies in here (the planes' range)
BASELINE = (0.5, 0.75)           # sideways offset of the source cameras: 20-56 px of parallax across the range
SPLITS = {"train": 1, "held_out": 2}
TEXTURES = ("brick", "grass", "gravel", "checker", "stripes", "noise", "faint")

# Middlebury 2014 Motorcycle at scikit-image's size (741 × 500, down-sampled 4×), from skimage.data's
# docstring: focal length, principal point, principal point dx (doffs), baseline in metres
MOTORCYCLE = {"focal": 994.978, "cx": 311.193, "cy": 254.877, "doffs": 31.086, "baseline": 0.193001}


def intrinsics(focal: float, width: int, height: int) -> np.ndarray:
    return np.array([[focal, 0, (width - 1) / 2], [0, focal, (height - 1) / 2], [0, 0, 1]], np.float64)


def look_at(centre: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(R, t) of a camera at `centre` looking at `target`, image y pointing down (world y is down too)."""
    z = target - centre
    z = z / np.linalg.norm(z)
    x = np.cross(np.array([0.0, 1.0, 0.0]), z)
    x = x / np.linalg.norm(x)
    y = np.cross(z, x)
    R = np.stack([x, y, z])                         # rows: camera axes in world coordinates
    return R, -R @ centre


@cache
def _photo(name: str) -> np.ndarray:
    import skimage.data
    image = getattr(skimage.data, name)().astype(np.float64) / 255.0
    return image if image.ndim == 2 else image.mean(axis=2)


def texture(kind: str, rng: np.random.Generator):
    """A function (u, v) in world units → grey value in [0, 1]."""
    scale = rng.uniform(0.6, 1.6)
    if kind in ("brick", "grass", "gravel"):
        photo = _photo(kind)
        n = photo.shape[0]
        offset = rng.uniform(0, n, 2)
        per_unit = n / 2.0 / scale                   # a photo tile covers 2·scale world units

        def sample(u, v):                            # bilinear, tiled
            x = (u * per_unit + offset[0]) % n
            y = (v * per_unit + offset[1]) % n
            x0, y0 = np.floor(x).astype(int), np.floor(y).astype(int)
            fx, fy = x - x0, y - y0
            x1, y1 = (x0 + 1) % n, (y0 + 1) % n
            top = photo[y0, x0] * (1 - fx) + photo[y0, x1] * fx
            bottom = photo[y1, x0] * (1 - fx) + photo[y1, x1] * fx
            return top * (1 - fy) + bottom * fy
        return sample
    if kind == "checker":
        size = 0.15 * scale
        return lambda u, v: 0.25 + 0.5 * ((np.floor(u / size) + np.floor(v / size)) % 2)
    if kind == "stripes":
        angle, period = rng.uniform(0, np.pi), 0.2 * scale
        return lambda u, v: 0.5 + 0.35 * np.sin(2 * np.pi * (u * np.cos(angle) + v * np.sin(angle)) / period)
    # smooth noise: a sum of random sinusoids; "faint" has little contrast (nearly textureless)
    k = rng.normal(0, 12.0 / scale, (12, 2))
    phase = rng.uniform(0, 2 * np.pi, 12)
    amp = 0.05 if kind == "faint" else 0.3
    return lambda u, v: 0.5 + amp * np.mean(np.sin(u[..., None] * k[:, 0] + v[..., None] * k[:, 1] + phase), -1) * 2.5


def random_scene(rng: np.random.Generator) -> list[dict]:
    """Primitives: planes (normal n, offset c: n·x = c), boxes (centre, rotation, half sizes), spheres."""
    def skin():
        kind = TEXTURES[rng.integers(len(TEXTURES))]
        return {"texture": texture(kind, rng), "kind": kind, "tint": rng.uniform(0.35, 1.0, 3)}
    wall_z = rng.uniform(4.6, 5.2)
    normal = np.array([rng.uniform(-0.15, 0.15), rng.uniform(-0.1, 0.1), -1.0])
    normal /= np.linalg.norm(normal)
    prims = [{"type": "plane", "n": normal, "c": float(normal @ [0, 0, wall_z]), **skin()},
             {"type": "plane", "n": np.array([0.0, -1.0, 0.0]), "c": -rng.uniform(0.9, 1.3), **skin()}]
    for _ in range(rng.integers(1, 4)):
        z = rng.uniform(2.6, 4.4)
        half = rng.uniform(0.15, 0.45, 3)
        yaw = rng.uniform(0, np.pi / 2)
        rot = np.array([[np.cos(yaw), 0, np.sin(yaw)], [0, 1, 0], [-np.sin(yaw), 0, np.cos(yaw)]])
        centre = np.array([rng.uniform(-0.35, 0.35) * z, rng.uniform(-0.3, 0.3) * z, z])
        prims.append({"type": "box", "centre": centre, "rot": rot, "half": half, **skin()})
    for _ in range(rng.integers(0, 3)):
        z = rng.uniform(2.6, 4.4)
        centre = np.array([rng.uniform(-0.35, 0.35) * z, rng.uniform(-0.3, 0.3) * z, z])
        prims.append({"type": "sphere", "centre": centre, "r": rng.uniform(0.25, 0.55), **skin()})
    return prims


def _hit(prim: dict, o: np.ndarray, d: np.ndarray):
    """Ray parameter s (inf where missed), unit normal and texture coordinates for one primitive."""
    n_rays = d.shape[0]
    inf = np.full(n_rays, np.inf)
    if prim["type"] == "plane":
        denom = d @ prim["n"]
        with np.errstate(divide="ignore", invalid="ignore"):
            s = (prim["c"] - o @ prim["n"]) / denom
        s = np.where((s > 1e-6) & np.isfinite(s), s, np.inf)
        p = o + np.where(np.isfinite(s), s, 0)[:, None] * d
        a = np.cross(prim["n"], [0.0, 0.0, 1.0] if abs(prim["n"][2]) < 0.9 else [1.0, 0.0, 0.0])
        a /= np.linalg.norm(a)
        b = np.cross(prim["n"], a)
        return s, np.broadcast_to(prim["n"], d.shape), p @ a, p @ b
    if prim["type"] == "sphere":
        oc = o - prim["centre"]
        bq = d @ oc
        dd = np.einsum("ij,ij->i", d, d)
        disc = bq ** 2 - dd * (oc @ oc - prim["r"] ** 2)
        s = np.where(disc > 0, (-bq - np.sqrt(np.maximum(disc, 0))) / dd, np.inf)
        s = np.where(s > 1e-6, s, np.inf)
        p = o + np.where(np.isfinite(s), s, 0)[:, None] * d - prim["centre"]
        normal = p / prim["r"]
        r = prim["r"]
        return s, normal, r * np.arctan2(normal[:, 0], normal[:, 2]), r * np.arccos(np.clip(normal[:, 1], -1, 1))
    # box: slabs in the box's own frame
    R = prim["rot"]
    lo_, ld = (o - prim["centre"]) @ R, d @ R
    with np.errstate(divide="ignore", invalid="ignore"):
        t1 = (-prim["half"] - lo_) / ld
        t2 = (prim["half"] - lo_) / ld
    tmin = np.nanmax(np.minimum(t1, t2), axis=1)
    tmax = np.nanmin(np.maximum(t1, t2), axis=1)
    s = np.where((tmax >= tmin) & (tmin > 1e-6), tmin, inf)
    local = lo_ + np.where(np.isfinite(s), s, 0)[:, None] * ld
    axis = np.argmax(np.abs(local) / prim["half"], axis=1)
    normal_local = np.zeros_like(local)
    normal_local[np.arange(n_rays), axis] = np.sign(local[np.arange(n_rays), axis])
    others = np.array([[1, 2], [0, 2], [0, 1]])[axis]
    u = local[np.arange(n_rays), others[:, 0]]
    v = local[np.arange(n_rays), others[:, 1]]
    return s, normal_local @ R.T, u, v


def trace(prims: list[dict], light: np.ndarray, K, R, t, height: int, width: int, samples: int = 2):
    """(colour (H, W, 3) in [0, 1], depth (H, W) along the camera's z) of one camera."""
    offsets = (np.arange(samples) + 0.5) / samples - 0.5
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float64)
    sub = [(xs + dx, ys + dy) for dy in offsets for dx in offsets] + [(xs, ys)]  # last: the centre ray
    centre = -R.T @ t
    inv = np.linalg.inv(K)
    colours = []
    for k, (u, v) in enumerate(sub):
        pix = np.stack([u.ravel(), v.ravel(), np.ones(u.size)], 1)
        d = pix @ inv.T @ R                          # world directions with camera-z component 1
        best = np.full(u.size, np.inf)
        colour = np.zeros((u.size, 3))
        for prim in prims:
            s, normal, tu, tv = _hit(prim, centre, d)
            closer = s < best
            if not closer.any():
                continue
            best = np.where(closer, s, best)
            shade = 0.35 + 0.65 * np.clip(np.abs(normal[closer] @ light), 0, 1)
            grey = np.clip(prim["texture"](tu[closer], tv[closer]), 0, 1)
            colour[closer] = (grey * shade)[:, None] * prim["tint"]
        if k == len(sub) - 1:
            depth = best.reshape(height, width)          # s along a direction with camera-z 1 = depth
        else:
            colours.append(colour)
    return np.clip(np.mean(colours, 0), 0, 1).reshape(height, width, 3), depth


def scene(split: str, index: int, views: int = 3) -> dict:
    """One rendered scene: images (V, H, W, 3) uint8, K, R, t (V, …), the reference depth, the range."""
    rng = np.random.default_rng([SPLITS[split], index])
    prims = random_scene(rng)
    light = rng.normal(0, 1, 3) + [0, -1.5, -1.0]
    light /= np.linalg.norm(light)
    K = intrinsics(FOCAL, WIDTH, HEIGHT)
    target = np.array([0.0, 0.0, 4.0])
    cams = [(np.eye(3), np.zeros(3))]
    for k in range(views - 1):
        side = (-1) ** k * rng.uniform(*BASELINE) * (1 + k // 2)
        cams.append(look_at(np.array([side, rng.uniform(-0.12, 0.12), rng.uniform(-0.1, 0.1)]), target))
    images, depth = [], None
    for R, t in cams:
        image, z = trace(prims, light, K, R, t, HEIGHT, WIDTH)
        images.append(np.round(image * 255).astype(np.uint8))
        depth = z if depth is None else depth
    return {"images": np.stack(images), "K": np.stack([K] * views), "R": np.stack([c[0] for c in cams]),
            "t": np.stack([c[1] for c in cams]), "depth": depth.astype(np.float32),
            "depth_range": np.array(DEPTH_RANGE), "kinds": [p["kind"] for p in prims]}


@cache
def motorcycle(height: int = 128, width: int = 192) -> dict:
    """The Middlebury motorcycle pair at (height, width): two views, cameras, true depth and disparity.

    Disparity and depth are given at this size (disparity in pixels of this size, nearest-neighbour
    resampled); pixels without a true disparity (NaN in the file) are NaN. Cached: copy before changing."""
    import skimage.data
    from skimage.transform import resize
    left, right, disp = skimage.data.stereo_motorcycle()
    sy, sx = height / left.shape[0], width / left.shape[1]
    images = [np.round(resize(im, (height, width), order=1, anti_aliasing=True, preserve_range=True))
              .clip(0, 255).astype(np.uint8) for im in (left, right)]
    m = MOTORCYCLE
    K0 = np.array([[m["focal"] * sx, 0, (m["cx"] + 0.5) * sx - 0.5],
                   [0, m["focal"] * sy, (m["cy"] + 0.5) * sy - 0.5], [0, 0, 1]])
    K1 = K0.copy()
    K1[0, 2] += m["doffs"] * sx
    small = resize(np.where(np.isfinite(disp), disp, -1.0), (height, width), order=0, anti_aliasing=False)
    small = np.where(small > 0, small * sx, np.nan)
    fb, doffs = m["focal"] * sx * m["baseline"], m["doffs"] * sx
    depth = fb / (small + doffs)
    return {"images": np.stack(images), "K": np.stack([K0, K1]), "R": np.stack([np.eye(3)] * 2),
            "t": np.array([[0.0, 0, 0], [-m["baseline"], 0, 0]]), "depth": depth.astype(np.float32),
            "disparity": small.astype(np.float32), "focal_baseline": fb, "doffs": doffs, "disparity_scale": sx}
