"""Neural Turing Machine (Graves, Wayne & Danihelka 2014, arXiv:1410.5401), one step at a time.

An LSTM controller reads the input and the previous read vector; a linear layer turns its hidden state
into the parameters of one write head and one read head. Each head addresses the N×M memory as in
section 3.3 of the paper:

    content    w_c = softmax(β · cos(k, M_i))              key k, key strength β ≥ 0
    interpolate w_g = g · w_c + (1 − g) · w_prev            gate g ∈ (0, 1)
    shift      w_s(i) = Σ_j w_g(i − j) s(j),  j ∈ {−1,0,+1}  circular convolution
    sharpen    w(i) = w_s(i)^γ / Σ_k w_s(k)^γ               γ ≥ 1

The write head erases then adds (M ← M ∘ (1 − w eᵀ) + w aᵀ); the read head reads r = wᵀM after the
write. The memory starts as a small constant (Collier & Beel 2018 found this converges fastest) and
both weightings start on row 0, so the initial state has no learned parameters.

`step` is exported to ONNX: (x, state) → (y, new state, weightings, gate values), so the browser can
run the machine and show its memory step by step.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class NTMConfig:
    n_in: int = 9            # input channels (copy: 8 bits + delimiter)
    n_out: int = 8           # output bits
    controller: int = 100    # LSTM hidden size, as in the paper's copy experiment
    mem_n: int = 128         # memory rows (locations)
    mem_m: int = 20          # memory columns (width of a row)
    mem_init: float = 1e-6   # constant initial memory (Collier & Beel 2018)


SHIFTS = (-1, 0, 1)
STATE = ("memory", "read", "w_read", "w_write", "h", "c")  # state tensors, in this order


class LSTMStep(nn.Module):
    """One LSTM step from two Linear layers (exports as plain MatMul/Sigmoid/Tanh)."""

    def __init__(self, n_in: int, hidden: int):
        super().__init__()
        self.ih = nn.Linear(n_in, 4 * hidden)
        self.hh = nn.Linear(hidden, 4 * hidden, bias=False)

    def forward(self, x, h, c):
        i, f, g, o = (self.ih(x) + self.hh(h)).chunk(4, dim=-1)          # 4 × (B, H)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        return torch.sigmoid(o) * torch.tanh(c), c


# --8<-- [start:address]
def address(memory, w_prev, key, beta, g, shift, gamma):
    """The four addressing stages; memory (B, N, M), w_prev (B, N), key (B, M) -> w (B, N)."""
    cos = F.cosine_similarity(memory, key.unsqueeze(1), dim=-1, eps=1e-8)   # (B, N)
    w = torch.softmax(beta * cos, dim=-1)
    w = g * w + (1 - g) * w_prev
    w = sum(torch.roll(w, s, dims=-1) * shift[:, j:j + 1] for j, s in enumerate(SHIFTS))
    w = (w + 1e-12) ** gamma
    return w / w.sum(dim=-1, keepdim=True)
# --8<-- [end:address]


def head_params(p, m: int):
    """Split a head's raw outputs (B, M+6) into key, β, g, shift, γ with their constraints."""
    key, beta, g, shift, gamma = torch.split(p, [m, 1, 1, len(SHIFTS), 1], dim=-1)
    return torch.tanh(key), F.softplus(beta), torch.sigmoid(g), torch.softmax(shift, -1), 1 + F.softplus(gamma)


class NTM(nn.Module):
    def __init__(self, cfg: NTMConfig):
        super().__init__()
        self.cfg = cfg
        m = cfg.mem_m
        self.head_size = m + 3 + len(SHIFTS)
        self.controller = LSTMStep(cfg.n_in + m, cfg.controller)
        self.heads = nn.Linear(cfg.controller, 2 * self.head_size + 2 * m)   # read, write, erase, add
        self.out = nn.Linear(cfg.controller + m, cfg.n_out)

    def initial_state(self, batch: int) -> tuple:
        c = self.cfg
        w0 = torch.zeros(batch, c.mem_n)
        w0[:, 0] = 1.0
        return (torch.full((batch, c.mem_n, c.mem_m), c.mem_init), torch.zeros(batch, c.mem_m),
                w0, w0.clone(), torch.zeros(batch, c.controller), torch.zeros(batch, c.controller))

    def step(self, x, memory, read, w_read, w_write, h, c):
        """x (B, n_in) and the state -> logits (B, n_out), new state, gates (β, g, γ, shift) of (read, write)."""
        m = self.cfg.mem_m
        h, c = self.controller(torch.cat([x, read], dim=-1), h, c)           # (B, H)
        rp, wp, erase, add = torch.split(self.heads(h), [self.head_size, self.head_size, m, m], dim=-1)
        rk, rb, rg, rs, rgam = head_params(rp, m)
        wk, wb, wg, ws, wgam = head_params(wp, m)
        # --8<-- [start:write]
        w_write = address(memory, w_write, wk, wb, wg, ws, wgam)             # (B, N)
        memory = memory * (1 - w_write.unsqueeze(-1) * torch.sigmoid(erase).unsqueeze(1)) \
            + w_write.unsqueeze(-1) * torch.tanh(add).unsqueeze(1)           # (B, N, M)
        w_read = address(memory, w_read, rk, rb, rg, rs, rgam)
        read = torch.bmm(w_read.unsqueeze(1), memory).squeeze(1)            # (B, M)
        # --8<-- [end:write]
        logits = self.out(torch.cat([h, read], dim=-1))
        gates = (torch.cat([rb, wb], -1), torch.cat([rg, wg], -1), torch.cat([rgam, wgam], -1),
                 torch.stack([rs, ws], 1))                                  # β, g, γ (B, 2); shift (B, 2, 3)
        return logits, (memory, read, w_read, w_write, h, c), gates

    def forward(self, xs):
        """Run a whole batch of sequences xs (B, T, n_in) -> logits (B, T, n_out)."""
        state = self.initial_state(xs.shape[0])
        out = []
        for t in range(xs.shape[1]):
            logits, state, _ = self.step(xs[:, t], *state)
            out.append(logits)
        return torch.stack(out, dim=1)


HEADS = ("read", "write")  # order of the heads in every gate output
INPUTS = ("x",) + STATE
OUTPUTS = ("y",) + tuple(f"{name}_out" for name in STATE) + ("beta", "g", "gamma", "shift")


class NTMStep(nn.Module):
    """The exported step: probabilities instead of logits; the gates of both heads as extra outputs."""

    def __init__(self, ntm: NTM):
        super().__init__()
        self.ntm = ntm

    def forward(self, x, memory, read, w_read, w_write, h, c):
        logits, state, gates = self.ntm.step(x, memory, read, w_read, w_write, h, c)
        return (torch.sigmoid(logits), *state, *gates)


def n_params(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())
