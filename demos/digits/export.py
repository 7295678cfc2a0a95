"""Export the trained digits CNN to exported_models/digits.onnx and write its sidecar.

    python -m demos export digits
"""
from __future__ import annotations

import numpy as np
import torch

from demos.common import checkpoint, onnx_export, sidecar
from demos.common.paths import MODELS_DIR
from demos.common.runtime import open_session, run
from demos.digits import infer
from demos.digits.model import DigitsCNN, DigitsConfig, WithKernels
from demos.digits.train import split

EXAMPLES_PER_CLASS = 6   # held-out digits the page offers under "random held-out digit"
GOLDEN = 3               # of those, with outputs computed by onnxruntime
# the page finds the layers by these names: a (batch, C, H, W) map and the <map>_weight/_bias behind it
OUTPUTS = ["probs", "logits", "conv1", "conv2", "conv1_weight", "conv1_bias", "conv2_weight", "conv2_bias"]


def load_trained() -> tuple[DigitsCNN, dict]:
    return checkpoint.load("digits", lambda config: DigitsCNN(DigitsConfig(**config)))


def held_out_examples() -> tuple[np.ndarray, np.ndarray]:
    _, x_test, _, y_test = split()
    picks = np.concatenate([np.flatnonzero(y_test == c)[:EXAMPLES_PER_CLASS] for c in range(10)])
    picks = np.random.default_rng(0).permutation(picks)
    return x_test[picks], y_test[picks]


def main(argv=None) -> dict:
    model, metrics = load_trained()
    path = MODELS_DIR / "digits.onnx"
    batch = torch.export.Dim("batch", min=1, max=1024)
    graph = WithKernels(model.config)
    graph.load_state_dict(model.state_dict())
    onnx_export.export(graph, (torch.zeros(2, 1, 8, 8),), path, input_names=["image"],
                       output_names=OUTPUTS,
                       dynamic_shapes={"image": {0: batch}})
    counts, labels = held_out_examples()
    session = open_session(path)
    golden = []
    for c, y in zip(counts[:GOLDEN], labels[:GOLDEN]):
        probs = run(session, {"image": infer.to_input(c)})["probs"][0]
        golden.append({"input": {"counts": c.tolist(), "label": int(y)},
                       "output": {"probs": [round(float(p), 7) for p in probs], "top": int(probs.argmax())}})
    card = {
        "name": "digits",
        "title": "Digit classifier: a small CNN on sklearn's 8×8 digits",
        "summary": "Two 3×3 convolutions, max-pooling and two dense layers; returns class probabilities "
                   "and both convolutional feature maps with the kernels behind them.",
        "papers": ["lecun1998gradient"],
        "models": [onnx_export.io_spec(path)],
        "options": {},  # the page has no controls beyond the drawing
        "labels": [str(d) for d in range(10)],
        "preprocessing": infer.PREPROCESSING,
        "config": model.config.to_dict(),
        "metrics": metrics,
        "reproduce": "python -m demos train digits && python -m demos export digits",
        "golden": golden,
        "examples": {"counts": counts.tolist(), "labels": labels.tolist()},
    }
    written = sidecar.write(card)
    print(f"wrote {path} ({card['models'][0]['bytes']} bytes) and {written}")
    return card


if __name__ == "__main__":
    main()
