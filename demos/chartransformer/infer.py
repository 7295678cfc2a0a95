"""`python -m demos run chartransformer FILE|TEXT`: the char Transformer on a text (numpy + onnxruntime only).

FILE is a UTF-8 text file; anything that is not an existing path is read as the text itself. Characters
outside the vocabulary (tabs, non-ASCII) are read as its unknown symbol, as in training, and counted.
Printed: the model's bits per character on the text; for the chosen position, the top next characters and,
for every head, the characters it attends to most; every head's mean attention distance (how far back it
looks, ALiBi's local and far heads); `--json` adds every head's full attention map and every position's
top next characters.

    position=P   the character (0-based) whose attention and next characters are detailed (default: the last)
"""
from __future__ import annotations

import numpy as np

from demos.common.errors import DemoError
from demos.common.runtime import run
from demos.common.text import text_or_file
from demos.induction.infer import short

TOP = 5


def check(text: str, sidecar: dict) -> str:
    limit = sidecar["limits"]["max_chars"]
    if not text:
        raise DemoError("the text is empty: give at least one character")
    if len(text) > limit:
        raise DemoError(f"the text has {len(text):,} characters; the demo reads at most {limit:,} (every head's "
                        f"map is {limit}x{limit} there): cut it")
    return text


def load_input(arg: str, sidecar: dict) -> dict:
    return {"text": check(text_or_file(arg), sidecar)}


def encode(text: str, sidecar: dict) -> np.ndarray:
    vocab = sidecar["preprocessing"]["vocab"]
    index = {ch: i for i, ch in enumerate(vocab)}
    unknown = index[sidecar["preprocessing"]["unknown"]]
    return np.array([index.get(ch, unknown) for ch in text], dtype=np.int64)


def head_names(sidecar: dict) -> list[str]:
    return [o["name"] for o in sidecar["models"][0]["outputs"] if o["name"].startswith("attention_")]


def mean_distance(a: np.ndarray) -> float:
    """Mean over query positions of the attention-weighted distance i - j back to the keys."""
    t = a.shape[0]
    return float((a * (np.arange(t)[:, None] - np.arange(t)[None, :]).clip(min=0)).sum(1).mean())


def predict(sessions, sidecar: dict, inputs: dict) -> dict:
    text = check(inputs["text"], sidecar)
    vocab = sidecar["preprocessing"]["vocab"]
    position = int(inputs.get("position", len(text) - 1))
    if not 0 <= position < len(text):
        raise DemoError(f"position must be 0..{len(text) - 1} for this text (got {position})")
    tokens = encode(text, sidecar)
    out = run(sessions[0], {"tokens": tokens[None]})
    probs = out["probs"][0]                                                     # (T, V)
    maps = {name: out[name][0] for name in head_names(sidecar)}                # (T, T) each
    picked = np.log2(np.maximum(probs[np.arange(len(text) - 1), tokens[1:]], 1e-30))
    top = lambda row: [[vocab[k], round(float(row[k]), 6)] for k in np.argsort(-row, kind="stable")[:TOP]]
    return {"demo": "chartransformer", "text": text, "chars": len(text),
            "unknown_chars": int((tokens == len(vocab) - 1).sum()),
            "bits_per_char": None if len(text) < 2 else round(float(-picked.mean()), 4),
            "position": position, "char": text[position], "top5": top(probs[position]),
            "looks_at": {name: [[int(k), text[k], round(float(a[position, k]), 6)]
                                for k in np.argsort(-a[position, :position + 1], kind="stable")[:3]]
                         for name, a in maps.items()},
            "mean_distance": {name: round(mean_distance(a), 3) for name, a in maps.items()},
            "next": [top(row)[:3] for row in probs],
            "attention": {name: np.round(a, 6).tolist() for name, a in maps.items()}}


def format_text(result: dict, sidecar: dict) -> str:
    show = lambda ch: {"\n": "\\n", " ": "' '"}.get(ch, ch)
    lines = [f"{result['chars']} characters" + (f", {result['bits_per_char']:.3f} bits per character on this text"
                                                if result["bits_per_char"] is not None else ""), ""]
    p = result["position"]
    lines.append(f"after character {p} ({show(result['char'])}), the top-{TOP} next characters:")
    lines += [f"  {show(ch):6} {prob:.4f}" for ch, prob in result["top5"]]
    lines += ["", f"where each head looks from character {p}: position (character) weight, top 3"]
    for name, picks in result["looks_at"].items():
        lines.append(f"  {short(name)}  " + "   ".join(f"{k} ({show(ch)}) {w:.2f}" for k, ch, w in picks))
    lines += ["", "mean attention distance (characters back, averaged over positions):"]
    lines += ["  " + "  ".join(f"{short(n)} {d:.1f}" for n, d in result["mean_distance"].items())]
    if result["unknown_chars"]:
        lines.append(f"{result['unknown_chars']} character(s) outside the vocabulary were read as "
                     f"'{sidecar['preprocessing']['unknown']}'")
    return "\n".join(lines)
