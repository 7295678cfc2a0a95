"""Occupancy networks: a 3D shape as the decision boundary of a classifier f(p, z) → [0, 1].

Mescheder, Oechsle, Niemeyer, Nowozin, Geiger, "Occupancy Networks: Learning 3D Reconstruction in Function
Space", CVPR 2019 (arXiv:1812.03828). Small versions of the paper's parts:

* the decoder f_θ(p, z): residual fully connected blocks over the point p; the latent code z enters every
  block through its own linear map, added to the hidden state (= concatenating z to the block's input);
* two encoders of an observation x into a code: a 3D CNN over a coarse 16³ voxel grid (super-resolution)
  and a PointNet over ~300 noisy surface points (completion);
* the variational variant: every encoder outputs q(z | x) = N(μ, diag σ²); training adds KL(q ‖ N(0, I)),
  and a third encoder q(z | shape) reads the shape's own occupancy samples (p_j, o_j), the generative model
  of the paper's eq. 5, so codes drawn from the prior decode to shapes and codes can be interpolated.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F


# --8<-- [start:config]
@dataclass
class OccupancyConfig:
    latent: int = 32        # size of the code z
    width: int = 64         # hidden width of the decoder (its cost per point grows with width²)
    blocks: int = 4         # residual blocks in the decoder
    grid: int = 16          # the voxel encoder's input: grid³ cells of 0/1
    voxel_channels: int = 16  # channels of the voxel encoder's first (stride-2) convolution, doubled twice
    point_width: int = 64   # width of the PointNet encoders

    def to_dict(self) -> dict:
        return asdict(self)
# --8<-- [end:config]


# --8<-- [start:decoder]
class ResBlock(nn.Module):
    """x + W2 relu(W1 relu(x)): the decoder's fully connected residual block."""

    def __init__(self, width: int):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(width, width), nn.Linear(width, width)

    def forward(self, x):
        return x + self.fc2(F.relu(self.fc1(F.relu(x))))


class Decoder(nn.Module):
    """f_θ(p, z): occupancy probability of points p given a code z."""

    def __init__(self, c: OccupancyConfig):
        super().__init__()
        self.fc_p = nn.Linear(3, c.width)
        self.fc_z = nn.ModuleList(nn.Linear(c.latent, c.width) for _ in range(c.blocks))
        self.blocks = nn.ModuleList(ResBlock(c.width) for _ in range(c.blocks))
        self.fc_out = nn.Linear(c.width, 1)

    def forward(self, p, z):
        # p: (B, N, 3) points in the unit cube, z: (B, latent)
        h = self.fc_p(p)                                     # (B, N, W)
        for fc_z, block in zip(self.fc_z, self.blocks):
            h = block(h + fc_z(z)[:, None, :])               # the code enters every block
        return self.fc_out(F.relu(h))[..., 0]                # (B, N) logits; occupancy = sigmoid
# --8<-- [end:decoder]


# --8<-- [start:encoders]
class VoxelEncoder(nn.Module):
    """A 3D CNN over a grid³ occupancy grid → (μ, log σ²) of q(z | voxels)."""

    def __init__(self, c: OccupancyConfig):
        super().__init__()
        ch = c.voxel_channels
        self.conv1 = nn.Conv3d(1, ch, 4, stride=2, padding=1)             # grid/2
        self.conv2 = nn.Conv3d(ch, 2 * ch, 3, stride=2, padding=1)        # grid/4
        self.conv3 = nn.Conv3d(2 * ch, 4 * ch, 3, stride=2, padding=1)    # grid/8
        self.fc = nn.Linear(4 * ch * (c.grid // 8) ** 3, 2 * c.latent)

    def forward(self, voxels):
        # voxels: (B, 1, G, G, G) of 0/1
        h = voxels - 0.5
        for conv in (self.conv1, self.conv2, self.conv3):
            h = F.relu(conv(h))                              # (B, 4ch, G/8, G/8, G/8) at the end
        mu, logvar = self.fc(h.flatten(1)).chunk(2, dim=-1)  # (B, latent) each
        return mu, logvar


class PointNet(nn.Module):
    """PointNet with one pooled-feature exchange: per-point MLP, max-pool, concatenate the pool to every point,
    MLP, max-pool → (μ, log σ²). `dim` = 3 for xyz (completion), 4 for (xyz, occupancy) (the shape encoder)."""

    def __init__(self, c: OccupancyConfig, dim: int = 3):
        super().__init__()
        w = c.point_width
        self.fc_in = nn.Linear(dim, w)
        self.block1 = ResBlock(w)
        self.fc_mix = nn.Linear(2 * w, w)
        self.block2 = ResBlock(w)
        self.fc_out = nn.Linear(w, 2 * c.latent)

    def forward(self, points):
        # points: (B, N, dim)
        h = self.block1(self.fc_in(points))                               # (B, N, W)
        pooled = h.max(dim=1, keepdim=True).values.expand_as(h)           # (B, N, W)
        h = self.block2(self.fc_mix(torch.cat([h, pooled], dim=-1)))      # (B, N, W)
        mu, logvar = self.fc_out(F.relu(h.max(dim=1).values)).chunk(2, dim=-1)  # (B, latent) each
        return mu, logvar
# --8<-- [end:encoders]


class OccupancyNet(nn.Module):
    def __init__(self, config: OccupancyConfig = OccupancyConfig()):
        super().__init__()
        self.config = config
        self.decoder = Decoder(config)
        self.voxel_encoder = VoxelEncoder(config)
        self.point_encoder = PointNet(config, 3)
        self.shape_encoder = PointNet(config, 4)

    def encode(self, kind: str, x):
        return {"voxels": self.voxel_encoder, "points": self.point_encoder, "shape": self.shape_encoder}[kind](x)


# --8<-- [start:loss]
def loss_terms(model: OccupancyNet, kind: str, x, p, occ, sample: bool = True):
    """Per shape: Σ_j BCE(f(p_j, z), o_j) over its K points and KL(q(z | x) ‖ N(0, I)), z ~ q by
    reparameterisation (the mean when sample=False)."""
    mu, logvar = model.encode(kind, x)                                    # (B, latent)
    z = mu + torch.randn_like(mu) * (0.5 * logvar).exp() if sample else mu
    logits = model.decoder(p, z)                                          # (B, K)
    rec = F.binary_cross_entropy_with_logits(logits, occ, reduction="none").sum(-1)      # (B,)
    kl = 0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar).sum(-1)           # (B,)
    return rec, kl
# --8<-- [end:loss]


def build(config: dict) -> OccupancyNet:
    return OccupancyNet(OccupancyConfig(**config))
