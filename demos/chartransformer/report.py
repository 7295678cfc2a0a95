"""What the attention page shows of the char Transformer: a Markdown table beside the char-LSTM
(demos/chartransformer/results/comparison.md, included with pymdownx.snippets) and the learning-curve
figure (docs/assets/figures/chartransformer-training.svg), both written by train.py from its metrics."""
from __future__ import annotations

from demos.common.paths import ROOT
from demos.induction.figure import Panel, Series, chart

RESULTS = ROOT / "demos" / "chartransformer" / "results"
FIGURE = ROOT / "docs" / "assets" / "figures" / "chartransformer-training.svg"


def table(m: dict) -> str:
    t, lstm = m["held_out_bits_per_char"], m["lstm_bits_per_char_same_windows"]
    winner = "The Transformer" if t < lstm else "The LSTM"
    stop = (f"all of the LSTM's {m['steps_budget']:,} steps" if m["stopped_by"] == "steps" else
            f"{m['steps']:,} of the LSTM's {m['steps_budget']:,} steps: the {m['stopped_by']} limit "
            f"({m['cpu_limit']:.0f} CPU-seconds, the LSTM's training time; {m['wall_limit'] / 60:.0f} min of wall time) "
            "ended the run first")
    return "\n".join([
        f"Measured by `python -m demos train chartransformer` on {m['held_out_chars']:,} held-out characters: every "
        f"{len_every(m)}th of the char-LSTM's {m['held_out_windows_all']} held-out windows ({m['window']:,} "
        f"characters each, read from scratch; {m['held_out_files']} standard-library files of Python {m['python']} "
        "not used in training). The char-LSTM is the committed `exported_models/charlstm.onnx`, scored by "
        "onnxruntime on the same windows.", "",
        "| model | parameters | training | held-out bits/char |", "|---|---|---|---|",
        f"| char-LSTM (1 layer, 256 cells) | {m['lstm_parameters']:,} | 8,000 steps of 32×128 characters, "
        f"{m['lstm_train_seconds'] / 60:.1f} min | **{lstm:.3f}** |",
        f"| char Transformer (3 layers, 4 heads, width 100, ALiBi) | {m['parameters']:,} | {m['steps']:,} steps "
        f"of 32×128 characters, {m['cpu_seconds'] / 60:.1f} CPU-min ({m['wall_seconds'] / 60:.1f} min wall) | "
        f"**{t:.3f}** |", "",
        f"**{winner} wins** by {abs(t - lstm):.3f} bits per character. The Transformer ran {stop}. "
        f"Read in 128-character pieces (its training length) instead of whole windows, the Transformer scores "
        f"{m['held_out_bits_per_char_128']:.3f} bits/char; ALiBi lets it read the 2,000-character windows it never "
        f"saw in training. Over all {m['held_out_windows_all']} windows the char-LSTM's recorded number is "
        f"{m['lstm_held_out_bits_per_char_all_windows']:.3f}.", ""])


def len_every(m: dict) -> int:
    return round(m["held_out_windows_all"] / m["held_out_windows"])


def figure(m: dict) -> str:
    top = max(4.0, max(b for _, b, _ in m["curve"][:3]) if m["curve"] else 4.0)
    panel = Panel("Bits per character while training", "bits per character", (1.0, min(top, 5.0)), [
        Series("Transformer, training batches", [(s, b) for s, b, _ in m["curve"]], "#1f77b4", width=1.4),
        Series("Transformer, held-out", [(s, b) for s, b in m["held_out_curve"]], "#1f77b4", "6 3", 2.4)],
        [1, 2, 3, 4, 5], [(m["lstm_bits_per_char_same_windows"],
                          f"char-LSTM after 8,000 steps: {m['lstm_bits_per_char_same_windows']:.3f}")])
    return chart([panel], m["steps_budget"], "training step (32 × 128 characters each)",
                 "Char Transformer learning curve beside the char-LSTM's final held-out bits per character")


def write(m: dict) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "comparison.md").write_text(table(m))
    FIGURE.write_text(figure(m))
