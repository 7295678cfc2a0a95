"""A small convolutional classifier for the 8×8 digits of `sklearn.datasets.load_digits`.

The data set is the UCI "Optical Recognition of Handwritten Digits" set: 32×32 binary bitmaps of
digits written by 43 people, reduced to 8×8 by counting the "on" pixels in each 4×4 block, so every
input pixel is an integer 0..16. The network is LeNet-shaped (LeCun et al. 1998) and small enough to
train in seconds on a CPU.

Besides the class probabilities the exported graph returns the two convolutional feature maps and the
kernels and biases that made them (`WithKernels`), so a page can show what each unit responds to and
the 3×3 weights behind it (the CNN note's theme, CNN Explainer's core view).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F


# --8<-- [start:model]
@dataclass
class DigitsConfig:
    channels1: int = 16     # feature maps of the first 3×3 convolution (on the 8×8 input)
    channels2: int = 32     # feature maps of the second 3×3 convolution
    hidden: int = 64        # width of the fully connected layer
    classes: int = 10       # digits 0..9
    dropout: float = 0.25   # on the hidden layer, training only

    def to_dict(self) -> dict:
        return asdict(self)


class DigitsCNN(nn.Module):
    def __init__(self, config: DigitsConfig = DigitsConfig()):
        super().__init__()
        self.config = config
        self.conv1 = nn.Conv2d(1, config.channels1, 3, padding=1)
        self.conv2 = nn.Conv2d(config.channels1, config.channels2, 3, padding=1)
        self.fc1 = nn.Linear(config.channels2 * 4 * 4, config.hidden)
        self.fc2 = nn.Linear(config.hidden, config.classes)
        self.dropout = nn.Dropout(config.dropout)

    def forward(self, image: torch.Tensor):
        # image: (B, 1, 8, 8), pixel counts scaled to [0, 1]
        a1 = F.relu(self.conv1(image))                   # (B, C1, 8, 8)
        a2 = F.relu(self.conv2(a1))                      # (B, C2, 8, 8)
        pooled = F.max_pool2d(a2, 2)                     # (B, C2, 4, 4)
        hidden = F.relu(self.fc1(pooled.flatten(1)))     # (B, H)
        logits = self.fc2(self.dropout(hidden))          # (B, 10)
        return logits.softmax(-1), logits, a1, a2
# --8<-- [end:model]


class WithKernels(DigitsCNN):
    """The exported graph: DigitsCNN's outputs, then each convolution's weight (C_out, C_in, 3, 3) and
    bias (C_out,), named `<layer>_weight` / `<layer>_bias` after the feature map they produce.
    The same parameters (and names, so `onnx_weights.load_into(DigitsCNN(…))` still finds them)."""

    def forward(self, image: torch.Tensor):
        kernels = [t.clone() for conv in (self.conv1, self.conv2) for t in (conv.weight, conv.bias)]
        return (*super().forward(image), *kernels)
