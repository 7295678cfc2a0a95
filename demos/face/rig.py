"""A small face rig on the tracked astronaut mesh, and the solver that maps tracked landmarks back to its controls.

The rig (what a Ziva- or Enemies-style rig does, in miniature): seven controls deform the neutral
468-point mesh. Four expressions — jaw open (a hinge: lower-face points rotate about an axis behind the
face, each by its own share of the angle), smile (mouth corners up and out), blink (upper lids onto the
lower lids), brow raise — then head pose (yaw, pitch, roll) turns the whole face. Jaw and pose are
rotations, so the mesh is not linear in the controls: a linear blendshape fit can only approximate them.

The solver (`RigSolver`) is an MLP from landmarks (any position and size: it centres them and divides by
the eye-corner distance) to the seven controls. train.py trains it on rig poses with random face
proportions and noise, and compares it with the least-squares blendshape fit (FaceBuilder-style).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

import torch
from torch import nn

CONTROLS = ["jaw_open", "smile", "blink", "brow_raise", "yaw", "pitch", "roll"]
RANGES = [[0, 1], [0, 1], [0, 1], [0, 1], [-0.35, 0.35], [-0.35, 0.35], [-0.35, 0.35]]  # radians for pose
# MediaPipe face mesh indices (the canonical topology)
EYE_CORNERS = (33, 263)            # outer corners: the length unit
MOUTH_CORNERS = (61, 291)
LIPS = (13, 14)                    # upper and lower lip, middle
CHIN, NOSE_TIP = 152, 1
LIDS = ((159, 145), (386, 374))    # (upper, lower) for each eye
BROWS = (105, 334)


@dataclass
class RigConfig:
    jaw_angle: float = 0.35        # radians at jaw_open = 1 (20°)
    smile: list = field(default_factory=lambda: [0.10, -0.09])   # corner offset (outward x, up y), eye units
    brow: float = 0.10             # brow lift, eye units
    sigma: float = 0.16            # reach of the smile and brow fields
    lid_sigma: float = 0.05        # reach of the blink field
    hidden: int = 256              # solver MLP width

    def to_dict(self) -> dict:
        return asdict(self)


def normalise(points: torch.Tensor) -> torch.Tensor:
    """(B, 468, 3) → centred on their mean, in units of the 3D outer-eye-corner distance."""
    centred = points - points.mean(1, keepdim=True)
    unit = (centred[:, EYE_CORNERS[0]] - centred[:, EYE_CORNERS[1]]).norm(dim=-1)  # (B,)
    return centred / unit[:, None, None]


def rotation(yaw, pitch, roll) -> torch.Tensor:
    """(B,) angles → (B, 3, 3) = Rz(roll) · Ry(yaw) · Rx(pitch), image axes (x right, y down)."""
    c, s = torch.cos, torch.sin
    one, zero = torch.ones_like(yaw), torch.zeros_like(yaw)
    rx = torch.stack([one, zero, zero, zero, c(pitch), -s(pitch), zero, s(pitch), c(pitch)], -1).view(-1, 3, 3)
    ry = torch.stack([c(yaw), zero, s(yaw), zero, one, zero, -s(yaw), zero, c(yaw)], -1).view(-1, 3, 3)
    rz = torch.stack([c(roll), -s(roll), zero, s(roll), c(roll), zero, zero, zero, one], -1).view(-1, 3, 3)
    return rz @ ry @ rx


class FaceRig(nn.Module):
    """controls (B, 7) → mesh (B, 468, 3), in the neutral mesh's normalised units."""

    def __init__(self, config: RigConfig, neutral: torch.Tensor):
        super().__init__()
        self.config = config
        n = normalise(neutral[None].float())[0]                                   # (468, 3)
        self.register_buffer("neutral", n)
        mouth_y = n[list(LIPS), 1].mean()
        span = n[CHIN, 1] - mouth_y
        self.register_buffer("jaw_weight", ((n[:, 1] - mouth_y) / span * 2.5 + 0.25).clamp(0, 1))  # (468,)
        self.register_buffer("jaw_pivot", torch.stack([n[:, 0].mean(), n[NOSE_TIP, 1], n[:, 2].mean() + 1.0]))
        near = lambda i, sigma: torch.exp(-((n - n[i]) ** 2).sum(-1) / (2 * sigma ** 2))  # (468,)
        smile = torch.zeros_like(n)
        for corner, side in zip(MOUTH_CORNERS, (-1.0, 1.0)):   # 61 is on the image's left
            smile += near(corner, config.sigma)[:, None] * torch.tensor([side * config.smile[0], config.smile[1], 0.0])
        blink = torch.zeros_like(n)
        for upper, lower in LIDS:
            blink += near(upper, config.lid_sigma)[:, None] * (n[lower] - n[upper]) * 0.9
        brow = torch.zeros_like(n)
        for b in BROWS:
            brow += near(b, config.sigma * 1.3)[:, None] * torch.tensor([0.0, -config.brow, 0.0])
        self.register_buffer("smile_field", smile)
        self.register_buffer("blink_field", blink)
        self.register_buffer("brow_field", brow)

    def forward(self, controls):  # (B, 7) → (B, 468, 3)
        jaw, smile, blink, brow, yaw, pitch, roll = controls.unbind(-1)
        angle = jaw[:, None] * self.config.jaw_angle * self.jaw_weight               # (B, 468)
        rel = self.neutral - self.jaw_pivot                                          # (468, 3)
        c, s = torch.cos(angle), torch.sin(angle)
        y = c * rel[:, 1] - s * rel[:, 2]                                            # the chin swings down and back
        z = s * rel[:, 1] + c * rel[:, 2]
        mesh = torch.stack([rel[:, 0].expand_as(y), y, z], -1) + self.jaw_pivot      # (B, 468, 3)
        mesh = (mesh + smile[:, None, None] * self.smile_field + blink[:, None, None] * self.blink_field
                + brow[:, None, None] * self.brow_field)
        return mesh @ rotation(yaw, pitch, roll).transpose(1, 2)


class RigSolver(nn.Module):
    """landmarks (B, 468, 3), any position and scale → controls (B, 7)."""

    def __init__(self, config: RigConfig, neutral: torch.Tensor):
        super().__init__()
        self.config = config
        self.register_buffer("neutral", normalise(neutral[None].float())[0])
        self.mlp = nn.Sequential(nn.Linear(468 * 3, config.hidden), nn.GELU(), nn.Linear(config.hidden, config.hidden),
                                 nn.GELU(), nn.Linear(config.hidden, len(CONTROLS)))

    def forward(self, landmarks):  # (B, 468, 3) → (B, 7)
        offsets = (normalise(landmarks) - self.neutral).flatten(1)                  # (B, 1404)
        return self.mlp(offsets * 10.0)
