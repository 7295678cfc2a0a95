"""Write views for `python -m demos run mvsnet`: a rendered scene or the motorcycle pair, as .npz.

    python -m demos.mvsnet.views held_out:3 views.npz     held-out rendered scene 3 (3 views)
    python -m demos.mvsnet.views motorcycle pair.npz      the Middlebury pair at 192×128 (2 views)
"""
from __future__ import annotations

import argparse
import sys

import numpy as np

from demos.common.errors import DemoError
from demos.mvsnet import data

PAIR_RANGE = data.DEPTH_RANGE  # the pair's true depths (2.1–5.0 m at this size) lie inside the rendered range


def views(which: str) -> dict:
    """'held_out:N', 'train:N' or 'motorcycle' → the arrays infer.py reads."""
    if which == "motorcycle":
        pair = data.motorcycle()
        keep = ("images", "K", "R", "t", "depth", "disparity", "focal_baseline", "doffs", "disparity_scale")
        return {**{k: np.array(pair[k]) for k in keep}, "depth_range": np.array(PAIR_RANGE)}
    split, _, index = which.partition(":")
    if split not in data.SPLITS or not index.isdigit():
        raise DemoError(f"unknown views '{which}': give held_out:N, train:N or motorcycle")
    scene = data.scene(split, int(index))
    return {k: np.asarray(scene[k]) for k in ("images", "K", "R", "t", "depth", "depth_range")}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demos.mvsnet.views", description=__doc__.split("\n\n")[0])
    parser.add_argument("which", help="held_out:N, train:N or motorcycle")
    parser.add_argument("out", help="the .npz file to write")
    args = parser.parse_args(argv)
    try:
        np.savez_compressed(args.out, **views(args.which))
    except DemoError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
