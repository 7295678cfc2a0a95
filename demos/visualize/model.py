"""A shape classifier and the graphs that look inside it, after Zeiler & Fergus 2013 ("Visualizing
and Understanding Convolutional Networks") and Simonyan et al. 2013 ("Deep Inside Convolutional
Networks: Visualising Image Classification Models and Saliency Maps").

`ShapeCNN` classifies a 64×64 scene holding one shape (circle, square, triangle, cross) on a
cluttered background: four 3×3 convolutions with ReLU, 2×2 max-pooling after the first three,
global max-pooling (is there a part of this class anywhere?) and one linear layer.

ONNX Runtime has no automatic differentiation, so `Explainer` writes the backward passes as forward
operations. It runs the classifier once, keeping what the way back needs — the sign of every ReLU
input and the switches of every max-pool (which of the four inputs of each 2×2 window won, the
first in row-major order on ties, as torch does) — and then walks down three times:

* **gradient** (saliency map): ReLU passes the signal where its input was positive;
* **guided backpropagation** (Springenberg et al. 2014): only positive signal, only where the input
  was positive;
* **deconvnet** (Zeiler & Fergus): only positive signal (rectified), whatever the input was.

Through a convolution every mode applies the transposed filters; through a max-pool every mode
unpools with the switches. The gradient and guided passes start from the score (logit) of `target`;
the deconvnet pass starts from one unit — the strongest activation of feature map `channel` of
conv layer `layer` (1..4), every other activation set to zero.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class ShapeConfig:
    image: int = 64                     # scene side in pixels
    classes: int = 4                    # circle, square, triangle, cross
    widths: tuple = (16, 32, 48, 64)    # 3×3 conv layers; 2×2 max-pool after the first three

    def to_dict(self) -> dict:
        return {**asdict(self), "widths": list(self.widths)}


class ShapeCNN(nn.Module):
    def __init__(self, config: ShapeConfig = ShapeConfig()):
        super().__init__()
        self.config = config
        widths = (3, *config.widths)
        self.convs = nn.ModuleList(nn.Conv2d(a, b, 3, padding=1) for a, b in zip(widths, widths[1:]))
        self.fc = nn.Linear(widths[-1], config.classes)

    def forward(self, image: torch.Tensor):
        # image: (N, 3, 64, 64) in [0, 1]
        x, activations = image, []
        for i, conv in enumerate(self.convs):
            x = F.relu(conv(x))                               # (N, C_i, 64 / 2^i, 64 / 2^i)
            activations.append(x)
            if i < len(self.convs) - 1:
                x = F.max_pool2d(x, 2)                        # same values as pool(x)[0]
        logits = self.fc(x.amax((2, 3)))                      # (N, classes): global max-pool
        return (logits.softmax(-1), logits, *activations)


# --8<-- [start:switches]
def pool(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """2×2 max-pool and its switches: (pooled (N, C, h, w), one-hot winners (N, C, h, w, 4))."""
    corners = torch.stack([x[..., 0::2, 0::2], x[..., 0::2, 1::2], x[..., 1::2, 0::2], x[..., 1::2, 1::2]], -1)
    pooled = corners.amax(-1)
    wins = corners == pooled[..., None]
    earlier = torch.cumsum(wins.to(torch.int32), -1) - wins.to(torch.int32)   # winners before this corner
    first = wins & (earlier == 0)                                               # first winner only
    return pooled, first.to(x.dtype)


def first_max(x: torch.Tensor) -> torch.Tensor:
    """One-hot (N, C, H, W) of the first maximum of each feature map, in row-major order."""
    flat = x.flatten(2)
    wins = (flat == flat.amax(-1, keepdim=True)).to(torch.int32)
    return ((wins == 1) & (torch.cumsum(wins, -1) == 1)).to(x.dtype).reshape(x.shape)


def unpool(signal: torch.Tensor, switches: torch.Tensor) -> torch.Tensor:
    """Put each value back where its window's maximum was: (N, C, h, w) → (N, C, 2h, 2w)."""
    n, c, h, w = signal.shape
    spread = (signal[..., None] * switches).reshape(n, c, h, w, 2, 2)          # (…, dy, dx)
    return spread.permute(0, 1, 2, 4, 3, 5).reshape(n, c, 2 * h, 2 * w)
# --8<-- [end:switches]


MODES = {
    "gradient": lambda signal, before: signal * (before > 0),
    "guided": lambda signal, before: F.relu(signal) * (before > 0),
    "deconvnet": lambda signal, before: F.relu(signal),
}


class Explainer(nn.Module):
    """image, target class, layer, channel → probs, gradient, guided, deconvnet (all (N, 3, H, W))."""

    def __init__(self, cnn: ShapeCNN):
        super().__init__()
        self.cnn = cnn

    def forward(self, image, target, layer, channel):
        # image (N, 3, H, W); target (N,) int64; layer, channel (1,) int64
        convs = self.cnn.convs
        x, before, switches, activations = image, [], [], []
        for i, conv in enumerate(convs):
            z = conv(x)
            before.append(z)
            x = F.relu(z)
            activations.append(x)
            if i < len(convs) - 1:
                x, s = pool(x)
                switches.append(s)
        top = activations[-1]
        logits = self.cnn.fc(top.amax((2, 3)))                                   # (N, classes)
        weights = self.cnn.fc.weight[target]                                     # (N, C4)
        score_grad = weights[:, :, None, None] * first_max(top)                  # back through the global max
        units = []
        for i, a in enumerate(activations):                                      # the chosen unit, alone
            pick = (torch.arange(a.shape[1]) == channel)[None, :, None, None] & (layer == i + 1)
            a = a * pick
            strongest = a.amax((2, 3), keepdim=True)
            units.append(a * ((a == strongest) & (strongest > 0)))
        outputs = {}
        for mode, through_relu in MODES.items():
            signal = score_grad if mode != "deconvnet" else torch.zeros_like(top)
            for i in range(len(convs) - 1, -1, -1):
                if mode == "deconvnet":
                    signal = signal + units[i]
                signal = through_relu(signal, before[i])
                signal = F.conv_transpose2d(signal, convs[i].weight, padding=1)   # transposed filters
                if i > 0:
                    signal = unpool(signal, switches[i - 1])
            outputs[mode] = signal                                                # (N, 3, H, W)
        return logits.softmax(-1), outputs["gradient"], outputs["guided"], outputs["deconvnet"]
