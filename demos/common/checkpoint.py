"""A training run, kept between `python -m demos train NAME` and `python -m demos export NAME`.

Saved under build/NAME/ (gitignored): the weights with the model's config, and the metrics the
training script measured, which the export copies into the sidecar.
"""
from __future__ import annotations

import json
from typing import Callable

import torch

from .errors import DemoError
from .paths import BUILD_DIR


def save(name: str, model: torch.nn.Module, metrics: dict) -> None:
    """Print the metrics and keep them with the weights and `model.config`."""
    print(json.dumps(metrics, indent=1))
    out = BUILD_DIR / name
    out.mkdir(parents=True, exist_ok=True)
    torch.save({"config": model.config.to_dict(), "state": model.state_dict()}, out / "state.pt")
    (out / "metrics.json").write_text(json.dumps(metrics, indent=1))


def load(name: str, build: Callable[[dict], torch.nn.Module]) -> tuple[torch.nn.Module, dict]:
    """The trained model in eval mode (`build` makes the module from the saved config) and its metrics."""
    state_file = BUILD_DIR / name / "state.pt"
    if not state_file.is_file():
        raise DemoError(f"{state_file} is missing: run `python -m demos train {name}` first")
    saved = torch.load(state_file, weights_only=True)
    model = build(saved["config"])
    model.load_state_dict(saved["state"])
    return model.eval(), json.loads((BUILD_DIR / name / "metrics.json").read_text())
