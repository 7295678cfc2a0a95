"""`python -m demos run induction "TOKENS"|FILE`: the induction-head Transformer on the reader's tokens
(numpy + onnxruntime only).

TOKENS are characters from a-z and 0-9 (one token each; spaces and commas are ignored, so
"x9k2 z5pvbq3 z5pvbq3" is fine); anything else is refused with one line, as are empty and too-long
inputs. A FILE holds the same text. Printed: for every position the model's top next tokens, where
each head looks (its largest weight), and where an induction head *should* look (the position after
the current token's latest earlier occurrence) with the token it would copy; the per-head
previous-token and induction scores on this input; `--json` adds every head's full attention map.

    position=P   the position whose attention rows are printed in full (default: the last)
"""
from __future__ import annotations

import numpy as np

from demos.common.errors import DemoError
from demos.common.runtime import run
from demos.common.text import text_or_file
from demos.induction.task import induction_targets

TOP = 3
SEPARATORS = " \t\r\n,"


def parse(text: str, sidecar: dict) -> list[int]:
    """Text -> token indices; separators are skipped, anything outside the alphabet is an error."""
    alphabet = sidecar["preprocessing"]["alphabet"]
    limit = sidecar["limits"]["max_tokens"]
    tokens = []
    for i, ch in enumerate(text):
        if ch in SEPARATORS:
            continue
        if ch not in alphabet:
            raise DemoError(f"unknown token {ch!r} at character {i + 1}: tokens are a-z and 0-9, one character "
                            "each (spaces and commas are ignored)")
        tokens.append(alphabet.index(ch))
    if not tokens:
        raise DemoError("no tokens: type some of a-z and 0-9, e.g. \"x9k2 z5pvbq3 z5pvbq3\"")
    if len(tokens) > limit:
        raise DemoError(f"{len(tokens)} tokens; the model was trained on sequences of {limit} and reads at most "
                        f"{limit}: cut the input")
    return tokens


def load_input(arg: str, sidecar: dict) -> dict:
    text = text_or_file(arg)
    return {"tokens": "".join(sidecar["preprocessing"]["alphabet"][t] for t in parse(text, sidecar))}


def head_names(sidecar: dict) -> list[str]:
    """The attention outputs in layer, head order: "attention_l1_h1", ..."""
    return [o["name"] for o in sidecar["models"][0]["outputs"] if o["name"].startswith("attention_")]


def scores(maps: dict[str, np.ndarray], tokens: list[int]) -> dict:
    """Per head on this input: previous-token score (mean weight on t - 1, t >= 1) and induction score
    (mean weight on the positions after earlier occurrences of the current token, over positions that
    have one; None when no token repeats)."""
    t = len(tokens)
    toks = np.array(tokens)
    target = np.zeros((t, t), bool)
    target[:, 1:] = toks[None, :-1] == toks[:, None]
    target &= np.tri(t, dtype=bool)
    rows = target.any(1)
    out = {}
    for name, a in maps.items():
        prev = float(a[np.arange(1, t), np.arange(t - 1)].mean()) if t > 1 else None
        ind = float((a * target).sum(1)[rows].mean()) if rows.any() else None
        out[name] = {"previous_token": None if prev is None else round(prev, 6),
                     "induction": None if ind is None else round(ind, 6)}
    return out


def predict(sessions, sidecar: dict, inputs: dict) -> dict:
    alphabet = sidecar["preprocessing"]["alphabet"]
    tokens = parse(inputs["tokens"], sidecar)
    position = int(inputs.get("position", len(tokens) - 1))
    if not 0 <= position < len(tokens):
        raise DemoError(f"position must be 0..{len(tokens) - 1} for these {len(tokens)} tokens (got {position})")
    out = run(sessions[0], {"tokens": np.array([tokens], np.int64)})
    probs = out["probs"][0]                                                    # (T, V)
    maps = {name: out[name][0] for name in head_names(sidecar)}               # (T, T) each
    targets = induction_targets(tokens)
    rows = []
    for t, tok in enumerate(tokens):
        order = np.argsort(-probs[t], kind="stable")[:TOP]
        guess = tokens[targets[t]] if targets[t] >= 0 else None
        rows.append({"token": alphabet[tok],
                     "top": [[alphabet[k], round(float(probs[t, k]), 6)] for k in order],
                     "induction_target": targets[t],
                     "induction_guess": None if guess is None else alphabet[guess],
                     "p_induction_guess": None if guess is None else round(float(probs[t, guess]), 6),
                     "looks_at": {name: int(a[t].argmax()) for name, a in maps.items()}})
    return {"demo": "induction", "tokens": "".join(alphabet[t] for t in tokens), "count": len(tokens),
            "positions": rows, "scores": scores(maps, tokens), "position": position,
            "attention_at_position": {name: [round(float(v), 6) for v in a[position, :position + 1]]
                                      for name, a in maps.items()},
            "attention": {name: np.round(a, 6).tolist() for name, a in maps.items()}}


def short(name: str) -> str:
    """attention_l2_h3 -> L2H3."""
    _, layer, head = name.split("_")
    return f"L{layer[1:]}H{head[1:]}"


def format_text(result: dict, sidecar: dict) -> str:
    names = list(result["scores"])
    heads = " ".join(f"{short(n):>9}" for n in names)
    lines = [f"{result['count']} tokens: {' '.join(result['tokens'])}", "",
             "pos tok  top next tokens            induction: copy from -> token (its p) | where each head looks "
             "most: position (token)", f"{'':62}{heads}"]
    toks = result["tokens"]
    for t, row in enumerate(result["positions"]):
        top = " ".join(f"{tok}:{p:.2f}" for tok, p in row["top"])
        if row["induction_target"] >= 0:
            hit = "*" if row["top"][0][0] == row["induction_guess"] else " "
            ind = f"{row['induction_target']:>2} -> {row['induction_guess']} ({row['p_induction_guess']:.2f}){hit}"
        else:
            ind = "not seen before"
        looks = " ".join(f"{f'{k} ({toks[k]})':>9}" for k in row["looks_at"].values())
        lines.append(f"{t:>3}  {row['token']}   {top:<26} {ind:<22}{looks}")
    lines += ["", "* the model's top next token is the token an induction head would copy", "",
              "scores on this input (previous-token / induction):"]
    lines += [f"  {short(n)}  {_num(s['previous_token'])} / {_num(s['induction'])}" for n, s in result["scores"].items()]
    p = result["position"]
    lines += ["", f"attention from position {p} ({toks[p]}) over positions 0..{p}:"]
    for name, row in result["attention_at_position"].items():
        lines.append(f"  {short(name)}  " + " ".join(f"{v:.2f}" for v in row))
    return "\n".join(lines)


def _num(v) -> str:
    return "  -- " if v is None else f"{v:.3f}"
