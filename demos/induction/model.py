"""A 2-layer attention-only Transformer, the model of Elhage et al. (2021), "A Mathematical Framework
for Transformer Circuits", in which Olsson et al. (2022, arXiv:2209.11895) watch induction heads form.

No MLPs and no layer norm: token and position embeddings, two layers of causal multi-head attention
added to the residual stream, an unembedding. Trained on random tokens that start repeating with a
random period (demos/induction/task.py), it can only predict the repeat in-context: a head in layer 1
copies the previous token into each position ("previous-token head") and a head in layer 2 looks for
the earlier position whose previous token is the current token and copies what came next ("induction
head"). `forward` returns every head's attention weights, which the export names one per head.

`CausalSelfAttention` is also the attention of the char Transformer (demos/chartransformer/model.py),
which passes an ALiBi distance bias instead of using learned positions.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn


# --8<-- [start:config]
@dataclass
class InductionConfig:
    vocab: int = 36        # tokens: a-z and 0-9 (demos/induction/task.py)
    d_model: int = 64      # residual stream width
    n_heads: int = 4       # heads per layer, each of width d_model / n_heads = 16
    n_layers: int = 2      # attention-only layers
    max_len: int = 64      # learned positions: the longest sequence trained on, and accepted

    def to_dict(self) -> dict:
        return asdict(self)
# --8<-- [end:config]


class Linear(nn.Module):
    """y = x W + b with W stored (in, out): the exporter keeps it under its own name, so the tests can
    load the weights back from the ONNX file (an nn.Linear weight is transposed under a new name)."""

    def __init__(self, n_in: int, n_out: int, bias: bool = True):
        super().__init__()
        bound = 1 / math.sqrt(n_in)
        self.weight = nn.Parameter(torch.empty(n_in, n_out).uniform_(-bound, bound))
        self.bias = nn.Parameter(torch.zeros(n_out)) if bias else None

    def forward(self, x):
        y = x @ self.weight
        return y if self.bias is None else y + self.bias


# --8<-- [start:attention]
class CausalSelfAttention(nn.Module):
    """Multi-head causal self-attention that also returns its weights (B, heads, T, T)."""

    def __init__(self, d_model: int, n_heads: int):
        super().__init__()
        self.n_heads = n_heads
        self.qkv = Linear(d_model, 3 * d_model)
        self.proj = Linear(d_model, d_model)

    def forward(self, x, bias=None, need_weights: bool = True):
        """x (B, T, C), bias (heads, T, T) added to the scores or None -> (B, T, C) and the weights
        (B, heads, T, T), or None with need_weights=False (training: PyTorch's fused kernel, same math)."""
        b, t, c = x.shape
        q, k, v = self.qkv(x).split(c, dim=-1)                                       # (B, T, C) each
        q, k, v = (z.reshape(b, t, self.n_heads, c // self.n_heads).transpose(1, 2) for z in (q, k, v))
        future = torch.ones(t, t, dtype=torch.bool, device=x.device).triu(1)         # key after query
        if not need_weights:
            mask = future if bias is None else bias.masked_fill(future, float("-inf"))
            y = F.scaled_dot_product_attention(q, k, v, attn_mask=~mask if bias is None else mask)
            return self.proj(y.transpose(1, 2).reshape(b, t, c)), None
        scores = q @ k.transpose(-2, -1) / math.sqrt(c // self.n_heads)               # (B, H, T, T)
        if bias is not None:
            scores = scores + bias
        attn = torch.softmax(scores.masked_fill(future, float("-inf")), dim=-1)       # rows sum to 1
        y = (attn @ v).transpose(1, 2).reshape(b, t, c)                              # (B, T, C)
        return self.proj(y), attn
# --8<-- [end:attention]


class InductionTransformer(nn.Module):
    def __init__(self, config: InductionConfig):
        super().__init__()
        self.config = config
        self.embed = nn.Parameter(torch.randn(config.vocab, config.d_model) * 0.1)      # (V, C)
        self.position = nn.Parameter(torch.randn(config.max_len, config.d_model) * 0.1)  # (max_len, C)
        self.layers = nn.ModuleList(CausalSelfAttention(config.d_model, config.n_heads)
                                    for _ in range(config.n_layers))
        self.unembed = Linear(config.d_model, config.vocab)

    def forward(self, tokens: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """tokens (B, T) int64, T <= max_len -> logits (B, T, V) and attention (B, layers, heads, T, T)."""
        x = F.embedding(tokens, self.embed) + self.position[: tokens.shape[1]]           # (B, T, C)
        maps = []
        for layer in self.layers:
            out, attn = layer(x)
            x = x + out                                                               # residual stream
            maps.append(attn)
        return self.unembed(x), torch.stack(maps, dim=1)


def build(config: dict) -> InductionTransformer:
    return InductionTransformer(InductionConfig(**config))


def n_params(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())
