"""`python -m demos run memory INPUT`: both models on one copy or recall input (numpy + onnxruntime).

INPUT is the page's URL query (also accepted inside a text file):

    task=copy&bits=10110010.01100111.11110000          copy: 8-bit vectors separated by '.'
    task=recall&items=101100-011010-111000.000111-110011-101010&query=0
                                                       recall: items separated by '.', each item three
                                                       6-bit vectors separated by '-'; query = the
                                                       index of the item to show (0-based, not the last)

or a JSON file {"task": "copy", "bits": [[1,0,...], ...]} / {"task": "recall", "items": [[[...]]], "query": 0}.
"""
from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qs

import numpy as np

from demos.common.errors import DemoError
from demos.common.text import read as read_text
from demos.memory_transformer import infer as tr_infer
from demos.ntm import infer as ntm_infer

from . import tasks as T

MODELS = ("ntm", "transformer")


def _bits(text: str, width: int, what: str) -> list[int]:
    if len(text) != width or set(text) - {"0", "1"}:
        raise DemoError(f"{what} must be {width} characters, each 0 or 1 (got '{text[:20]}')")
    return [int(ch) for ch in text]


def parse_query(query: str, sidecar: dict) -> dict:
    """The URL form -> {"task", "bits"} or {"task", "items", "query"}; every problem as a DemoError."""
    fields = {k: v[-1] for k, v in parse_qs(query.strip().lstrip("?#"), keep_blank_values=True).items()}
    task = fields.get("task", "")
    if task == "copy":
        width = sidecar["tasks"]["copy"]["n_out"]
        vectors = [v for v in fields.get("bits", "").split(".") if v]
        return check({"task": "copy", "bits": [_bits(v, width, f"copy vector {i + 1}") for i, v in enumerate(vectors)]},
                     sidecar)
    if task == "recall":
        width = sidecar["tasks"]["recall"]["n_out"]
        items = [[_bits(v, width, f"item {i + 1}") for v in item.split("-")]
                 for i, item in enumerate(i for i in fields.get("items", "").split(".") if i)]
        try:
            query = int(fields.get("query", "0"))
        except ValueError:
            raise DemoError(f"query must be a whole number (got '{fields.get('query')}')") from None
        return check({"task": "recall", "items": items, "query": query}, sidecar)
    raise DemoError(f"task must be 'copy' or 'recall' (got '{task}')")


JSON_FORM = ('a memory input file holds {"task": "copy", "bits": [[0, 1, ...], ...]} or '
             '{"task": "recall", "items": [[[0, 1, ...], ...], ...], "query": 0}')


def _well_formed(inputs: dict) -> bool:
    """The JSON form's types (lists of lists, a whole-number query), checked before anything indexes them."""
    vectors = lambda v: isinstance(v, list) and all(isinstance(x, list) for x in v)
    if inputs["task"] == "copy":
        return vectors(inputs.get("bits"))
    items = inputs.get("items")
    return isinstance(items, list) and all(vectors(i) for i in items) and type(inputs.get("query")) is int


def check(inputs: dict, sidecar: dict) -> dict:
    """Refuse what no model can run: empty sequences, bad cells, sizes past the demo's input limit."""
    if not isinstance(inputs, dict) or not isinstance(inputs.get("task"), str):
        raise DemoError(JSON_FORM)
    spec = sidecar["tasks"][inputs.get("task")] if inputs.get("task") in sidecar["tasks"] else None
    if spec is None:
        raise DemoError(f"task must be 'copy' or 'recall' (got '{inputs.get('task')}')")
    if not _well_formed(inputs):
        raise DemoError(JSON_FORM)
    cells = inputs["bits"] if inputs["task"] == "copy" else [v for item in inputs["items"] for v in item]
    if any(len(v) != spec["n_out"] or any(b not in (0, 1) for b in v) for v in cells):
        raise DemoError(f"every {inputs['task']} vector must have {spec['n_out']} cells, each 0 or 1")
    size = len(inputs["bits"]) if inputs["task"] == "copy" else len(inputs["items"])
    if size < spec["min_size"]:
        raise DemoError(f"{inputs['task']} needs at least {spec['min_size']} "
                        f"{'vector' if inputs['task'] == 'copy' else 'items'} (got {size})")
    if size > spec["max_size"]:
        raise DemoError(f"the demo accepts at most {spec['max_size']} {spec['unit']} for {inputs['task']} (got {size})")
    if inputs["task"] == "recall":
        if any(len(item) != T.ITEM_LEN for item in inputs["items"]):
            raise DemoError(f"each recall item has {T.ITEM_LEN} vectors")
        if not 0 <= inputs["query"] < size - 1:
            raise DemoError(f"query must be an item index from 0 to {size - 2} (the last item has no successor)")
    return inputs


def load_input(path, sidecar: dict) -> dict:
    text = str(path)
    if text.lstrip("?#").startswith("task="):  # the page's query string itself, not a file name
        return parse_query(text, sidecar)
    p = Path(text)
    try:
        found = p.is_file()
    except OSError:  # e.g. a name too long for the file system
        found = False
    if not found and p.is_dir():
        raise DemoError(f"{p} is a directory; give a file, or a query like 'task=copy&bits=10110010.01100111'")
    if not found:
        raise DemoError(f"{p}: no such file (give a file, or a query like 'task=copy&bits=10110010.01100111')")
    content = read_text(p).strip()
    if content.startswith("{"):
        try:
            return check(json.loads(content), sidecar)
        except (json.JSONDecodeError, KeyError, TypeError) as err:
            raise DemoError(f"{p}: not a memory input ({err})") from None
    return parse_query(content, sidecar)


def stream(inputs: dict):
    """The task's input stream x (T, n_in), target y (T, n_out) and scored-step mask (T,)."""
    if inputs["task"] == "copy":
        x, y, mask = T.copy_stream(np.asarray(inputs["bits"], np.float32)[None])
    else:
        x, y, mask = T.recall_stream(np.asarray(inputs["items"], np.float32)[None], np.asarray([inputs["query"]]))
    return x[0], y[0], mask


def capacity_problem(model: str, task: str, steps: int, size: int, sidecar: dict) -> str | None:
    """Why `model` cannot run this input, in words for the reader, or None."""
    limits = sidecar["limits"]
    if model == "ntm" and task == "copy" and size > limits["ntm_rows"]:
        return (f"a copy of {size} vectors needs {size} memory rows, the NTM has {limits['ntm_rows']}: "
                "it would overwrite the start of the sequence before reading it back")
    if model == "transformer" and steps > limits["transformer_positions"]:
        return (f"this input is {steps} steps long; the Transformer's position capacity is "
                f"{limits['transformer_positions']} steps (the key/value cache the demo lets it grow)")
    return None


def predict(sessions, sidecar: dict, inputs: dict) -> dict:
    x, y, mask = stream(inputs)
    size = len(inputs["bits"]) if inputs["task"] == "copy" else len(inputs["items"])
    target = y[mask].astype(int)
    result = {"task": inputs["task"], "size": size, "steps": len(x), "target": target.tolist()}
    for model in MODELS:
        index = sidecar["model_index"][model][inputs["task"]]
        problem = capacity_problem(model, inputs["task"], len(x), size, sidecar)
        if problem:
            result[model] = {"skipped": problem}
            continue
        if model == "ntm":
            trace = ntm_infer.run_sequence(sessions[index], sidecar["config"]["ntm"][inputs["task"]], x)
        else:
            trace = tr_infer.run_sequence(sessions[index], x)
        bits = (trace["y"][mask] > 0.5).astype(int)
        result[model] = {"output": bits.tolist(), "probabilities": np.round(trace["y"][mask], 6).tolist(),
                         "bit_errors": int((bits != target).sum())}
    return result


def _grid(rows, target=None) -> str:
    if target is None:
        return "\n".join("  " + "".join("█" if b else "·" for b in r) for r in rows)
    return "\n".join("  " + "".join(("█" if b else "·") if b == t else ("X" if b else "x") for b, t in zip(r, tr))
                     for r, tr in zip(rows, target))


def format_text(result: dict, sidecar: dict) -> str:
    lines = [f"{result['task']}: {result['size']} {'vectors' if result['task'] == 'copy' else 'items'}, "
             f"{result['steps']} steps", "target:", _grid(result["target"])]
    for model in MODELS:
        r = result[model]
        name = "NTM" if model == "ntm" else "Transformer"
        if "skipped" in r:
            lines.append(f"{name}: not run: {r['skipped']}")
        else:
            lines += [f"{name}: {r['bit_errors']} bit errors (wrong bits: X should be 0, x should be 1)",
                      _grid(r["output"], result["target"])]
    return "\n".join(lines)
