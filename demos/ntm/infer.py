"""Run the exported NTM step model over a whole sequence (numpy + onnxruntime only).

The step model maps (x, memory, read, w_read, w_write, h, c) to (y, the same state with `_out`, and
the gates β, g, γ, shift of the read and write heads). The initial state has no learned parameters
(see model.py): memory filled with `mem_init`, read vector and controller zero, both heads on row 0.
"""
from __future__ import annotations

import numpy as np

STATE = ("memory", "read", "w_read", "w_write", "h", "c")
GATES = ("beta", "g", "gamma", "shift")


def initial_state(cfg: dict) -> dict[str, np.ndarray]:
    w0 = np.zeros((1, cfg["mem_n"]), np.float32)
    w0[0, 0] = 1.0
    return {"memory": np.full((1, cfg["mem_n"], cfg["mem_m"]), cfg["mem_init"], np.float32),
            "read": np.zeros((1, cfg["mem_m"]), np.float32), "w_read": w0, "w_write": w0.copy(),
            "h": np.zeros((1, cfg["controller"]), np.float32), "c": np.zeros((1, cfg["controller"]), np.float32)}


def run_sequence(session, cfg: dict, x: np.ndarray) -> dict[str, np.ndarray]:
    """x (T, n_in) -> y (T, n_out) probabilities, memory (T, N, M) after each step, w_read/w_write
    (T, N), beta/g/gamma (T, 2) and shift (T, 2, 3) for the heads (read, write)."""
    state = initial_state(cfg)
    trace = {k: [] for k in ("y", "memory", "w_read", "w_write") + GATES}
    for t in range(len(x)):
        out = dict(zip([o.name for o in session.get_outputs()],
                       session.run(None, {"x": x[t:t + 1].astype(np.float32), **state})))
        state = {k: out[f"{k}_out"] for k in STATE}
        for k in ("memory", "w_read", "w_write"):
            trace[k].append(state[k][0])
        for k in ("y",) + GATES:
            trace[k].append(out[k][0])
    return {k: np.stack(v) for k, v in trace.items()}
