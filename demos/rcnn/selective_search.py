"""Selective search (Uijlings et al. 2013) for the R-CNN-style demo — numpy only, mirrored step for step in
docs/javascripts/selective-search.js, so the page proposes exactly the boxes `python -m demos run rcnn` does.

1. **Over-segmentation**: Felzenszwalb & Huttenlocher's graph segmentation (2004). Pixels are nodes, the 8
   neighbours are edges weighted by the RGB distance of the (lightly smoothed) pixels; edges are visited by
   increasing weight and two components merge when the edge is lighter than both components' internal
   difference plus `scale / size`. Components under `min_size` pixels are then merged into a neighbour.
2. **Hierarchical grouping**: every region is a proposal; the two most similar neighbouring regions merge
   into a new region (also a proposal) until one region is left. Similarity is selective search's sum of
   colour (histogram intersection), size (prefer merging small regions) and fill (prefer regions that fill
   each other's bounding box).
3. **Diversification**: several `scale`s; every box of every strategy, filtered and deduplicated.

scikit-image has (1) as `skimage.segmentation.felzenszwalb` and opencv-contrib has the whole of selective
search; neither can run in the page, and the page must give the same boxes, so this is our own code in both
languages (tests compare our segmentation with scikit-image's). Every quantity that decides a merge is an
integer or one IEEE operation on integers, so Python and JavaScript take identical decisions.
"""
from __future__ import annotations

import math

import numpy as np

SCALES = (20, 60, 150)      # Felzenszwalb's k, in RGB units (0..255): larger gives fewer, larger components
MIN_SIZE = 10               # pixels: smaller components are merged into a neighbour
BINS = 16                   # colour histogram bins per channel
MIN_SIDE = 5                # pixels, both sides of a kept box
MAX_AREA = 0.6              # kept boxes cover at most this fraction of the image (larger: background)
DOC = {"method": "selective search", "scales": list(SCALES), "min_size": MIN_SIZE, "bins": BINS,
       "min_side": MIN_SIDE, "max_area": MAX_AREA,
       "description": "Felzenszwalb-Huttenlocher segmentation (8-neighbour graph, RGB smoothed by the 3x3 binomial "
                      "kernel with edge pixels repeated, weights = Euclidean RGB distance, stable sort, merge when "
                      "weight < min(internal + scale / size) of both, then components under min_size merged in edge "
                      "order) for each scale; hierarchical grouping of neighbouring regions by colour histogram "
                      "intersection + size + fill similarity (ties: lowest region pair); every region's box; keep "
                      "boxes with both sides >= min_side and area <= max_area of the image; unique, sorted by "
                      "(x0, y0, x1, y1)"}


def smooth(image: np.ndarray) -> np.ndarray:
    """(H, W, 3) uint8 → (H, W, 3) int64, 16 × the 3×3 binomial blur (edges repeat): exact integers."""
    a = np.pad(image.astype(np.int64), ((1, 1), (1, 1), (0, 0)), mode="edge")
    rows = a[:-2] + 2 * a[1:-1] + a[2:]
    return rows[:, :-2] + 2 * rows[:, 1:-1] + rows[:, 2:]


def graph(image: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The 8-neighbour graph as (a, b, squared weight × 256) arrays, ordered right, down, down-right, up-right
    edges, each in raster order, then stably sorted by weight."""
    s = smooth(image)
    h, w = image.shape[:2]
    index = np.arange(h * w).reshape(h, w)
    pairs = [(index[:, :-1], index[:, 1:]), (index[:-1], index[1:]), (index[:-1, :-1], index[1:, 1:]),
             (index[1:, :-1], index[:-1, 1:])]
    flat = s.reshape(-1, 3)
    a = np.concatenate([p.reshape(-1) for p, _ in pairs])
    b = np.concatenate([q.reshape(-1) for _, q in pairs])
    weight = ((flat[a] - flat[b]) ** 2).sum(1)
    order = np.argsort(weight, kind="stable")
    return a[order], b[order], weight[order]


def _root(parent: list, x: int) -> int:
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x


def felzenszwalb(image: np.ndarray, scale: float, min_size: int = MIN_SIZE, edges=None) -> np.ndarray:
    """(H, W) int labels 0..n-1, numbered in raster order of each region's first pixel."""
    h, w = image.shape[:2]
    a, b, weight = graph(image) if edges is None else edges
    cost = [math.sqrt(v) / 16 for v in weight.tolist()]      # RGB units; / 16 is exact
    parent, size, internal = list(range(h * w)), [1] * (h * w), [0.0] * (h * w)
    pairs = list(zip(a.tolist(), b.tolist()))
    for (p, q), c in zip(pairs, cost):
        p, q = _root(parent, p), _root(parent, q)
        if p != q and c < min(internal[p] + scale / size[p], internal[q] + scale / size[q]):
            p, q = min(p, q), max(p, q)
            parent[q], size[p], internal[p] = p, size[p] + size[q], c
    for p, q in pairs:
        p, q = _root(parent, p), _root(parent, q)
        if p != q and (size[p] < min_size or size[q] < min_size):
            p, q = min(p, q), max(p, q)
            parent[q], size[p] = p, size[p] + size[q]
    roots = np.array([_root(parent, x) for x in range(h * w)])
    return np.unique(roots, return_inverse=True)[1].reshape(h, w)   # roots are first pixels: raster order


# --8<-- [start:grouping]
def grouping(image: np.ndarray, labels: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Selective search's hierarchical grouping: the boxes of every region, initial and merged."""
    h, w = labels.shape
    n = int(labels.max()) + 1
    flat = labels.reshape(-1)
    ys, xs = np.divmod(np.arange(h * w), w)
    size = np.bincount(flat, minlength=n).tolist()
    x0 = np.full(n, w); y0 = np.full(n, h); x1 = np.zeros(n, int); y1 = np.zeros(n, int)
    np.minimum.at(x0, flat, xs); np.minimum.at(y0, flat, ys); np.maximum.at(x1, flat, xs + 1); np.maximum.at(y1, flat, ys + 1)
    box = [list(t) for t in zip(x0.tolist(), y0.tolist(), x1.tolist(), y1.tolist())]
    bins = (image.reshape(-1, 3).astype(np.int64) * BINS) // 256 + np.arange(3) * BINS    # (H·W, 3) bin index
    hist = np.zeros((n, 3 * BINS), np.int64)
    np.add.at(hist, (np.repeat(flat, 3), bins.reshape(-1)), 1)
    hist = [row.tolist() for row in hist]
    right = labels[:, :-1] != labels[:, 1:]
    down = labels[:-1] != labels[1:]
    touching = np.concatenate([np.stack([labels[:, :-1][right], labels[:, 1:][right]], 1),
                               np.stack([labels[:-1][down], labels[1:][down]], 1)])
    neighbours = [set() for _ in range(n)]
    for p, q in touching.tolist():
        neighbours[p].add(q)
        neighbours[q].add(p)
    total = h * w

    def similarity(p: int, q: int) -> float:
        colour = sum(min(u * size[q], v * size[p]) for u, v in zip(hist[p], hist[q])) / (3 * size[p] * size[q])
        bw = max(box[p][2], box[q][2]) - min(box[p][0], box[q][0])
        bh = max(box[p][3], box[q][3]) - min(box[p][1], box[q][1])
        return colour + (total - size[p] - size[q]) / total + (total - bw * bh + size[p] + size[q]) / total

    sims = {(p, q): similarity(p, q) for p in range(n) for q in neighbours[p] if p < q}
    out = [tuple(b) for b in box]
    while sims:
        p, q = max(sims, key=lambda pair: (sims[pair], -pair[0], -pair[1]))
        t = len(size)
        size.append(size[p] + size[q])
        hist.append([u + v for u, v in zip(hist[p], hist[q])])
        box.append([min(box[p][0], box[q][0]), min(box[p][1], box[q][1]), max(box[p][2], box[q][2]),
                    max(box[p][3], box[q][3])])
        out.append(tuple(box[t]))
        around = (neighbours[p] | neighbours[q]) - {p, q}
        neighbours.append(around)
        for r in neighbours[p] | neighbours[q]:
            sims.pop((min(p, r), max(p, r)), None)
            sims.pop((min(q, r), max(q, r)), None)
        for r in around:
            neighbours[r] -= {p, q}
            neighbours[r].add(t)
            sims[(r, t)] = similarity(r, t)
    return out
# --8<-- [end:grouping]


def selective_search(image: np.ndarray) -> np.ndarray:
    """(K, 4) int boxes (x0, y0, x1, y1), x1/y1 exclusive, unique, sorted."""
    h, w = image.shape[:2]
    edges = graph(image)
    found = set()
    for scale in SCALES:
        found.update(grouping(image, felzenszwalb(image, scale, MIN_SIZE, edges)))
    kept = [b for b in found if b[2] - b[0] >= MIN_SIDE and b[3] - b[1] >= MIN_SIDE
            and (b[2] - b[0]) * (b[3] - b[1]) <= MAX_AREA * h * w]
    return np.array(sorted(kept), np.int64).reshape(-1, 4)
