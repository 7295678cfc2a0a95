"""Greedy and beam search over a decoder step, numpy only; docs/javascripts/demos/caption/search.js is the
same algorithm line by line (tests run both on the same fixed logits tables).

`step(word, state) -> (logits (V,), new_state, extra)`. Beam search of width k:

1. Start with one live beam: no words, log-probability 0, the encoder's state.
2. At each step, run every live beam once on its last word (<start> first); turn the logits into
   log-probabilities (log-softmax in float64); each beam proposes its k best words (ties: lower word id).
3. Rank all proposals by total log-probability (ties: earlier beam, then better word) and keep the best
   k-minus-finished; a proposal ending in <end> is finished, the others are live.
4. Stop when k beams have finished, none is live, or after `max_len` words (live beams then count as
   finished, unended).
5. Rank finished beams by **length-normalised** score: total log-probability / length**alpha, length =
   words generated including <end> (alpha = 1 by default: the mean log-probability per word).

Greedy search is width 1 (the normalisation cannot change a single beam's rank).
"""
from __future__ import annotations

import numpy as np


def log_softmax(logits) -> np.ndarray:
    x = np.asarray(logits, np.float64)
    m = x.max()
    return x - m - np.log(np.exp(x - m).sum())


def beam_search(step, state, width: int, max_len: int, start: int, end: int, alpha: float = 1.0) -> list[dict]:
    """Finished beams, best first: {words, logp, score, steps (per-word log-probabilities), extras, ended}."""
    live = [{"words": [], "logp": 0.0, "state": state, "steps": [], "extras": []}]
    done = []
    for _ in range(max_len):
        proposals = []
        for beam in live:
            logits, new_state, extra = step(beam["words"][-1] if beam["words"] else start, beam["state"])
            lp = log_softmax(logits)
            order = sorted(range(len(lp)), key=lambda w: (-lp[w], w))[:width]
            for w in order:
                proposals.append((beam["logp"] + lp[w], beam, w, float(lp[w]), new_state, extra))
        proposals.sort(key=lambda p: -p[0])            # stable: earlier beam, better word first on ties
        live = []
        for total, beam, w, lp_w, new_state, extra in proposals[:width - len(done)]:
            grown = {"words": beam["words"] + [w], "logp": float(total), "state": new_state,
                     "steps": beam["steps"] + [lp_w], "extras": beam["extras"] + [extra]}
            (done if w == end else live).append(grown)
        if len(done) >= width or not live:
            break
    ended = [dict(b, ended=True) for b in done] + [dict(b, ended=False) for b in live]
    for b in ended:
        b["score"] = b["logp"] / len(b["words"]) ** alpha
        del b["state"]
    return sorted(ended, key=lambda b: -b["score"])
