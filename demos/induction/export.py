"""Export the induction-head Transformer to exported_models/induction.onnx and write its sidecar.

    python -m demos export induction

tokens (1, T) in, T from 1 to max_len; out: the next-token distribution at every position, probs
(1, T, V), and every head's attention weights as its own named output, attention_l{layer}_h{head}
(1, T, T), rows = the query position, columns = the key position (layers and heads from 1).
"""
from __future__ import annotations

import numpy as np
import torch

from demos.common import checkpoint, onnx_export, options, sidecar
from demos.common.paths import MODELS_DIR
from demos.common.runtime import open_session
from demos.induction import infer, task
from demos.induction.model import InductionTransformer, build

# Examples for the page: a repeat a reader can see (spaces are ignored) and one from the training
# distribution (held-out seed).
EXAMPLES = ("x9k2 z5pvbq3 z5pvbq3 z5pvbq3 z5pv", "attention7 attention7 at")


class Exported(torch.nn.Module):
    def __init__(self, model: InductionTransformer):
        super().__init__()
        self.model = model

    def forward(self, tokens):                                  # (1, T) int64
        logits, attn = self.model(tokens)                       # (1, T, V), (1, L, H, T, T)
        maps = [attn[:, layer, head] for layer in range(attn.shape[1]) for head in range(attn.shape[2])]
        return (torch.softmax(logits, dim=-1), *maps)


def output_names(config) -> list[str]:
    return ["probs", *(f"attention_l{layer + 1}_h{head + 1}" for layer in range(config.n_layers)
                       for head in range(config.n_heads))]


def sampled_example(length: int = 40) -> str:
    """A held-out training-like sequence (its own seed), written with the alphabet."""
    b = task.batch(np.random.default_rng(31_337), 1, length=length)
    return "".join(task.ALPHABET[t] for t in b.tokens[0])


def main(argv=None) -> dict:
    model, metrics = checkpoint.load("induction", build)
    config = model.config
    path = MODELS_DIR / "induction.onnx"
    length = torch.export.Dim("T", min=1, max=config.max_len)
    onnx_export.export(Exported(model), (torch.zeros(1, 8, dtype=torch.int64),), path,
                       input_names=["tokens"], output_names=output_names(config),
                       dynamic_shapes=({1: length},))
    metrics.pop("history")            # the learning curves are in the figure the training script wrote
    metrics.pop("train_loss")
    card = {
        "name": "induction",
        "title": "Induction heads: a 2-layer attention-only Transformer continuing a repeat",
        "summary": f"Two layers of {config.n_heads} attention heads (no MLP), trained on random tokens that "
                   "start repeating with a random period; returns the next-token distribution and every "
                   "head's attention weights at each position.",
        "papers": ["elhage2021mathematical", "olsson2022induction", "vaswani2017attention"],
        "models": [onnx_export.io_spec(path)],
        "options": {"position": options.integer("position whose attention rows are printed", 0, 0,
                                                config.max_len - 1)},
        "preprocessing": {"alphabet": task.ALPHABET, "separators": infer.SEPARATORS,
                          "description": "one token per character of the alphabet (a-z, 0-9); spaces, tabs, "
                                         "newlines and commas are skipped; any other character is refused"},
        "limits": {"max_tokens": config.max_len},
        "config": config.to_dict(),
        "metrics": metrics,
        "reproduce": "python -m demos train induction && python -m demos export induction",
        "golden": [],
        "examples": {"texts": [*EXAMPLES, sampled_example()]},
    }
    session = open_session(path)
    for text in card["examples"]["texts"][:2]:
        tokens = "".join(ch for ch in text if ch not in infer.SEPARATORS)
        result = infer.predict([session], card, {"tokens": tokens})
        attention = {k: np.round(v, 4).tolist() for k, v in result["attention"].items()}   # shown, 4 decimals
        card["golden"].append({"input": {"tokens": tokens, "text": text},
                               "output": {"positions": result["positions"], "scores": result["scores"],
                                          "attention": attention}})
    written = sidecar.write(card)
    print(f"wrote {path} ({card['models'][0]['bytes']} bytes) and {written}")
    return card


if __name__ == "__main__":
    main()
