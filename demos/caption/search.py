"""Greedy and beam search over a decoder step, numpy only; docs/javascripts/demos/caption/search.js is the
same algorithm line by line (tests/test_caption_js.py runs both on the same logits tables and on the model).

`step(word, state) -> (logits (V,), new_state, extra)`. Beam search of width k:

1. Start with one live beam: no words, log-probability 0, the encoder's state.
2. At each step, run every live beam once on its last word (<start> first); turn the logits into
   log-probabilities (log-softmax in float64); each beam proposes its k best words (ties: lower word id).
3. Rank all proposals by total log-probability (ties: earlier beam, then its better word) and keep the
   best k - (beams finished so far); a kept proposal ending in <end> is finished, the others stay live.
4. Stop when k beams have finished, none is live, or after `max_len` words (live beams then count as
   finished, not ended).
5. Rank the finished beams by the **length-normalised** score: total log-probability / length**alpha,
   length = words generated including <end> (alpha = 1: the mean log-probability per word); ties keep
   the order in which beams finished.

Greedy search is width 1: one beam, its best word at every step (the normalisation cannot reorder a
single beam). The search is split into `start` / `advance` / `result` so that the page can show it one
word at a time; `beam_search` runs them to the end.
"""
from __future__ import annotations

import math

import numpy as np


def log_softmax(logits) -> np.ndarray:
    """float64 log-softmax, summed left to right (the JS twin adds in the same order)."""
    x = [float(v) for v in np.asarray(logits, np.float32).ravel()]
    m = max(x)
    total = 0.0
    for v in x:
        total += math.exp(v - m)
    log_total = math.log(total)
    return np.array([v - m - log_total for v in x], np.float64)


def top_words(lp: np.ndarray, k: int) -> list[int]:
    """The k best word ids, best first; ties: the lower id first."""
    return sorted(range(len(lp)), key=lambda w: (-lp[w], w))[:k]


def start(state, width: int) -> dict:
    """A search before its first word: one live beam holding the encoder's state."""
    return {"width": width, "live": [{"words": [], "logp": 0.0, "state": state, "steps": [], "extras": []}],
            "done": [], "length": 0}


def over(search: dict, max_len: int) -> bool:
    return len(search["done"]) >= search["width"] or not search["live"] or search["length"] >= max_len


def advance(search: dict, step, start_word: int, end_word: int) -> dict:
    """One more word for every live beam (rules 2 and 3); returns the same search, updated."""
    width = search["width"]
    proposals = []
    for beam in search["live"]:
        logits, new_state, extra = step(beam["words"][-1] if beam["words"] else start_word, beam["state"])
        lp = log_softmax(logits)
        for w in top_words(lp, width):
            proposals.append((beam["logp"] + lp[w], beam, w, float(lp[w]), new_state, extra))
    proposals.sort(key=lambda p: -p[0])            # stable: earlier beam, then its better word, on ties
    live = []
    for total, beam, w, lp_w, new_state, extra in proposals[:width - len(search["done"])]:
        grown = {"words": beam["words"] + [w], "logp": float(total), "state": new_state,
                 "steps": beam["steps"] + [lp_w], "extras": beam["extras"] + [extra]}
        (search["done"] if w == end_word else live).append(grown)
    search["live"] = live
    search["length"] += 1
    return search


def result(search: dict, alpha: float = 1.0) -> list[dict]:
    """Finished beams (then the unended live ones), best length-normalised score first:
    {words, logp, score, steps (per-word log-probabilities), extras, ended}."""
    beams = [dict(b, ended=True) for b in search["done"]] + [dict(b, ended=False) for b in search["live"]]
    for b in beams:
        b["score"] = b["logp"] / len(b["words"]) ** alpha
        del b["state"]
    return sorted(beams, key=lambda b: -b["score"])


def beam_search(step, state, width: int, max_len: int, start_word: int, end_word: int,
                alpha: float = 1.0) -> list[dict]:
    search = start(state, width)
    while not over(search, max_len):
        advance(search, step, start_word, end_word)
    return result(search, alpha)
