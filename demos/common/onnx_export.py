"""Export a torch module to ONNX the way every demo does it, and read its I/O spec back.

Used by `demos/<name>/export.py` (torch + onnx). The recipe: eval(), named inputs and outputs,
dynamic shapes only where the demo needs them, one self-contained file, onnx.checker.
"""
from __future__ import annotations

import logging
import warnings
from pathlib import Path

import onnx
import torch

OPSET = 18
_DTYPES = {onnx.TensorProto.FLOAT: "float32", onnx.TensorProto.INT64: "int64",
           onnx.TensorProto.INT32: "int32", onnx.TensorProto.BOOL: "bool", onnx.TensorProto.UINT8: "uint8"}


def export(module: torch.nn.Module, args: tuple, path: Path, input_names: list[str],
           output_names: list[str], dynamic_shapes=None) -> Path:
    module.eval()
    # torch 2.13's exporter warns that torchvision's ops are not registered (we use none) and about a
    # deprecated pytree call of its own: noise in every export log and in the notebook page.
    logging.getLogger("torch.onnx").setLevel(logging.ERROR)
    with torch.no_grad(), warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=FutureWarning, message=".*LeafSpec")
        torch.onnx.export(module, args, str(path), input_names=input_names, output_names=output_names,
                          dynamic_shapes=dynamic_shapes, dynamo=True, external_data=False,
                          opset_version=OPSET, verbose=False)
    onnx.checker.check_model(onnx.load(str(path)), full_check=True)
    return Path(path)


def _dims(value_info) -> list:
    dims = value_info.type.tensor_type.shape.dim
    return [d.dim_value if d.HasField("dim_value") else (d.dim_param or "?") for d in dims]


def io_spec(path: Path) -> dict:
    """inputs/outputs/opset of an ONNX file, in the sidecar's format."""
    proto = onnx.load(str(path))
    spec = lambda vi: {"name": vi.name, "dtype": _DTYPES[vi.type.tensor_type.elem_type], "shape": _dims(vi)}
    opset = next(o.version for o in proto.opset_import if o.domain in ("", "ai.onnx"))
    return {"file": Path(path).name, "opset": opset, "bytes": 0, "sha256": "",
            "inputs": [spec(v) for v in proto.graph.input],
            "outputs": [spec(v) for v in proto.graph.output]}
