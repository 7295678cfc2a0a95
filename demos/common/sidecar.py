"""The JSON sidecar beside each exported model: schema, sha256 and loading.

Standard library only, so `python -m demos list` works without numpy.
"""
from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from .errors import DemoError
from .paths import MODELS_DIR

REQUIRED = {"name": str, "title": str, "summary": str, "papers": list, "models": list,
            "metrics": dict, "reproduce": str, "golden": list}
MODEL_REQUIRED = {"file": str, "bytes": int, "sha256": str, "opset": int, "inputs": list, "outputs": list}
DTYPES = {"float32", "int64", "int32", "bool", "uint8"}
MAX_MODEL_BYTES = 2 * 1024 * 1024


def sha256_file(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def names(models_dir: Path = MODELS_DIR) -> list[str]:
    return sorted(p.stem for p in Path(models_dir).glob("*.json"))


def validate(sidecar: dict) -> list[str]:
    """Every problem with a sidecar's shape, as readable strings (empty when it is well formed)."""
    problems = [f"'{key}' must be a {typ.__name__}" for key, typ in REQUIRED.items()
                if not isinstance(sidecar.get(key), typ)]
    for i, model in enumerate(sidecar.get("models") or []):
        for key, typ in MODEL_REQUIRED.items():
            if not isinstance(model.get(key), typ):
                problems.append(f"models[{i}].{key} must be a {typ.__name__}")
        for io in ("inputs", "outputs"):
            for spec in model.get(io) or []:
                if spec.get("dtype") not in DTYPES or not isinstance(spec.get("name"), str) \
                        or not isinstance(spec.get("shape"), list):
                    problems.append(f"models[{i}].{io}: each needs name, dtype in {sorted(DTYPES)}, shape")
        if isinstance(model.get("bytes"), int) and model["bytes"] > MAX_MODEL_BYTES:
            problems.append(f"models[{i}] is {model['bytes']} bytes, over the 2 MB budget")
    if not sidecar.get("models"):
        problems.append("'models' must list at least one ONNX file")
    return problems


def read(name: str, models_dir: Path = MODELS_DIR) -> dict:
    """The sidecar of demo `name`, schema-checked (model files are not read)."""
    path = Path(models_dir) / f"{name}.json"
    if not path.is_file():
        known = ", ".join(names(models_dir)) or "none"
        raise DemoError(f"unknown demo '{name}' (known: {known})")
    try:
        sidecar = json.loads(path.read_text())
    except json.JSONDecodeError as err:
        raise DemoError(f"{path}:{err.lineno}: not valid JSON ({err.msg})") from None
    problems = validate(sidecar)
    if problems:
        raise DemoError(f"{path}: {'; '.join(problems)}")
    return sidecar


def model_path(sidecar: dict, index: int = 0, models_dir: Path = MODELS_DIR) -> Path:
    """The ONNX file of model `index`, after checking it exists and matches the sidecar's sha256."""
    entry = sidecar["models"][index]
    path = Path(models_dir) / entry["file"]
    if not path.is_file():
        raise DemoError(f"model file {path} is missing; run `make models` or restore it from git")
    if sha256_file(path) != entry["sha256"]:
        raise DemoError(f"{path} does not match the sha256 in {sidecar['name']}.json "
                        "(the file is corrupt or was re-exported without its sidecar)")
    return path


def _compact_lists(text: str) -> str:
    """Put lists of numbers on one line, so a sidecar stays readable in a diff."""
    item = r'(?:-?[\d.e+-]+|"[^"\n]*")'
    return re.sub(rf"\[\s*({item}(?:,\s*{item})*)\s*\]",
                  lambda m: "[" + re.sub(r",\s*", ", ", m.group(1)) + "]", text)


def write(sidecar: dict, models_dir: Path = MODELS_DIR) -> Path:
    """Fill in bytes and sha256 of each model from its file, check the schema, write `<name>.json`."""
    for entry in sidecar["models"]:
        data = (Path(models_dir) / entry["file"]).read_bytes()
        entry["bytes"] = len(data)
        entry["sha256"] = hashlib.sha256(data).hexdigest()
    problems = validate(sidecar)
    if problems:
        raise DemoError(f"sidecar for {sidecar.get('name')}: {'; '.join(problems)}")
    path = Path(models_dir) / f"{sidecar['name']}.json"
    path.write_text(_compact_lists(json.dumps(sidecar, indent=1, ensure_ascii=False)) + "\n")
    return path
