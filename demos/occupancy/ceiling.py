"""How much of a shape do its 16³ voxels determine? An estimate of the IoU any reconstruction from the voxels can
expect, written to demos/occupancy/results/ceiling.md:

    python -m demos.occupancy.ceiling          # ~3 min of CPU time

For each held-out shape, replay its family's generator with every continuous draw (a size, a position, the angle)
moved one at a time to find the interval of values that give exactly the same voxels; then draw all of them
jointly, uniformly in those intervals, and keep the shapes whose voxels are identical: samples of the shapes the
generator could have drawn, given the voxels. Their majority vote (inside where most of them are) is an oracle
that knows the generator exactly; its IoU with the true shape is the estimate. It is optimistic: the discrete
draws (round or square legs, the number of snowballs) are taken as known, and the joint search box is the product
of the one-at-a-time intervals.
"""
from __future__ import annotations

import numpy as np

from demos.occupancy import shapes, train

SAMPLES = 100             # consistent shapes per held-out shape
POINTS = 20_000           # uniform points per shape for IoU
STEPS = (0.02, 0.005, 0.001)  # the interval search: coarse to fine


class Replay:
    """An rng for `shapes.make` that records the generator's draws (values=None) or replays given values."""

    def __init__(self, rng=None, values=None):
        self.rng, self.values, self.draws = rng, values, []

    def _next(self, draw, lo=None, hi=None):
        value = draw() if self.values is None else self.values[len(self.draws)]
        self.draws.append((value, lo, hi))
        return value

    def uniform(self, lo, hi):
        return self._next(lambda: float(self.rng.uniform(lo, hi)), lo, hi)

    def random(self):
        return self._next(lambda: float(self.rng.random()))

    def integers(self, lo, hi):
        return self._next(lambda: int(self.rng.integers(lo, hi)))


def consistent_shapes(family: str, seed, rng: np.random.Generator, count: int = SAMPLES):
    """(the shape the seed makes, up to `count` other draws of its generator with the same voxels)."""
    record = Replay(np.random.default_rng(seed))
    shape = shapes.make(family, record)
    values = [v for v, _, _ in record.draws]
    target = shapes.voxels(shape)

    def remake(vals):
        return shapes.make(family, Replay(values=vals))

    def same(k, x):
        return np.array_equal(shapes.voxels(remake(values[:k] + [x] + values[k + 1:])), target)

    box = []
    for k, (v, lo, hi) in enumerate(record.draws):
        a = b = v
        if lo is not None:
            for step in STEPS:
                while a - step >= lo and same(k, a - step):
                    a -= step
                while b + step <= hi and same(k, b + step):
                    b += step
            a, b = max(lo, a - STEPS[-1]), min(hi, b + STEPS[-1])
        box.append((a, b))
    found = []
    for _ in range(40 * count):
        candidate = remake([rng.uniform(a, b) if a < b else a for a, b in box])
        if np.array_equal(shapes.voxels(candidate), target):
            found.append(candidate)
            if len(found) == count:
                break
    return shape, found


def main(argv=None) -> dict:
    rng = np.random.default_rng(train.SEED + 11)
    rows = {}
    for f, family in enumerate(shapes.FAMILIES):
        for i in range(train.HELD_OUT_PER_FAMILY):                    # the held-out shapes of train.make_split
            shape, found = consistent_shapes(family, train.shape_seed("held_out", f * 100_000 + i), rng)
            pts = rng.uniform(-0.5, 0.5, (POINTS, 3))
            vote = np.mean([shapes.inside(s, pts) for s in found], axis=0) > 0.5
            rows.setdefault(family, []).append((shapes.iou(vote, shapes.inside(shape, pts)), len(found)))
    rows["all"] = [r for family in shapes.FAMILIES for r in rows[family]]
    lines = ["| family | IoU of the generator's majority vote given the 16³ voxels |", "|---|---:|"]
    lines += [f"| {'**all**' if k == 'all' else k} | {np.mean([r[0] for r in v]):.3f} |" for k, v in rows.items()]
    fewest = min(r[1] for r in rows["all"])
    text = "\n".join(lines) + (
        f"\n\nFor each of the {len(rows['all'])} held-out shapes, "
        f"{f'{SAMPLES}' if fewest == SAMPLES else f'up to {SAMPLES} (at least {fewest})'} shapes drawn from "
        f"its family's generator that give exactly the same 16³ voxels; inside where most of them are inside; "
        f"IoU with the true shape on {POINTS:,} uniform points. The discrete choices (round or square legs, the "
        "number of snowballs) are taken as known, so the estimate is optimistic. Written by "
        "`python -m demos.occupancy.ceiling`.\n")
    train.RESULTS.mkdir(exist_ok=True)
    (train.RESULTS / "ceiling.md").write_text(text)
    print(text)
    return {k: float(np.mean([r[0] for r in v])) for k, v in rows.items()}


if __name__ == "__main__":
    main()
