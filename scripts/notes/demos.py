"""Demo names on pages (`data-demo="NAME"`) and the paper keys listed in sidecars."""

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from notes.markdown import prose_lines
from notes.problems import Problem

DEMO_ATTR = re.compile(r"\bdata-demo\s*=\s*[\"']([^\"']*)[\"']")
NAME = re.compile(r"^[a-z][a-z0-9_]*$")  # also a Python package name under demos/


@dataclass
class Sidecar:
    name: str
    papers: list[str] = field(default_factory=list)


def _line_of(text: str, needle: str) -> int:
    index = text.find(needle)
    return text.count("\n", 0, index) + 1 if index >= 0 else 1


def load_sidecars(models_dir: Path, shown_dir: str, paper_keys: set[str]) -> tuple[dict[str, Sidecar], list[Problem]]:
    """Read exported_models/*.json; report invalid JSON and unknown paper keys."""
    sidecars, problems = {}, []
    for path in sorted(models_dir.glob("*.json")) if models_dir.is_dir() else []:
        shown = f"{shown_dir}/{path.name}"
        text = path.read_text(encoding="utf-8")
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            problems.append(Problem(shown, error.lineno, f"invalid JSON: {error.msg}"))
            continue
        papers = data.get("papers", []) if isinstance(data, dict) else None
        if not isinstance(papers, list) or not all(isinstance(key, str) for key in papers):
            problems.append(Problem(shown, _line_of(text, '"papers"'), "'papers' must be a list of keys from docs/papers.bib"))
            continue
        for key in papers:
            if key not in paper_keys:
                problems.append(Problem(shown, _line_of(text, f'"{key}"'), f"unknown paper key '{key}'; add it to docs/papers.bib"))
        sidecars[path.stem] = Sidecar(path.stem, [k for k in papers if k in paper_keys])
    return sidecars, problems


def find(lines: list[str], first_line: int, shown: str, sidecars: dict[str, Sidecar], models_dir: Path,
         models_shown: str, demo_modules: set[str]) -> tuple[list[tuple[int, str]], list[Problem]]:
    """Return (line, name) for each demo placed on the page, and problems for unknown names."""
    placed, problems = [], []
    for number, line in prose_lines(lines, first_line):
        for match in DEMO_ATTR.finditer(line):
            name = match.group(1)
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
                placed.append((number, name))
    return placed, problems
