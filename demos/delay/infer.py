"""`python -m demos run delay INPUT`: the LSTM, GRU and plain RNN on one delay sequence (numpy + onnxruntime).

INPUT is the page's URL query, e.g. `value=5&marker=2&delay=20&seed=1` (or a text file holding one);
`--set key=value` changes one field. The distractors are drawn from `seed` with the page's generator
(mulberry32, the same numbers in JS), so the page and this command run the same sequence.
"""
from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs

import numpy as np

from demos.charlstm.infer import mulberry32
from demos.common import options
from demos.common.errors import DemoError
from demos.common.runtime import run
from demos.common.text import read as read_text

KINDS = ("lstm", "gru", "rnn")


def load_input(arg: str, sidecar: dict) -> dict:
    query = read_text(Path(arg)) if len(arg) < 4096 and Path(arg).is_file() else arg
    fields = {k: v[-1] for k, v in parse_qs(query.strip().lstrip("?#"), keep_blank_values=True).items()}
    unknown = sorted(set(fields) - set(sidecar["options"]))
    if unknown:
        raise DemoError(f"unknown field {unknown[0]!r} (the fields are {', '.join(sidecar['options'])})")
    inputs = {k: spec["default"] for k, spec in sidecar["options"].items()}
    for key, raw in fields.items():
        inputs[key] = options.parse(sidecar["options"][key], key, raw, "field")
    return inputs


def build_sequence(inputs: dict, sidecar: dict) -> tuple[list[int], np.ndarray]:
    """The steps' values (marker step included) and the input x (1, T, values + 2)."""
    for key, spec in sidecar["options"].items():
        if not options.fits(spec, inputs[key]):
            raise DemoError(f"{key} must be {options.describe(spec)} (got {inputs[key]})")
    values = sidecar["preprocessing"]["values"]
    draw = mulberry32(int(inputs["seed"]))
    noise = [int(draw() * values) for _ in range(inputs["marker"] + inputs["delay"])]
    lead, distractors = noise[:inputs["marker"]], noise[inputs["marker"]:]
    steps = [*lead, int(inputs["value"]), *distractors]
    x = np.zeros((1, len(steps) + 1, values + 2), np.float32)
    x[0, np.arange(len(steps)), steps] = 1
    x[0, inputs["marker"], values] = 1     # the marker bit
    x[0, -1, values + 1] = 1               # the query bit
    return steps, x


def predict(sessions, sidecar: dict, inputs: dict) -> dict:
    steps, x = build_sequence(inputs, sidecar)
    out = {k: v[0] for k, v in run(sessions[0], {"x": x}).items()}
    answers = {}
    for kind in KINDS:
        probs = out[f"{kind}_probs"][-1]
        answers[kind] = {"answer": int(probs.argmax()), "p_value": round(float(probs[inputs["value"]]), 6),
                         "probs": [round(float(p), 6) for p in probs]}
    return {"demo": "delay", "inputs": inputs, "sequence": steps, "answers": answers,
            "lstm": {g: np.round(out[g], 5).tolist() for g in ("input_gate", "forget_gate", "output_gate",
                                                               "candidate", "c", "h")}}


def format_text(result: dict, sidecar: dict) -> str:
    i = result["inputs"]
    lines = [f"value {i['value']} marked at step {i['marker']}, then {i['delay']} distractors, then the query "
             f"(steps: {' '.join(map(str, result['sequence']))} ?)", ""]
    names = {"lstm": "LSTM", "gru": "GRU", "rnn": "plain RNN"}
    for kind, a in result["answers"].items():
        verdict = "right" if a["answer"] == i["value"] else "wrong"
        lines.append(f"  {names[kind]:10s} answers {a['answer']} ({verdict}); p(value {i['value']}) = {a['p_value']:.4f}")
    forget = np.array(result["lstm"]["forget_gate"])           # (T, H)
    cell = np.array(result["lstm"]["c"])
    keeper = int(np.argmax(np.abs(cell[-2] - cell[i["marker"] - 1] if i["marker"] else cell[-2])))
    lines += ["", f"LSTM cell {keeper} changed most from before the marker to the end; its forget gate over "
                  f"the delay: mean {forget[i['marker'] + 1:-1, keeper].mean() if i['delay'] else float('nan'):.3f}"]
    return "\n".join(lines)
