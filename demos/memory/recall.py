"""Recall attempts: can our NTM learn associative recall as in Graves et al. (2014), section 4.3?

    python -m demos.memory.recall ATTEMPT [--minutes M]   # one attempt, one torch thread
    python -m demos.memory.recall --report                # rewrite the page's table from the records

Each attempt trains one model with a curriculum of item counts: sequences start with 2 items and the
largest count rises by one (up to the paper's 6) each time the mean bit errors per sequence over the
last `WINDOW` sequences falls below `RAISE_AT`; every batch draws its count uniformly from 2 to the
current largest. Training stops at a wall-clock budget. The result (curve, curriculum stage, bit
errors per sequence by item count on 100 fresh sequences per size) is added to
demos/memory/results/recall/ATTEMPT-seedS.json and the page's table (recall.md) is rewritten from all of them.
"""
from __future__ import annotations

import argparse
import json
import time

import numpy as np
import torch

from demos.common.paths import BUILD_DIR
from demos.memory_transformer import train as tr_train
from demos.memory_transformer.model import MemoryTransformer
from demos.ntm import train as ntm_train
from demos.ntm.model import NTM, n_params

from . import tasks as T
from . import training
from .compare import RESULTS_DIR

WINDOW = 200    # sequences in the running mean that drives the curriculum
RAISE_AT = 1.0  # bits per sequence (of 18 scored) under which the next item count is added
GUESS = 9.0     # bits per sequence a coin would get wrong (18 scored bits)

# name -> model, optimiser settings, batch. "paper": Graves et al.'s RMSprop lr 1e-4, momentum 0.9,
# batch 1; "batch8": the same recipe with 8 sequences per update, lr 3e-4, to see more sequences.
ATTEMPTS = {
    "ntm-paper": {"model": "ntm", "lr": 1e-4, "batch": 1},
    "ntm-batch8": {"model": "ntm", "lr": 3e-4, "batch": 8},
    "transformer-batch8": {"model": "transformer", "lr": 1e-3, "batch": 8},
}
OUT = RESULTS_DIR / "recall"


def build(model: str, seed: int):
    torch.manual_seed(seed)
    if model == "ntm":
        return NTM(ntm_train.config_for(T.RECALL))
    return MemoryTransformer(tr_train.config_for(T.RECALL))


def optimiser(model_name: str, module, lr: float):
    if model_name == "ntm":
        return torch.optim.RMSprop(module.parameters(), lr=lr, momentum=ntm_train.MOMENTUM)
    return torch.optim.Adam(module.parameters(), lr=lr)


def attempt(name: str, minutes: float, seed: int = 0) -> dict:
    spec = ATTEMPTS[name]
    torch.set_num_threads(1)
    module = build(spec["model"], seed)
    opt = optimiser(spec["model"], module, spec["lr"])
    clip = ntm_train.CLIP if spec["model"] == "ntm" else tr_train.CLIP
    rng = np.random.default_rng(seed)
    top, seen, window, curve, raised = T.RECALL.train_min, 0, [], [], {}
    start = time.perf_counter()
    module.train()
    while time.perf_counter() - start < minutes * 60:
        x, y, mask = T.sample(T.RECALL, int(rng.integers(T.RECALL.train_min, top + 1)), spec["batch"], rng)
        window.extend(training.update(module, x, y, mask, opt, clip))
        seen += len(x)
        if len(window) >= WINDOW:
            bits = float(np.mean(window))
            curve.append([seen, bits, top])
            window = []
            if bits < RAISE_AT and top < T.RECALL.train_max:
                top += 1
                raised[str(top)] = seen
            if len(curve) % 25 == 0:
                print(f"{name}: {seen} sequences, {bits:.2f} bits/seq, items 2-{top}", flush=True)
    seconds = time.perf_counter() - start
    module.eval()
    training.save(module, BUILD_DIR / "memory" / "recall" / f"{name}-seed{seed}.pt")
    return {"name": name, **spec, "seed": seed, "params": n_params(module), "minutes": round(seconds / 60, 1),
            "sequences": seen, "curriculum_top": top, "raised_at": raised, "curve": curve,
            "window": WINDOW, "raise_at": RAISE_AT, "threads": 1,
            "generalisation": training.generalisation(module, T.RECALL, T.RECALL.test_sizes, 100, seed)}


def record(result: dict) -> None:
    """One file per attempt, so two attempts can run at once."""
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"{result['name']}-seed{result['seed']}.json").write_text(json.dumps(result, indent=1) + "\n")


def load() -> dict:
    return {"attempts": [json.loads(p.read_text()) for p in sorted(OUT.glob("*.json"))]}


def table(results: dict) -> str:
    """The page's Markdown table of every attempt."""
    sizes = [str(s) for s in T.RECALL.test_sizes]
    lines = ["| attempt | model | optimiser | batch | minutes (1 thread) | sequences | curriculum reached | "
             + " | ".join(f"{s} items" for s in sizes) + " |",
             "|---|---|---|---:|---:|---:|---|" + "---:|" * len(sizes)]
    for r in results["attempts"]:
        opt = f"RMSprop lr {r['lr']:g}, momentum 0.9" if r["model"] == "ntm" else f"Adam lr {r['lr']:g}"
        model = "NTM" if r["model"] == "ntm" else "Transformer"
        lines.append(f"| {r['name']} | {model} | {opt} | {r['batch']} | {r['minutes']} | {r['sequences']:,} | "
                     f"2–{r['curriculum_top']} items | "
                     + " | ".join(f"{r['generalisation'][s]:.2f}" for s in sizes) + " |")
    return "\n".join(lines) + (f"\n\nBit errors per sequence (18 scored bits; guessing gets {GUESS:g} wrong) "
                               "on 100 fresh sequences per item count; training used 2–6 items.\n")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m demos.memory.recall", description=__doc__.split("\n")[0])
    parser.add_argument("attempt", nargs="?", choices=sorted(ATTEMPTS))
    parser.add_argument("--minutes", type=float, default=20.0, help="wall-clock training budget")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--report", action="store_true", help="only rewrite recall.md from the recorded attempts")
    args = parser.parse_args(argv)
    if args.attempt and not args.report:
        record(attempt(args.attempt, args.minutes, args.seed))
    (RESULTS_DIR / "recall.md").write_text(table(load()))


if __name__ == "__main__":
    main()
