"""Figures (SVG) and Markdown tables from results.json: the page shows only numbers made here."""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

COLORS = {"ntm": "#e4572e", "transformer": "#3f88c5"}
LABELS = {"ntm": "NTM", "transformer": "Transformer"}
INK = "#888888"  # mid grey: readable on the light and the dark theme
plt.rcParams.update({"svg.fonttype": "none", "svg.hashsalt": "inside-nn", "font.size": 9,
                     "text.color": INK, "axes.labelcolor": INK, "axes.edgecolor": INK,
                     "xtick.color": INK, "ytick.color": INK, "legend.frameon": False})


def _save(fig, path: Path) -> None:
    fig.tight_layout()
    fig.savefig(path, format="svg", transparent=True, metadata={"Date": None})
    plt.close(fig)


def curves(results: dict, path: Path) -> None:
    tasks = list(results["protocol"]["tasks"])
    fig, axes = plt.subplots(1, len(tasks), figsize=(8, 3.2), sharey=True)
    for ax, task in zip(axes, tasks):
        for run in (r for r in results["runs"] if r["task"] == task):
            seen, bits = zip(*run["curve"]) if run["curve"] else ((), ())
            ax.plot(seen, [max(b, 0.01) for b in bits], color=COLORS[run["model"]], lw=1, alpha=0.85,
                    label=f"{LABELS[run['model']]}" if run["seed"] == results["protocol"]["seeds"][0] else None)
        ext = results.get("extended") or {"runs": []}
        for run in (r for r in ext["runs"] if r["task"] == task and r["curve"]):
            seen, bits = zip(*run["curve"])
            ax.plot(seen, [max(b, 0.01) for b in bits], color=COLORS[run["model"]], lw=1, ls="--",
                    label=f"{LABELS[run['model']]}, ×{run.get('factor', ext.get('factor'))} budget")
        ax.axhline(results["protocol"]["threshold_bits"], color=INK, ls=":", lw=1)
        ax.set(yscale="log", title=f"{task}: one line per seed", xlabel="training sequences seen")
        ax.legend()
    axes[0].set_ylabel("bit errors per sequence")
    _save(fig, path)


def generalisation(results: dict, path: Path) -> None:
    tasks = results["protocol"]["tasks"]
    fig, axes = plt.subplots(1, len(tasks), figsize=(8, 3.2))
    for ax, (task, spec) in zip(axes, tasks.items()):
        for model, by_task in results["summary"].items():
            s = by_task.get(task)
            if not s:
                continue
            sizes = [int(k) for k in s["median"]]
            ax.plot(sizes, list(s["median"].values()), "o-", color=COLORS[model], label=f"{LABELS[model]} (median)")
            ax.fill_between(sizes, list(s["min"].values()), list(s["max"].values()), color=COLORS[model], alpha=0.2)
        ax.axvspan(spec["train"][0], spec["train"][1], color=INK, alpha=0.12, lw=0)
        ax.set(title=f"{task} (shaded: training range)", xlabel="vectors" if task == "copy" else "items")
        ax.legend()
    axes[0].set_ylabel("bit errors per sequence")
    _save(fig, path)


def cost(results: dict, path: Path) -> None:
    fig, (left, right) = plt.subplots(1, 2, figsize=(8, 3.2))
    mem = results["memory_floats"]
    inf = results["inference_ms_per_step"]
    for model in COLORS:
        if model in mem:
            left.plot(mem["sequence_length"], mem[model], "o-", color=COLORS[model], label=LABELS[model])
        if model in inf:
            right.plot(inf["sequence_length"], inf[model], "o-", color=COLORS[model], label=LABELS[model])
    left.set(title="state held at inference", xlabel="sequence length (steps)", ylabel="floats")
    right.set(title="inference time per step (torch, 1 thread)", xlabel="sequence length (steps)", ylabel="ms")
    left.legend()
    right.legend()
    _save(fig, path)


def _fmt(x) -> str:
    return "—" if x is None else f"{x:.2f}" if isinstance(x, float) else str(x)


def generalisation_table(results: dict) -> str:
    lines = []
    for task, spec in results["protocol"]["tasks"].items():
        sizes = [str(s) for s in spec["test_sizes"]]
        unit = "length" if task == "copy" else "items"
        lines += [f"| {task}: {unit} → | " + " | ".join(sizes) + " |", "|---|" + "---:|" * len(sizes)]
        for model, by_task in results["summary"].items():
            s = by_task.get(task)
            if s:
                cells = [f"{s['median'][k]:.2f} <small>({s['min'][k]:.2f}–{s['max'][k]:.2f})</small>" for k in sizes]
                lines.append(f"| {LABELS[model]} | " + " | ".join(cells) + " |")
        lines.append("")
    return "\n".join(lines)


def training_table(results: dict) -> str:
    lines = ["| model | task | parameters | sequences to < 0.1 bits/seq, per seed | training s/sequence | optimiser |",
             "|---|---|---:|---|---:|---|"]
    for model, by_task in results["summary"].items():
        for task, s in by_task.items():
            conv = ", ".join("not reached" if c is None else f"{c:,}" for c in s["converged_at"])
            lines.append(f"| {LABELS[model]} | {task} | {s['params']:,} | {conv} | "
                         f"{s['seconds_per_sequence'] * 1000:.1f} ms | {s['optimizer']} |")
    return "\n".join(lines) + "\n"


def cost_table(results: dict) -> str:
    mem, inf = results["memory_floats"], results["inference_ms_per_step"]
    lines = ["| sequence length (steps) | " + " | ".join(map(str, mem["sequence_length"])) + " |",
             "|---|" + "---:|" * len(mem["sequence_length"])]
    lines += [f"| {LABELS[m]}: floats held | " + " | ".join(f"{v:,}" for v in mem[m]) + " |" for m in COLORS if m in mem]
    lines += ["", "| sequence length (steps) | " + " | ".join(map(str, inf["sequence_length"])) + " |",
              "|---|" + "---:|" * len(inf["sequence_length"])]
    lines += [f"| {LABELS[m]}: ms per step | " + " | ".join(f"{v:.3f}" for v in inf[m]) + " |"
              for m in COLORS if m in inf]
    return "\n".join(lines) + "\n"


def bars_table(results: dict) -> str:
    names = {"ntm_copy_up_to_20": "NTM copy, lengths ≤ 20 (worst of 10 and 20)", "ntm_copy_40": "NTM copy, length 40"}
    lines = ["| bar | median bit errors / sequence | limit | met? |", "|---|---:|---:|---|"]
    for key, bar in results.get("bars", {}).items():
        met = "yes" if bar["met"] else "**no**"
        lines.append(f"| {names[key]} | {_fmt(bar['median_bits'])} | ≤ {bar['limit']} | {met} |")
    return "\n".join(lines) + "\n"


def protocol_table(results: dict) -> str:
    p = results["protocol"]
    lines = ["| | copy | recall |", "|---|---|---|"]
    tasks = p["tasks"]
    lines.append("| training sizes | " + " | ".join(f"{t['train'][0]}–{t['train'][1]} {u}" for t, u in
                                                 ((tasks["copy"], "vectors"), (tasks["recall"], "items"))) + " |")
    lines.append("| training sequences per run (both models) | " +
                 " | ".join(f"{p['sequences'][t]:,}" for t in ("copy", "recall")) + " |")
    sizes = (", ".join(map(str, tasks[t]["test_sizes"])) for t in ("copy", "recall"))
    lines.append("| test sizes | " + " | ".join(sizes) + " |")
    lines.append(f"| seeds per model and task | {len(p['seeds'])} | {len(p['seeds'])} |")
    lines.append(f"| test sequences per size | {p['eval_n']} | {p['eval_n']} |")
    lines.append(f"| converged means | < {p['threshold_bits']} bit errors per sequence, mean of {p['log_every']} "
                 f"consecutive training sequences | same |")
    minutes = sum(r["train_seconds"] for r in results["runs"]) / 60
    lines.append(f"| training time, all {len(results['runs'])} runs together | {minutes:.0f} min on one thread "
                 "(plus evaluation) | |")
    m = results["machine"]
    return "\n".join(lines) + f"\n\nMeasured with torch {m['torch']}, {m['threads']} thread, Python {m['python']}.\n"


def findings(results: dict) -> str:
    """The headline numbers as sentences, so the page's prose can point at them."""
    summary, seqs = results["summary"], results["protocol"]["sequences"]
    lines = []
    for task in results["protocol"]["tasks"]:
        parts = []
        for model in COLORS:
            s = summary.get(model, {}).get(task)
            if not s:
                continue
            hit = [c for c in s["converged_at"] if c is not None]
            when = f", after {min(hit):,}–{max(hit):,} sequences" if len(hit) > 1 else \
                f", after {hit[0]:,} sequences" if hit else ""
            parts.append(f"{LABELS[model]} reached < {results['protocol']['threshold_bits']} bit errors per sequence "
                         f"in {len(hit)} of {len(s['converged_at'])} seeds within {seqs[task]:,} sequences{when}")
        lines.append(f"* **{task}**: " + "; ".join(parts) + ".")
    tasks = results["protocol"]["tasks"]
    for task, unit, bits_per in (("copy", "vectors", tasks["copy"]["n_out"]),
                                 ("recall", "items", tasks["recall"]["n_out"] * 3)):
        longest_train = tasks[task]["train"][1]
        beyond = [s for s in tasks[task]["test_sizes"] if s > longest_train]
        if not beyond or task not in summary.get("ntm", {}):
            continue
        size = str(beyond[0] if task == "recall" else 40 if 40 in beyond else beyond[0])
        chance = (int(size) if task == "copy" else 1) * bits_per / 2
        vals = "; ".join(f"{LABELS[m]} {summary[m][task]['median'][size]:.2f}"
                         for m in COLORS if task in summary.get(m, {}))
        lines.append(f"* **{task} at {size} {unit}** (training went up to {longest_train}): median bit errors per "
                     f"sequence {vals}; guessing would make {chance:g}.")
    mem = results["memory_floats"]
    lines.append(f"* **State held at {mem['sequence_length'][-1]} steps**: NTM {mem['ntm'][-1]:,} floats, "
                 f"Transformer {mem['transformer'][-1]:,} (key/value cache), "
                 f"{mem['transformer'][-1] / mem['ntm'][-1]:.0f}× more and growing with every step.")
    train = {m: summary[m]["copy"]["seconds_per_sequence"] * 1000 for m in COLORS if "copy" in summary.get(m, {})}
    if len(train) == 2:
        lines.append(f"* **Training time per copy sequence**: NTM {train['ntm']:.1f} ms, Transformer "
                     f"{train['transformer']:.1f} ms ({train['ntm'] / train['transformer']:.0f}× faster), "
                     "same batch size, one CPU thread.")
    return "\n".join(lines) + "\n"


def recall_curves(results: dict) -> str:
    """Where each model's recall training curve started and ended, per seed (first and last block)."""
    lines = []
    for model in COLORS:
        rs = [r for r in results["runs"] if r["model"] == model and r["task"] == "recall" and r["curve"]]
        if rs:
            ends = ", ".join(f"{r['curve'][0][1]:.1f} → {r['curve'][-1][1]:.1f}" for r in rs)
            lines.append(f"* **{LABELS[model]}**, bit errors per recall sequence (of 18; guessing gets 9 wrong), "
                         f"first → last block of {results['protocol']['log_every']} training sequences, "
                         f"seeds {', '.join(str(r['seed']) for r in rs)}: {ends}.")
    return "\n".join(lines) + "\n"


def extended_table(results: dict) -> str:
    ext = results.get("extended")
    if not ext:
        return "No extended runs in the results file (`python -m demos.memory compare --extend 4` adds them).\n"
    lines = [f"| model | task | sequences | reached < {results['protocol']['threshold_bits']} "
             "bits/seq after | bit errors per sequence by size |", "|---|---|---:|---|---|"]
    for run in ext["runs"]:
        sizes = ", ".join(f"{k}: {v:.2f}" for k, v in run["generalisation"].items())
        conv = "not reached" if run["converged_at"] is None else f"{run['converged_at']:,}"
        factor = run.get("factor", ext.get("factor"))
        lines.append(f"| {LABELS[run['model']]} | {run['task']} | {run['sequences']:,} (×{factor}) | {conv} "
                     f"| {sizes} |")
    return "\n".join(lines) + "\n"


def write_all(results: dict, out_dir: Path, figures_dir: Path) -> None:
    figures_dir.mkdir(parents=True, exist_ok=True)
    curves(results, figures_dir / "memory-curves.svg")
    generalisation(results, figures_dir / "memory-generalisation.svg")
    cost(results, figures_dir / "memory-cost.svg")
    for name, make in (("generalisation", generalisation_table), ("training", training_table),
                       ("cost", cost_table), ("bars", bars_table),
                       ("protocol", protocol_table), ("findings", findings),
                       ("extended", extended_table), ("recall-curves", recall_curves)):
        (out_dir / f"{name}.md").write_text(make(results))
