"""Rebuild a torch module's weights from an ONNX file, so the committed .onnx is the only copy.

The dynamo exporter keeps parameter names (`conv1.weight`) as initializer names. Layers that the
exporter folds away (BatchNorm into Conv) cannot be recovered: demos that want parity tests avoid them.
"""
from __future__ import annotations

from pathlib import Path

import onnx
import torch
from onnx import numpy_helper


def load_into(module: torch.nn.Module, path: Path) -> torch.nn.Module:
    """Copy every parameter and buffer of `module` from the initializers of the ONNX file."""
    inits = {i.name: numpy_helper.to_array(i) for i in onnx.load(str(path)).graph.initializer}
    state = module.state_dict()
    missing = [k for k in state if k not in inits]
    if missing:
        raise KeyError(f"{path} has no initializer for {missing[:5]} (folded or renamed by the exporter)")
    module.load_state_dict({k: torch.from_numpy(inits[k].copy()).to(state[k].dtype) for k in state})
    return module.eval()
