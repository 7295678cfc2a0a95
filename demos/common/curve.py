"""A learning curve as the char-LSTM and the char Transformer record it, point for point the same: the
training loss averaged over every `log_every` steps with the CPU seconds used so far, and a held-out
figure every `held_out_every` steps."""
from __future__ import annotations

import time
from typing import Callable

import numpy as np


class Curve:
    def __init__(self, log_every: int, held_out_every: int):
        self.log_every, self.held_out_every = log_every, held_out_every
        self.train: list[list] = []        # [step, mean training loss, CPU seconds]
        self.held_out: list[list] = []     # [step, held-out figure]
        self._running: list[float] = []
        self._cpu0 = time.process_time()

    def step(self, step: int, loss: float, held_out: Callable[[], float]) -> None:
        """Record the loss of 0-based `step`; `held_out()` is called only at the steps that measure it."""
        self._running.append(loss)
        if (step + 1) % self.log_every == 0:
            self.train.append([step + 1, round(float(np.mean(self._running)), 4),
                               round(time.process_time() - self._cpu0, 1)])
            self._running = []
        if (step + 1) % self.held_out_every == 0:
            self.held_out.append([step + 1, round(held_out(), 4)])
