"""Export a trained NTM as a step model (fixed shapes, batch 1). The memory demo's sidecar lists the
files: `python -m demos export memory` (or `ntm`, the same command) exports every model of the demo."""
from __future__ import annotations

from pathlib import Path

import torch

from demos.common import onnx_export

from .model import INPUTS, NTM, OUTPUTS, NTMStep


def export_step(model: NTM, path: Path) -> dict:
    """Write the step model to `path`; returns its sidecar model entry (bytes/sha256 filled on write)."""
    step = NTMStep(model).eval()
    state = model.initial_state(1)
    x = torch.zeros(1, model.cfg.n_in)
    onnx_export.export(step, (x, *state), path, list(INPUTS), list(OUTPUTS))
    return onnx_export.io_spec(path)


def main(argv=None) -> None:
    from demos.memory.export import main as export_memory
    export_memory()
