"""Show, Attend and Tell and its baseline Show and Tell, small enough for the page.

Xu et al. 2015 [@xu2015show]: a CNN encodes the image into an L x D grid of feature vectors a_1..a_L; an
LSTM decoder writes one word per step; at step t a small MLP scores every grid cell from the previous
hidden state, e_ti = w^T tanh(W_a a_i + W_h h_{t-1}), alpha_t = softmax(e_t) (the "soft" deterministic
attention), and the context z_t = sum_i alpha_ti a_i enters the LSTM with the previous word's embedding;
the word is predicted from h_t and z_t. The initial state is an MLP of the mean feature (as in the paper).
W_a a_i does not depend on the step: the encoder computes these attention keys once per image.

Vinyals et al. 2015 [@vinyals2015show] (Show and Tell, the baseline): the same encoder and LSTM, but the
image enters once, as the LSTM's input x_{-1} before the start word — a linear map of the whole grid
(all L x D numbers, so where things are is not averaged away) to the word-embedding size; afterwards the
decoder only sees words.

Both export as an encoder (image -> features, keys, h0, c0) and one decoder step
(word, h, c, features, keys -> logits, h, c, attention); the baseline's step ignores the grid and
returns no attention. Search runs outside the graph (demos/caption/search.py, and its JS twin).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class CaptionConfig:
    vocab: int = 26          # words incl. <pad>, <start>, <end>
    channels: int = 48       # D: feature size of each grid cell
    grid: int = 8            # the grid is grid x grid = L cells (64 px / 8 = 8 px per cell)
    embed: int = 32          # word embedding size
    hidden: int = 128        # LSTM state size
    attention: int = 64      # attention MLP size
    attend: bool = True      # True: Show, Attend and Tell; False: Show and Tell
    norm: bool = True        # batch norm after each convolution; False: folded into the convolution (export)

    def to_dict(self) -> dict:
        return asdict(self)


def _conv(inputs: int, outputs: int, stride: int, norm: bool) -> list[nn.Module]:
    """3x3 convolution, batch norm (or, folded, nothing: the same layer indices either way), ReLU."""
    return [nn.Conv2d(inputs, outputs, 3, stride=stride, padding=1, bias=not norm),
            nn.BatchNorm2d(outputs) if norm else nn.Identity(), nn.ReLU()]


class Encoder(nn.Module):
    """(B, 3, 64, 64) in [0, 1] -> (B, L, D): three stride-2 3x3 convolutions (64 -> 32 -> 16 -> 8) and one
    more 3x3 at 8x8 (receptive field 31 px, wider than the largest shape), batch norm, ReLU; plus a
    learned vector per cell, so each feature says where it is."""

    def __init__(self, c: CaptionConfig):
        super().__init__()
        n = c.norm
        self.net = nn.Sequential(*_conv(3, 32, 2, n), *_conv(32, 32, 2, n), *_conv(32, c.channels, 2, n),
                                 *_conv(c.channels, c.channels, 1, n))
        self.pos = nn.Parameter(torch.zeros(1, c.grid * c.grid, c.channels))

    def forward(self, x):
        f = self.net(x)                                       # (B, D, 8, 8)
        return f.flatten(2).transpose(1, 2) + self.pos        # (B, L, D), cell l = row * 8 + column


class Captioner(nn.Module):
    def __init__(self, c: CaptionConfig):
        super().__init__()
        self.config = c
        self.encoder = Encoder(c)
        self.embed = nn.Embedding(c.vocab, c.embed)
        self.lstm = nn.LSTMCell(c.embed + (c.channels if c.attend else 0), c.hidden)
        if c.attend:
            self.init_h, self.init_c = nn.Linear(c.channels, c.hidden), nn.Linear(c.channels, c.hidden)
            self.att_f, self.att_h = nn.Linear(c.channels, c.attention), nn.Linear(c.hidden, c.attention)
            self.att_w = nn.Linear(c.attention, 1)
            self.out = nn.Linear(c.hidden + c.channels, c.vocab)
        else:
            self.image = nn.Linear(c.grid * c.grid * c.channels, c.embed)
            self.out = nn.Linear(c.hidden, c.vocab)

    def start(self, images):
        """images (B, 3, 64, 64) -> features (B, L, D), attention keys (B, L, A) or None, h0, c0 (B, H)."""
        f = self.encoder(images)
        if self.config.attend:
            mean = f.mean(1)
            return f, self.att_f(f), torch.tanh(self.init_h(mean)), torch.tanh(self.init_c(mean))
        zero = f.new_zeros(f.shape[0], self.config.hidden)
        h, c = self.lstm(self.image(f.flatten(1)), (zero, zero))     # x_{-1} = the image, once
        return f, None, h, c

    def step(self, word, h, c, f, keys):
        """word (B,) int, h, c (B, H), f (B, L, D), keys (B, L, A) -> logits (B, V), h, c, attention (B, L)
        (None for the baseline)."""
        x = self.embed(word)
        if not self.config.attend:
            h, c = self.lstm(x, (h, c))
            return self.out(h), h, c, None
        e = self.att_w(torch.tanh(keys + self.att_h(h)[:, None])).squeeze(-1)        # (B, L)
        alpha = F.softmax(e, dim=-1)
        z = (alpha[..., None] * f).sum(1)                                               # (B, D)
        h, c = self.lstm(torch.cat([x, z], -1), (h, c))
        return self.out(torch.cat([h, z], -1)), h, c, alpha

    def forward(self, images, tokens):
        """Teacher forcing: tokens (B, T) from <start> -> logits (B, T-1, V), attention (B, T-1, L) or None."""
        f, keys, h, c = self.start(images)
        logits, alphas = [], []
        for t in range(tokens.shape[1] - 1):
            out, h, c, a = self.step(tokens[:, t], h, c, f, keys)
            logits.append(out)
            alphas.append(a)
        return torch.stack(logits, 1), (torch.stack(alphas, 1) if self.config.attend else None)


def build(config: dict) -> Captioner:
    return Captioner(CaptionConfig(**config))


def fold_batch_norm(model: Captioner) -> Captioner:
    """The same function in eval mode with every batch norm folded into the convolution before it
    (w' = w * g / sqrt(var + eps), b' = beta - mean * g / sqrt(var + eps)): what is exported, so the ONNX
    initializers are the module's parameters and tests can rebuild it from them."""
    folded = build({**model.config.to_dict(), "norm": False}).eval()
    state = {k: v for k, v in model.state_dict().items() if not k.startswith("encoder.net.")}
    for i, layer in enumerate(model.encoder.net):
        if isinstance(layer, nn.BatchNorm2d):
            conv = model.encoder.net[i - 1]
            scale = layer.weight / torch.sqrt(layer.running_var + layer.eps)
            state[f"encoder.net.{i - 1}.weight"] = conv.weight * scale[:, None, None, None]
            state[f"encoder.net.{i - 1}.bias"] = layer.bias - layer.running_mean * scale
    folded.load_state_dict({k: v.detach().contiguous() for k, v in state.items()})
    return folded
