"""Export the char Transformer to exported_models/chartransformer.onnx and write its sidecar.

    python -m demos export chartransformer

tokens (1, T) in, T dynamic (ALiBi has no position table; the sidecar's max_chars is the demo's limit);
out: the next-character distribution at every position, probs (1, T, V), and every head's attention
weights as its own named output, attention_l{layer}_h{head} (1, T, T), rows = query, columns = key.
"""
from __future__ import annotations

import torch

from demos.chartransformer import infer
from demos.chartransformer.model import build
from demos.common import checkpoint, onnx_export, options, pysource, sidecar
from demos.common.paths import MODELS_DIR, ROOT
from demos.common.runtime import open_session
from demos.induction.export import Exported, output_names   # the same outputs: probs, then one map per head

MAX_CHARS = 300
# The page's example texts: this project's own source, so nothing is copied from elsewhere.
EXAMPLE_FILES = ("demos/chartransformer/model.py", "demos/induction/task.py", "demos/common/text.py")


def example_texts() -> list[dict]:
    """A piece of each example file: from its first line that starts with "def " or "class ", cut at a line end."""
    out = []
    for name in EXAMPLE_FILES:
        text = (ROOT / name).read_text(encoding="utf-8")
        start = min((i for i in (text.find("\ndef "), text.find("\nclass ")) if i >= 0), default=-1) + 1
        piece = text[start:start + MAX_CHARS]
        out.append({"name": name, "text": piece[:piece.rfind("\n") + 1] if "\n" in piece else piece})
    return out


def main(argv=None) -> dict:
    model, metrics = checkpoint.load("chartransformer", build)
    pysource.load(metrics["corpus_sha256"], metrics["python"])   # the held-out numbers are for this corpus
    config = model.config
    path = MODELS_DIR / "chartransformer.onnx"
    length = torch.export.Dim("T", min=1, max=4096)
    onnx_export.export(Exported(model), (torch.zeros(1, 8, dtype=torch.int64),), path,
                       input_names=["tokens"], output_names=output_names(config), dynamic_shapes=({1: length},))
    curve = {"train": metrics.pop("curve"), "held_out": metrics.pop("held_out_curve")}
    card = {
        "name": "chartransformer",
        "title": "A char Transformer on Python source: where each head looks",
        "summary": f"{config.n_layers} layers of {config.n_heads} causal attention heads with ALiBi positions, "
                   f"{metrics['parameters']:,} parameters, trained on the char-LSTM's standard-library corpus; "
                   "returns the next-character distribution and every head's attention at each position.",
        "papers": ["vaswani2017attention", "press2022alibi"],
        "models": [onnx_export.io_spec(path)],
        "options": {"position": options.integer("character whose attention is detailed", 0, 0, MAX_CHARS - 1)},
        "preprocessing": {"vocab": pysource.VOCAB, "unknown": pysource.UNKNOWN,
                          "description": "one index per character into vocab; anything else is the unknown "
                                         "symbol; the text is read in one call, from scratch"},
        "limits": {"max_chars": MAX_CHARS},
        "config": config.to_dict(),
        "metrics": metrics,
        "figures": {"curve": curve},
        "reproduce": "python -m demos train chartransformer && python -m demos export chartransformer",
        "golden": [],
        "examples": {"texts": example_texts()},
    }
    session = open_session(path)
    text = card["examples"]["texts"][0]["text"][:120]
    result = infer.predict([session], card, {"text": text})
    last = len(text) - 1                     # the recorded example keeps the last character's attention rows
    card["golden"].append({"input": {"text": text, "position": last}, "output": {
        "next": result["next"], "mean_distance": result["mean_distance"], "bits_per_char": result["bits_per_char"],
        "attention_at_position": {k: [round(v, 5) for v in rows[last]] for k, rows in result["attention"].items()}}})
    written = sidecar.write(card)
    print(f"wrote {path} ({card['models'][0]['bytes']} bytes) and {written}")
    return card


if __name__ == "__main__":
    main()
