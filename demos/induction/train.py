"""Train the 2-layer attention-only Transformer on repeated random tokens; watch induction heads form.

    python -m demos train induction

Every EVAL_EVERY steps, on a fixed batch of EVAL_SEQUENCES held-out sequences, it records the loss,
next-token accuracy reading the first copy (chance) and the second copy, and every head's
previous-token and induction scores (demos/induction/task.py). At the end it measures the same on
FINAL_SEQUENCES fresh sequences, finds the phase change (the first evaluation at which second-copy
accuracy passes PHASE_LEVEL) and writes demos/induction/results/summary.md (the page's numbers) and
docs/assets/figures/induction-training.svg (the learning curves).
"""
from __future__ import annotations

import time

import numpy as np
import torch
import torch.nn.functional as F
from tqdm import trange

from demos.common import checkpoint
from demos.common.paths import ROOT
from demos.induction import task
from demos.induction.figure import Panel, Series, chart
from demos.induction.model import InductionConfig, InductionTransformer, n_params

SEED = 0
STEPS = 3000
BATCH = 32
LR = 3e-3
EVAL_EVERY = 20
EVAL_SEQUENCES = 256
FINAL_SEQUENCES = 2000
PHASE_LEVEL = 0.5       # the phase change: second-copy accuracy first above this
BARS = {"second_copy_accuracy": 0.9, "induction_score": 0.8, "previous_token_score": 0.8}
RESULTS = ROOT / "demos" / "induction" / "results"
FIGURE = ROOT / "docs" / "assets" / "figures" / "induction-training.svg"


def evaluate(model: InductionTransformer, b: task.Batch) -> dict:
    """Loss, first/second-copy accuracy and per-head scores ((layers, heads) lists) on one batch."""
    model.eval()
    with torch.no_grad():
        tokens = torch.from_numpy(b.tokens)
        logits, attn = model(tokens)
        loss = F.cross_entropy(logits[:, :-1].reshape(-1, model.config.vocab), tokens[:, 1:].reshape(-1)).item()
    correct = (logits[:, :-1].argmax(-1) == tokens[:, 1:]).numpy()
    first, second = task.copy_masks(b)
    attn = attn.numpy()                                                    # (B, L, H, T, T)
    model.train()
    return {"loss": round(loss, 4),
            "first_copy_accuracy": round(float(correct[first].mean()), 4),
            "second_copy_accuracy": round(float(correct[second].mean()), 4),
            "previous_token": np.round(task.previous_token_score(attn).mean(0), 4).tolist(),
            "induction": np.round(task.induction_score(attn, b), 4).tolist()}


def best_head(scores: list[list[float]]) -> dict:
    """The head with the highest score: {"layer": 1-based, "head": 1-based, "score"}."""
    array = np.array(scores)
    layer, head = np.unravel_index(int(array.argmax()), array.shape)
    return {"layer": int(layer) + 1, "head": int(head) + 1, "score": round(float(array.max()), 4)}


def phase_change(history: list[dict]) -> int | None:
    return next((h["step"] for h in history if h["second_copy_accuracy"] >= PHASE_LEVEL), None)


def summary(m: dict) -> str:
    met = lambda v, bar: "met" if v >= bar else "**not met**"
    prev, ind = m["previous_token_head"], m["induction_head"]
    phase = (f"at step **{m['phase_change_step']:,}**" if m["phase_change_step"] is not None
             else "never (second-copy accuracy stayed below 50 %)")
    return "\n".join([
        f"Measured by `python -m demos train induction` on {m['final_sequences']:,} fresh sequences of "
        f"{m['length']} random tokens ({m['vocab']} symbols) that start repeating with a random period of "
        f"{m['periods'][0]}–{m['periods'][1]}; {m['parameters']:,} parameters, {m['steps']:,} steps of "
        f"{m['batch']} sequences, {m['train_seconds']:.0f} s (wall clock) on one CPU thread of a shared machine.", "",
        "| measured | value | bar |", "|---|---|---|",
        f"| next-token accuracy reading the second copy | **{m['second_copy_accuracy']:.1%}** | ≥ 90 %: "
        f"{met(m['second_copy_accuracy'], BARS['second_copy_accuracy'])} |",
        f"| next-token accuracy reading the first copy | {m['first_copy_accuracy']:.1%} | chance is "
        f"{1 / m['vocab']:.1%} |",
        f"| best induction score (layer {ind['layer']}, head {ind['head']}) | **{ind['score']:.2f}** | ≥ 0.8: "
        f"{met(ind['score'], BARS['induction_score'])} |",
        f"| best previous-token score (layer {prev['layer']}, head {prev['head']}) | **{prev['score']:.2f}** | "
        f"≥ 0.8: {met(prev['score'], BARS['previous_token_score'])} |",
        f"| loss (nats per token, all positions) | {m['loss']:.3f} | |", "",
        f"The phase change — the first evaluation (every {m['eval_every']} steps, on {m['eval_sequences']} "
        f"held-out sequences) at which second-copy accuracy passes 50 % — comes {phase}.", ""])


def figure(m: dict) -> str:
    hist = m["history"]
    steps = [h["step"] for h in hist]
    layers = len(hist[0]["induction"])
    pts = lambda key: list(zip(steps, [h[key] for h in hist]))
    best = lambda key, layer: list(zip(steps, [max(h[key][layer]) for h in hist]))
    colours = ["#1f77b4", "#d62728"]
    accuracy = Panel("Next-token accuracy (held-out sequences)", "accuracy", (0, 1), [
        Series("second copy", pts("second_copy_accuracy"), "#2ca02c"),
        Series("first copy", pts("first_copy_accuracy"), "#7f7f7f", "6 3")],
        [0, 0.25, 0.5, 0.75, 1], [(1 / m["vocab"], "chance")], percent=True)
    heads = Panel("Best head per layer", "score", (0, 1), [
        *(Series(f"induction, layer {k + 1}", best("induction", k), colours[k % 2], "" if k else "2 3")
          for k in range(layers)),
        *(Series(f"prev. token, layer {k + 1}", best("previous_token", k), colours[k % 2], "8 3" if k else "")
          for k in range(layers))], [0, 0.25, 0.5, 0.75, 1], [(0.8, "bar 0.8")])
    loss = Panel("Loss", "nats per token", (0, max(h["loss"] for h in hist) * 1.05),
                 [Series("training batch", m["train_loss"], "#9467bd", width=1.2),
                  Series("held-out", pts("loss"), "#222")],
                 [0, 1, 2, 3, 4])
    marks = [(m["phase_change_step"], f"phase change, step {m['phase_change_step']:,}")] \
        if m["phase_change_step"] is not None else []
    return chart([accuracy, heads, loss], m["steps"], "training step",
                 "Induction heads forming: accuracy on the repeat, head scores and loss during training", marks)


def main(argv=None, steps: int = STEPS, write: bool = True) -> dict:
    torch.manual_seed(SEED)
    torch.set_num_threads(1)
    rng = np.random.default_rng(SEED)
    model = InductionTransformer(InductionConfig(vocab=len(task.ALPHABET), max_len=task.LENGTH))
    optimizer = torch.optim.Adam(model.parameters(), lr=LR)
    held_out = task.batch(np.random.default_rng(10_000), EVAL_SEQUENCES)
    history, train_loss, start = [], [], time.perf_counter()
    for step in (bar := trange(steps + 1, desc="induction", unit="step", mininterval=10)):
        if step % EVAL_EVERY == 0 or step == steps:
            history.append({"step": step, **evaluate(model, held_out)})
            bar.set_postfix(second_copy=history[-1]["second_copy_accuracy"], refresh=False)
        if step == steps:
            break
        tokens = torch.from_numpy(task.batch(rng, BATCH).tokens)
        logits, _ = model(tokens)
        loss = F.cross_entropy(logits[:, :-1].reshape(-1, model.config.vocab), tokens[:, 1:].reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if step % EVAL_EVERY == 0:
            train_loss.append((step, round(loss.item(), 4)))
    seconds = time.perf_counter() - start
    final = evaluate(model, task.batch(np.random.default_rng(20_000), FINAL_SEQUENCES))
    metrics = {
        "second_copy_accuracy": final["second_copy_accuracy"], "first_copy_accuracy": final["first_copy_accuracy"],
        "loss": final["loss"], "chance": round(1 / len(task.ALPHABET), 4),
        "induction_head": best_head(final["induction"]), "previous_token_head": best_head(final["previous_token"]),
        "induction_scores": final["induction"], "previous_token_scores": final["previous_token"],
        "phase_change_step": phase_change(history), "phase_level": PHASE_LEVEL,
        "vocab": len(task.ALPHABET), "length": task.LENGTH, "periods": list(task.PERIODS),
        "parameters": n_params(model), "steps": steps, "batch": BATCH, "lr": LR, "threads": 1,
        "train_seconds": round(seconds, 1), "final_sequences": FINAL_SEQUENCES,
        "eval_every": EVAL_EVERY, "eval_sequences": EVAL_SEQUENCES, "bars": BARS,
        "history": history, "train_loss": train_loss,
    }
    if write:
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / "summary.md").write_text(summary(metrics))
        FIGURE.write_text(figure(metrics))
    checkpoint.save("induction", model, {k: v for k, v in metrics.items() if k not in ("history", "train_loss")}
                    | {"history": history, "train_loss": train_loss})
    return metrics


if __name__ == "__main__":
    main()
