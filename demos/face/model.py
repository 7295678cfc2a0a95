"""MediaPipe's face detector and face landmark network, rebuilt as torch modules.

BlazeFace (Bazarevsky et al. 2019, arXiv:1907.05047) finds faces in a 128×128 image: 896 anchors, each
with a score and a box plus six keypoints (eyes, nose, mouth, ear tragions). The face landmark network
(Kartynnik et al. 2019, "Real-time Facial Surface Geometry from Monocular Video on Mobile GPUs",
arXiv:1907.06724) regresses 468 3D points from a 192×192 crop rotated so the eyes are level.

Both are small residual MobileNet-style stacks (depthwise 3×3 + pointwise 1×1, PReLU or ReLU, max-pool
shortcuts with zero channel padding). Rather than retyping 100+ layers by hand, the layer list is read
from MediaPipe's own .tflite file (export.py) into `GraphConfig.ops`, and `TFLiteGraph` runs it in
that order. The weights stay float16, as in the .tflite (which stores them float16 and DEQUANTIZEs
them at load), and are cast to float32 inside the graph: the ONNX files stay half the size.

TFLite works in NHWC; the modules work in NCHW. Inputs and outputs keep TFLite's layout so that the
same tensors go in and come out as in MediaPipe: image (1, H, W, 3), outputs as in the .tflite.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import ClassVar

import torch
import torch.nn.functional as F
from torch import nn


@dataclass
class GraphConfig:
    input_shape: list = field(default_factory=lambda: [1, 192, 192, 3])  # NHWC, like the .tflite
    outputs: list = field(default_factory=list)   # tensor names returned, in order
    ops: list = field(default_factory=list)       # {"op", "inputs", "output", ...} in execution order

    def to_dict(self) -> dict:
        return asdict(self)


def same_padding(size: int, kernel: int, stride: int) -> tuple[int, int]:
    """TensorFlow's SAME padding: the extra pixel goes after (bottom/right)."""
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


class Conv(nn.Module):
    """CONV_2D or DEPTHWISE_CONV_2D with TFLite padding; weights kept float16."""

    def __init__(self, spec: dict):
        super().__init__()
        self.stride, self.same, self.groups = spec["stride"], spec["same"], spec["groups"]
        out_ch, in_per_group, k = spec["out_channels"], spec["in_channels"] // spec["groups"], spec["kernel"]
        self.weight = nn.Parameter(torch.zeros(out_ch, in_per_group, k, k, dtype=torch.float16))
        self.bias = nn.Parameter(torch.zeros(out_ch, dtype=torch.float16))

    def forward(self, x):  # (B, C, H, W) → (B, O, H', W')
        if self.same:
            k = self.weight.shape[-1]
            top, bottom = same_padding(x.shape[2], k, self.stride)
            left, right = same_padding(x.shape[3], k, self.stride)
            x = F.pad(x, (left, right, top, bottom))
        return F.conv2d(x, self.weight.float(), self.bias.float(), stride=self.stride, groups=self.groups)


class PReLU(nn.Module):
    def __init__(self, spec: dict):
        super().__init__()
        self.alpha = nn.Parameter(torch.zeros(spec["channels"], dtype=torch.float16))

    def forward(self, x):  # (B, C, H, W), one slope per channel
        return torch.where(x >= 0, x, x * self.alpha.float()[None, :, None, None])


class MaxPool(nn.Module):
    def __init__(self, spec: dict):
        super().__init__()
        self.kernel, self.stride, self.same = spec["kernel"], spec["stride"], spec["same"]

    def forward(self, x):
        if self.same:
            top, bottom = same_padding(x.shape[2], self.kernel, self.stride)
            left, right = same_padding(x.shape[3], self.kernel, self.stride)
            x = F.pad(x, (left, right, top, bottom), value=float("-inf"))
        return F.max_pool2d(x, self.kernel, self.stride)


class TFLiteGraph(nn.Module):
    """Runs `config.ops` in order over named tensors; returns `config.outputs` in TFLite's layout."""

    LAYERS: ClassVar[dict] = {"conv": Conv, "prelu": PReLU, "maxpool": MaxPool}

    def __init__(self, config: GraphConfig):
        super().__init__()
        self.config = config
        self.layers = nn.ModuleDict({op["output"]: self.LAYERS[op["op"]](op)
                                     for op in config.ops if op["op"] in self.LAYERS})

    def forward(self, image):  # (1, H, W, 3) NHWC
        tensors = {"input": image.permute(0, 3, 1, 2)}  # (1, 3, H, W)
        for op in self.config.ops:
            args = [tensors[name] for name in op["inputs"]]
            kind = op["op"]
            if kind in self.LAYERS:
                y = self.layers[op["output"]](args[0])
            elif kind == "relu":
                y = F.relu(args[0])
            elif kind == "add":
                y = args[0] + args[1]
            elif kind == "pad":  # zero channels appended (TFLite pads the last, channel axis)
                y = F.pad(args[0], (0, 0, 0, 0, op["before"], op["after"]))
            elif kind == "reshape":  # NHWC order first, as TFLite reshapes
                y = args[0].permute(0, 2, 3, 1).reshape(op["shape"])
            elif kind == "concat":
                y = torch.cat(args, dim=op["axis"])
            else:
                raise ValueError(f"unknown op {kind}")
            tensors[op["output"]] = y
        return tuple(t.permute(0, 2, 3, 1) if t.dim() == 4 else t for t in
                     (tensors[name] for name in self.config.outputs))
