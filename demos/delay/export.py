"""Export the three delay networks to exported_models/delay.onnx (one graph, one call) and its sidecar.

    python -m demos export delay
"""
from __future__ import annotations

import torch

from demos.charlstm.model import GATES
from demos.common import checkpoint, onnx_export, options, sidecar
from demos.common.paths import MODELS_DIR
from demos.common.runtime import open_session
from demos.delay import infer, task
from demos.delay.model import DelayNets, build

OUTPUTS = (*GATES, "lstm_probs", "gru_h", "gru_probs", "rnn_h", "rnn_probs")
GOLDEN = ({"value": 5, "marker": 2, "delay": 10, "seed": 3}, {"value": 2, "marker": 0, "delay": 40, "seed": 4},
          {"value": 7, "marker": 4, "delay": 120, "seed": 5})


class Inspect(torch.nn.Module):
    def __init__(self, model: DelayNets):
        super().__init__()
        self.model = model

    def forward(self, x):                      # (1, T, values + 2)
        out = self.model.inspect(x)
        return tuple(out[k] for k in OUTPUTS)


def main(argv=None) -> dict:
    model, metrics = checkpoint.load("delay", build)
    path = MODELS_DIR / "delay.onnx"
    c = model.config
    steps = torch.export.Dim("T", min=2, max=4096)
    onnx_export.export(Inspect(model), (torch.zeros(1, 12, c.inputs),), path, input_names=["x"],
                       output_names=list(OUTPUTS), dynamic_shapes=({1: steps},))
    card = {
        "name": "delay",
        "title": "Remember a value across a delay: LSTM, GRU and plain RNN",
        "summary": f"Three recurrent networks of about {metrics['parameters']['lstm']:,} parameters each, trained "
                   "on the same generated sequences; returns the LSTM's gates, candidate, cell and hidden state "
                   "and every network's answer at each step.",
        "papers": ["hochreiter1997lstm", "gers2000learning", "cho2014learning"],
        "models": [onnx_export.io_spec(path)],
        "options": {
            "value": options.integer("value to remember", 5, 0, c.values - 1),
            "marker": options.integer("marker position", 2, 0, task.MAX_LEAD),
            "delay": options.integer("delay (steps)", 20, 0, task.MAX_DELAY),
            "seed": options.integer("distractor seed", 1, 0, 2 ** 31 - 1),
        },
        "preprocessing": {"description": "step t's input is [one-hot value (values), marker bit, query bit]; "
                                         "distractors are drawn with mulberry32(seed): floor(u * values)",
                          "values": c.values},
        "limits": {"max_delay": task.MAX_DELAY, "max_lead": task.MAX_LEAD},
        "config": c.to_dict(),
        "metrics": metrics,
        "reproduce": "python -m demos train delay && python -m demos export delay",
        "golden": [],
    }
    session = open_session(path)
    for inputs in GOLDEN:
        result = infer.predict([session], card, dict(inputs))
        card["golden"].append({"input": inputs, "output": {k: result[k] for k in ("sequence", "answers")}})
    written = sidecar.write(card)
    print(f"wrote {path} ({card['models'][0]['bytes']} bytes) and {written}")
    return card


if __name__ == "__main__":
    main()
