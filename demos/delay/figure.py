"""The delay task's results as the LSTM page shows them: a Markdown table (demos/delay/results/
accuracy.md, included with pymdownx.snippets) and an SVG line chart (docs/assets/figures/
delay-accuracy.svg), both written by train.py from the accuracies it measured."""
from __future__ import annotations

from pathlib import Path

from demos.common.paths import ROOT

RESULTS = Path(__file__).parent / "results"
SVG = ROOT / "docs" / "assets" / "figures" / "delay-accuracy.svg"
NAMES = {"lstm": "LSTM", "gru": "GRU", "rnn": "plain tanh RNN"}
COLOURS = {"lstm": "#1f77b4", "gru": "#2ca02c", "rnn": "#d62728"}
DASHES = {"lstm": "", "gru": "6 3", "rnn": "2 3"}
BAR = 0.95


def table(m: dict) -> str:
    acc, longest = m["accuracy"], str(m["train_delays"][1])
    delays = list(acc["lstm"])
    lines = [f"Measured by `python -m demos train delay`: accuracy on {m['test_sequences_per_delay']:,} fresh "
             f"sequences per delay; trained on delays {m['train_delays'][0]}–{longest} for {m['steps']:,} "
             f"steps of {m['batch']} sequences (the same batches for all three); chance is "
             f"{m['chance']:.1%}.", "",
             "| network | parameters | " + " | ".join(f"delay {d}{' *' if int(d) > int(longest) else ''}"
                                                     for d in delays) + " |",
             "|---|---|" + "---|" * len(delays)]
    for kind, row in acc.items():
        lines.append(f"| {NAMES[kind]} | {m['parameters'][kind]:,} | "
                     + " | ".join(f"{row[d]:.1%}" for d in delays) + " |")
    lstm = acc["lstm"][longest]
    lines += ["", "\\* past the training range.", "",
              f"The LSTM at the longest training delay ({longest}): **{lstm:.1%}** — the bar of {BAR:.0%} is "
              f"{'met' if lstm >= BAR else '**not met**'}. The plain RNN: "
              f"{acc['rnn'][delays[0]]:.1%} at delay {delays[0]}, {acc['rnn'][longest]:.1%} at delay "
              f"{longest}, {acc['rnn'][delays[-1]]:.1%} at delay {delays[-1]}; at best "
              f"{max(acc['rnn'].values()):.1%} (delay {max(acc['rnn'], key=acc['rnn'].get)}).", "",
              (f"How it holds the value, on {m['holding']['sequences']} sequences with delay {m['holding']['delay']}: "
               f"per sequence a median of {m['holding']['median_cells_forget_above_0.95']:g} of the LSTM's "
               f"{m['holding']['cells']} cells keep their forget gate above 0.95 on average over the delay "
               f"({m['holding']['sequences_with_such_a_cell']} of {m['holding']['sequences']} sequences have at least "
               f"one); {m['holding']['cells_that_hold_some_value']} different cells do so for some value, while the "
               f"forget gate averaged over all cells and sequences is {m['holding']['mean_forget_all_cells']:.2f}.")]
    return "\n".join(lines) + "\n"


def svg(m: dict) -> str:
    """A line chart of accuracy against delay; colours and dash patterns both tell the lines apart."""
    w, h, left, right, top, bottom = 560, 300, 56, 150, 20, 44
    acc = m["accuracy"]
    delays = [int(d) for d in acc["lstm"]]
    xmax = max(delays)
    x = lambda d: left + (w - left - right) * d / xmax
    y = lambda a: top + (h - top - bottom) * (1 - a)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" role="img" font-family="sans-serif" '
           f'font-size="12"><title>Accuracy against delay for the LSTM, GRU and plain RNN</title>',
           f'<rect width="{w}" height="{h}" fill="#fff"/>',
           f'<rect x="{x(m["train_delays"][0]):.1f}" y="{top}" width="{x(m["train_delays"][1]) - x(m["train_delays"][0]):.1f}" '
           f'height="{h - top - bottom}" fill="#eee"/>',
           f'<text x="{x(m["train_delays"][1]) - 4:.1f}" y="{top + 14}" text-anchor="end" fill="#555">training delays</text>']
    for a in (0, 0.25, 0.5, 0.75, 1):
        out.append(f'<line x1="{left}" x2="{w - right}" y1="{y(a):.1f}" y2="{y(a):.1f}" stroke="#ccc"/>'
                   f'<text x="{left - 6}" y="{y(a) + 4:.1f}" text-anchor="end" fill="#333">{a:.0%}</text>')
    for d in delays:
        out.append(f'<text x="{x(d):.1f}" y="{h - bottom + 16}" text-anchor="middle" fill="#333">{d}</text>')
    out.append(f'<text x="{(left + w - right) / 2}" y="{h - 8}" text-anchor="middle" fill="#333">delay (steps)</text>')
    out.append(f'<line x1="{left}" x2="{w - right}" y1="{y(m["chance"]):.1f}" y2="{y(m["chance"]):.1f}" '
               f'stroke="#999" stroke-dasharray="1 3"/><text x="{w - right + 6}" y="{y(m["chance"]) + 4:.1f}" '
               f'fill="#555">chance</text>')
    for i, (kind, row) in enumerate(acc.items()):
        points = " ".join(f"{x(int(d)):.1f},{y(a):.1f}" for d, a in row.items())
        out.append(f'<polyline points="{points}" fill="none" stroke="{COLOURS[kind]}" stroke-width="2.5" '
                   f'stroke-dasharray="{DASHES[kind]}"/>')
        ly = top + 30 + 22 * i
        out.append(f'<line x1="{w - right + 6}" x2="{w - right + 30}" y1="{ly}" y2="{ly}" stroke="{COLOURS[kind]}" '
                   f'stroke-width="2.5" stroke-dasharray="{DASHES[kind]}"/>'
                   f'<text x="{w - right + 36}" y="{ly + 4}" fill="#333">{NAMES[kind]}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def gates_table(m: dict, charlstm: dict) -> str:
    """The toy LSTM's gate saturation beside the char-LSTM's (its sidecar's metrics), the paper's measure:
    per gate, the mean share of steps with the gate > 0.9 or < 0.1, and the cells over half the time so."""
    toy, text = m["holding"]["gates"], charlstm["gates"]
    lines = [f"Gate saturation, the paper's measure, in the toy LSTM ({m['holding']['cells']} cells, every step of "
             f"the {m['holding']['sequences']} sequences with delay {m['holding']['delay']}, measured by "
             f"`python -m demos train delay`) and in the char-LSTM ({charlstm['analysis_chars']:,} held-out "
             "characters, measured by its training script): the mean share of steps on which a cell's gate is "
             "above 0.9 or below 0.1, and how many cells are so on more than half of them.", "",
             "| gate | toy: share > 0.9 | toy: share < 0.1 | toy: cells mostly > 0.9 / < 0.1 "
             "| char-LSTM: share > 0.9 | char-LSTM: share < 0.1 | char-LSTM: cells mostly > 0.9 / < 0.1 |",
             "|---|---|---|---|---|---|---|"]
    for gate in ("input_gate", "forget_gate", "output_gate"):
        a, b = toy[gate], text[gate]
        lines.append(f"| {gate.replace('_', ' ')} | {a['mean_right']:.1%} | {a['mean_left']:.1%} | "
                     f"{a['right_saturated_cells']} / {a['left_saturated_cells']} of {m['holding']['cells']} | "
                     f"{b['mean_right']:.1%} | {b['mean_left']:.1%} | "
                     f"{b['right_saturated_cells']} / {b['left_saturated_cells']} of {charlstm_cells(charlstm)} |")
    return "\n".join(lines) + "\n"


def charlstm_cells(charlstm: dict) -> int:
    from demos.charlstm.report import _hidden
    return _hidden(charlstm)


def write(metrics: dict) -> None:
    from demos.common import sidecar
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "accuracy.md").write_text(table(metrics))
    (RESULTS / "gates.md").write_text(gates_table(metrics, sidecar.read("charlstm")["metrics"]))
    SVG.write_text(svg(metrics))
