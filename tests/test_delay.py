"""delay: torch rebuilt from the ONNX weights matches onnxruntime (inside and past the training delays);
the generated task is what its docstring says; the recorded accuracies reproduce on fresh sequences with
the exported model and meet the LSTM bar; the table is the recorded metrics; the CLI prints the page's
answers and refuses bad fields with one line."""
import json
import subprocess
import sys

import numpy as np
import pytest
import torch

from demos.charlstm.export import load_from_onnx
from demos.common import sidecar as sc
from demos.common.errors import DemoError
from demos.common.paths import MODELS_DIR, ROOT
from demos.common.runtime import open_sessions, run
from demos.delay import export, figure, infer, task
from demos.delay.model import DelayConfig, DelayNets

CARD = sc.read("delay")


@pytest.fixture(scope="module")
def session():
    return open_sessions(CARD)[0]


def test_task_layout():
    x = task.sequence(3, [1, 2], [4, 0, 6], 8)
    assert x.shape == (7, 10)
    assert x[:6, :8].argmax(1).tolist() == [1, 2, 3, 4, 0, 6] and x[6, :8].sum() == 0
    assert x[:, 8].tolist() == [0, 0, 1, 0, 0, 0, 0] and x[:, 9].tolist() == [0] * 6 + [1]
    with pytest.raises(DemoError, match="0..200"):
        task.sequence(1, [], [0] * 201, 8)


def test_torch_rebuilt_from_onnx_matches_onnxruntime(session):
    model = load_from_onnx(export.Inspect(DelayNets(DelayConfig(**CARD["config"]))), MODELS_DIR / "delay.onnx")
    for delay in (0, 7, 40, 150):              # 150: far past the training delays
        inputs = {"value": 6, "marker": 3, "delay": delay, "seed": delay + 1}
        _, x = infer.build_sequence(inputs, CARD)
        onnx_out = run(session, {"x": x})
        with torch.no_grad():
            torch_out = dict(zip(export.OUTPUTS, model(torch.from_numpy(x))))
        for name in export.OUTPUTS:
            np.testing.assert_allclose(onnx_out[name], torch_out[name].numpy(), rtol=1e-3, atol=1e-5, err_msg=name)


def test_recorded_accuracy_reproduces_and_meets_the_bar(session):
    """The exported networks (batch 1, as the page runs them) on 150 fresh sequences at the longest
    training delay and past it."""
    acc = CARD["metrics"]["accuracy"]
    rng = np.random.default_rng(7)
    for delay in (40, 100):
        x, y = task.batch(rng, 150, delay, CARD["config"]["values"])
        outs = [run(session, {"x": one[None]}) for one in x]
        for kind in ("lstm", "gru", "rnn"):
            measured = float(np.mean([o[f"{kind}_probs"][0, -1].argmax() for o in outs] == y))
            assert abs(measured - acc[kind][str(delay)]) < 0.1, (kind, delay, measured)
    assert acc["lstm"][str(task.TRAIN_DELAYS[1])] >= figure.BAR
    assert (figure.RESULTS / "accuracy.md").read_text() == figure.table(CARD["metrics"])
    assert figure.SVG.read_text() == figure.svg(CARD["metrics"])


def test_gate_comparison_is_both_recorded_measurements(session):
    """The LSTM page's table: the toy's saturation as measured now from the exported LSTM, beside the
    char-LSTM's recorded one."""
    charlstm = sc.read("charlstm")["metrics"]
    assert (figure.RESULTS / "gates.md").read_text() == figure.gates_table(CARD["metrics"], charlstm)
    hold = CARD["metrics"]["holding"]
    rng = np.random.default_rng(99)
    marked = rng.integers(0, CARD["config"]["values"], hold["sequences"])
    x = [task.sequence(int(v), [0, 0], list(rng.integers(0, CARD["config"]["values"], hold["delay"])),
                       CARD["config"]["values"]) for v in marked]
    forget = np.concatenate([run(session, {"x": one[None]})["forget_gate"][0] for one in x])      # (N·T, H)
    shares = (forget > 0.9).mean(0)
    assert np.mean(shares) == pytest.approx(hold["gates"]["forget_gate"]["mean_right"], abs=1e-3)
    assert (shares > 0.5).sum() == hold["gates"]["forget_gate"]["right_saturated_cells"]


def test_golden_answers_reproduce(session):
    for golden in CARD["golden"]:
        result = infer.predict([session], CARD, dict(golden["input"]))
        assert result["sequence"] == golden["output"]["sequence"]
        for kind, answer in golden["output"]["answers"].items():
            assert result["answers"][kind]["answer"] == answer["answer"]
            np.testing.assert_allclose(result["answers"][kind]["probs"], answer["probs"], atol=1e-5)


def cli(*args):
    return subprocess.run([sys.executable, "-m", "demos", "run", "delay", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def test_cli_prints_the_answers(session):
    proc = cli("value=4&marker=1&delay=30&seed=9", "--json", "--set", "delay=35")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    expected = infer.predict([session], CARD, {"value": 4, "marker": 1, "delay": 35, "seed": 9})
    assert out["answers"] == expected["answers"] and len(out["sequence"]) == 1 + 1 + 35
    text = cli("value=4&delay=30")
    assert text.returncode == 0 and "LSTM       answers 4 (right)" in text.stdout


@pytest.mark.parametrize("query, message", [
    ("delay=201", "delay"), ("value=9", "value"), ("marker=x", "marker"), ("colour=1", "unknown field"),
])
def test_cli_refuses_bad_fields(query, message):
    proc = cli(query)
    assert proc.returncode == 2 and message in proc.stderr and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_training_smoke_run_writes_metrics_table_and_figure(tmp_path, monkeypatch):
    from demos.common import checkpoint
    from demos.delay import train
    monkeypatch.setattr(train, "STEPS", 20)
    monkeypatch.setattr(train, "TEST_SEQUENCES", 20)
    monkeypatch.setattr(figure, "RESULTS", tmp_path)
    monkeypatch.setattr(figure, "SVG", tmp_path / "accuracy.svg")
    monkeypatch.setattr(checkpoint, "BUILD_DIR", tmp_path)
    metrics = train.main()
    assert set(metrics["accuracy"]) == {"lstm", "gru", "rnn"}
    assert list(metrics["accuracy"]["lstm"]) == [str(d) for d in task.TEST_DELAYS]
    assert (tmp_path / "accuracy.md").read_text() == figure.table(metrics)
    assert (tmp_path / "accuracy.svg").read_text().count("<polyline") == 3
    assert metrics["holding"]["sequences"] == 200 and (tmp_path / "delay" / "state.pt").is_file()
