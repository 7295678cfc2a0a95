"""The JSON sidecar beside each exported model: one JSON Schema (sidecar.schema.json), sha256, loading.

The schema is checked with `jsonschema`; what a schema cannot say (an option's default is one its
control can produce, the name matches the file) is checked here. docs/javascripts/sidecar.js applies
the same schema in the browser. No numpy, so `python -m demos list` stays light.
"""
from __future__ import annotations

import hashlib
import json
import re
from functools import cache
from pathlib import Path

import jsonschema

from . import options, text
from .errors import DemoError
from .paths import MODELS_DIR

SCHEMA_PATH = Path(__file__).with_name("sidecar.schema.json")
MAX_MODEL_BYTES = 2 * 1024 * 1024
MAX_SHOWN = 5  # problems listed in one message
# Keywords whose schema carries a reader-facing "description" of what the value must be.
DESCRIBED = {"type", "pattern", "minItems", "minimum", "maximum", "minLength", "enum", "const", "oneOf", "anyOf",
             "exclusiveMinimum", "propertyNames"}


@cache
def schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@cache
def _validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(schema())


def sha256_file(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def names(models_dir: Path = MODELS_DIR) -> list[str]:
    return sorted(p.stem for p in Path(models_dir).glob("*.json"))


def json_path(parts) -> str:
    """("models", 0, "file") → "models[0].file"; the root is "the sidecar"."""
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "the sidecar"


def _message(error: jsonschema.ValidationError) -> str:
    where = json_path(error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        known = error.schema.get("properties", {})
        extra = [key for key in error.instance if key not in known]
        return f"{where}: unknown key {', '.join(repr(k) for k in extra)} (allowed: {', '.join(known)})"
    if error.validator == "required":
        return f"{where}: missing key {error.message.split(' is a required')[0]}"
    described = error.schema.get("description") if error.validator in DESCRIBED else None
    if described:
        return f"{where} {described}, got {json.dumps(error.instance, ensure_ascii=False)[:60]}"
    return f"{where}: {error.message[:160]}"


def problem_paths(sidecar) -> list[tuple[list, str]]:
    """Every problem as (JSON path, readable message); empty when the sidecar is well formed."""
    errors = sorted(_validator().iter_errors(sidecar), key=lambda e: (list(map(str, e.absolute_path)), e.validator))
    found = [(list(e.absolute_path), _message(e)) for e in errors]
    if not found:
        found = [(["options", key], message) for key, message in options.problems(sidecar["options"])]
    return found


def validate(sidecar) -> list[str]:
    """Every problem with a sidecar's shape, as readable strings (empty when it is well formed)."""
    return [message for _, message in problem_paths(sidecar)]


def parse(data: bytes, shown: str, name: str | None = None) -> dict:
    """Bytes of a sidecar → the checked sidecar, or one DemoError naming `shown`."""
    try:
        sidecar = json.loads(text.decode(data, shown))
    except json.JSONDecodeError as err:
        raise DemoError(f"{shown}:{err.lineno}: not valid JSON ({err.msg})") from None
    problems = validate(sidecar)
    if not problems and name is not None and sidecar["name"] != name:
        problems = [f"name is '{sidecar['name']}' but the file is {name}.json"]
    if problems:
        more = f" (and {len(problems) - MAX_SHOWN} more)" if len(problems) > MAX_SHOWN else ""
        raise DemoError(f"{shown}: {'; '.join(problems[:MAX_SHOWN])}{more}")
    return sidecar


def read(name: str, models_dir: Path = MODELS_DIR) -> dict:
    """The sidecar of demo `name`, schema-checked (model files are not read)."""
    path = Path(models_dir) / f"{name}.json"
    if not re.fullmatch(r"[a-z][a-z0-9_]*", name) or not path.is_file():
        known = ", ".join(names(models_dir)) or "none"
        raise DemoError(f"unknown demo '{name}' (known: {known})")
    return parse(path.read_bytes(), str(path), name)


def model_path(sidecar: dict, index: int = 0, models_dir: Path = MODELS_DIR) -> Path:
    """The ONNX file of model `index`, after checking it is inside models_dir and matches its sha256."""
    entry = sidecar["models"][index]
    folder = Path(models_dir).resolve()
    path = Path(models_dir) / entry["file"]
    if path.resolve().parent != folder:  # the schema allows plain names only; a symlink may still lead out
        raise DemoError(f"{sidecar['name']}.json: model file '{entry['file']}' is not inside {models_dir}")
    if not path.is_file():
        raise DemoError(f"model file {path} is missing; run `make models` or restore it from git")
    if sha256_file(path) != entry["sha256"]:
        raise DemoError(f"{path} does not match the sha256 in {sidecar['name']}.json "
                        "(the file is corrupt or was re-exported without its sidecar)")
    return path


def _compact_lists(text: str) -> str:
    """Put lists of numbers (and short strings) on one line, so a sidecar stays readable in a diff. Items are
    re-joined whole: a comma inside a string item ("," is a word of the caption demo) stays as it is."""
    item = r'(?:-?[\d.e+-]+|"[^"\n]*")'
    return re.sub(rf"\[\s*({item}(?:,\s*{item})*)\s*\]",
                  lambda m: "[" + ", ".join(re.findall(item, m.group(1))) + "]", text)


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
