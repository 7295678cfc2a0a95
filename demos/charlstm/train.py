"""Train the char-LSTM on the pinned standard-library corpus; measure what the page claims.

    python -m demos train charlstm

Prints and records: held-out bits per character; for each feature of demos/common/pysource.py the
best single cell's |correlation| with tanh(c) in the trained model and in the same architecture at
random initialisation (and which cell it is); each gate's saturation (share of characters with the gate
> 0.9 or < 0.1, the paper's figure). Writes demos/charlstm/results/ (snippets the pages include).
"""
from __future__ import annotations

import argparse
import math
import sys
import time
from typing import NamedTuple

import numpy as np
import torch
import torch.nn.functional as F
from tqdm import trange

from demos.charlstm import report
from demos.charlstm.model import CharLSTM, CharLSTMConfig
from demos.common import checkpoint, pysource
from demos.common.curve import Curve
from demos.common.errors import DemoError

SEED = 0
STEPS = 8000          # of BATCH streams x UNROLL characters: 32.8M characters, ~8 passes over the corpus
BATCH = 32            # contiguous streams through the training text, state carried between steps
UNROLL = 128          # truncated backpropagation through time
LR, LR_END = 3e-3, 2e-4
CLIP = 5.0
WINDOW = 2000         # held-out text is measured in windows of the page's length, each from a zero state
ANALYSIS_WINDOWS = 120  # windows used for correlations and gate statistics (240k characters)
LOG_EVERY = 100       # the learning curve: training bits/char averaged over this many steps
CURVE_EVERY = 250     # and held-out bits/char on CURVE_WINDOWS windows (the char Transformer's cadence)
CURVE_WINDOWS = 3


def streams(corpus: pysource.Corpus) -> torch.Tensor:
    """The training files joined, cut into BATCH equal contiguous streams: (BATCH, L) int64."""
    tokens = pysource.encode("\n".join(text for _, text in corpus.train))
    length = len(tokens) // BATCH
    return torch.from_numpy(tokens[:length * BATCH].reshape(BATCH, length))


class Window(NamedTuple):
    text: str
    features: dict[str, np.ndarray]   # read from the whole file, then cut to the window


def held_out_windows(corpus: pysource.Corpus) -> list[Window]:
    """Every held-out file cut into WINDOW-character pieces (the last piece of a file may be shorter).

    Features come from the whole file: a piece that starts inside a docstring, a comment, brackets or a
    line, tokenized alone, would be labelled as if it started in code at column 0."""
    windows = []
    for _, text in corpus.held_out:
        features = pysource.features(text)
        windows += [Window(text[s:s + WINDOW], {k: v[s:s + WINDOW] for k, v in features.items()})
                    for s in range(0, len(text), WINDOW) if len(text[s:s + WINDOW]) > 1]
    return windows


def curve_windows(windows: list) -> list:
    """CURVE_WINDOWS held-out windows spread over the files, the same for the char Transformer's curve."""
    return windows[:: len(windows) // CURVE_WINDOWS][:CURVE_WINDOWS]


def bits_per_char(model: CharLSTM, windows: list[Window]) -> float:
    """Mean next-character cross-entropy in bits over the windows, each read from a zero state."""
    model.eval()
    total, count = 0.0, 0
    with torch.no_grad():
        for text, _ in windows:
            tokens = torch.from_numpy(pysource.encode(text))[None]        # (1, T)
            logits, _ = model(tokens[:, :-1])
            total += F.cross_entropy(logits[0], tokens[0, 1:], reduction="sum").item()
            count += tokens.shape[1] - 1
    return total / count / math.log(2)


def internals(model: CharLSTM, windows: list[Window]) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """tanh(c) and the gates at every character of the windows, (N, H) each, and the features (N,)."""
    model.eval()
    keep = ("c", "input_gate", "forget_gate", "output_gate")
    parts = {k: [] for k in keep}
    feats = {k: [] for k in (*pysource.FEATURES, *pysource.EXTRA_FEATURES)}
    with torch.no_grad():
        for text, features in windows:
            out = model.inspect(torch.from_numpy(pysource.encode(text))[None])
            for k in keep:
                parts[k].append(out[k][0].numpy())
            for k, v in features.items():
                feats[k].append(v)
    values = {k: np.concatenate(v) for k, v in parts.items()}
    values["c"] = np.tanh(values["c"])
    return values, {k: np.concatenate(v) for k, v in feats.items()}


def correlations(cells: np.ndarray, feature: np.ndarray) -> np.ndarray:
    """Pearson r of every cell (N, H) with the feature (N,): (H,), 0 where a cell is constant."""
    a = cells - cells.mean(0)
    b = feature - feature.mean()
    denom = np.sqrt((a * a).sum(0) * (b * b).sum())
    return np.where(denom > 0, (a * b[:, None]).sum(0) / np.maximum(denom, 1e-30), 0.0)


def current_char_r(windows: list[Window]) -> dict[str, float]:
    """Per feature, how much the character being read says about it alone: |r| between the feature and
    its mean over all analysis characters equal to the current one (the best read-out of a one-hot
    current character, the most a cell that only sees that character could reach)."""
    tokens = np.concatenate([pysource.encode(w.text) for w in windows])
    out = {}
    for name in (*pysource.FEATURES, *pysource.EXTRA_FEATURES):
        feature = np.concatenate([w.features[name] for w in windows]).astype(np.float64)
        means = np.bincount(tokens, feature, len(pysource.VOCAB)) / np.maximum(np.bincount(tokens, None, len(pysource.VOCAB)), 1)
        out[name] = round(float(abs(correlations(means[tokens][:, None], feature)[0])), 4)
    return out


def measure(model: CharLSTM, windows: list[Window]) -> dict:
    """Per feature: every cell's r; per gate: every cell's share of characters > 0.9 and < 0.1."""
    values, feats = internals(model, windows)
    corr = {name: correlations(values["c"], feats[name]) for name in feats}
    saturation = {gate: {"right": (values[gate] > 0.9).mean(0), "left": (values[gate] < 0.1).mean(0)}
                  for gate in ("input_gate", "forget_gate", "output_gate")}
    return {"correlation": corr, "saturation": saturation, "characters": len(feats["indentation"])}


def saved_weights(model: CharLSTM) -> tuple[CharLSTM, dict]:
    """The last run's weights and its recorded training (steps, times): build/charlstm/ if it is there,
    else the committed exported_models/charlstm.onnx and its sidecar (training is seeded: a rerun of the
    same recipe gives these weights)."""
    from demos.charlstm.export import Scorer, load_from_onnx
    from demos.common import sidecar
    from demos.common.paths import MODELS_DIR
    try:
        saved, recorded = checkpoint.load("charlstm", lambda config: CharLSTM(CharLSTMConfig(**config)))
        model.load_state_dict(saved.state_dict())
    except DemoError:
        load_from_onnx(Scorer(model), MODELS_DIR / "charlstm.onnx")
        recorded = sidecar.read("charlstm")["metrics"]
    return model, recorded


def main(argv=None) -> dict:
    """Train (`python -m demos train charlstm`), or with --measure-only re-measure the saved weights
    with the same functions: for a change in what is measured, without ~10 CPU minutes of training."""
    parser = argparse.ArgumentParser(prog="python -m demos.charlstm.train")
    parser.add_argument("--measure-only", action="store_true",
                        help="measure the last run's weights (build/charlstm, else the committed model)")
    args = parser.parse_args(argv or [])
    torch.manual_seed(SEED)
    torch.set_num_threads(1)  # the machine is shared; one thread is what the budget allows
    corpus = pysource.load(pysource.PINNED_SHA256, pysource.PINNED_PYTHON)
    config = CharLSTMConfig(vocab=len(pysource.VOCAB))
    random_init = CharLSTM(config)          # the same architecture, untrained: the baseline
    model = CharLSTM(config)
    model.load_state_dict(random_init.state_dict())
    windows = held_out_windows(corpus)
    if args.measure_only:
        model, recorded = saved_weights(model)
        run = {k: recorded[k] for k in ("steps", "batch", "unroll", "train_seconds", "train_cpu_seconds", "threads",
                                        "curve", "held_out_curve", "curve_windows") if k in recorded}
        run["measured_by"] = "python -m demos.charlstm.train --measure-only"
    else:
        run = fit(model, streams(corpus), curve_windows(windows))
        run["measured_by"] = "python -m demos train charlstm"
    return record(model, random_init, corpus, windows, run)


def fit(model: CharLSTM, data: torch.Tensor, curve_at: list[Window]) -> dict:
    """STEPS of truncated backpropagation through the BATCH streams; returns what the run took and its
    learning curve: [step, training bits/char, CPU seconds] every LOG_EVERY steps and [step, bits/char on
    the `curve_at` windows] every CURVE_EVERY steps."""
    optimizer = torch.optim.Adam(model.parameters(), lr=LR)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, STEPS, eta_min=LR_END)
    vocab = model.config.vocab
    state, pos, start, cpu_start = None, 0, time.perf_counter(), time.process_time()
    curve = Curve(LOG_EVERY, CURVE_EVERY)
    for step in (bar := trange(STEPS, desc="charlstm", unit="step", mininterval=20)):
        if pos + UNROLL + 1 > data.shape[1]:
            state, pos = None, 0                       # a new pass over the text
        chunk = data[:, pos:pos + UNROLL + 1]
        pos += UNROLL
        model.train()
        logits, state = model(chunk[:, :-1], state)
        state = tuple(s.detach() for s in state)
        loss = F.cross_entropy(logits.reshape(-1, vocab), chunk[:, 1:].reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), CLIP)
        optimizer.step()
        schedule.step()
        curve.step(step, loss.item() / math.log(2), lambda: bits_per_char(model, curve_at))
        if curve.train and (step + 1) % LOG_EVERY == 0:
            bar.set_postfix(train_bits=curve.train[-1][1], refresh=False)
    return {"steps": STEPS, "batch": BATCH, "unroll": UNROLL, "threads": 1,
            "train_seconds": round(time.perf_counter() - start, 1),
            "train_cpu_seconds": round(time.process_time() - cpu_start, 1),
            "curve": curve.train, "held_out_curve": curve.held_out, "curve_windows": len(curve_at)}


def record(model: CharLSTM, random_init: CharLSTM, corpus: pysource.Corpus, windows: list[Window],
           run: dict) -> dict:
    """Measure the trained model against the untrained one; write the snippets and the checkpoint."""
    analysis = windows[:: max(1, len(windows) // ANALYSIS_WINDOWS)][:ANALYSIS_WINDOWS]
    trained, baseline = measure(model, analysis), measure(random_init, analysis)
    metrics = {
        "held_out_bits_per_char": round(bits_per_char(model, windows), 4),
        "random_init_bits_per_char": round(bits_per_char(random_init, windows[:20]), 4),
        "held_out_chars": sum(len(w.text) for w in windows), "held_out_files": len(corpus.held_out),
        "train_chars": corpus.chars("train"), "train_files": len(corpus.train),
        "analysis_chars": trained["characters"],
        "corpus_sha256": corpus.sha256, "python": corpus.python,
        **run, "parameters": sum(p.numel() for p in model.parameters()),
        "features": report.feature_summary(trained["correlation"], baseline["correlation"]),
        "extra_features": report.feature_summary(trained["correlation"], baseline["correlation"],
                                                 pysource.EXTRA_FEATURES),
        "gates": report.gate_summary(trained["saturation"]),
    }
    for name, r in current_char_r(analysis).items():
        (metrics["features"] if name in pysource.FEATURES else metrics["extra_features"])[name]["current_char_r"] = r
    report.write(metrics, trained, baseline)
    checkpoint.save("charlstm", model, metrics)
    return metrics


if __name__ == "__main__":
    main(sys.argv[1:])
