"""What the attention page shows of the char Transformer: a Markdown table beside the char-LSTM
(demos/chartransformer/results/comparison.md, included with pymdownx.snippets) and the learning-curve
figure (docs/assets/figures/chartransformer-training.svg), both written by train.py from its metrics."""
from __future__ import annotations

import json

from demos.common import sidecar
from demos.common.paths import ROOT
from demos.induction.figure import Panel, Series, chart

RESULTS = ROOT / "demos" / "chartransformer" / "results"
FIGURE = ROOT / "docs" / "assets" / "figures" / "chartransformer-training.svg"
LSTM_CURVE = ROOT / "demos" / "charlstm" / "results" / "curve.json"   # written by the char-LSTM's training


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


def figure(m: dict, lstm: dict) -> str:
    """Both models' training and held-out bits per character against the training step (each step 32 × 128
    characters for both); `lstm` is demos/charlstm/results/curve.json, the char-LSTM's recorded run."""
    def series(name: str, train: list, held_out: list, colour: str) -> list[Series]:
        return [Series(f"{name}, training", [(r[0], r[1]) for r in train], colour, width=1.2),
                Series(f"{name}, held-out", [(r[0], r[1]) for r in held_out], colour, "6 3", 2.6)]
    panel = Panel("Bits per character while training", "bits per character", (1.0, 5.0),
                  series("LSTM", lstm["curve"], lstm["held_out_curve"], "#d95f02")
                  + series("Transformer", m["curve"], m["held_out_curve"], "#1f77b4"), [1, 2, 3, 4, 5])
    return chart([panel], max(lstm["steps"], m["steps"]), "training step (32 × 128 characters each)",
                 "Char-LSTM and char Transformer learning curves on the same corpus",
                 marks=[(m["steps"], f"Transformer's budget used up ({m['steps']:,} steps)")])


def caption(m: dict, lstm: dict) -> str:
    """The figure's caption, its numbers read from the two runs' records."""
    rerun = lstm["held_out_bits_per_char"] != m["lstm_held_out_bits_per_char_all_windows"]
    source = (f"a rerun of its recipe ({lstm['steps']:,} steps, seed 0) that recorded the curve: the committed "
              f"model was trained before the script recorded curves, and a rerun on another CPU takes another "
              f"floating-point path through the steps (the rerun ends at {lstm['held_out_bits_per_char']:.3f} "
              f"held-out bits per character over all windows, the committed model at "
              f"{m['lstm_held_out_bits_per_char_all_windows']:.3f})" if rerun else "the run of the committed model")
    return (f"*Figure: drawn from the training scripts' recorded curves (`python -m demos.chartransformer.report` "
            f"redraws it). Solid lines: the mean over each {m['curve'][0][0]} training batches; dashed lines: bits per "
            f"character on {lstm['curve_windows']} held-out windows of 2,000 characters, every "
            f"{lstm['held_out_curve'][0][0]} steps. The char-LSTM's curve (`demos/charlstm/results/curve.json`) comes "
            f"from {source}. {pace(m, lstm)}*\n")


def pace(m: dict, lstm: dict) -> str:
    """Who learns faster per step (at the Transformer's last held-out point) and per CPU second (the table)."""
    step, t_bits = m["held_out_curve"][-1]
    l_bits = {s: b for s, b in lstm["held_out_curve"]}.get(step)
    faster = "Transformer" if l_bits is not None and t_bits < l_bits else "LSTM"
    at = f" ({t_bits:.2f} against {l_bits:.2f} held-out at step {step:,})" if l_bits is not None else ""
    cheaper = "Transformer" if m["held_out_bits_per_char"] < m["lstm_bits_per_char_same_windows"] else "LSTM"
    return (f"Per step the {faster} learns faster{at}; at equal CPU time, the budget the table compares, "
            f"the {cheaper} ends lower.")


def write(m: dict) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    lstm = lstm_curve()
    (RESULTS / "comparison.md").write_text(table(m))
    (RESULTS / "curve.md").write_text(caption(m, lstm))
    FIGURE.write_text(figure(m, lstm))


def lstm_curve() -> dict:
    return json.loads(LSTM_CURVE.read_text())


def main() -> None:
    """`python -m demos.chartransformer.report`: rewrite the table and the figure from the committed sidecars,
    e.g. after the char-LSTM is retrained, without training the Transformer again."""
    write(recorded(sidecar.read("chartransformer")))


def recorded(card: dict) -> dict:
    """The training metrics as train.py returned them: the export moves the curves under figures."""
    return dict(card["metrics"], curve=card["figures"]["curve"]["train"],
                held_out_curve=card["figures"]["curve"]["held_out"])


if __name__ == "__main__":
    main()
