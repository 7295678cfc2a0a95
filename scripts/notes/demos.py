"""Demo boxes on pages (`<div data-demo="NAME" data-KEY="VALUE">`, found in the page's HTML) and the
sidecars they need: each sidecar is checked with the one schema (demos/common/sidecar.py), its paper keys
against docs/papers.bib, and a box's data-* attributes against the options its sidecar declares."""

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from demos.common import options, sidecar as sc
from demos.common.errors import DemoError
from demos.common.text import NotUTF8, decode
from notes.problems import Problem

NAME = re.compile(r"^[a-z][a-z0-9_]*$")  # also a Python package name under demos/
FIXED_ATTRS = ("data-demo", "data-part")  # every box may say which demo, and which part of it to show


@dataclass
class Sidecar:
    name: str
    papers: list[str] = field(default_factory=list)
    options: dict = field(default_factory=dict)


def _line_of(text: str, needle: str) -> int:
    index = text.find(needle)
    return text.count("\n", 0, index) + 1 if index >= 0 else 1


def _path_line(text: str, path: list) -> int:
    """The line of the deepest key of a JSON path found in the text (the file's first line otherwise)."""
    keys = [part for part in path if isinstance(part, str)]
    return next((_line_of(text, f'"{key}"') for key in reversed(keys) if f'"{key}"' in text), 1)


def load_sidecars(models_dir: Path, shown_dir: str, paper_keys: set[str]) -> tuple[dict[str, Sidecar], list[Problem]]:
    """Read exported_models/*.json; report non-UTF-8 text, invalid JSON, schema problems, unknown paper keys."""
    sidecars, problems = {}, []
    for path in sorted(models_dir.glob("*.json")) if models_dir.is_dir() else []:
        shown = f"{shown_dir}/{path.name}"
        try:
            text = decode(path.read_bytes(), shown)
            data = json.loads(text)
        except NotUTF8 as error:
            problems.append(Problem(shown, error.line, error.reason))
            continue
        except json.JSONDecodeError as error:
            problems.append(Problem(shown, error.lineno, f"invalid JSON: {error.msg}"))
            continue
        found = sc.problem_paths(data)
        if not found and data["name"] != path.stem:
            found = [(["name"], f"name is '{data['name']}' but the file is {path.name}")]
        problems += [Problem(shown, _path_line(text, where), message) for where, message in found]
        if found:
            continue
        for key in data["papers"]:
            if key not in paper_keys:
                problems.append(Problem(shown, _line_of(text, f'"{key}"'), f"unknown paper key '{key}'; add it to docs/papers.bib"))
        sidecars[path.stem] = Sidecar(path.stem, [k for k in data["papers"] if k in paper_keys], data["options"])
    return sidecars, problems


def _option_problems(box, sidecar: Sidecar) -> list[str]:
    allowed = {*FIXED_ATTRS, *(f"data-{key}" for key in sidecar.options)}
    found = []
    for attr, value in box.attrs.items():
        if not attr.startswith("data-") or attr in FIXED_ATTRS:
            continue
        if attr not in allowed:
            takes = ", ".join(sorted(allowed - {"data-demo"}))
            found.append(f"unknown attribute '{attr}' on demo '{box.name}'; it takes {takes} "
                         f"(options are declared in exported_models/{box.name}.json)")
            continue
        key = attr[len("data-"):]
        try:
            options.parse(sidecar.options[key], key, value, where=f"demo '{box.name}': {attr}: option")
        except DemoError as error:
            found.append(str(error))
    return found


def check(boxes, line_of, shown: str, sidecars: dict[str, Sidecar], models_dir: Path, models_shown: str,
          demo_modules: set[str]) -> tuple[list[tuple[int, str]], list[Problem]]:
    """Return (line, name) for each demo box on the page, and problems for unknown names and options."""
    placed, problems = [], []
    for box in boxes:
        name, number = box.name, line_of(box.needles)
        if not NAME.match(name):
            problems.append(Problem(shown, number, f"demo name '{name}' must be lower_case letters, digits and _"))
        elif name not in sidecars:
            if (models_dir / f"{name}.json").is_file():
                continue  # its sidecar's own problem is reported already
            problems.append(Problem(shown, number, f"unknown demo '{name}': {models_shown}/{name}.json does not exist "
                                    f"(run `python -m demos export {name}`)"))
        elif name not in demo_modules:
            problems.append(Problem(shown, number, f"demo '{name}' has no browser module docs/javascripts/demos/{name}.js"))
        else:
            problems += [Problem(shown, number, message) for message in _option_problems(box, sidecars[name])]
            placed.append((number, name))
    return placed, problems
