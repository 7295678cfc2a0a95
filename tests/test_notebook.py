"""The notebook page executes from its jupytext source and reaches the numbers it claims."""
import re
from pathlib import Path

import jupytext
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "docs" / "notebooks" / "digits.py"

pytestmark = pytest.mark.slow


def outputs_text(notebook) -> str:
    texts = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            texts.append(output.get("text", "") or output.get("data", {}).get("text/plain", ""))
    return "\n".join(texts)


def test_digits_notebook_executes_and_checks_parity():
    notebook = jupytext.read(NOTEBOOK)
    NotebookClient(notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}).execute()
    text = outputs_text(notebook)
    assert "(1797, 8, 8) images" in text
    parity = float(re.search(r"max \|torch - onnxruntime\| = ([0-9.e+-]+)", text).group(1))
    assert parity < 1e-4
    recorded, measured = map(float, re.search(r"recorded: ([0-9.]+)\s+measured now: ([0-9.]+)", text).groups())
    assert measured == pytest.approx(recorded, abs=1e-3) and measured >= 0.98
    images = sum("image/png" in o.get("data", {}) for c in notebook.cells for o in c.get("outputs", []))
    assert images == 2
