"""Export the trained char-LSTM to exported_models/charlstm.onnx and write its sidecar.

    python -m demos export charlstm

One graph scores a whole text: tokens (1, T) and a start state (h0, c0) in; every cell's h and c, the
four gates and the next-character distribution at each of the T positions out (an ONNX Scan, so T is
dynamic). The sampler calls the same graph with T = 1 and the carried state.
"""
from __future__ import annotations

import json

import torch

from demos.charlstm import infer, report
from demos.charlstm.model import GATES, CharLSTM, build
from demos.common import checkpoint, onnx_export, options, pysource, sidecar
from demos.common.paths import MODELS_DIR, ROOT
from demos.common.runtime import open_session

MAX_CHARS = 2000
# The page's example texts: this project's own source, so nothing is copied from elsewhere.
EXAMPLE_FILES = ("demos/common/pysource.py", "demos/charlstm/infer.py", "scripts/notes/links.py")
OUTPUTS = (*GATES, "probs")


class Scorer(torch.nn.Module):
    """CharLSTM.inspect from a given state, with the outputs named and ordered for ONNX."""

    def __init__(self, model: CharLSTM):
        super().__init__()
        self.model = model

    def forward(self, tokens, h0, c0):                    # (1, T) int64, (1, H), (1, H)
        out = self.model.inspect(tokens, (h0, c0))
        return tuple(out[k] for k in OUTPUTS)             # (1, T, H) ×6, (1, T, V)


def example_texts() -> list[dict]:
    """The first MAX_CHARS characters (cut at a line end) of each example file."""
    out = []
    for name in EXAMPLE_FILES:
        text = (ROOT / name).read_text(encoding="utf-8")[:MAX_CHARS]
        out.append({"name": name, "text": text[:text.rfind("\n") + 1] if "\n" in text else text})
    return out


def ranking(metrics_cells: dict) -> dict:
    """Per feature, every cell's r (the page ranks cells by |r|)."""
    return {name: metrics_cells["correlation"][name] for name in pysource.FEATURES}


def main(argv=None) -> dict:
    model, metrics = checkpoint.load("charlstm", build)
    pysource.load(metrics["corpus_sha256"], metrics["python"])   # the held-out numbers are for this corpus
    cells = json.loads((report.RESULTS / "cells.json").read_text())
    path = MODELS_DIR / "charlstm.onnx"
    hidden = model.config.hidden
    length = torch.export.Dim("T", min=1, max=65536)
    example = (torch.zeros(1, 8, dtype=torch.int64), torch.zeros(1, hidden), torch.zeros(1, hidden))
    onnx_export.export(Scorer(model), example, path, input_names=["tokens", "h0", "c0"],
                       output_names=list(OUTPUTS), dynamic_shapes=({1: length}, None, None))
    best = metrics["features"]
    for kept_in_results in ("curve", "held_out_curve"):           # demos/charlstm/results/curve.json
        metrics.pop(kept_in_results, None)
    card = {
        "name": "charlstm",
        "title": "Char-LSTM on Python source: cells that count, quote and indent",
        "summary": f"One LSTM layer of {hidden} cells reading Python one character at a time, trained on the "
                   f"standard library of Python {metrics['python']}; returns every cell's state and gates "
                   "and the next-character distribution at each position.",
        "papers": ["karpathy2015visualizing", "hochreiter1997lstm"],
        "models": [onnx_export.io_spec(path)],
        "options": {
            "cell": options.integer("cell", best["position_in_line"]["cell"], 0, hidden - 1),
            "position": options.integer("character for the top-5", 0, 0, MAX_CHARS - 1),
            "sample": options.integer("characters to write", 0, 0, 400),
            "temperature": options.number("temperature", 0.7, 0.1, 2.0, 0.05),
            "seed": options.integer("seed", 1, 0, 2 ** 31 - 1),
        },
        "preprocessing": {"vocab": pysource.VOCAB, "unknown": pysource.UNKNOWN,
                          "description": "one index per character into vocab; anything else is the unknown "
                                         "symbol; a zero start state; the text is read in one call"},
        "limits": {"max_chars": MAX_CHARS},
        "config": model.config.to_dict(),
        "metrics": metrics,
        # per cell, for the page's cell picker (ranked by |r|) and its gate figures
        "figures": {"cell_correlation": ranking(cells), "random_init_correlation": cells["random_init_correlation"],
                    "forget_saturation": cells["saturation"]["forget_gate"]},
        "reproduce": "python -m demos train charlstm && python -m demos export charlstm",
        "golden": [],
        "examples": {"texts": example_texts(), "features": list(pysource.FEATURES),
                     "feature_labels": report.LABELS, "bar": {"abs_r": report.BAR_R, "ratio": report.BAR_RATIO}},
    }
    session = open_session(path)
    for example_text in card["examples"]["texts"][:2]:
        inputs = {"text": example_text["text"], "cell": best["inside_string"]["cell"], "position": 40}
        result = infer.predict([session], card, inputs)
        card["golden"].append({"input": inputs, "output": {k: result[k] for k in ("activation", "top5", "gates")}})
    written = sidecar.write(card)
    print(f"wrote {path} ({card['models'][0]['bytes']} bytes) and {written}")
    return card


if __name__ == "__main__":
    main()


def load_from_onnx(model: torch.nn.Module, path) -> torch.nn.Module:
    """Copy `model`'s weights back from an exported file (the tests' parity check).

    Biases keep their names (`model.lstm.bias_ih_l0`); the exporter stores each weight matrix already
    transposed under a generated name, so a matrix is matched by its transposed shape, which must be unique.
    """
    import onnx
    from onnx import numpy_helper

    inits = {i.name: numpy_helper.to_array(i) for i in onnx.load(str(path)).graph.initializer}
    wanted = model.state_dict()
    unnamed = {k: v for k, v in inits.items() if k not in wanted}
    state = {}
    for key, param in wanted.items():
        if key in inits:
            state[key] = torch.from_numpy(inits[key].copy())
            continue
        matches = [k for k, v in unnamed.items() if v.ndim == 2 and v.shape == tuple(param.shape[::-1])]
        if len(matches) != 1:
            raise KeyError(f"{path}: {len(matches)} initializers could be {key} {tuple(param.shape)}")
        state[key] = torch.from_numpy(unnamed[matches[0]].T.copy())
    model.load_state_dict(state)
    return model.eval()
