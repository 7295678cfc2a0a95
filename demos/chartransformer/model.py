"""A small causal character Transformer (Vaswani et al. 2017, decoder-only, pre-norm as in GPT-2) with
ALiBi positions (Press, Smith & Lewis 2022, arXiv:2108.12409), for the char-LSTM's corpus.

Positional encoding: none is added to the input. Each head instead subtracts slope_h × (i - j) from the
score of query i on key j (ALiBi), with fixed slopes 2^(-8h/H), h = 1..H: some heads are told to look
close by, others far. Why ALiBi: the model trains on 128-character windows (the LSTM's unroll), but the
LSTM's held-out number is measured on 2,000-character windows and the page lets the reader paste longer
text; learned positions have no row past 128 and sinusoids extrapolate poorly, while a distance penalty
is defined at every length and was built to extrapolate. It also costs no parameters, so the width goes
into the layers.

Each block: x + attention(LayerNorm(x)), then x + MLP(LayerNorm(x)), MLP = Linear-GELU-Linear (4x).
`forward` returns every head's attention weights (B, layers, heads, T, T); the export names one output
per head. The attention itself is demos/induction/model.py's `CausalSelfAttention`, given the bias.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn

from demos.induction.model import CausalSelfAttention, Linear


# --8<-- [start:config]
@dataclass
class CharTransformerConfig:
    vocab: int = 97        # newline, printable ASCII, one symbol for anything else (demos/common/pysource.py)
    d_model: int = 100     # residual stream width
    n_heads: int = 4       # heads per layer (width 25 each), ALiBi slopes 1/4, 1/16, 1/64, 1/256
    n_layers: int = 3
    d_ff: int = 400        # MLP width (4 x d_model); 3 layers of 100: 383,597 parameters, the char-LSTM has 388,449

    def to_dict(self) -> dict:
        return asdict(self)
# --8<-- [end:config]


# --8<-- [start:alibi]
def alibi_slopes(n_heads: int) -> torch.Tensor:
    """(H,) the fixed slopes 2^(-8h/H), h = 1..H (Press et al. 2022, for H a power of 2)."""
    return 2.0 ** (-8.0 * torch.arange(1, n_heads + 1, dtype=torch.float32) / n_heads)


def alibi_bias(slopes: torch.Tensor, t: int) -> torch.Tensor:
    """(H, T, T): -slope × (i - j), the score penalty of query i on an earlier key j (later keys are masked)."""
    pos = torch.arange(t, dtype=torch.float32)
    distance = (pos[:, None] - pos[None, :]).clamp(min=0)                            # (T, T)
    return -slopes[:, None, None] * distance
# --8<-- [end:alibi]


class Block(nn.Module):
    def __init__(self, cfg: CharTransformerConfig):
        super().__init__()
        self.ln1 = nn.LayerNorm(cfg.d_model)
        self.attn = CausalSelfAttention(cfg.d_model, cfg.n_heads)
        self.ln2 = nn.LayerNorm(cfg.d_model)
        self.mlp = nn.Sequential(Linear(cfg.d_model, cfg.d_ff), nn.GELU(), Linear(cfg.d_ff, cfg.d_model))

    def forward(self, x, bias, need_weights=True):                                   # x (B, T, C)
        a, attn = self.attn(self.ln1(x), bias, need_weights)
        x = x + a
        return x + self.mlp(self.ln2(x)), attn


class CharTransformer(nn.Module):
    def __init__(self, config: CharTransformerConfig):
        super().__init__()
        self.config = config
        self.embed = nn.Parameter(torch.randn(config.vocab, config.d_model) * 0.02)   # (V, C)
        self.blocks = nn.ModuleList(Block(config) for _ in range(config.n_layers))
        self.ln_f = nn.LayerNorm(config.d_model)
        self.head = Linear(config.d_model, config.vocab)
        self.register_buffer("slopes", alibi_slopes(config.n_heads), persistent=False)

    def forward(self, tokens: torch.Tensor, need_weights: bool = True):
        """tokens (B, T) int64 -> logits (B, T, V) and attention (B, layers, heads, T, T) (None when
        need_weights is False: training and scoring use the fused kernel)."""
        x = F.embedding(tokens, self.embed)                                          # (B, T, C), no positions
        bias = alibi_bias(self.slopes, tokens.shape[1])                              # (H, T, T)
        maps = []
        for block in self.blocks:
            x, attn = block(x, bias, need_weights)
            maps.append(attn)
        return self.head(self.ln_f(x)), torch.stack(maps, dim=1) if need_weights else None


def build(config: dict) -> CharTransformer:
    return CharTransformer(CharTransformerConfig(**config))
