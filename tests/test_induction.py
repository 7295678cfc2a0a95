"""induction: the generated task and the two head scores are what their docstrings say (checked on
hand-made attention maps); torch rebuilt from the ONNX weights matches onnxruntime on the golden and on
random inputs; the recorded metrics reproduce with the exported model and the page's table is made from
them; the CLI prints the page's maps and predictions and refuses bad tokens with one line; a training smoke
run records the curves and the phase change."""
import json
import subprocess
import sys

import numpy as np
import pytest
import torch

from demos.common import onnx_weights, sidecar as sc
from demos.common.errors import DemoError
from demos.common.paths import MODELS_DIR, ROOT
from demos.common.runtime import open_sessions, run
from demos.induction import export, infer, task, train
from demos.induction.model import build

CARD = sc.read("induction")


@pytest.fixture(scope="module")
def session():
    return open_sessions(CARD)[0]


def test_batch_repeats_with_its_own_period():
    b = task.batch(np.random.default_rng(3), 200)
    assert b.tokens.shape == (200, task.LENGTH) and b.tokens.max() < len(task.ALPHABET)
    assert set(b.period) <= set(range(task.PERIODS[0], task.PERIODS[1] + 1)) and len(set(b.period)) > 5
    for row, s, p in zip(b.tokens, b.start, b.period):
        assert s + 2 * p <= task.LENGTH
        assert all(row[t] == row[t - p] for t in range(s + p, task.LENGTH))
    first, second = task.copy_masks(b)
    assert (first.sum(1) == b.period - 1).all()
    assert (second.sum(1) == np.minimum(b.period, task.LENGTH - 1 - b.start - b.period)).all()  # to T - 2


def test_scores_on_hand_made_maps():
    b = task.batch(np.random.default_rng(4), 8)
    t = task.LENGTH
    previous = np.zeros((t, t))
    previous[0, 0] = 1
    previous[np.arange(1, t), np.arange(t - 1)] = 1                 # every position on t - 1
    assert task.previous_token_score(previous) == 1.0
    mask = task.induction_mask(b.tokens)
    perfect = np.zeros((8, t, t))
    for i in range(8):                                               # spread over the induction targets
        rows = mask[i].sum(1)
        perfect[i] = np.where(rows[:, None] > 0, mask[i] / np.maximum(rows[:, None], 1), np.eye(t))
    assert task.induction_score(perfect, b) == pytest.approx(1.0)
    assert task.induction_score(np.broadcast_to(previous, (8, t, t)), b) < 0.2
    both = np.stack([perfect, np.broadcast_to(previous, (8, t, t))], 1)  # (B, 2 heads, T, T)
    assert task.induction_score(both, b).shape == (2,)
    assert task.induction_targets([0, 1, 2, 0, 1, 0]) == [-1, -1, -1, 1, 2, 4]


def test_torch_rebuilt_from_onnx_matches_onnxruntime(session):
    model = onnx_weights.load_into(export.Exported(build(CARD["config"])), MODELS_DIR / "induction.onnx").model
    names = export.output_names(model.config)
    rng = np.random.default_rng(0)
    inputs = [infer.parse(g["input"]["tokens"], CARD) for g in CARD["golden"]]
    inputs += [rng.integers(0, 36, n).tolist() for n in (1, 2, 17, 64)]
    for tokens in inputs:
        x = np.array([tokens], np.int64)
        onnx_out = run(session, {"tokens": x})
        with torch.no_grad():
            torch_out = dict(zip(names, export.Exported(model).eval()(torch.from_numpy(x))))
        for name in names:
            np.testing.assert_allclose(onnx_out[name], torch_out[name].numpy(), rtol=1e-3, atol=1e-5, err_msg=name)
        assert np.allclose(sum(onnx_out[n][0] for n in names[1:]).sum(-1), len(names) - 1, atol=1e-4)


def test_golden_is_what_infer_gives_now(session):
    for golden in CARD["golden"]:
        result = infer.predict([session], CARD, {"tokens": golden["input"]["tokens"]})
        assert [r["top"][0][0] for r in result["positions"]] == [r["top"][0][0] for r in golden["output"]["positions"]]
        for name, rows in golden["output"]["attention"].items():
            np.testing.assert_allclose(result["attention"][name], rows, atol=6e-5)


def test_recorded_metrics_reproduce_with_the_exported_model(session):
    """Second-copy accuracy and the best heads' scores on 150 fresh sequences, one ONNX call each."""
    m = CARD["metrics"]
    b = task.batch(np.random.default_rng(55), 150)
    outs = [run(session, {"tokens": row[None]}) for row in b.tokens]
    probs = np.stack([o["probs"][0] for o in outs])
    correct = probs[:, :-1].argmax(-1) == b.tokens[:, 1:]
    first, second = task.copy_masks(b)
    assert abs(correct[second].mean() - m["second_copy_accuracy"]) < 0.05
    assert correct[first].mean() < 0.1
    for key, score in (("induction_head", task.induction_score), ("previous_token_head", None)):
        best = m[key]
        name = f"attention_l{best['layer']}_h{best['head']}"
        maps = np.stack([o[name][0] for o in outs])
        measured = score(maps, b) if score else task.previous_token_score(maps).mean()
        assert abs(measured - best["score"]) < 0.05, (key, measured)


def test_page_table_is_made_from_the_recorded_metrics():
    text = (ROOT / "demos" / "induction" / "results" / "summary.md").read_text()
    assert text == train.summary(CARD["metrics"])
    assert f"**{CARD['metrics']['second_copy_accuracy']:.1%}**" in text
    svg = (ROOT / "docs" / "assets" / "figures" / "induction-training.svg").read_text()
    assert svg.startswith("<svg") and f"phase change, step {CARD['metrics']['phase_change_step']:,}" in svg


def test_parse_refuses_bad_tokens():
    assert infer.parse("ab c,d\n9", CARD) == [0, 1, 2, 3, 35]
    for text, message in (("", "no tokens"), (" , ", "no tokens"), ("abC", "unknown token 'C' at character 3"),
                          ("a" * 65, "65 tokens"), ("héllo", "unknown token 'é'")):
        with pytest.raises(DemoError, match=message):
            infer.parse(text, CARD)
    assert len(infer.parse("a" * 64, CARD)) == 64


def cli(*args):
    return subprocess.run([sys.executable, "-m", "demos", "run", "induction", *args], capture_output=True,
                          text=True, cwd=ROOT, timeout=60)


def test_cli_prints_maps_and_refuses_bad_input(tmp_path):
    tokens = "x9k2 z5pvbq3 z5pvbq3"
    proc = cli(tokens, "--json", "--set", "position=5")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["tokens"] == "x9k2z5pvbq3z5pvbq3" and out["position"] == 5
    assert set(out["attention"]) == {n for n in export.output_names(build(CARD["config"]).config) if n != "probs"}
    assert np.array(out["attention"]["attention_l1_h1"]).shape == (18, 18)
    assert out["positions"][12]["induction_target"] == 6 and out["positions"][12]["induction_guess"] == "p"
    text = cli(tokens)
    assert text.returncode == 0 and "L2H1" in text.stdout and "scores on this input" in text.stdout
    path = tmp_path / "tokens.txt"
    path.write_text(tokens + "\n")
    assert json.loads(cli(str(path), "--json").stdout)["tokens"] == out["tokens"]
    for bad in ("", "abc!", "a" * 65):
        proc = cli(bad)
        assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert cli(tokens, "--set", "position=40").returncode == 2


def test_training_smoke_records_curves(monkeypatch):
    saved = {}
    monkeypatch.setattr(train.checkpoint, "save", lambda name, model, metrics: saved.update(metrics=metrics))
    monkeypatch.setattr(train, "FINAL_SEQUENCES", 64)
    metrics = train.main(steps=25, write=False)
    assert [h["step"] for h in metrics["history"]] == [0, 20, 25]
    assert np.array(metrics["history"][0]["induction"]).shape == (2, 4)
    assert saved["metrics"]["steps"] == 25
    assert train.phase_change([{"step": 0, "second_copy_accuracy": 0.1}, {"step": 20, "second_copy_accuracy": 0.6}]) == 20
