"""`python -m demos run caption scene.png [--set beam=3] [--json]`: caption a scene with Show, Attend and Tell
(beams, their log-probabilities, each word's attention over the 8x8 grid) and with the Show and Tell
baseline — numpy and onnxruntime only; docs/javascripts/demos/caption/pipeline.js runs the same steps.

The input is read as the detection demos read theirs (`demos.common.detection.load_scene`, INPUT_DOC):
RGB, transparent pixels composited onto white, and an image of another size sampled at the centres of a
64x64 grid of cells (nearest pixel; a 128x128 copy of a scene gives back the scene exactly). A scene with no
coloured shape (fewer than MIN_INK pixels whose channels spread by more than SATURATION) is refused, since
the models only know scenes with one to three shapes; so is a beam width outside 1-5.
"""
from __future__ import annotations

import numpy as np

from demos.caption import search
from demos.common import detection as det
from demos.common.errors import DemoError
from demos.common.runtime import run

MIN_INK = 12          # saturated pixels (max - min channel > SATURATION) a scene needs to be captioned
SATURATION = 100
MODELS = ("attend", "show")
INPUT_DOC = det.INPUT_DOC + " (nearest pixel, no smoothing)"
GRID = 8


def load_input(path, sidecar: dict) -> dict:
    return {"image": det.load_scene(path), "beam": sidecar["options"]["beam"]["default"]}


def ink(image: np.ndarray) -> int:
    """Pixels of a named colour: the spread between their largest and smallest channel exceeds SATURATION
    (the scenes' backgrounds are light greys and creams, spread < 75)."""
    image = np.asarray(image)
    spread = image.max(-1).astype(np.int64) - image.min(-1).astype(np.int64)
    return int((spread > SATURATION).sum())


def to_input(image: np.ndarray) -> np.ndarray:
    """(64, 64, 3) uint8 -> (1, 3, 64, 64) float32 in [0, 1]."""
    return np.ascontiguousarray(np.asarray(image, np.float32).transpose(2, 0, 1)[None] / np.float32(255))


def decode(encoder, step_session, image: np.ndarray, width: int, pre: dict) -> list[dict]:
    """Run the encoder once, then beam search over the step model (one call per live beam and word)."""
    enc = run(encoder, {"image": to_input(image)})
    grid = {k: enc[k] for k in ("features", "keys") if k in [i.name for i in step_session.get_inputs()]}

    def step(word, state):
        out = run(step_session, {"word": np.array([word], np.int64), "h": state[0], "c": state[1], **grid})
        return out["logits"][0], (out["h_out"], out["c_out"]), (out["attention"][0] if "attention" in out else None)

    return search.beam_search(step, (enc["h0"], enc["c0"]), width, pre["max_len"], pre["start"], pre["end"],
                              pre["alpha"])


def check_beam(width, spec: dict) -> int:
    if isinstance(width, bool) or not isinstance(width, int) or not spec["min"] <= width <= spec["max"]:
        raise DemoError(f"beam must be a whole number from {spec['min']} to {spec['max']} (got {width!r})")
    return width


def predict(sessions, sidecar: dict, inputs: dict) -> dict:
    """Both models' beams (best first: words, total and per-word log-probabilities, length-normalised score,
    whether it ended) and, for the attention model, each beam's attention per word (64 weights, row-major)."""
    pre = sidecar["preprocessing"]
    width = check_beam(inputs["beam"], sidecar["options"]["beam"])
    image = np.asarray(inputs["image"])
    if image.shape != (det.SIZE, det.SIZE, 3):
        raise DemoError(f"expected a 64x64 RGB scene, got an array of shape {image.shape}")
    if ink(image) < MIN_INK:
        raise DemoError("the scene has no coloured shape to describe (place one, or take a new scene)")
    vocab = sidecar["labels"]
    result = {"demo": "caption", "beam": width}
    for name in MODELS:
        first, second = pre["models"][name]
        beams = decode(sessions[first], sessions[second], image, width, pre)
        result[name] = {
            "caption": " ".join(vocab[w] for w in beams[0]["words"] if w != pre["end"]),
            "beams": [{"words": [vocab[w] for w in b["words"]], "logp": b["logp"], "score": b["score"],
                       "ended": b["ended"], "word_logp": b["steps"],
                       **({"attention": [np.asarray(a, np.float64).round(6).tolist() for a in b["extras"]]}
                          if name == "attend" else {})}
                      for b in beams]}
    return result


def format_text(result: dict, sidecar: dict) -> str:
    lines = []
    for name, label in (("attend", "Show, Attend and Tell"), ("show", "Show and Tell (baseline)")):
        r = result[name]
        lines.append(f"{label}: {r['caption']}")
        for i, b in enumerate(r["beams"]):
            lines.append(f"  beam {i + 1}: log p = {b['logp']:.4f}, per word = {b['score']:.4f}"
                         f"{'' if b['ended'] else ' (not ended)'}: {' '.join(b['words'])}")
    best = result["attend"]["beams"][0]
    lines.append(f"attention of the best beam, per word: the cell with the most weight (row, column of the "
                 f"{GRID}x{GRID} grid) and its weight")
    lines.append("  " + ", ".join(f"{w} ({int(np.argmax(a)) // GRID},{int(np.argmax(a)) % GRID}: {max(a):.2f})"
                                  for w, a in zip(best["words"], best["attention"])))
    return "\n".join(lines)
