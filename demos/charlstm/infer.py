"""`python -m demos run charlstm FILE|TEXT`: the char-LSTM on a text (numpy + onnxruntime only).

FILE is a UTF-8 text file; anything that is not an existing path is read as the text itself. The text is
scored in one call: every cell's memory c (shown as tanh(c), the paper's colour), the gates, and the
next-character distribution at each position. Characters outside the vocabulary (tabs, non-ASCII) are
read as the vocabulary's unknown symbol, as in training. Options (the page's controls, `--set`):

    cell=K          the cell whose activation colours the text (default: the line-position cell)
    position=P      the character (0-based) whose top-5 next characters are listed (default: the last)
    sample=N        then write N characters (0: none), at
    temperature=T   probabilities ∝ p^(1/T), drawn with
    seed=S          the page's own generator (mulberry32), so the page and this command agree
"""
from __future__ import annotations

import numpy as np

from demos.common.errors import DemoError
from demos.common.runtime import run
from demos.common.text import text_or_file

TOP = 5


def load_input(arg: str, sidecar: dict) -> dict:
    return check({"text": text_or_file(arg)}, sidecar)


def check(inputs: dict, sidecar: dict) -> dict:
    limit = sidecar["limits"]["max_chars"]
    text = inputs["text"]
    if not text:
        raise DemoError("the text is empty: give at least one character")
    if len(text) > limit:
        raise DemoError(f"the text has {len(text):,} characters; the demo reads at most {limit:,} "
                        "(the page's limit): cut it")
    return inputs


def encode(text: str, sidecar: dict) -> np.ndarray:
    vocab = sidecar["preprocessing"]["vocab"]
    index = {ch: i for i, ch in enumerate(vocab)}
    unknown = index[sidecar["preprocessing"]["unknown"]]
    return np.array([index.get(ch, unknown) for ch in text], dtype=np.int64)


def score(session, sidecar: dict, tokens: np.ndarray, h0=None, c0=None) -> dict[str, np.ndarray]:
    """Every output for tokens (T,) from the state (h0, c0) (zero by default), batch dimension removed."""
    hidden = sidecar["config"]["hidden"]
    zeros = np.zeros((1, hidden), np.float32)
    out = run(session, {"tokens": tokens[None], "h0": zeros if h0 is None else h0,
                        "c0": zeros if c0 is None else c0})
    return {k: v[0] for k, v in out.items()}


# --8<-- [start:sampler]
def mulberry32(seed: int):
    """The page's random numbers in [0, 1): the same sequence in JS (colored text demo) and here."""
    state = seed & 0xFFFFFFFF

    def draw() -> float:
        nonlocal state
        state = (state + 0x6D2B79F5) & 0xFFFFFFFF
        t = state
        t = ((t ^ (t >> 15)) * (t | 1)) & 0xFFFFFFFF
        t ^= (t + (((t ^ (t >> 7)) * (t | 61)) & 0xFFFFFFFF)) & 0xFFFFFFFF
        return ((t ^ (t >> 14)) & 0xFFFFFFFF) / 4294967296
    return draw


def pick(probs: np.ndarray, temperature: float, u: float) -> int:
    """The character drawn by u in [0, 1) from probs^(1/temperature), renormalised (float64)."""
    weights = np.exp(np.log(np.maximum(probs.astype(np.float64), 1e-30)) / temperature)
    cumulative = np.cumsum(weights)
    return int(min(np.searchsorted(cumulative, u * cumulative[-1], side="right"), len(probs) - 1))


def sample(session, sidecar: dict, tokens: np.ndarray, length: int, temperature: float, seed: int) -> str:
    """`length` characters after `tokens`, one model call per character from the carried state."""
    out = score(session, sidecar, tokens)
    draw, written = mulberry32(seed), []
    for _ in range(length):
        token = pick(out["probs"][-1], temperature, draw())
        written.append(token)
        out = score(session, sidecar, np.array([token], np.int64), out["h"][-1:], out["c"][-1:])
    return "".join(sidecar["preprocessing"]["vocab"][t] for t in written)
# --8<-- [end:sampler]


def top_next(probs_row: np.ndarray, sidecar: dict) -> list[list]:
    order = np.argsort(-probs_row, kind="stable")[:TOP]
    return [[sidecar["preprocessing"]["vocab"][i], round(float(probs_row[i]), 6)] for i in order]


def predict(sessions, sidecar: dict, inputs: dict) -> dict:
    text = inputs["text"]
    defaults = {k: spec["default"] for k, spec in sidecar["options"].items()}
    cell = int(inputs.get("cell", defaults["cell"]))
    position = int(inputs.get("position", len(text) - 1))
    if not 0 <= position < len(text):
        raise DemoError(f"position must be 0..{len(text) - 1} for this text (got {position})")
    tokens = encode(text, sidecar)
    out = score(sessions[0], sidecar, tokens)
    result = {"demo": "charlstm", "text": text, "chars": len(text),
              "unknown_chars": int((tokens == len(sidecar["preprocessing"]["vocab"]) - 1).sum()),
              "cell": cell, "activation": [round(float(v), 5) for v in np.tanh(out["c"][:, cell])],
              "position": position, "char": text[position], "top5": top_next(out["probs"][position], sidecar),
              "gates": {g: round(float(out[g][position, cell]), 5)
                        for g in ("input_gate", "forget_gate", "output_gate", "candidate")}}
    length = int(inputs.get("sample", defaults["sample"]))
    if length:
        temperature = float(inputs.get("temperature", defaults["temperature"]))
        seed = int(inputs.get("seed", defaults["seed"]))
        result.update(temperature=temperature, seed=seed,
                      sampled=sample(sessions[0], sidecar, tokens, length, temperature, seed))
    return result


def format_text(result: dict, sidecar: dict) -> str:
    shade = " .:-=+*#%@"
    act = result["activation"]
    lines = [f"cell {result['cell']}: tanh(c) per character, from -1 (' ') to +1 ('@')", ""]
    start = 0
    for line in result["text"].split("\n"):       # each line, then its cell's shade under every character
        lines += [line, "".join(shade[min(9, int((v + 1) / 2 * 10))] for v in act[start:start + len(line)])]
        start += len(line) + 1
    shown = repr(result["char"])
    lines += ["", f"after character {result['position']} ({shown}), the top-{TOP} next characters:"]
    lines += [f"  {ch!r:6} {p:.4f}" for ch, p in result["top5"]]
    lines.append("gates of cell {cell} there: ".format(**result) +
                 ", ".join(f"{k.replace('_', ' ')} {v:+.3f}" for k, v in result["gates"].items()))
    if result["unknown_chars"]:
        lines.append(f"{result['unknown_chars']} character(s) outside the vocabulary were read as "
                     f"'{sidecar['preprocessing']['unknown']}'")
    if "sampled" in result:
        lines += ["", f"sampled at temperature {result['temperature']} with seed {result['seed']}:",
                  result["sampled"]]
    return "\n".join(lines)

