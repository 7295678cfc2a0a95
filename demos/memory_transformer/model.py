"""A small causal Transformer (Vaswani et al. 2017, arXiv:1706.03762) for the NTM's tasks.

It reads the same input stream as the NTM (one vector per step) and predicts the same outputs, but
instead of a fixed N×M memory that it rewrites, every layer keeps all past keys and values and
attends over them: its memory is an append-only key/value cache that grows with the sequence.

Positional encoding: fixed sinusoids (the original paper's). The generalisation test runs the model
on sequences up to 6× longer than any seen in training; sinusoids are defined at every position,
whereas a learned position table would hold untrained rows there. `max_len` is the position capacity
the demo accepts (the key/value cache it is willing to grow), not a limit of the encoding.

Pre-norm blocks, causal self-attention written out so that each layer returns its attention weights
(B, heads, T, T); they are exported as named outputs.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn as nn


@dataclass
class TransformerConfig:
    n_in: int = 9          # input channels (copy: 8 bits + delimiter)
    n_out: int = 8         # output bits
    d_model: int = 48      # width; 2 layers of 48 give about the NTM's 62k parameters
    n_layers: int = 2
    n_heads: int = 4
    d_ff: int = 192        # feed-forward width (4 × d_model)
    max_len: int = 256     # position capacity accepted by the demo (copy up to 127 vectors)


class Dense(nn.Module):
    """y = x W + b with W stored (in, out): the exporter keeps it as a named initializer, whereas it
    constant-folds the transpose of an nn.Linear weight applied to a 3-D input under a new name."""

    def __init__(self, n_in: int, n_out: int):
        super().__init__()
        bound = 1 / math.sqrt(n_in)
        self.weight = nn.Parameter(torch.empty(n_in, n_out).uniform_(-bound, bound))
        self.bias = nn.Parameter(torch.zeros(n_out))

    def forward(self, x):
        return x @ self.weight + self.bias


def sinusoids(t: int, d: int, device=None) -> torch.Tensor:
    """(T, d) fixed positional encoding: sin on even channels, cos on odd ones."""
    pos = torch.arange(t, device=device, dtype=torch.float32).unsqueeze(1)          # (T, 1)
    freq = torch.exp(torch.arange(0, d, 2, dtype=torch.float32) * (-math.log(10000.0) / d))
    angle = pos * freq                                                                  # (T, d/2)
    return torch.stack([torch.sin(angle), torch.cos(angle)], dim=-1).reshape(t, d)


class CausalSelfAttention(nn.Module):
    def __init__(self, cfg: TransformerConfig):
        super().__init__()
        self.n_heads = cfg.n_heads
        self.qkv = Dense(cfg.d_model, 3 * cfg.d_model)
        self.proj = Dense(cfg.d_model, cfg.d_model)

    # --8<-- [start:attention]
    def forward(self, x):
        b, t, d = x.shape
        q, k, v = self.qkv(x).split(d, dim=-1)
        q, k, v = (z.reshape(b, t, self.n_heads, d // self.n_heads).transpose(1, 2) for z in (q, k, v))
        scores = q @ k.transpose(-2, -1) / math.sqrt(d // self.n_heads)                  # (B, H, T, T)
        future = torch.ones(t, t, dtype=torch.bool, device=x.device).triu(1)
        attn = torch.softmax(scores.masked_fill(future, float("-inf")), dim=-1)
        y = (attn @ v).transpose(1, 2).reshape(b, t, d)                                   # (B, T, C)
        return self.proj(y), attn
    # --8<-- [end:attention]


class Block(nn.Module):
    def __init__(self, cfg: TransformerConfig):
        super().__init__()
        self.ln1 = nn.LayerNorm(cfg.d_model)
        self.attn = CausalSelfAttention(cfg)
        self.ln2 = nn.LayerNorm(cfg.d_model)
        self.mlp = nn.Sequential(Dense(cfg.d_model, cfg.d_ff), nn.GELU(), Dense(cfg.d_ff, cfg.d_model))

    def forward(self, x):
        a, attn = self.attn(self.ln1(x))
        x = x + a
        return x + self.mlp(self.ln2(x)), attn


class MemoryTransformer(nn.Module):
    def __init__(self, cfg: TransformerConfig):
        super().__init__()
        self.cfg = cfg
        self.embed = Dense(cfg.n_in, cfg.d_model)
        self.blocks = nn.ModuleList(Block(cfg) for _ in range(cfg.n_layers))
        self.ln_f = nn.LayerNorm(cfg.d_model)
        self.out = Dense(cfg.d_model, cfg.n_out)

    def forward_with_attention(self, xs):
        """xs (B, T, n_in) -> logits (B, T, n_out), attention (B, layers, heads, T, T)."""
        x = self.embed(xs) + sinusoids(xs.shape[1], self.cfg.d_model, xs.device)          # (B, T, C)
        maps = []
        for block in self.blocks:
            x, attn = block(x)
            maps.append(attn)
        return self.out(self.ln_f(x)), torch.stack(maps, dim=1)

    def forward(self, xs):
        return self.forward_with_attention(xs)[0]


class TransformerExport(nn.Module):
    """The exported graph: bit probabilities and every attention map, for one sequence."""

    def __init__(self, model: MemoryTransformer):
        super().__init__()
        self.model = model

    def forward(self, x):
        logits, attn = self.model.forward_with_attention(x)
        return torch.sigmoid(logits), attn


def n_params(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())
