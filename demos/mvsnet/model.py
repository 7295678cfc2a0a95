"""MVSNet, scaled down: depth of a reference view from N calibrated views.

Yao, Luo, Li, Fang, Quan (2018), "MVSNet: Depth Inference for Unstructured Multi-view Stereo", ECCV.
The four steps of the notes (docs/3d/mvsnet.md):

1. a shared 2D CNN turns every view into feature maps at half its size (the paper: a quarter; the step
   between neighbouring far planes moves a feature by a fraction of a feature pixel, twice as far at half size);
   as in the paper, convolutions but the last of a network are followed by batch normalisation, which
   keeps the variance cost on a scale the softmax can use from the first steps (without it the untrained
   cost barely varies along depth, and the network settles on predicting one depth everywhere);
   `fold_batch_norm` folds it into the convolutions for export;
2. each view's features are warped onto D fronto-parallel planes of the reference camera with a
   homography per plane (differentiable bilinear sampling, `grid_sample`), and the views are combined
   into one cost volume by their variance;
3. a 3D U-Net regularises the cost volume; a softmax along depth gives a probability volume, its
   expectation the depth (soft argmin), and the probability summed over the four planes nearest that
   depth the confidence;
4. a small 2D CNN refines the up-sampled depth with the reference image (a residual).

The cameras enter as matrices computed outside the graph (torch.linalg.inv does not export): for view
i, `rot[i]` = K_i R_i R_0ᵀ K_0⁻¹ and `trans[i]` = K_i (t_i − R_i R_0ᵀ t_0), with K at feature
resolution, so a reference feature pixel p at depth d lands at rot[i] · p · d + trans[i] (homogeneous)
in view i; view 0 is the reference (rot = I, trans = 0). `demos/mvsnet/geometry.py` computes them.
Pixel centres are integer coordinates at every scale; sampling uses align_corners=False, whose
normalisation is (2x + 1) / size − 1.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class MVSNetConfig:
    features: int = 16       # channels of the 2D feature maps (the paper: 32)
    planes: int = 32         # depth hypotheses D (the paper trains with 192); divisible by 4
    unet: tuple = (8, 16, 32)  # channels of the 3D U-Net's three scales; () = no 3D regularisation
    refine: int = 16         # channels of the refinement CNN
    batch_norm: bool = True  # False: the exported form, each BatchNorm folded into its convolution

    def to_dict(self) -> dict:
        return asdict(self)


def block(conv, norm):
    """A convolution, batch normalisation (as in the paper) and ReLU."""
    bn = (nn.BatchNorm3d if conv.weight.dim() == 5 else nn.BatchNorm2d)(conv.out_channels)
    return nn.Sequential(conv, bn, nn.ReLU()) if norm else nn.Sequential(conv, nn.ReLU())


def conv2d(cin, cout, stride=1, relu=True, norm=True):
    conv = nn.Conv2d(cin, cout, 3, stride, 1)
    return block(conv, norm) if relu else conv


def conv3d(cin, cout, stride=1, norm=True):
    return block(nn.Conv3d(cin, cout, 3, stride, 1), norm)


class Features(nn.Module):
    """(V, 3, H, W) → (V, C, H/2, W/2); six convolutions, one with stride 2."""

    def __init__(self, c: int, norm: bool):
        super().__init__()
        self.net = nn.Sequential(conv2d(3, 8, norm=norm), conv2d(8, 8, norm=norm), conv2d(8, c, 2, norm=norm),
                                 conv2d(c, c, norm=norm), conv2d(c, c, norm=norm), conv2d(c, c, relu=False))

    def forward(self, x):
        return self.net(x)


class UNet3D(nn.Module):
    """(1, C, D, h, w) → (1, 1, D, h, w): encoder–decoder over depth and space with skip connections."""

    def __init__(self, c: int, widths: tuple, norm: bool):
        super().__init__()
        a, b, cc = widths
        self.enc0, self.enc1, self.enc2 = conv3d(c, a, norm=norm), conv3d(a, b, 2, norm), conv3d(b, cc, 2, norm)
        self.up1 = block(nn.ConvTranspose3d(cc, b, 3, 2, 1, output_padding=1), norm)
        self.up0 = block(nn.ConvTranspose3d(b, a, 3, 2, 1, output_padding=1), norm)
        self.out = nn.Conv3d(a, 1, 3, 1, 1)

    def forward(self, x):
        x0 = self.enc0(x)                    # (1, a, D, h, w)
        x1 = self.enc1(x0)                   # (1, b, D/2, h/2, w/2)
        x2 = self.enc2(x1)                   # (1, c, D/4, h/4, w/4)
        y1 = self.up1(x2) + x1
        y0 = self.up0(y1) + x0
        return self.out(y0)


# --8<-- [start:warp]
def warp(feats, rot, trans, depths):
    """Every view's features on every depth plane of the reference: (V, C, h, w) → (V, C, D, h, w)."""
    v, c, h, w = feats.shape
    d = depths.shape[0]
    ys = torch.arange(h, dtype=feats.dtype).view(h, 1).expand(h, w).reshape(-1)
    xs = torch.arange(w, dtype=feats.dtype).view(1, w).expand(h, w).reshape(-1)
    pix = torch.stack([xs, ys, torch.ones_like(xs)])                  # (3, hw)
    ray = torch.matmul(rot, pix)                                      # (V, 3, hw)
    pts = ray.unsqueeze(1) * depths.view(1, d, 1, 1) + trans.view(v, 1, 3, 1)  # (V, D, 3, hw)
    z = pts[:, :, 2]
    front = z > 1e-6
    z = torch.where(front, z, torch.ones_like(z))
    gx = torch.where(front, (2 * pts[:, :, 0] / z + 1) / w - 1, torch.full_like(z, -2.0))
    gy = torch.where(front, (2 * pts[:, :, 1] / z + 1) / h - 1, torch.full_like(z, -2.0))
    grid = torch.stack([gx, gy], -1).view(v, d * h, w, 2)
    out = F.grid_sample(feats, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    return out.view(v, c, d, h, w)
# --8<-- [end:warp]


class MVSNet(nn.Module):
    """images (V, 3, H, W) in [0, 1], view 0 the reference; rot (V, 3, 3), trans (V, 3); depths (D,)
    increasing. H and W multiples of 8. Returns depth (H, W), confidence (H, W), and the insides:
    depth_initial (h, w), probability (D, h, w), cost (D, h, w, the regularised cost the softmax
    reads) and variance (D, h, w, the cost volume averaged over channels)."""

    def __init__(self, config: MVSNetConfig):
        super().__init__()
        self.config = config
        c = config.features
        n = config.batch_norm
        self.features = Features(c, n)
        self.regularise = UNet3D(c, config.unet, n) if config.unet else nn.Conv3d(c, 1, 1)
        r = config.refine
        self.refine = nn.Sequential(conv2d(4, r, norm=n), conv2d(r, r, norm=n), conv2d(r, r, norm=n),
                                    conv2d(r, 1, relu=False))

    def forward(self, images, rot, trans, depths):
        # --8<-- [start:forward]
        feats = self.features(images)                                  # (V, C, h, w)
        volumes = warp(feats, rot, trans, depths)                      # (V, C, D, h, w)
        variance = ((volumes - volumes.mean(0, keepdim=True)) ** 2).mean(0)  # (C, D, h, w)
        cost = self.regularise(variance.unsqueeze(0))[0, 0]           # (D, h, w)
        prob = torch.softmax(-cost, 0)                                 # (D, h, w)
        depth0 = (prob * depths.view(-1, 1, 1)).sum(0)                 # (h, w) soft argmin
        # confidence: probability of the 4 planes nearest the estimate (index floor(k) - 1 … floor(k) + 2)
        k = (prob * torch.arange(depths.shape[0], dtype=prob.dtype).view(-1, 1, 1)).sum(0)
        window = F.avg_pool1d(F.pad(prob.permute(1, 2, 0).reshape(-1, 1, depths.shape[0]), (1, 2)), 4, 1) * 4
        window = window.view(prob.shape[1], prob.shape[2], -1)          # (h, w, D): sum of planes j-1..j+2
        pick = (torch.arange(depths.shape[0], dtype=prob.dtype) == torch.floor(k).unsqueeze(-1)).to(prob.dtype)
        confidence = (window * pick).sum(-1)                           # (h, w)
        lo, span = depths[0], depths[-1] - depths[0]
        size = images.shape[-2:]
        up = F.interpolate(((depth0 - lo) / span)[None, None], size=size, mode="bilinear", align_corners=False)
        residual = self.refine(torch.cat([up, images[:1]], 1))
        depth = (up + residual)[0, 0] * span + lo                      # (H, W)
        conf_up = F.interpolate(confidence[None, None], size=size, mode="bilinear", align_corners=False)[0, 0]
        return depth, conf_up, depth0, prob, cost, variance.mean(0)
        # --8<-- [end:forward]


@torch.no_grad()
def fold_batch_norm(model: MVSNet) -> MVSNet:
    """The same function in eval mode without BatchNorm layers, each folded into the convolution before it
    (w·γ/σ, (b − μ)·γ/σ + β): the form that is exported, so the ONNX file's weights rebuild the module."""
    folded = MVSNet(MVSNetConfig(**{**model.config.to_dict(), "batch_norm": False}))
    state = model.state_dict()
    for name, seq in model.named_modules():
        if isinstance(seq, nn.Sequential) and len(seq) == 3 and isinstance(seq[1], nn.modules.batchnorm._BatchNorm):
            conv, bn = seq[0], seq[1]
            scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
            out_dim = 1 if isinstance(conv, nn.ConvTranspose3d) else 0     # transposed: (in, out, k, k, k)
            shape = [-1 if k == out_dim else 1 for k in range(conv.weight.dim())]
            state[f"{name}.0.weight"] = conv.weight * scale.view(shape)
            state[f"{name}.0.bias"] = (conv.bias - bn.running_mean) * scale + bn.bias
    folded.load_state_dict({k: state[k] for k in folded.state_dict()})
    return folded.eval()
