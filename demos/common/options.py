"""A demo's options — the page's controls — declared once, in the sidecar's `"options"`.

Each option is one control; the page builds it from the declaration and the CLI's `--set KEY=VALUE`
and a note's `data-KEY="VALUE"` are checked against it:

    {"label": "NMS IoU", "type": "number",  "min": 0, "max": 1, "step": 0.05, "default": 0.4}
    {"label": "layer",   "type": "integer", "min": 1, "max": 4, "step": 1,    "default": 4}
    {"label": "explain", "type": "choice",  "choices": [null, "circle", "square"], "default": null}

A value must be one the control can produce: in [min, max] on the grid min + k·step, or one of the
choices (`null` is a choice like any other, e.g. "the predicted class"). Standard library only.
"""
from __future__ import annotations

import json
import math

from .errors import DemoError

STEP_TOLERANCE = 1e-9  # relative: 0.1 + 0.2 is on the 0.1 grid


def number(label: str, default: float, low: float, high: float, step: float) -> dict:
    return {"label": label, "type": "number", "min": low, "max": high, "step": step, "default": default}


def integer(label: str, default: int, low: int, high: int, step: int = 1) -> dict:
    return {"label": label, "type": "integer", "min": low, "max": high, "step": step, "default": default}


def choice(label: str, default, choices: list) -> dict:
    return {"label": label, "type": "choice", "choices": list(choices), "default": default}


def thresholds(defaults: dict) -> dict:
    """The two sliders of both detectors (docs/javascripts/detection.js, detectionPanel)."""
    return {"confidence": number("confidence ≥", defaults["confidence"], 0, 1, 0.01),
            "nms_iou": number("NMS IoU", defaults["nms_iou"], 0, 1, 0.05)}


def describe(spec: dict) -> str:
    """What a control accepts, in words: "a number from 0 to 1 in steps of 0.05"."""
    if spec["type"] == "choice":
        return "one of " + ", ".join(json.dumps(c) for c in spec["choices"])
    kind = "a whole number" if spec["type"] == "integer" else "a number"
    return f"{kind} from {spec['min']} to {spec['max']} in steps of {spec['step']}"


def _on_grid(value: float, spec: dict) -> bool:
    steps = (value - spec["min"]) / spec["step"]
    return abs(steps - round(steps)) <= STEP_TOLERANCE * max(1.0, abs(steps))


def fits(spec: dict, value) -> bool:
    """True when the control described by `spec` can produce `value`."""
    if spec["type"] == "choice":
        return any(value == c and type(value) is type(c) for c in spec["choices"])
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return False
    if spec["type"] == "integer" and not float(value).is_integer():
        return False
    return spec["min"] <= value <= spec["max"] and _on_grid(value, spec)


def problems(options: dict) -> list[tuple[str, str]]:
    """What JSON Schema cannot say about a sidecar's options, as (key, message): min is below max, and
    the default is a value the control can produce."""
    found = []
    for key, spec in options.items():
        if spec["type"] != "choice" and not spec["min"] < spec["max"]:
            found.append((key, f"options.{key}: min must be below max"))
        elif not fits(spec, spec["default"]):
            found.append((key, f"options.{key}: default {json.dumps(spec['default'])} is not {describe(spec)}"))
    return found


def parse(spec: dict, key: str, raw: str, where: str = "option"):
    """A value as written on the command line or in a data-* attribute → the typed value, checked."""
    try:
        value = json.loads(raw)
    except ValueError:
        value = raw  # a bare word is a string: --set target=circle
    if spec["type"] == "integer" and isinstance(value, float) and value.is_integer():
        value = int(value)
    if spec["type"] == "number" and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not fits(spec, value):
        raise DemoError(f"{where} {key} takes {describe(spec)}, got {raw!r}")
    return value


def apply(inputs: dict, options: dict, settings: list[str]) -> dict:
    """Set each KEY=VALUE of `settings` in `inputs`, after checking it against `options`."""
    for setting in settings:
        key, equals, raw = setting.partition("=")
        if key not in options:
            known = ", ".join(f"{k}={json.dumps(s['default'])}" for k, s in options.items()) or "none"
            raise DemoError(f"unknown option '{key}' (this demo's options and defaults: {known})")
        if not equals:
            raise DemoError(f"option {key} needs a value: --set {key}=VALUE, VALUE {describe(options[key])}")
        inputs[key] = parse(options[key], key, raw)
    return inputs
