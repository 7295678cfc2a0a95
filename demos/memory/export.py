"""`python -m demos export memory`: the four ONNX files of the memory demo and its sidecar.

Files: exported_models/ntm_copy.onnx, ntm_recall.onnx (NTM step models) and
memory_transformer_copy.onnx, memory_transformer_recall.onnx (Transformer, dynamic length), listed in
exported_models/memory.json in that order (`model_index` names them). The copy checkpoints are runs of
`python -m demos.memory compare` (results.json says which seed, and holds the comparison's metrics);
the recall checkpoints are the curriculum runs of `python -m demos.memory.recall --exported`, which
learn recall where the comparison's fixed budget does not (recall.exported() picks the seed).
"""
from __future__ import annotations

import json
from dataclasses import asdict

import numpy as np

from demos.common import runtime, sidecar as sc
from demos.common.errors import DemoError
from demos.common.paths import BUILD_DIR, MODELS_DIR
from demos.memory_transformer import export as tr_export
from demos.memory_transformer import train as tr_train
from demos.ntm import export as ntm_export
from demos.ntm import train as ntm_train

from . import infer, recall
from . import tasks as T
from .compare import RESULTS_DIR, run_path

FILES = {"ntm": "ntm_{}.onnx", "transformer": "memory_transformer_{}.onnx"}
MAX_SIZE = {"copy": 200, "recall": 30}  # the largest input the demo accepts (the models may refuse less)
GOLDEN_SEEDS = ((T.COPY, 10, 1), (T.COPY, 30, 2), (T.RECALL, 6, 3))


def query_for(task: T.Task, size: int, seed: int) -> str:
    """A random input in the page's URL form (see infer.py)."""
    rng = np.random.default_rng(seed)
    vec = lambda: "".join(map(str, rng.integers(0, 2, task.n_out)))  # noqa: E731
    if task.name == "copy":
        return "task=copy&bits=" + ".".join(vec() for _ in range(size))
    items = ".".join("-".join(vec() for _ in range(T.ITEM_LEN)) for _ in range(size))
    return f"task=recall&items={items}&query={int(rng.integers(0, size - 1))}"


def task_spec(task: T.Task) -> dict:
    return {"n_in": task.n_in, "n_out": task.n_out, "train": [task.train_min, task.train_max],
            "test_sizes": list(task.test_sizes), "min_size": 1 if task.name == "copy" else 2,
            "max_size": MAX_SIZE[task.name], "unit": "vectors" if task.name == "copy" else "items",
            "item_len": T.ITEM_LEN if task.name == "recall" else 1}


def metrics_from(results: dict, attempts: dict) -> dict:
    """The comparison's numbers (`<model>_<task>`: median over its seeds) and, for recall, the exported
    curriculum runs' own (`recall_exported`)."""
    summary = results["summary"]
    return {"bars": results["bars"], "seeds": results["protocol"]["seeds"],
            "sequences": results["protocol"]["sequences"],
            "exported_seed": {m: {"copy": seeds["copy"]} for m, seeds in results["exported_seed"].items()},
            "recall_exported": recall.summary(attempts),
            **{f"{m}_{t}": {"params": s["params"], "median_bit_errors": s["median"],
                            "converged_at": s["converged_at"], "optimizer": s["optimizer"]}
               for m, by_task in summary.items() for t, s in by_task.items()}}


def main(argv=None) -> None:
    results_path = RESULTS_DIR / "results.json"
    if not results_path.is_file():
        raise DemoError(f"{results_path} is missing: run `python -m demos.memory compare` first")
    results = json.loads(results_path.read_text())
    if not results.get("complete"):
        raise DemoError(f"{results_path} is from an unfinished run: rerun `python -m demos.memory compare`")
    path = build(results, recall.load(), BUILD_DIR / "memory" / "runs", MODELS_DIR)
    print(f"wrote {path}; bars: {json.dumps(results['bars'])}")


def checkpoint(results: dict, attempts: dict, model: str, task: T.Task, runs_dir):
    """The checkpoint exported for one model and task, and the command that makes it."""
    if task is T.RECALL:
        chosen = recall.exported(attempts).get(model)
        if chosen is None:
            return recall.checkpoint(recall.EXPORTED[model], 0), "python -m demos.memory.recall --exported"
        return recall.checkpoint(chosen["name"], chosen["seed"]), "python -m demos.memory.recall --exported"
    seed = results["exported_seed"][model][task.name]
    return run_path(model, task.name, seed, runs_dir), "python -m demos.memory compare"


def build(results: dict, attempts: dict, runs_dir, models_dir):
    """Export the chosen run of each model and task into `models_dir` and write memory.json there."""
    models, index, config = [], {}, {}
    for model, trainer, export in (("ntm", ntm_train, ntm_export.export_step),
                                   ("transformer", tr_train, tr_export.export_sequence)):
        for task in T.TASKS.values():
            path, command = checkpoint(results, attempts, model, task, runs_dir)
            if not path.is_file():
                raise DemoError(f"{path} is missing: run `{command}` first")
            module = trainer.load(path)
            index.setdefault(model, {})[task.name] = len(models)
            models.append(export(module, models_dir / FILES[model].format(task.name)))
            config.setdefault(model, {})[task.name] = asdict(module.cfg)
    sidecar = {
        "name": "memory",
        "title": "Memory: a Neural Turing Machine and a Transformer on copy and associative recall",
        "summary": "Both models read the same bit sequences; the NTM writes them into a 128×20 memory it "
                   "addresses by content and location, the Transformer attends over every past step.",
        "papers": ["graves2014ntm", "collier2018ntm", "vaswani2017attention"],
        "models": models, "options": {}, "model_index": index,
        "tasks": {t.name: task_spec(t) for t in T.TASKS.values()},
        "limits": {"ntm_rows": config["ntm"]["copy"]["mem_n"],
                   "transformer_positions": config["transformer"]["copy"]["max_len"]},
        "config": config, "metrics": metrics_from(results, attempts),
        "reproduce": "python -m demos train memory && python -m demos export memory",
        "golden": [],
    }
    sc.write(sidecar, models_dir)  # fills sha256 so the sessions below open verified files
    sessions = runtime.open_sessions(sidecar, models_dir)
    for task, size, seed in GOLDEN_SEEDS:
        query = query_for(task, size, seed)
        out = infer.predict(sessions, sidecar, infer.parse_query(query, sidecar))
        sidecar["golden"].append({"input": query, "output": out})
    return sc.write(sidecar, models_dir)
