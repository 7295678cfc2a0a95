"""The memory experiment: NTM and Transformer × copy and recall × seeds, one command.

    python -m demos.memory compare           # full run (its measured training time: the protocol table)
    python -m demos.memory compare --smoke   # tiny budget, writes to build/memory/smoke (tests use it)

Writes demos/memory/results/results.json (every number the page shows), Markdown tables generated
from it (included by the page), figures docs/assets/figures/memory-*.svg, and one checkpoint per run
in build/memory/runs/ (export picks one seed per model and task from results.json).
"""
from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from pathlib import Path

import numpy as np
import torch

from demos.common.paths import BUILD_DIR, ROOT
from demos.memory_transformer import train as tr_train
from demos.ntm import train as ntm_train

from . import report
from . import tasks as T
from . import training

RESULTS_DIR = ROOT / "demos" / "memory" / "results"
FIGURES_DIR = ROOT / "docs" / "assets" / "figures"
TRAINERS = {"ntm": ntm_train, "transformer": tr_train}

FULL = {"seeds": [0, 1, 2], "sequences": {"copy": 8_000, "recall": 7_000}, "eval_n": 100, "log_every": 250,
        "timing_lengths": [10, 20, 40, 80, 120]}
SMOKE = {"seeds": [0], "sequences": {"copy": 24, "recall": 24}, "eval_n": 4, "log_every": 8,
         "timing_lengths": [10, 20]}
THRESHOLD = 0.1  # bits per sequence that count as "converged"


def run_path(model: str, task: str, seed: int, runs_dir: Path) -> Path:
    return runs_dir / f"{model}-{task}-seed{seed}.pt"


def ms_per_step(model_name: str, module, task: T.Task, size: int, repeats: int = 3) -> float:
    """Median wall time per input step, torch eager, one thread, batch 1.

    NTM: one `step` call (the cost is the same at every step). Transformer: a forward pass over the
    whole sequence divided by its length (no key/value cache, as exported)."""
    x, _, _ = T.sample(task, size, 1, np.random.default_rng(0))
    xs = torch.from_numpy(x)
    times = []
    with torch.no_grad():
        for _ in range(repeats):
            start = time.perf_counter()
            if model_name == "ntm":
                state = module.initial_state(1)
                for t in range(xs.shape[1]):
                    _, state, _ = module.step(xs[:, t], *state)
            else:
                module(xs)
            times.append((time.perf_counter() - start) / xs.shape[1] * 1000)
    return statistics.median(times)


def memory_floats(model_name: str, cfg, length: int) -> int:
    """Floats held at inference to continue a sequence of `length` steps."""
    if model_name == "ntm":  # memory matrix, read vector, two weightings, controller h and c
        return cfg.mem_n * cfg.mem_m + cfg.mem_m + 2 * cfg.mem_n + 2 * cfg.controller
    return 2 * cfg.n_layers * cfg.d_model * length  # keys and values of every layer and step


def summarise(runs: list[dict]) -> dict:
    out = {}
    for run in runs:
        out.setdefault(run["model"], {}).setdefault(run["task"], []).append(run)
    summary = {}
    for model, by_task in out.items():
        for task, rs in by_task.items():
            sizes = list(rs[0]["generalisation"])
            summary.setdefault(model, {})[task] = {
                "seeds": [r["seed"] for r in rs],
                "params": rs[0]["params"],
                "optimizer": rs[0]["optimizer"],
                "converged_at": [r["converged_at"] for r in rs],
                "median": {s: statistics.median(r["generalisation"][s] for r in rs) for s in sizes},
                "min": {s: min(r["generalisation"][s] for r in rs) for s in sizes},
                "max": {s: max(r["generalisation"][s] for r in rs) for s in sizes},
                "seconds_per_sequence": statistics.median(r["seconds_per_sequence"] for r in rs),
            }
    return summary


def bars(summary: dict) -> dict:
    copy = summary.get("ntm", {}).get("copy")
    if not copy:
        return {}
    short = max(v for s, v in copy["median"].items() if int(s) <= 20)
    long = copy["median"].get("40")
    return {"ntm_copy_up_to_20": {"median_bits": short, "limit": 0.1, "met": short <= 0.1},
            "ntm_copy_40": {"median_bits": long, "limit": 2.0, "met": long is not None and long <= 2.0}}


def pick_seed(runs: list[dict], model: str, task: T.Task) -> int:
    """The seed exported for the demo: fewest bit errors at the longest training size, then beyond."""
    rs = [r for r in runs if r["model"] == model and r["task"] == task.name]
    sizes = [str(s) for s in task.test_sizes if s >= task.train_max]
    return min(rs, key=lambda r: [r["generalisation"][s] for s in sizes])["seed"]


def experiment(protocol: dict, runs_dir: Path, out_dir: Path, figures_dir: Path) -> dict:
    torch.set_num_threads(1)
    runs = []
    results = {"protocol": {**protocol, "threshold_bits": THRESHOLD, "tasks": {
                   t.name: {"n_in": t.n_in, "n_out": t.n_out, "train": [t.train_min, t.train_max],
                            "test_sizes": list(t.test_sizes)} for t in T.TASKS.values()}},
               "machine": {"torch": torch.__version__, "threads": 1, "processor": platform.processor(),
                           "python": platform.python_version()}}
    plan = [(m, t, s) for t in T.TASKS.values() for m in TRAINERS for s in protocol["seeds"]]
    timed = {}
    for i, (model_name, task, seed) in enumerate(plan, 1):
        desc = f"[{i}/{len(plan)}] {model_name} {task.name} seed {seed}"
        module, record = TRAINERS[model_name].train_run(task, seed, protocol["sequences"][task.name], desc,
                                                         protocol["log_every"])
        TRAINERS[model_name].save(module, run_path(model_name, task.name, seed, runs_dir))
        record.update(model=model_name, task=task.name, seed=seed,
                      generalisation=training.generalisation(module, task, task.test_sizes, protocol["eval_n"], seed))
        print(f"{desc}: converged at {record['converged_at']}, bits per sequence by size "
              f"{record['generalisation']}", flush=True)
        runs.append(record)
        if task.name == "copy" and model_name not in timed:
            timed[model_name] = module
        results.update(runs=runs, summary=summarise(runs), bars=bars(summarise(runs)), complete=i == len(plan))
        write(results, out_dir)
    results["inference_ms_per_step"] = {"sequence_length": [2 * n + 1 for n in protocol["timing_lengths"]], **{
        m: [ms_per_step(m, module, T.COPY, n) for n in protocol["timing_lengths"]] for m, module in timed.items()}}
    lengths = [2 * n + 1 for n in (10, 20, 40, 60, 80, 120)]
    results["memory_floats"] = {"sequence_length": lengths, **{
        m: [memory_floats(m, c, n) for n in lengths]
        for m, c in (("ntm", ntm_train.config_for(T.COPY)), ("transformer", tr_train.config_for(T.COPY)))}}
    results["exported_seed"] = {m: {t.name: pick_seed(runs, m, t) for t in T.TASKS.values()} for m in TRAINERS}
    write(results, out_dir)
    report.write_all(results, out_dir, figures_dir)
    return results


def extend(results: dict, factor: int, runs_dir: Path, out_dir: Path, figures_dir: Path, only=None) -> dict:
    """Retrain, with `factor` times the budget and the first seed, every model and task that did not
    converge in all seeds (or those in `only`, as "model/task"): is the miss a matter of budget?
    Adds the runs to results["extended"], replacing an earlier run with the same model, task and factor."""
    torch.set_num_threads(1)
    protocol, seed = results["protocol"], results["protocol"]["seeds"][0]
    todo = [(m, t) for m, by_task in results["summary"].items() for t, s in by_task.items()
            if (f"{m}/{t}" in only if only else None in s["converged_at"])]
    extended = results.setdefault("extended", {"seed": seed, "runs": []})
    for i, (model_name, task_name) in enumerate(todo, 1):
        task = T.TASKS[task_name]
        budget = factor * protocol["sequences"][task_name]
        module, record = TRAINERS[model_name].train_run(
            task, seed, budget, f"[extended {i}/{len(todo)}] {model_name} {task_name}", protocol["log_every"])
        TRAINERS[model_name].save(module, runs_dir / f"{model_name}-{task_name}-seed{seed}-x{factor}.pt")
        record.update(model=model_name, task=task_name, seed=seed, factor=factor,
                      generalisation=training.generalisation(module, task, task.test_sizes, protocol["eval_n"], seed))
        print(f"extended {model_name} {task_name}: converged at {record['converged_at']}, "
              f"{record['generalisation']}", flush=True)
        extended["runs"] = [r for r in extended["runs"] if (r["model"], r["task"], r.get("factor", extended.get(
            "factor"))) != (model_name, task_name, factor)] + [record]
        write(results, out_dir)
    report.write_all(results, out_dir, figures_dir)
    return results


def write(results: dict, out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "results.json"
    path.write_text(json.dumps(results, indent=1) + "\n")
    return path


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m demos.memory compare", description=__doc__.split("\n")[0])
    parser.add_argument("--smoke", action="store_true", help="tiny budget, output under build/memory/smoke")
    parser.add_argument("--report-only", action="store_true", help="redraw figures and tables from results.json")
    parser.add_argument("--extend", type=int, metavar="FACTOR",
                        help="after a full run: retrain what did not converge with FACTOR times the budget (one seed)")
    parser.add_argument("--only", nargs="+", metavar="MODEL/TASK", help="with --extend: just these, e.g. ntm/recall")
    args = parser.parse_args(argv)
    if args.extend:
        extend(json.loads((RESULTS_DIR / "results.json").read_text()), args.extend,
               BUILD_DIR / "memory" / "runs", RESULTS_DIR, FIGURES_DIR, args.only)
    elif args.report_only:
        report.write_all(json.loads((RESULTS_DIR / "results.json").read_text()), RESULTS_DIR, FIGURES_DIR)
    elif args.smoke:
        smoke = BUILD_DIR / "memory" / "smoke"
        experiment(SMOKE, smoke / "runs", smoke, smoke)
    else:
        experiment(FULL, BUILD_DIR / "memory" / "runs", RESULTS_DIR, FIGURES_DIR)
