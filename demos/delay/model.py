"""Three recurrent networks of about the same size on one memory task: an LSTM (Hochreiter &
Schmidhuber 1997, with the forget gate of Gers et al. 2000), a GRU (Cho et al. 2014) and a plain tanh
RNN (Elman 1990).

Training uses PyTorch's fused layers. `inspect()` runs the same weights step by step with `scan` (one
ONNX Scan node per network, any sequence length) and returns, per step, the LSTM's gates, candidate,
cell and hidden state — one row per cell, the elementwise forget gate made visible — the GRU's and the
RNN's hidden states, and each network's answer distribution.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from torch import nn
from torch._higher_order_ops.scan import scan

from demos.charlstm.model import lstm_scan


# --8<-- [start:model]
@dataclass
class DelayConfig:
    values: int = 8          # the value to remember is one of 0..values-1
    lstm_hidden: int = 24    # 4·(24·10 + 24² + 2·24) = 3,456 recurrent weights
    gru_hidden: int = 28     # 3·(28·10 + 28² + 2·28) = 3,360
    rnn_hidden: int = 50     # 50·10 + 50² + 2·50 = 3,100

    @property
    def inputs(self) -> int:  # one-hot value, the marker bit, the query bit
        return self.values + 2

    def to_dict(self) -> dict:
        return asdict(self)


class DelayNets(nn.Module):
    KINDS = ("lstm", "gru", "rnn")

    def __init__(self, config: DelayConfig):
        super().__init__()
        self.config = config
        c = config
        self.lstm = nn.LSTM(c.inputs, c.lstm_hidden, batch_first=True)
        self.gru = nn.GRU(c.inputs, c.gru_hidden, batch_first=True)
        self.rnn = nn.RNN(c.inputs, c.rnn_hidden, batch_first=True, nonlinearity="tanh")
        self.heads = nn.ModuleDict({k: nn.Linear(getattr(c, f"{k}_hidden"), c.values) for k in self.KINDS})

    def forward(self, x: torch.Tensor, kind: str) -> torch.Tensor:
        """x (B, T, inputs) -> one network's logits at the last step (B, values), for training."""
        out, _ = getattr(self, kind)(x)                                # (B, T, H)
        return self.heads[kind](out[:, -1])

    def inspect(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """x (B, T, inputs) -> the LSTM's internals (B, T, H) and every network's h and probs per step."""
        lstm = self.lstm
        out = lstm_scan(x @ lstm.weight_ih_l0.T + lstm.bias_ih_l0 + lstm.bias_hh_l0, lstm.weight_hh_l0)
        out["gru_h"] = gru_scan(x, self.gru)
        out["rnn_h"] = rnn_scan(x, self.rnn)
        for kind, h in (("lstm", out["h"]), ("gru", out["gru_h"]), ("rnn", out["rnn_h"])):
            out[f"{kind}_probs"] = torch.softmax(self.heads[kind](h), dim=-1)   # (B, T, values)
        return out
# --8<-- [end:model]


def gru_scan(x: torch.Tensor, gru: nn.GRU) -> torch.Tensor:
    """nn.GRU's recurrence from a zero state: every hidden state (B, T, H)."""
    x_proj = x @ gru.weight_ih_l0.T + gru.bias_ih_l0                   # (B, T, 3H)
    # Tensors, not the module: scan compiles its step, and torch.compile refuses nn.GRU/nn.RNN modules.
    weight_hh, bias_hh = gru.weight_hh_l0, gru.bias_hh_l0

    def step(h, xp):
        hp = h @ weight_hh.T + bias_hh                                  # (B, 3H)
        xr, xz, xn = xp.chunk(3, dim=-1)                                # PyTorch's order: r, z, n
        hr, hz, hn = hp.chunk(3, dim=-1)
        r, z = torch.sigmoid(xr + hr), torch.sigmoid(xz + hz)
        h = (1 - z) * torch.tanh(xn + r * hn) + z * h
        return h, h.clone()

    _, hs = scan(step, x.new_zeros(x.shape[0], gru.hidden_size), x_proj, dim=1)
    return hs


def rnn_scan(x: torch.Tensor, rnn: nn.RNN) -> torch.Tensor:
    """nn.RNN's (tanh) recurrence from a zero state: every hidden state (B, T, H)."""
    x_proj = x @ rnn.weight_ih_l0.T + rnn.bias_ih_l0
    weight_hh, bias_hh = rnn.weight_hh_l0, rnn.bias_hh_l0

    def step(h, xp):
        h = torch.tanh(xp + h @ weight_hh.T + bias_hh)
        return h, h.clone()

    _, hs = scan(step, x.new_zeros(x.shape[0], rnn.hidden_size), x_proj, dim=1)
    return hs


def build(config: dict) -> DelayNets:
    return DelayNets(DelayConfig(**config))
