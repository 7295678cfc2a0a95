"""docs/javascripts/sidecar.js applies the sidecar rules of demos/common/sidecar.py in the browser: the same
schema, the same verdict on every case below and on Hypothesis-made sidecars, and a message naming the file."""
import copy
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from demos.common import sidecar as sc
from demos.common.errors import DemoError
from demos.common.paths import MODELS_DIR
from tests.nodejs import JS, imports, run_module

SIDECAR = JS / "sidecar.js"
YOLO = json.loads((MODELS_DIR / "yolo.json").read_text())


def js(script: str, payload):
    """`script` (an ES module) with sidecar.js imported as s and `DATA`; returns the JSON it prints."""
    return run_module(imports({"s": SIDECAR}) + script, payload)


VERDICTS = """
const out = DATA.map(([text, file]) => { try { s.validateSidecar(text, file); return "ok"; }
                                          catch (e) { return e.message; } });
console.log(JSON.stringify(out));
"""


def python_verdict(text: str, name: str) -> str:
    try:
        sc.parse(text.encode(), f"models/{name}.json", name)
        return "ok"
    except DemoError as err:
        return str(err)


def mutated(change) -> str:
    card = copy.deepcopy(YOLO)
    change(card)
    return json.dumps(card)


CASES = {
    "valid": mutated(lambda c: None),
    "truncated": json.dumps(YOLO)[:500],
    "a list": "[1, 2]",
    "models as strings": mutated(lambda c: c.update(models=["yolo.onnx"])),
    "labels misspelt": mutated(lambda c: c.update(lables=c.pop("labels"))),
    "unknown key": mutated(lambda c: c.update(colour="red")),
    "path outside": mutated(lambda c: c["models"][0].update(file="../outside/x.onnx")),
    "absolute path": mutated(lambda c: c["models"][0].update(file="/etc/passwd")),
    "no models": mutated(lambda c: c.update(models=[])),
    "bad sha256": mutated(lambda c: c["models"][0].update(sha256="XYZ")),
    "over budget": mutated(lambda c: c["models"][0].update(bytes=3 * 1024 * 1024)),
    "bad dtype": mutated(lambda c: c["models"][0]["inputs"][0].update(dtype="float16")),
    "negative dim": mutated(lambda c: c["models"][0]["inputs"][0].update(shape=[-1, 3])),
    "option default outside": mutated(lambda c: c["options"]["confidence"].update(default=3)),
    "option off its step": mutated(lambda c: c["options"]["confidence"].update(default=0.205)),
    "option min above max": mutated(lambda c: c["options"]["confidence"].update(min=2)),
    "option unknown type": mutated(lambda c: c["options"]["confidence"].update(type="slider")),
    "option zero step": mutated(lambda c: c["options"]["confidence"].update(step=0)),
    "choice default not a choice": mutated(lambda c: c["options"].update(
        kind={"label": "k", "type": "choice", "choices": ["a", "b"], "default": "c"})),
    "option name upper case": mutated(lambda c: c["options"].update(Conf=c["options"]["confidence"])),
    "name mismatch": mutated(lambda c: c.update(name="digits")),
    "golden without output": mutated(lambda c: c.update(golden=[{"input": 1}])),
    "title empty": mutated(lambda c: c.update(title="")),
    "papers not keys": mutated(lambda c: c.update(papers=["has space"])),
}


def test_the_browser_copy_of_the_schema_is_the_schema():
    assert js("console.log(JSON.stringify(s.SCHEMA));", None) == sc.schema()


def test_browser_and_python_agree_on_every_case():
    names = list(CASES)
    ours = [python_verdict(CASES[n], "yolo") for n in names]
    theirs = js(VERDICTS, [[CASES[n], "models/yolo.json"] for n in names])
    for name, py, browser in zip(names, ours, theirs):
        assert (py == "ok") == (browser == "ok"), (name, py, browser)
        assert (name == "valid") == (py == "ok"), (name, py)
        if browser != "ok":
            assert browser.startswith("models/yolo.json: "), browser
    assert theirs[names.index("truncated")].startswith("models/yolo.json: not valid JSON (")
    assert "'lables'" in theirs[names.index("labels misspelt")]
    assert "plain file name inside exported_models/" in theirs[names.index("path outside")]


def test_model_inputs_must_be_the_declared_ones():
    out = js("""const m = DATA.models[0]; const r = [];
for (const names of [["image"], ["regions"]]) { try { s.checkModelInputs(names, m, "models/yolo.json"); r.push("ok"); }
  catch (e) { r.push(e.message); } }
console.log(JSON.stringify(r));""", YOLO)
    assert out == ["ok", "models/yolo.json: yolo.onnx takes inputs regions but the sidecar declares image "
                         "(is it another demo's model?)"]


def test_parse_option_checks_the_control():
    out = js("""const spec = DATA.options.confidence; const r = [];
for (const raw of ["0.3", "2", "abc", "0.305"]) { try { r.push(s.parseOption(spec, "confidence", raw)); }
  catch (e) { r.push(e.message); } }
console.log(JSON.stringify(r));""", YOLO)
    assert out[0] == 0.3
    assert out[1].startswith("option confidence takes a number from 0 to 1 in steps of 0.01")
    assert out[2:] == ['option confidence takes a number from 0 to 1 in steps of 0.01, got "abc"',
                       'option confidence takes a number from 0 to 1 in steps of 0.01, got "0.305"']


JSON_VALUES = st.recursive(st.none() | st.booleans() | st.integers(-5, 5) | st.floats(-2, 2, allow_nan=False)
                           | st.sampled_from(["", "a", "yolo.onnx", "../x.onnx", "float32", "choice", "number"]),
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
                               st.sampled_from(["name", "models", "file", "type", "min", "max", "default", "x"]),
                               inner, max_size=3), max_leaves=12)
PATHS = st.sampled_from([("models", 0, "file"), ("models", 0, "inputs", 0, "shape"), ("options", "confidence"),
                         ("options", "confidence", "default"), ("labels",), ("golden", 0), ("models", 0, "bytes")])


def _set(card, path, value):
    """Set card[path] = value; skip a path an earlier change has made impossible (e.g. a parent set to null)."""
    for key in path[:-1]:
        if not _has(card, key):
            return
        card = card[key]
    if isinstance(card, dict) or (isinstance(card, list) and _has(card, path[-1])):
        card[path[-1]] = value


def _has(container, key):
    if isinstance(container, dict):
        return key in container
    return isinstance(container, list) and isinstance(key, int) and key < len(container)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(PATHS, JSON_VALUES), min_size=1, max_size=3))
def test_browser_and_python_agree_on_generated_sidecars(changes):
    card = copy.deepcopy(YOLO)
    for path, value in changes:
        _set(card, path, value)
    text = json.dumps(card)
    verdict = python_verdict(text, "yolo")
    assert (verdict == "ok") == (js(VERDICTS, [[text, "models/yolo.json"]])[0] == "ok"), verdict


@pytest.mark.parametrize("name", sc.names())
def test_every_committed_sidecar_passes_in_the_browser(name):
    text = (MODELS_DIR / f"{name}.json").read_text()
    assert js(VERDICTS, [[text, f"models/{name}.json"]]) == ["ok"]
