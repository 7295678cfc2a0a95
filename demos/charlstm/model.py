"""A character-level LSTM language model, as in Karpathy, Johnson & Fei-Fei (2015),
"Visualizing and Understanding Recurrent Networks" (arXiv:1506.02078).

The model reads one character at a time (one-hot) and predicts the next one. Training runs the fused
`nn.LSTM`; `inspect()` runs the same weights one step at a time and returns what the paper looks at:
every cell's hidden state h and memory c, the input, forget and output gates and the candidate, and the
next-character distribution at every position. Gate order in the weights is PyTorch's: i, f, g, o.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn
from torch._higher_order_ops.scan import scan


# --8<-- [start:model]
@dataclass
class CharLSTMConfig:
    vocab: int = 97       # newline, printable ASCII, one symbol for anything else (demos/common/pysource.py)
    hidden: int = 256     # memory cells (one LSTM layer)

    def to_dict(self) -> dict:
        return asdict(self)


class CharLSTM(nn.Module):
    def __init__(self, config: CharLSTMConfig):
        super().__init__()
        self.config = config
        self.lstm = nn.LSTM(config.vocab, config.hidden, batch_first=True)
        self.head = nn.Linear(config.hidden, config.vocab)

    def forward(self, tokens: torch.Tensor, state=None):
        """tokens (B, T) int64 -> logits (B, T, V) and the final (h, c), for training."""
        x = F.one_hot(tokens, self.config.vocab).float()              # (B, T, V)
        out, state = self.lstm(x, state)                               # (B, T, H)
        return self.head(out), state

    def inspect(self, tokens: torch.Tensor, state=None) -> dict[str, torch.Tensor]:
        """tokens (B, T) from state (h0, c0) (zero by default) -> every internal per position, each
        (B, T, H), and probs (B, T, V)."""
        # The input of a one-hot step is a column of weight_ih: gathered for all steps at once, with both
        # biases, so that the recurrence itself is one matrix product and the gates.
        x_proj = self.lstm.weight_ih_l0.T[tokens] + self.lstm.bias_ih_l0 + self.lstm.bias_hh_l0  # (B, T, 4H)
        out = lstm_scan(x_proj, self.lstm.weight_hh_l0, state)
        out["probs"] = torch.softmax(self.head(out["h"]), dim=-1)     # (B, T, V)
        return out


GATES = ("h", "c", "input_gate", "forget_gate", "output_gate", "candidate")  # lstm_scan's outputs


def lstm_scan(x_proj: torch.Tensor, weight_hh: torch.Tensor, state=None) -> dict[str, torch.Tensor]:
    """Run an nn.LSTM layer's recurrence from `state` (h0, c0), each (B, H), zero by default, keeping
    everything: x_proj (B, T, 4H) is W_ih x + b_ih + b_hh for every step; returns each of GATES as (B, T, H).

    `scan` (a torch higher-order op) exports as one ONNX Scan node, so the whole sequence is one call
    with a dynamic length; a Python loop would be unrolled into the graph instead. The step is kept to
    the few nodes it needs (one per gate, no stacking): each node costs a dispatch per character.
    """
    if state is None:
        b, _, four_h = x_proj.shape
        state = (x_proj.new_zeros(b, four_h // 4), x_proj.new_zeros(b, four_h // 4))

    def step(carry, x):                                               # x (B, 4H)
        h, c = carry
        z = x + h @ weight_hh.T                                       # (B, 4H)
        i, f, g, o = z.chunk(4, dim=-1)                               # PyTorch's gate order
        i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
        c = f * c + i * g
        h = o * torch.tanh(c)
        # a step may not return its carry as an output: h and c are cloned
        return (h, c), (h.clone(), c.clone(), i, f, o, g)             # each (B, H)

    _, ys = scan(step, tuple(state), x_proj, dim=1)                 # each (B, T, H)
    return dict(zip(GATES, ys))


# --8<-- [end:model]


def build(config: dict) -> CharLSTM:
    return CharLSTM(CharLSTMConfig(**config))
