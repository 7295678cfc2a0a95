"""Every sidecar in exported_models/: well formed, and each model file it lists is there, within
budget, with the recorded size and sha256. No ONNX file is left without a sidecar."""
import hashlib
import json

import pytest

from demos.common import sidecar as sc
from demos.common.paths import MODELS_DIR

NAMES = sc.names()
ENTRIES = [(name, entry) for name in NAMES for entry in json.loads((MODELS_DIR / f"{name}.json").read_text())["models"]]


def test_every_demo_has_a_sidecar():
    assert {"digits", "yolo", "rcnn", "visualize", "memory"} <= set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_sidecar_schema(name):
    card = sc.read(name)
    assert sc.validate(card) == [] and card["name"] == name and card["golden"]


@pytest.mark.parametrize("name, entry", ENTRIES, ids=[e["file"] for _, e in ENTRIES])
def test_model_file_matches_its_sidecar(name, entry):
    data = (MODELS_DIR / entry["file"]).read_bytes()
    assert len(data) == entry["bytes"] <= sc.MAX_MODEL_BYTES
    assert hashlib.sha256(data).hexdigest() == entry["sha256"]


def test_no_model_file_without_a_sidecar():
    listed = {entry["file"] for _, entry in ENTRIES}
    assert {p.name for p in MODELS_DIR.glob("*.onnx")} == listed
