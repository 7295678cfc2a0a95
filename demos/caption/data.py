"""Generated captioning data: scenes of 1-3 named shapes, captions from a small grammar.

* **Scenes** reuse the detection scene generator's shapes and boxes (`demos.common.detection.shape_mask`,
  `mask_box`, `iou`): a 64x64 RGB picture, a light background with a gentle gradient and pixel noise,
  1-3 solid shapes. Unlike the detection scenes every shape has a **named** colour (red, green, blue,
  yellow), one of the four shapes, and a named size (small: radius 5-7 px, large: radius 10-12 px).
  Scene `k` is drawn from `numpy.random.default_rng(k)`; two objects are placed in a clear relation
  (one is at least 14 px further left/right or up/down than along the other axis), three objects
  in a clear left-to-right order (centres at least 12 px apart).
* **Captions** come from a grammar with several phrasings of every scene (`captions`); every phrasing
  counts as correct for exact match, and all of them are the references for BLEU-4.
* **Splits**: training scenes are seeds 0.., the held-out split seeds 1,000,000..; neither contains a
  colour-shape pair of `NOVEL_PAIRS`. The **compositional** split (seeds 2,000,000..) puts at least one
  novel pair in every scene: colours and shapes the model has seen, never together.
"""
from __future__ import annotations

import numpy as np

from demos.common.detection import CLASSES, iou, mask_box, shape_mask

SIZE = 64
COLOURS = {"red": (220, 40, 40), "green": (40, 170, 60), "blue": (50, 80, 230), "yellow": (235, 210, 40)}
SHAPES = CLASSES                                   # circle, square, triangle, cross
SIZES = {"small": (5.0, 7.0), "large": (10.0, 12.0)}
NOVEL_PAIRS = (("red", "triangle"), ("green", "cross"), ("blue", "circle"), ("yellow", "square"))
HELD_OUT_SEED, COMPOSITIONAL_SEED = 1_000_000, 2_000_000
NOISE = 6
MAX_LEN = 20                                       # words, <end> included (the longest caption has 18)
SPECIALS = ("<pad>", "<start>", "<end>")
WORDS = ("a", "there", "is", "left", "right", "of", "to", "the", "above", "below", ",", "and", "from")
VOCAB = (*SPECIALS, *WORDS, *COLOURS, *SHAPES, *SIZES)
INDEX = {w: i for i, w in enumerate(VOCAB)}
SCENE_DOC = {
    "size": SIZE, "colours": COLOURS, "shapes": list(SHAPES), "sizes": SIZES, "noise": NOISE,
    "novel_pairs": [list(p) for p in NOVEL_PAIRS],
    "description": "uint8 RGB scene: light background with a gentle gradient, 1-3 solid shapes of named "
                   "colour, shape and size in a clear spatial relation; uniform pixel noise",
}


def _pairs_ok(colour: str, shape: str, novel: bool) -> bool:
    return ((colour, shape) in NOVEL_PAIRS) == novel


def make_scene(seed: int, compositional: bool = False, objects: list[dict] | None = None):
    """Scene `seed` → (image (64, 64, 3) uint8, objects [{colour, shape, size, r, cx, cy, box}]).

    `objects` (each with colour, shape, size, cx, cy, r) draws the given objects instead."""
    return scene(np.random.default_rng(seed), compositional, objects)


def scene(rng, compositional: bool = False, objects: list[dict] | None = None):
    """A scene from the draws of `rng` (a numpy Generator, or anything with its integers and uniform):
    docs/javascripts/demos/caption/scene.js's captionScene makes the same scene from the same draws."""
    background = rng.integers(200, 245, 3)
    ramp = rng.uniform(-15, 15, (2, 3))
    grid = np.arange(SIZE) / SIZE - 0.5
    image = (background + grid[None, :, None] * ramp[0] + grid[:, None, None] * ramp[1]).astype(np.float64)
    objects = _layout(rng, compositional) if objects is None else [dict(ob) for ob in objects]
    for ob in objects:
        mask = shape_mask(ob["shape"], ob["cx"], ob["cy"], ob["r"])
        image[mask] = COLOURS[ob["colour"]]
        ob["box"] = mask_box(mask)
    image += rng.integers(-NOISE, NOISE + 1, image.shape)
    return image.clip(0, 255).astype(np.uint8), objects


def _layout(rng, compositional: bool) -> list[dict]:
    count = int(rng.integers(1, 4))
    relation = ("horizontal", "vertical")[int(rng.integers(2))] if count == 2 else "horizontal"
    for _ in range(1000):
        kinds = []
        for _ in range(count):
            colour = list(COLOURS)[int(rng.integers(len(COLOURS)))]
            shape = SHAPES[int(rng.integers(len(SHAPES)))]
            size = list(SIZES)[int(rng.integers(len(SIZES)))]
            kinds.append((colour, shape, size, float(rng.uniform(*SIZES[size]))))
        novel = [(c, s) in NOVEL_PAIRS for c, s, _, _ in kinds]
        if (compositional and not any(novel)) or (not compositional and any(novel)):
            continue
        obs = [{"colour": c, "shape": s, "size": z, "r": r,
                "cx": float(rng.uniform(r + 1, SIZE - r - 1)), "cy": float(rng.uniform(r + 1, SIZE - r - 1))}
               for c, s, z, r in kinds]
        if _clear(obs, relation):
            return obs
    raise RuntimeError("no layout found")


def _clear(obs: list[dict], relation: str) -> bool:
    boxes = [mask_box(shape_mask(o["shape"], o["cx"], o["cy"], o["r"])) for o in obs]
    for i in range(len(boxes)):
        for j in range(i):
            if iou(np.array([boxes[i]]), np.array([boxes[j]]))[0] > 0:
                return False
    if len(obs) == 2:
        dx, dy = abs(obs[0]["cx"] - obs[1]["cx"]), abs(obs[0]["cy"] - obs[1]["cy"])
        return dx >= dy + 14 if relation == "horizontal" else dy >= dx + 14
    if len(obs) == 3:
        xs = sorted(o["cx"] for o in obs)
        return xs[1] - xs[0] >= 12 and xs[2] - xs[1] >= 12
    return True


def relation(obs: list[dict]) -> str:
    """'single', 'horizontal', 'vertical' (two objects: the dominant axis) or 'row' (three)."""
    if len(obs) == 1:
        return "single"
    if len(obs) == 3:
        return "row"
    dx, dy = abs(obs[0]["cx"] - obs[1]["cx"]), abs(obs[0]["cy"] - obs[1]["cy"])
    return "horizontal" if dx >= dy else "vertical"


def phrase(ob: dict) -> list[str]:
    return ["a", ob["size"], ob["colour"], ob["shape"]]


def captions(obs: list[dict]) -> list[list[str]]:
    """Every phrasing the grammar has for the scene (the references)."""
    kind = relation(obs)
    if kind == "single":
        return [phrase(obs[0]), ["there", "is", *phrase(obs[0])]]
    if kind == "row":
        a, b, c = (phrase(o) for o in sorted(obs, key=lambda o: o["cx"]))
        return [[*a, ",", *b, "and", *c, "from", "left", "to", "right"],
                [*c, ",", *b, "and", *a, "from", "right", "to", "left"]]
    if kind == "horizontal":
        a, b = (phrase(o) for o in sorted(obs, key=lambda o: o["cx"]))
        return [[*a, "left", "of", *b], [*b, "right", "of", *a],
                [*a, "to", "the", "left", "of", *b], [*b, "to", "the", "right", "of", *a]]
    a, b = (phrase(o) for o in sorted(obs, key=lambda o: o["cy"]))
    return [[*a, "above", *b], [*b, "below", *a]]


def encode(words: list[str]) -> list[int]:
    return [INDEX["<start>"], *(INDEX[w] for w in words), INDEX["<end>"]]


def decode(ids) -> list[str]:
    out = []
    for i in ids:
        if VOCAB[int(i)] == "<end>":
            break
        if VOCAB[int(i)] not in SPECIALS:
            out.append(VOCAB[int(i)])
    return out


SPLITS = {"train": (0, False), "held_out": (HELD_OUT_SEED, False), "compositional": (COMPOSITIONAL_SEED, True)}


def split(name: str, count: int):
    """`count` scenes of a split → (images (N, 64, 64, 3) uint8, objects per scene, references per scene)."""
    start, compositional = SPLITS[name]
    images, objs, refs = [], [], []
    for seed in range(start, start + count):
        image, obs = make_scene(seed, compositional)
        images.append(image)
        objs.append(obs)
        refs.append(captions(obs))
    return np.stack(images), objs, refs
