"""The region classifier of the R-CNN-style demo: a small CNN on one warped proposal.

After Girshick et al. 2014, "Rich feature hierarchies for accurate object detection and semantic
segmentation" (R-CNN): every region proposal is warped to a fixed size and classified by a CNN,
here into the shape classes plus "background". The paper extracts CNN features and scores them with
one linear SVM per class; this small network ends in a softmax directly (the paper's fine-tuned
softmax, which it found close to the SVMs). Like the paper, it refines each box with a class-specific
linear regression on the features (its appendix C): four numbers per class, (d_x, d_y, d_w, d_h).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class RegionConfig:
    warp: int = 24                  # input side: every proposal is resampled to warp × warp
    classes: int = 4                # shape classes; index `classes` is background
    widths: tuple = (16, 32, 64)    # 3×3 conv layers, each followed by a 2×2 max-pool (24 → 12 → 6 → 3)
    hidden: int = 64                # fully connected layer

    def to_dict(self) -> dict:
        return {**asdict(self), "widths": list(self.widths)}


class RegionCNN(nn.Module):
    def __init__(self, config: RegionConfig = RegionConfig()):
        super().__init__()
        self.config = config
        widths = (3, *config.widths)
        self.convs = nn.ModuleList(nn.Conv2d(a, b, 3, padding=1) for a, b in zip(widths, widths[1:]))
        side = config.warp // 2 ** len(config.widths)
        self.fc1 = nn.Linear(widths[-1] * side * side, config.hidden)
        self.fc2 = nn.Linear(config.hidden, config.classes + 1)
        self.box = nn.Linear(config.hidden, 4 * config.classes)   # class-specific box regression

    def forward(self, regions: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        # regions: (K, 3, warp, warp) in [0, 1]
        x = regions
        for conv in self.convs:
            x = F.max_pool2d(F.relu(conv(x)), 2)            # (K, C, warp / 2^i, warp / 2^i)
        hidden = F.relu(self.fc1(x.flatten(1)))             # (K, hidden)
        probs = self.fc2(hidden).softmax(-1)                # (K, classes + 1), background last
        deltas = self.box(hidden).unflatten(1, (self.config.classes, 4))   # (K, classes, 4)
        return probs, deltas
