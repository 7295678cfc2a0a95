"""Show, Attend and Tell and its baseline Show and Tell, small enough for the page.

Xu et al. 2015 [@xu2015show]: a CNN encodes the image into an L x D grid of feature vectors a_1..a_L; an
LSTM decoder writes one word per step; at step t a small MLP scores every grid cell from the previous
hidden state, e_ti = w^T tanh(W_a a_i + W_h h_{t-1}), alpha_t = softmax(e_t) (the "soft" deterministic
attention), and the context z_t = sum_i alpha_ti a_i enters the LSTM with the previous word's embedding;
the word is predicted from h_t and z_t. The initial state is an MLP of the mean feature (as in the paper).

Vinyals et al. 2015 [@vinyals2015show] (Show and Tell, the baseline): the same encoder and LSTM, but the
image enters once, as the LSTM's input x_{-1} (the mean feature mapped to the embedding size), before
the start word; afterwards the decoder only sees words.

Both export as an encoder (image -> features, h0, c0) and one decoder step
(word, h, c[, features] -> logits, h, c[, attention]), so search runs outside the graph.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class CaptionConfig:
    vocab: int = 26          # words incl. <pad>, <start>, <end>
    channels: int = 32       # D: feature size of each grid cell
    grid: int = 8            # the grid is grid x grid = L cells (64 px / 8 = 8 px per cell)
    embed: int = 32          # word embedding size
    hidden: int = 96         # LSTM state size
    attention: int = 48      # attention MLP size
    attend: bool = True      # True: Show, Attend and Tell; False: Show and Tell

    def to_dict(self) -> dict:
        return asdict(self)


class Encoder(nn.Module):
    """(B, 3, 64, 64) in [0, 1] -> (B, L, D): three stride-2 convolutions, each after a 3x3 convolution."""

    def __init__(self, c: CaptionConfig):
        super().__init__()
        layers, width = [], 3
        for out in (16, 24, c.channels):
            layers += [nn.Conv2d(width, out, 3, padding=1), nn.ReLU(), nn.Conv2d(out, out, 3, stride=2, padding=1),
                       nn.ReLU()]
            width = out
        self.net = nn.Sequential(*layers)
        self.pos = nn.Parameter(torch.zeros(1, c.grid * c.grid, c.channels))   # where each cell is

    def forward(self, x):
        f = self.net(x)                                       # (B, D, 8, 8)
        return f.flatten(2).transpose(1, 2) + self.pos        # (B, L, D)


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
            self.image = nn.Linear(c.channels, c.embed)
            self.out = nn.Linear(c.hidden, c.vocab)

    def start(self, images):
        """images (B, 3, 64, 64) -> features (B, L, D), h0, c0 (B, H)."""
        f = self.encoder(images)
        mean = f.mean(1)
        if self.config.attend:
            return f, torch.tanh(self.init_h(mean)), torch.tanh(self.init_c(mean))
        zero = mean.new_zeros(mean.shape[0], self.config.hidden)
        h, c = self.lstm(self.image(mean), (zero, zero))     # x_{-1} = the image, once
        return f, h, c

    def step(self, word, h, c, f):
        """word (B,) int, h, c (B, H), f (B, L, D) -> logits (B, V), h, c, attention (B, L) or None."""
        x = self.embed(word)
        if not self.config.attend:
            h, c = self.lstm(x, (h, c))
            return self.out(h), h, c, None
        e = self.att_w(torch.tanh(self.att_f(f) + self.att_h(h)[:, None])).squeeze(-1)   # (B, L)
        alpha = F.softmax(e, dim=-1)
        z = (alpha[..., None] * f).sum(1)                                               # (B, D)
        h, c = self.lstm(torch.cat([x, z], -1), (h, c))
        return self.out(torch.cat([h, z], -1)), h, c, alpha

    def forward(self, images, tokens):
        """Teacher forcing: tokens (B, T) from <start> -> logits (B, T-1, V), attention (B, T-1, L) or None."""
        f, h, c = self.start(images)
        logits, alphas = [], []
        for t in range(tokens.shape[1] - 1):
            out, h, c, a = self.step(tokens[:, t], h, c, f)
            logits.append(out)
            alphas.append(a)
        return torch.stack(logits, 1), (torch.stack(alphas, 1) if self.config.attend else None)


def build(config: dict) -> Captioner:
    return Captioner(CaptionConfig(**config))
