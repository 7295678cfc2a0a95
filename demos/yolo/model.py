"""A YOLO-style detector for the 64×64 shape scenes of `demos.common.detection`.

After Redmon et al. 2016, "You Only Look Once: Unified, Real-Time Object Detection": the image is
divided into an S×S grid; each cell predicts B boxes (x, y, w, h, confidence) and one distribution
over the classes, all in one forward pass. The loss is the paper's sum-squared error with
λ_coord = 5, λ_noobj = 0.5 and square roots of width and height; the predictor responsible for an
object is the one of its cell whose current box overlaps the object most.

Differences from the paper, for a CPU and a small data set: a fully convolutional head (a 1×1
convolution per cell instead of two fully connected layers), sigmoid on x, y, w, h and confidence and
a softmax on the class scores (the paper's last layer is linear), and no ImageNet pre-training.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class YoloConfig:
    image: int = 64                 # scene side in pixels
    grid: int = 8                   # S: cells per side (8 pixels each)
    boxes: int = 2                  # B: boxes per cell
    classes: int = 4                # circle, square, triangle, cross
    widths: tuple = (16, 32, 64, 96, 96)  # 3×3 conv layers; a 2×2 max-pool after each of the first three
    leak: float = 0.1               # leaky ReLU slope, as in the paper
    lambda_coord: float = 5.0       # weight of the box coordinate errors
    lambda_noobj: float = 0.5       # weight of the confidence error of predictors without an object

    def to_dict(self) -> dict:
        return {**asdict(self), "widths": list(self.widths)}


class YoloNet(nn.Module):
    def __init__(self, config: YoloConfig = YoloConfig()):
        super().__init__()
        self.config = config
        widths = (3, *config.widths)
        self.convs = nn.ModuleList(nn.Conv2d(a, b, 3, padding=1) for a, b in zip(widths, widths[1:]))
        self.head = nn.Conv2d(widths[-1], 5 * config.boxes + config.classes, 1)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        # image: (N, 3, 64, 64) in [0, 1]
        x = image
        for i, conv in enumerate(self.convs):
            x = F.leaky_relu(conv(x), self.config.leak)
            if i < 3:
                x = F.max_pool2d(x, 2)                       # 64 → 32 → 16 → 8 = S
        raw = self.head(x).permute(0, 2, 3, 1)               # (N, S, S, 5B + C)
        b = self.config.boxes
        boxes = torch.sigmoid(raw[..., :5 * b])              # x, y, w, h, confidence per box
        probs = raw[..., 5 * b:].softmax(-1)                 # Pr(class | object), one per cell
        return torch.cat([boxes, probs], -1)                 # (N, S, S, 5B + C)


def box_iou(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """IoU of boxes given as (cx, cy, w, h) in image units, broadcasting over leading dims."""
    a0, a1 = a[..., :2] - a[..., 2:] / 2, a[..., :2] + a[..., 2:] / 2
    b0, b1 = b[..., :2] - b[..., 2:] / 2, b[..., :2] + b[..., 2:] / 2
    wh = (torch.minimum(a1, b1) - torch.maximum(a0, b0)).clamp(min=0)
    inter = wh[..., 0] * wh[..., 1]
    union = a[..., 2] * a[..., 3] + b[..., 2] * b[..., 3] - inter
    return inter / union.clamp(min=1e-9)


# --8<-- [start:loss]
def yolo_loss(output: torch.Tensor, target: torch.Tensor, config: YoloConfig) -> torch.Tensor:
    """The paper's loss, summed over cells and averaged over the batch.

    target: (N, S, S, 5 + C) per cell: has-object flag, (x, y) of the centre relative to the cell,
    (w, h) relative to the image, one-hot class.
    """
    s, b = config.grid, config.boxes
    pred = output[..., :5 * b].reshape(*output.shape[:3], b, 5)          # (N, S, S, B, 5)
    probs = output[..., 5 * b:]                                           # (N, S, S, C)
    has = target[..., 0]                                                  # (N, S, S)
    truth = target[..., 1:5]
    rows, cols = torch.meshgrid(torch.arange(s), torch.arange(s), indexing="ij")
    offset = torch.stack([cols, rows], -1).float()                        # (S, S, 2): x, y of the cell
    in_image = lambda xywh, cell: torch.cat([(xywh[..., :2] + cell) / s, xywh[..., 2:4]], -1)
    overlap = box_iou(in_image(pred[..., :4], offset[:, :, None]),
                      in_image(truth, offset)[..., None, :])               # (N, S, S, B)
    responsible = F.one_hot(overlap.argmax(-1), b).float() * has[..., None]
    xy = ((pred[..., :2] - truth[..., None, :2]) ** 2).sum(-1)
    wh = ((pred[..., 2:4].sqrt() - truth[..., None, 2:4].sqrt()) ** 2).sum(-1)
    conf = pred[..., 4]
    loss = (config.lambda_coord * (responsible * (xy + wh)).sum()
            + (responsible * (conf - overlap.detach()) ** 2).sum()
            + config.lambda_noobj * ((1 - responsible) * conf ** 2).sum()
            + (has * ((probs - target[..., 5:]) ** 2).sum(-1)).sum())
    return loss / output.shape[0]
# --8<-- [end:loss]
