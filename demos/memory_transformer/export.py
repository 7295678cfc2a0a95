"""Export a trained Transformer with a dynamic sequence length (dynamo). The memory demo's sidecar
lists the files: `python -m demos export memory` (or `memory_transformer`) exports every model."""
from __future__ import annotations

from pathlib import Path

import torch

from demos.common import onnx_export

from .model import MemoryTransformer, TransformerExport

INPUTS = ("x",)
OUTPUTS = ("y", "attention")


def export_sequence(model: MemoryTransformer, path: Path) -> dict:
    """Write (x (1, T, n_in)) -> (y (1, T, n_out), attention (1, layers, heads, T, T)) to `path`."""
    steps = torch.export.Dim("T", min=2, max=model.cfg.max_len)
    x = torch.zeros(1, 21, model.cfg.n_in)
    onnx_export.export(TransformerExport(model).eval(), (x,), path, list(INPUTS), list(OUTPUTS),
                       dynamic_shapes=({1: steps},))
    return onnx_export.io_spec(path)


def main(argv=None) -> None:
    from demos.memory.export import main as export_memory
    export_memory()
