"""docs/javascripts/download.js: what a demo box says about its downloads, run in Node."""
import json

import pytest

from demos.common import sidecar as sc
from tests.nodejs import JS, evaluate



def js(expression: str):
    return evaluate(f"return {expression};", {"d": JS / "download.js"})


@pytest.mark.parametrize("known, length, encoding, total", [
    (14_200_000, "3700000", "gzip", 14_200_000),   # the known size wins over the compressed length
    (0, "3700000", "gzip", 0),                     # encoded, size unknown: no total rather than a wrong one
    (0, "3700000", "br", 0),
    (0, "3700000", None, 3_700_000),               # not encoded: Content-Length is the size
    (0, "3700000", "identity", 3_700_000),
    (0, None, None, 0),
])
def test_progress_total_never_uses_a_compressed_length(known, length, encoding, total):
    assert js(f"d.progressTotal({json.dumps(known)}, {json.dumps(length)}, {json.dumps(encoding)})") == total


def test_progress_text_never_reads_more_than_the_total():
    assert js('d.progressText("digits.onnx", 80000, 160000)') == "Downloading digits.onnx: 80 KB of 160 KB"
    assert js('d.progressText("digits.onnx", 170000, 160000)') == "Downloading digits.onnx: 160 KB of 160 KB"
    assert js('d.progressText("ONNX Runtime", 5200000, 0)') == "Downloading ONNX Runtime: 5.2 MB"


def test_first_run_names_every_file_and_the_total():
    card = sc.read("memory")
    files = js(f"d.firstRunFiles({json.dumps(card)}, 14200000, false)")
    assert files[0] == {"what": "ONNX Runtime", "bytes": 14_200_000}
    assert [f["what"] for f in files[1:]] == [m["file"] for m in card["models"]]
    text = js(f"d.firstRunText(d.firstRunFiles({json.dumps(card)}, 14200000, false))")
    total = 14_200_000 + sum(m["bytes"] for m in card["models"])
    assert text.startswith(f"Running this demo downloads {total / 1e6:.1f} MB (ONNX Runtime 14.2 MB, ")
    assert "once for the whole site" in text
    loaded = js(f"d.firstRunText(d.firstRunFiles({json.dumps(card)}, 14200000, true))")
    assert "ONNX Runtime" not in loaded


@pytest.mark.parametrize("env, wait", [
    ({"saveData": True, "coarsePointer": False, "ortLoaded": False, "agreed": False}, True),
    ({"saveData": False, "coarsePointer": True, "ortLoaded": False, "agreed": False}, True),
    ({"saveData": False, "coarsePointer": False, "ortLoaded": False, "agreed": False}, False),
    ({"saveData": True, "coarsePointer": True, "ortLoaded": True, "agreed": False}, False),
    ({"saveData": True, "coarsePointer": True, "ortLoaded": False, "agreed": True}, False),
])
def test_a_phone_or_save_data_waits_for_a_tap(env, wait):
    assert js(f"d.needsConsent({json.dumps(env)})") is wait
