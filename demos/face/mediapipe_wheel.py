"""Read MediaPipe's face models out of the `mediapipe==0.10.21` wheel (export time only, needs `tflite`).

The wheel is fetched with `pip download --no-deps` into build/face/cache and checked against its
sha256; it is never installed (it pins numpy<2). Each .tflite flatbuffer is turned into a
`GraphConfig` (the layer list) and a state dict of float16 weights for `TFLiteGraph`.
"""
from __future__ import annotations

import ast
import hashlib
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import tflite

from demos.common.errors import DemoError
from demos.common.paths import ROOT
from demos.face.model import GraphConfig

VERSION = "0.10.21"
WHEEL = f"mediapipe-{VERSION}-cp311-cp311-manylinux_2_28_x86_64.whl"
SHA256 = "05dc4a9e593655a79558d05d6227d31018c2537a4bd3362b51e230cf22aecfe3"
CACHE = ROOT / "build" / "face" / "cache"
DETECTOR = "mediapipe/modules/face_detection/face_detection_short_range.tflite"
LANDMARKS = "mediapipe/modules/face_landmark/face_landmark.tflite"
CONNECTIONS = "mediapipe/python/solutions/face_mesh_connections.py"
LICENSE = f"mediapipe-{VERSION}.dist-info/LICENSE"    # the licence text the wheel ships, in full
OPS = {v: k for k, v in vars(tflite.BuiltinOperator).items() if not k.startswith("_")}


def wheel_path(download: bool = True) -> Path | None:
    """The verified wheel in the cache, downloaded first if allowed; None when absent and not allowed."""
    path = CACHE / WHEEL
    if not path.is_file():
        if not download:
            return None
        CACHE.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                        "--platform", "manylinux_2_28_x86_64", "--python-version", "3.11",
                        f"mediapipe=={VERSION}", "-d", str(CACHE)], check=True)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != SHA256:
        raise DemoError(f"{path}: sha256 {digest} is not the pinned {SHA256}")
    return path


def read_member(member: str, wheel: Path) -> bytes:
    with zipfile.ZipFile(wheel) as z:
        return z.read(member)


def name(text: str) -> str:
    return re.sub(r"\W", "_", text)


def _options(op, cls):
    table = op.BuiltinOptions()
    opts = cls()
    opts.Init(table.Bytes, table.Pos)
    return opts


def graph_from_tflite(data: bytes) -> tuple[GraphConfig, dict[str, np.ndarray]]:
    """A .tflite flatbuffer → (layer list, float16 weights keyed like TFLiteGraph's state dict)."""
    model = tflite.Model.GetRootAsModel(data, 0)
    graph = model.Subgraphs(0)
    tensor = graph.Tensors

    def constant(index: int) -> np.ndarray:
        t = tensor(index)
        raw = model.Buffers(t.Buffer()).DataAsNumpy()
        dtype = {tflite.TensorType.FLOAT16: np.float16, tflite.TensorType.FLOAT32: np.float32,
                 tflite.TensorType.INT32: np.int32}[t.Type()]
        return np.frombuffer(raw.tobytes(), dtype).reshape(t.ShapeAsNumpy())

    dequantized = {}  # DEQUANTIZE output tensor → its float16 constant's index
    ops, weights = [], {}
    first = graph.Inputs(0)
    tname = lambda i: "input" if i == first else name(tensor(i).Name().decode())
    for k in range(graph.OperatorsLength()):
        op = graph.Operators(k)
        code = model.OperatorCodes(op.OpcodeIndex())
        kind = OPS[max(code.BuiltinCode(), code.DeprecatedBuiltinCode())]
        ins, out = list(op.InputsAsNumpy()), int(op.OutputsAsNumpy()[0])
        if kind == "DEQUANTIZE":
            dequantized[out] = ins[0]
            continue
        spec = {"inputs": [tname(ins[0])], "output": tname(out)}
        if kind in ("CONV_2D", "DEPTHWISE_CONV_2D"):
            w = constant(dequantized.get(ins[1], ins[1]))
            b = constant(dequantized.get(ins[2], ins[2]))
            opts = _options(op, tflite.Conv2DOptions if kind == "CONV_2D" else tflite.DepthwiseConv2DOptions)
            assert opts.FusedActivationFunction() == 0 and opts.DilationHFactor() == 1
            depthwise = kind == "DEPTHWISE_CONV_2D"
            weight = w.transpose(3, 0, 1, 2) if depthwise else w.transpose(0, 3, 1, 2)  # → (O, I/g, k, k)
            spec.update(op="conv", stride=opts.StrideH(), same=opts.Padding() == tflite.Padding.SAME,
                        kernel=int(w.shape[1]), out_channels=int(weight.shape[0]),
                        in_channels=int(tensor(ins[0]).ShapeAsNumpy()[3]),
                        groups=int(weight.shape[0]) if depthwise else 1)
            weights[f"layers.{spec['output']}.weight"] = weight.astype(np.float16)
            weights[f"layers.{spec['output']}.bias"] = b.astype(np.float16)
        elif kind == "PRELU":
            alpha = constant(dequantized.get(ins[1], ins[1])).reshape(-1)
            spec.update(op="prelu", channels=int(alpha.size))
            weights[f"layers.{spec['output']}.alpha"] = alpha.astype(np.float16)
        elif kind == "MAX_POOL_2D":
            opts = _options(op, tflite.Pool2DOptions)
            spec.update(op="maxpool", kernel=opts.FilterHeight(), stride=opts.StrideH(),
                        same=opts.Padding() == tflite.Padding.SAME)
        elif kind == "ADD":
            assert _options(op, tflite.AddOptions).FusedActivationFunction() == 0
            spec.update(op="add", inputs=[tname(i) for i in ins])
        elif kind == "RELU":
            spec.update(op="relu")
        elif kind == "PAD":
            pads = constant(ins[1])
            assert not pads[:3].any(), "only channel padding is supported"
            spec.update(op="pad", before=int(pads[3, 0]), after=int(pads[3, 1]))
        elif kind == "RESHAPE":
            spec.update(op="reshape", shape=[int(d) for d in tensor(out).ShapeAsNumpy()])
        elif kind == "CONCATENATION":
            spec.update(op="concat", axis=_options(op, tflite.ConcatenationOptions).Axis(),
                        inputs=[tname(i) for i in ins])
        else:
            raise DemoError(f"unsupported TFLite op {kind}")
        ops.append(spec)
    config = GraphConfig(input_shape=[int(d) for d in tensor(first).ShapeAsNumpy()],
                         outputs=[tname(graph.Outputs(i)) for i in range(graph.OutputsLength())], ops=ops)
    return config, weights


def tessellation_triangles(source: bytes) -> list[tuple[int, int, int]]:
    """FACEMESH_TESSELATION from face_mesh_connections.py, read as data (ast.literal_eval, never run).

    The literal lists each triangle as three directed edges in a row, a→b, b→c, c→a: the triples are
    the mesh's faces (checked here: every triple closes). The edge graph's 3-cliques would add two
    cycles that are not faces."""
    tree = ast.parse(source.decode("utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "FACEMESH_TESSELATION":
            value = node.value  # frozenset([...]): the call's one argument is the literal, in order
            if isinstance(value, ast.Call) and getattr(value.func, "id", "") == "frozenset":
                value = value.args[0]
            edges = ast.literal_eval(value)
            triples = [edges[i:i + 3] for i in range(0, len(edges), 3)]
            if len(edges) % 3 or any(e[0][1] != e[1][0] or e[1][1] != e[2][0] or e[2][1] != e[0][0] for e in triples):
                raise DemoError(f"{CONNECTIONS}: FACEMESH_TESSELATION is not a list of closed triangles")
            return [(int(a), int(b), int(c)) for (a, b), (_, c), _ in triples]
    raise DemoError(f"{CONNECTIONS}: no FACEMESH_TESSELATION")
