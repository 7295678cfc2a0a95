"""Train the char Transformer on the char-LSTM's corpus and split, with the char-LSTM's budget.

    python -m demos train chartransformer

Corpus, vocabulary and split: demos/common/pysource.py, pinned by hash, as for the char-LSTM
(demos/charlstm/train.py). Budget: the LSTM's 8,000 steps of 32 x 128 characters, and at most its
measured training time (602 s on one CPU thread, counted in this process's CPU seconds) and at most
WALL_LIMIT (16 min) of wall time on this shared machine — whichever ends first; the learning rate follows one
cosine over that progress, so an early stop still ends annealed. A Transformer has no state to carry,
so each batch is 32 random 129-character windows of the training text.

Measured: held-out bits per character on the LSTM's held-out windows (2,000 characters, each read
from scratch; ALiBi lets a model trained on 128 read 2,000) and on the same text cut into 128-character
windows (the training length); the char-LSTM's committed ONNX model is scored on the same windows by
onnxruntime (it is not retrained). The learning curve is recorded; writes demos/chartransformer/results/
comparison.md and docs/assets/figures/chartransformer-training.svg.
"""
from __future__ import annotations

import math
import time

import numpy as np
import torch
import torch.nn.functional as F
from tqdm import trange

from demos.charlstm import train as lstm_train
from demos.chartransformer import report
from demos.chartransformer.model import CharTransformer, CharTransformerConfig
from demos.common import checkpoint, pysource
from demos.common.curve import Curve
from demos.induction.model import n_params

SEED = 0
STEPS, BATCH, CONTEXT = lstm_train.STEPS, lstm_train.BATCH, lstm_train.UNROLL   # the LSTM's budget
CPU_LIMIT = 602.0      # seconds: the char-LSTM's recorded training time (exported_models/charlstm.json)
WALL_LIMIT = 16 * 60.0  # seconds of training: with the final scoring, one run stays within the project's 20 min
LR, LR_END, WARMUP = 2e-3, 1e-4, 200
WEIGHT_DECAY, CLIP = 0.01, 1.0
LOG_EVERY, CURVE_EVERY = lstm_train.LOG_EVERY, lstm_train.CURVE_EVERY   # the LSTM's curve, point for point
EVAL_EVERY_NTH = 8     # the final comparison reads every 8th held-out window (both models)


def held_out_texts(corpus: pysource.Corpus) -> list[str]:
    """The char-LSTM's held-out windows (demos/charlstm/train.py, held_out_windows) without the per-character
    features it also computes: every held-out file cut into WINDOW-character pieces longer than one."""
    size = lstm_train.WINDOW
    return [text[s:s + size] for _, text in corpus.held_out for s in range(0, len(text), size)
            if len(text[s:s + size]) > 1]


def learning_rate(progress: float, step: int) -> float:
    warm = min(1.0, (step + 1) / WARMUP)
    return warm * (LR_END + (LR - LR_END) * 0.5 * (1 + math.cos(math.pi * min(1.0, progress))))


def bits_per_char(model: CharTransformer, texts: list[str], context: int | None = None) -> float:
    """Mean next-character cross-entropy in bits; each text read from scratch, or cut into pieces of
    `context` characters read separately (each piece's first character is predicted by the previous
    piece's last, so every character but a text's first counts)."""
    model.eval()
    total, count = 0.0, 0
    with torch.no_grad():
        for text in texts:
            tokens = torch.from_numpy(pysource.encode(text))
            size = context or len(tokens)
            for s in range(0, len(tokens) - 1, size):
                piece = tokens[s:s + size + 1][None]                                # (1, <= size + 1)
                logits, _ = model(piece[:, :-1], need_weights=False)
                total += F.cross_entropy(logits[0], piece[0, 1:], reduction="sum").item()
                count += piece.shape[1] - 1
    model.train()
    return total / count / math.log(2)


def lstm_bits_per_char(texts: list[str]) -> float:
    """The committed char-LSTM (exported_models/charlstm.onnx) on the same texts, each from a zero state."""
    from demos.charlstm import infer
    from demos.common import sidecar
    from demos.common.runtime import open_sessions

    card = sidecar.read("charlstm")
    session = open_sessions(card)[0]
    total, count = 0.0, 0
    for text in texts:
        tokens = infer.encode(text, card)
        probs = infer.score(session, card, tokens[:-1])["probs"]                    # (T - 1, V)
        total -= np.log2(np.maximum(probs[np.arange(len(tokens) - 1), tokens[1:]], 1e-30)).sum()
        count += len(tokens) - 1
    return float(total / count)


def main(argv=None, steps: int = STEPS, wall_limit: float = WALL_LIMIT, write: bool = True) -> dict:
    torch.manual_seed(SEED)
    torch.set_num_threads(1)
    rng = np.random.default_rng(SEED)
    corpus = pysource.load(pysource.PINNED_SHA256, pysource.PINNED_PYTHON)
    data = torch.from_numpy(pysource.encode("\n".join(text for _, text in corpus.train)))
    windows = held_out_texts(corpus)
    curve_windows = lstm_train.curve_windows(windows)
    model = CharTransformer(CharTransformerConfig(vocab=len(pysource.VOCAB)))
    decay = [p for n, p in model.named_parameters() if p.ndim >= 2]
    rest = [p for n, p in model.named_parameters() if p.ndim < 2]
    optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": WEIGHT_DECAY},
                                   {"params": rest, "weight_decay": 0.0}], lr=LR)
    offsets = torch.arange(CONTEXT + 1)
    curve = Curve(LOG_EVERY, CURVE_EVERY)
    cpu0, wall0 = time.process_time(), time.perf_counter()
    progress, stopped_by = 0.0, "steps"
    for step in (bar := trange(steps, desc="chartransformer", unit="step", mininterval=20)):
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
        progress = max(step / steps, cpu / CPU_LIMIT, wall / wall_limit)
        if progress >= 1.0:
            stopped_by = "CPU time" if cpu >= CPU_LIMIT else "wall time"
            break
        for group in optimizer.param_groups:
            group["lr"] = learning_rate(progress, step)
        starts = torch.from_numpy(rng.integers(0, len(data) - CONTEXT - 1, BATCH))
        chunk = data[starts[:, None] + offsets]                                      # (B, CONTEXT + 1)
        logits, _ = model(chunk[:, :-1], need_weights=False)
        loss = F.cross_entropy(logits.reshape(-1, model.config.vocab), chunk[:, 1:].reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), CLIP)
        optimizer.step()
        curve.step(step, loss.item() / math.log(2), lambda: bits_per_char(model, curve_windows))
        if curve.train and (step + 1) % LOG_EVERY == 0:
            bar.set_postfix(train_bits=curve.train[-1][1], refresh=False)
    done = step if progress >= 1.0 else steps
    cpu_seconds, wall_seconds = time.process_time() - cpu0, time.perf_counter() - wall0
    chosen = windows[::EVAL_EVERY_NTH]
    lstm_meta = lstm_train_metrics()
    metrics = {
        "held_out_bits_per_char": round(bits_per_char(model, chosen), 4),
        "held_out_bits_per_char_128": round(bits_per_char(model, chosen, CONTEXT), 4),
        "lstm_bits_per_char_same_windows": round(lstm_bits_per_char(chosen), 4),
        "lstm_held_out_bits_per_char_all_windows": lstm_meta["held_out_bits_per_char"],
        "lstm_parameters": lstm_meta["parameters"], "lstm_train_seconds": lstm_meta["train_seconds"],
        "held_out_chars": sum(len(w) for w in chosen), "held_out_windows": len(chosen),
        "held_out_windows_all": len(windows), "window": lstm_train.WINDOW,
        "train_chars": corpus.chars("train"), "train_files": len(corpus.train),
        "held_out_files": len(corpus.held_out), "corpus_sha256": corpus.sha256, "python": corpus.python,
        "steps": done, "steps_budget": steps, "stopped_by": stopped_by, "batch": BATCH, "context": CONTEXT,
        "chars_seen": done * BATCH * CONTEXT, "cpu_seconds": round(cpu_seconds, 1),
        "wall_seconds": round(wall_seconds, 1), "cpu_limit": CPU_LIMIT, "wall_limit": wall_limit,
        "threads": 1, "parameters": n_params(model), "lr": LR, "positions": "ALiBi",
        "curve": curve.train, "held_out_curve": curve.held_out, "curve_windows": len(curve_windows),
    }
    if write:
        report.write(metrics)
    checkpoint.save("chartransformer", model, metrics)
    return metrics


def lstm_train_metrics() -> dict:
    from demos.common import sidecar
    return sidecar.read("charlstm")["metrics"]


if __name__ == "__main__":
    main()
