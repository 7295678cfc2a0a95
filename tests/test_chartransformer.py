"""chartransformer: the ALiBi bias is what the paper says; torch rebuilt from the ONNX weights matches
onnxruntime, at the training length and past it; the page's comparison table and figure are made from the
recorded metrics and the held-out number reproduces on a few windows; the CLI prints the page's maps and
refuses empty, too-long and binary input with one line; the JS helpers equal the Python; a training smoke run."""
import json
import subprocess
import sys

import numpy as np
import pytest
import torch

from demos.charlstm import train as lstm_train
from tests.nodejs import JS, NODE, evaluate
from demos.chartransformer import export, infer, report, train
from demos.chartransformer.model import alibi_bias, alibi_slopes, build
from demos.common import onnx_weights, pysource, sidecar as sc
from demos.common.errors import DemoError
from demos.common.paths import MODELS_DIR, ROOT
from demos.common.runtime import open_sessions, run

CARD = sc.read("chartransformer")


@pytest.fixture(scope="module")
def session():
    return open_sessions(CARD)[0]


def test_alibi_bias():
    slopes = alibi_slopes(4)
    assert slopes.tolist() == [0.25, 0.0625, 0.015625, 0.00390625]
    bias = alibi_bias(slopes, 5)
    assert bias.shape == (4, 5, 5) and bias[0, 4, 0] == -1.0 and bias[3, 4, 2] == -2 * 0.00390625
    assert (bias[:, 1, 3] == 0).all()          # keys after the query are masked elsewhere, not here


def test_torch_rebuilt_from_onnx_matches_onnxruntime(session):
    model = onnx_weights.load_into(export.Exported(build(CARD["config"])), MODELS_DIR / "chartransformer.onnx")
    names = export.output_names(model.model.config)
    rng = np.random.default_rng(0)
    for n in (1, 2, 128, 300):                  # 300: past the 128 characters of training
        x = rng.integers(0, len(pysource.VOCAB), (1, n))
        onnx_out = run(session, {"tokens": x})
        with torch.no_grad():
            torch_out = dict(zip(names, model(torch.from_numpy(x))))
        for name in names:
            np.testing.assert_allclose(onnx_out[name], torch_out[name].numpy(), rtol=1e-3, atol=1e-5, err_msg=name)
    assert CARD["models"][0]["bytes"] <= 2 * 1024 * 1024


def test_table_and_figure_are_the_recorded_metrics():
    m = report.recorded(CARD)
    assert (ROOT / "demos" / "chartransformer" / "results" / "comparison.md").read_text() == report.table(m)
    svg = (ROOT / "docs" / "assets" / "figures" / "chartransformer-training.svg").read_text()
    assert svg == report.figure(m, report.lstm_curve())
    assert (ROOT / "demos" / "chartransformer" / "results" / "curve.md").read_text() == report.caption(m, report.lstm_curve())
    assert svg.count("<polyline") == 4 and "LSTM, held-out" in svg and "Transformer, held-out" in svg
    assert m["parameters"] == sum(np.prod(s) for s in [p.shape for p in build(CARD["config"]).parameters()])
    assert abs(m["parameters"] - m["lstm_parameters"]) / m["lstm_parameters"] < 0.05


def test_held_out_number_reproduces_on_some_windows(session):
    """The first 2 of the windows train.py scored (every 8th held-out window), with onnxruntime."""
    corpus = pysource.load(CARD["metrics"]["corpus_sha256"], CARD["metrics"]["python"])
    windows = train.held_out_texts(corpus)
    first = pysource.Corpus(corpus.train, corpus.held_out[:2], corpus.sha256, corpus.python)
    assert train.held_out_texts(first) == [w.text for w in lstm_train.held_out_windows(first)]   # the LSTM's windows
    windows = windows[::train.EVAL_EVERY_NTH][:2]
    model = onnx_weights.load_into(export.Exported(build(CARD["config"])), MODELS_DIR / "chartransformer.onnx").model
    ours = train.bits_per_char(model, windows)
    total = count = 0
    for text in windows:
        tokens = pysource.encode(text)
        probs = run(session, {"tokens": tokens[None, :-1]})["probs"][0]
        total -= np.log2(probs[np.arange(len(tokens) - 1), tokens[1:]]).sum()
        count += len(tokens) - 1
    assert abs(total / count - ours) < 1e-3
    assert abs(ours - CARD["metrics"]["held_out_bits_per_char"]) < 1.0   # 2 of the 49 windows: a loose check


def cli(*args):
    return subprocess.run([sys.executable, "-m", "demos", "run", "chartransformer", *args], capture_output=True,
                          text=True, cwd=ROOT, timeout=60)


def test_cli_and_bad_input(tmp_path, session):
    text = "def f(x):\n    return x + 1\n"
    proc = cli(text, "--json", "--set", "position=12")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    python = infer.predict([session], CARD, {"text": text, "position": 12})
    assert out["looks_at"] == python["looks_at"] and len(out["attention"]) == 12
    assert np.array(out["attention"]["attention_l3_h4"]).shape == (len(text), len(text))
    assert "mean attention distance" in cli(text).stdout
    (tmp_path / "bin.py").write_bytes(b"ab\0cd")
    long = tmp_path / "long.py"
    long.write_text("x" * 301)
    for bad in ("", str(long), str(tmp_path / "bin.py"), "y" * 5000):
        proc = cli(bad)
        assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr, proc.stderr
    with pytest.raises(DemoError, match="position must be 0..3"):
        infer.predict([session], CARD, {"text": "abcd", "position": 4})


@pytest.mark.skipif(NODE is None, reason="node is part of make test's set-up")
def test_js_helpers_match_python(session):
    text = "for k in range(3):\n\tprint('é', k)\n"
    tokens = infer.encode(text, CARD)
    out = run(session, {"tokens": tokens[None]})
    data = {"text": text, "prep": CARD["preprocessing"], "probs": out["probs"][0].ravel().tolist(),
            "map": out["attention_l1_h4"][0].ravel().tolist()}
    encoded, bits, distance = evaluate(
        "const t = c.encodeText(DATA.text, DATA.prep);"
        "return [t, c.bitsPerChar(Float32Array.from(DATA.probs), t, DATA.prep.vocab.length),"
        " c.meanDistance(Float32Array.from(DATA.map), t.length)];",
        {"c": JS / "demos" / "chartransformer.js"}, data)
    python = infer.predict([session], CARD, {"text": text})
    assert encoded == tokens.tolist() and python["unknown_chars"] == 2
    assert abs(bits - python["bits_per_char"]) < 1e-4
    assert abs(distance - python["mean_distance"]["attention_l1_h4"]) < 1e-3


def test_training_smoke(monkeypatch):
    saved = {}
    monkeypatch.setattr(train.checkpoint, "save", lambda name, model, metrics: saved.update(metrics=metrics))
    monkeypatch.setattr(train, "EVAL_EVERY_NTH", 400)
    monkeypatch.setattr(train.lstm_train, "CURVE_WINDOWS", 1)
    monkeypatch.setattr(train, "CURVE_EVERY", 4)
    monkeypatch.setattr(train, "LOG_EVERY", 2)
    metrics = train.main(steps=4, write=False)
    assert metrics["steps"] == 4 and metrics["stopped_by"] == "steps" and len(metrics["curve"]) == 2
    assert saved["metrics"]["parameters"] == CARD["metrics"]["parameters"]
    assert train.learning_rate(0.0, 10_000) == pytest.approx(train.LR) and train.learning_rate(1.0, 10_000) == pytest.approx(train.LR_END)
