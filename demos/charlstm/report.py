"""What the char-LSTM's training measured, as numbers for the sidecar and Markdown for the pages.

Written by train.py into demos/charlstm/results/: `features.md` (best cell per feature, trained vs
random init), `gates.md` (gate saturation), `cells.json` (every cell's correlation and saturation,
which the export copies into the sidecar for the page's cell picker), `curve.json` (the run's learning
curve, drawn beside the char Transformer's on the attention page); and the saturation plot
docs/assets/figures/charlstm-gates.svg.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from demos.common import pysource

RESULTS = Path(__file__).parent / "results"
BAR_R, BAR_RATIO, BAR_FEATURES, BAR_BITS = 0.6, 2.0, 3, 1.8   # the bars
LABELS = {"position_in_line": "position in line", "indentation": "indentation depth",
          "inside_string": "inside a string", "inside_comment": "inside a comment",
          "bracket_depth": "bracket depth", "leading_spaces": "leading spaces of the line"}
SATURATED = 0.5   # a gate "consistently" saturated: beyond 0.9 (or below 0.1) on over half the characters


def feature_summary(trained: dict, baseline: dict, names=pysource.FEATURES) -> dict:
    out = {}
    for name in names:
        cell = int(np.argmax(np.abs(trained[name])))
        best, base = float(abs(trained[name][cell])), float(np.abs(baseline[name]).max())
        out[name] = {"cell": cell, "r": round(float(trained[name][cell]), 4), "abs_r": round(best, 4),
                     "random_init_abs_r": round(base, 4), "ratio": round(best / max(base, 1e-9), 2),
                     "meets_bar": bool(best >= BAR_R and best >= BAR_RATIO * base)}
    return out


def gate_summary(saturation: dict) -> dict:
    return {gate: {"right_saturated_cells": int((s["right"] > SATURATED).sum()),
                   "left_saturated_cells": int((s["left"] > SATURATED).sum()),
                   "mean_right": round(float(s["right"].mean()), 4),
                   "mean_left": round(float(s["left"].mean()), 4)}
            for gate, s in saturation.items()}


def _features_md(m: dict) -> str:
    met = sum(f["meets_bar"] for f in m["features"].values())
    cpu = f", {m['train_cpu_seconds'] / 60:.1f} min of CPU time" if m.get("train_cpu_seconds") else ""
    lines = [f"Measured by `{m.get('measured_by', 'python -m demos train charlstm')}` on "
             f"{m['held_out_chars']:,} held-out characters ({m['held_out_files']} standard-library files of "
             f"Python {m['python']} not used in training; {m['train_files']} files, {m['train_chars']:,} "
             f"characters, were), read in {2000:,}-character windows, each from a zero state, its features "
             "read from its whole file; correlations on "
             f"{m['analysis_chars']:,} of them, with each cell's $\\tanh(c)$.",
             "",
             f"**Held-out bits per character: {m['held_out_bits_per_char']:.3f}** (bar ≤ {BAR_BITS}; "
             f"the untrained model: {m['random_init_bits_per_char']:.2f}). One LSTM layer of "
             f"{_hidden(m)} cells, "
             f"{m['parameters']:,} parameters, {m['steps']:,} steps of {m['batch']}×{m['unroll']} characters, "
             f"{m['train_seconds'] / 60:.1f} min on one CPU thread{cpu}.",
             "",
             "| feature | best cell | r (trained) | best \\|r\\| at random init | ratio | bar (≥ 0.6 and ≥ 2×) "
             "| \\|r\\| from the current character alone |",
             "|---|---|---|---|---|---|---|"]
    for name, f in m["features"].items():
        lines.append(f"| {LABELS[name]} | {f['cell']} | {f['r']:+.2f} | {f['random_init_abs_r']:.2f} | "
                     f"{f['ratio']:.1f}× | {'met' if f['meets_bar'] else '**not met**'} | "
                     f"{f['current_char_r']:.2f} |" if "current_char_r" in f else
                     f"| {LABELS[name]} | {f['cell']} | {f['r']:+.2f} | {f['random_init_abs_r']:.2f} | "
                     f"{f['ratio']:.1f}× | {'met' if f['meets_bar'] else '**not met**'} | – |")
    lines += ["", f"The bar of at least {BAR_FEATURES} features is "
              f"{'met' if met >= BAR_FEATURES else '**not met**'}: {met} of {len(m['features'])}."]
    for name, f in m.get("extra_features", {}).items():
        lines += ["", f"Indentation depth is the depth, in columns, of the code block a character is in, as "
                  "Python's tokenizer reads it (it changes at the first character of a line that opens or "
                  "closes a block; blank lines, comment lines, a docstring's lines and continuation lines "
                  "inside brackets keep their block's depth). Read instead as the "
                  f"{LABELS[name]} — 0 on a blank line, a continuation line's alignment column — the best "
                  f"cell ({f['cell']}) reaches |r| {f['abs_r']:.2f} against {f['random_init_abs_r']:.2f} at "
                  f"random init ({f['ratio']:.1f}×), which would "
                  f"{'meet' if f['meets_bar'] else '**not** meet'} the bar."]
    lines += ["", "The last column is the most a cell could reach by reacting to the character it is reading "
              "and nothing else (each character replaced by the feature's mean over that character): the "
              "untrained network's best cell reaches about that or less; a trained cell above it carries "
              "what it has read before."]
    return "\n".join(lines) + "\n"


def _hidden(m: dict) -> int:
    """Cells of one layer from the parameter count: 4H(V + H + 2) + (H + 1)V = parameters."""
    v = len(pysource.VOCAB)
    return next(h for h in range(1, 4097) if 4 * h * (v + h + 2) + (h + 1) * v == m["parameters"])


def _gates_md(m: dict, hidden: int) -> str:
    lines = [f"Share of the {m['analysis_chars']:,} held-out characters on which each of the {hidden} cells' "
             f"gates is right-saturated (> 0.9) or left-saturated (< 0.1); a cell counts as consistently "
             f"saturated when that share is over {SATURATED:.0%}.", "",
             "| gate | cells right-saturated | cells left-saturated | mean share > 0.9 | mean share < 0.1 |",
             "|---|---|---|---|---|"]
    for gate, g in m["gates"].items():
        lines.append(f"| {gate.replace('_', ' ')} | {g['right_saturated_cells']} | {g['left_saturated_cells']} | "
                     f"{g['mean_right']:.1%} | {g['mean_left']:.1%} |")
    return "\n".join(lines) + "\n"


def write(metrics: dict, trained: dict, baseline: dict) -> None:
    RESULTS.mkdir(exist_ok=True)
    hidden = len(next(iter(trained["correlation"].values())))
    (RESULTS / "features.md").write_text(_features_md(metrics))
    (RESULTS / "gates.md").write_text(_gates_md(metrics, hidden))
    cells = {"correlation": {k: np.round(v, 4).tolist() for k, v in trained["correlation"].items()},
             "random_init_correlation": {k: np.round(v, 4).tolist() for k, v in baseline["correlation"].items()},
             "saturation": {g: {side: np.round(v, 4).tolist() for side, v in s.items()}
                            for g, s in trained["saturation"].items()}}
    (RESULTS / "cells.json").write_text(json.dumps(cells, separators=(",", ":")) + "\n")
    GATES_SVG.write_text(gates_svg(cells["saturation"]))
    if metrics.get("curve"):
        (RESULTS / "curve.json").write_text(curve_json(metrics))


CURVE_KEYS = ("measured_by", "steps", "batch", "unroll", "train_seconds", "train_cpu_seconds", "threads",
              "held_out_bits_per_char", "curve_windows", "curve", "held_out_curve")


def curve_json(metrics: dict) -> str:
    """The learning curve with what it came from: [step, training bits/char, CPU seconds] and [step, bits/char
    on the curve windows], the run's length and times, and where it ended on all held-out windows."""
    rows = [f' "{k}": {json.dumps(metrics[k], separators=(",", ":"))}' for k in CURVE_KEYS if k in metrics]
    return "{\n" + ",\n".join(rows) + "\n}\n"


GATES_SVG = Path(__file__).resolve().parents[2] / "docs" / "assets" / "figures" / "charlstm-gates.svg"


def gates_svg(saturation: dict) -> str:
    """The paper's saturation plot: per gate, one dot per cell at (share < 0.1, share > 0.9)."""
    panel, pad, gap = 180, 34, 16
    gates = list(saturation)
    w, h = len(gates) * (panel + pad + gap), panel + 2 * pad
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" role="img" font-family="sans-serif" '
           'font-size="11"><title>Gate saturation of the char-LSTM: for each gate, every cell placed by the share of '
           'characters on which the gate is below 0.1 (x) and above 0.9 (y)</title>',
           f'<rect width="{w}" height="{h}" fill="#fff"/>']
    for k, gate in enumerate(gates):
        x0, y0 = pad + k * (panel + pad + gap), pad - 14
        out.append(f'<text x="{x0 + panel / 2}" y="{y0 - 6}" text-anchor="middle" fill="#222">{gate.replace("_", " ")}</text>')
        out.append(f'<rect x="{x0}" y="{y0}" width="{panel}" height="{panel}" fill="none" stroke="#888"/>')
        out.append(f'<line x1="{x0}" y1="{y0 + panel}" x2="{x0 + panel}" y2="{y0}" stroke="#ccc"/>')
        for t in (0, 0.5, 1):
            out.append(f'<text x="{x0 + t * panel}" y="{y0 + panel + 13}" text-anchor="middle" fill="#333">{t:g}</text>'
                       f'<text x="{x0 - 4}" y="{y0 + (1 - t) * panel + 4}" text-anchor="end" fill="#333">{t:g}</text>')
        out.append(f'<text x="{x0 + panel / 2}" y="{y0 + panel + 27}" text-anchor="middle" fill="#333">share &lt; 0.1</text>')
        for left, right in zip(saturation[gate]["left"], saturation[gate]["right"]):
            out.append(f'<circle cx="{x0 + left * panel:.1f}" cy="{y0 + (1 - right) * panel:.1f}" r="2.2" '
                       'fill="#1f77b4" fill-opacity="0.55"/>')
    out.append(f'<text x="10" y="{h / 2}" transform="rotate(-90 10 {h / 2})" text-anchor="middle" fill="#333">share &gt; 0.9</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"
