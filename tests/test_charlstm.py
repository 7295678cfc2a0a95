"""charlstm: the pinned corpus is the one the model was measured on (and another one is refused by name);
the features are what tokenize says; torch rebuilt from the ONNX weights matches onnxruntime on the
examples, on random text and on a text longer than any training sequence; the exported state carries
over (scoring in two calls = one call); the recorded snippets are the recorded metrics; the CLI prints
the page's numbers and refuses bad input with one line; the sampler is seeded."""
import json
import subprocess
import sys

import numpy as np
import pytest
import torch

from demos.charlstm import export, infer, report, train
from demos.charlstm.model import CharLSTM, CharLSTMConfig
from demos.common import pysource
from demos.common import sidecar as sc
from demos.common.errors import DemoError
from demos.common.paths import MODELS_DIR, ROOT
from demos.common.runtime import open_sessions

CARD = sc.read("charlstm")


@pytest.fixture(scope="module")
def session():
    return open_sessions(CARD)[0]


@pytest.fixture(scope="module")
def rebuilt():
    model = CharLSTM(CharLSTMConfig(**CARD["config"]))
    return export.load_from_onnx(export.Scorer(model), MODELS_DIR / "charlstm.onnx").model


def test_corpus_is_the_recorded_one_and_another_is_refused():
    assert CARD["metrics"]["corpus_sha256"] == pysource.PINNED_SHA256     # trained on the pinned corpus
    corpus = pysource.load(CARD["metrics"]["corpus_sha256"], CARD["metrics"]["python"])
    assert corpus.chars("train") == CARD["metrics"]["train_chars"]
    assert {n for n, _ in corpus.train}.isdisjoint(n for n, _ in corpus.held_out)
    with pytest.raises(DemoError, match=r"Python 3\.99.*retrain"):
        pysource.load("0" * 64, "3.99.0")


def test_features_follow_tokenize():
    text = 'def f(a, b):\n    x = "q(" # c\n    return [a]\n'
    f = pysource.features(text)
    at = lambda ch, nth=0: [i for i, c in enumerate(text) if c == ch][nth]  # noqa: E731
    assert f["position_in_line"][at("x")] == 4 and f["position_in_line"][at("\n")] == 12
    assert f["indentation"][at("x")] == 4 and f["indentation"][at("d")] == 0
    assert f["inside_string"][at("q")] == 1 and f["inside_string"][at("x")] == 0
    assert f["bracket_depth"][at("(", 1)] == 0        # the "(" inside the string opens nothing
    assert f["bracket_depth"][at("a")] == 1 and f["bracket_depth"][at("a", 1)] == 1
    assert f["inside_comment"][at("c", 0)] == 1 and f["inside_comment"][at("r")] == 0
    assert pysource.decode(pysource.encode("a\tb")) == f"a{pysource.UNKNOWN}b"


def test_indentation_is_the_depth_of_the_block_as_python_reads_it():
    """Depth changes at the first character of the line that opens or closes a block; a continuation line,
    a blank line and a comment line keep their block's depth (leading_spaces is each line's own count)."""
    text = "def f(a):\n    x = (1,\n            2)\n\n    if a:\n        # c\n        y\n    z\nw\n"
    f = pysource.features(text)
    at = lambda s: text.index(s)  # noqa: E731
    assert [f["indentation"][at(s)] for s in ("def", "x =", "2)", "\n\n", "if", "# c", "y\n", "z", "w")] == \
        [0, 4, 4, 4, 4, 4, 8, 4, 0]
    assert f["indentation"][at("x =") - 1] == 0 and f["indentation"][at("y\n") - 1] == 4  # spaces before: old depth
    assert [f["leading_spaces"][at(s)] for s in ("x =", "2)", "# c")] == [4, 12, 8] and f["leading_spaces"][at("\n\n") + 1] == 0


def test_current_character_read_out():
    text = "ab\nab\nab\n"
    windows = [train.Window(text, {name: np.zeros(len(text), np.float32)
                                   for name in (*pysource.FEATURES, *pysource.EXTRA_FEATURES)})]
    windows[0].features["inside_string"][:] = [c == "a" for c in text]            # a function of the character
    windows[0].features["bracket_depth"][:] = [1, 0, 0, 0, 1, 0, 0, 0, 0]         # not one: the two "a"s differ
    r = train.current_char_r(windows)
    assert r["inside_string"] == pytest.approx(1.0) and 0 < r["bracket_depth"] < 1 and r["indentation"] == 0


def tokens_for_parity():
    rng = np.random.default_rng(0)
    texts = [ex["text"] for ex in CARD["examples"]["texts"]]
    random_text = pysource.decode(rng.integers(0, len(pysource.VOCAB), 300))
    long_text = (ROOT / "demos" / "charlstm" / "train.py").read_text()[:CARD["limits"]["max_chars"]]
    return [infer.encode(t, CARD) for t in (*texts, random_text, long_text)]


def test_torch_rebuilt_from_onnx_matches_onnxruntime(session, rebuilt):
    for tokens in tokens_for_parity():
        onnx_out = infer.score(session, CARD, tokens)
        with torch.no_grad():
            torch_out = rebuilt.inspect(torch.from_numpy(tokens)[None])
        for name, value in onnx_out.items():
            np.testing.assert_allclose(value, torch_out[name][0].numpy(), rtol=1e-3, atol=1e-5, err_msg=name)
        assert len(tokens) > train.UNROLL or len(tokens) < 400   # one text is longer than any training chunk


def test_state_carries_over_between_calls(session):
    tokens = infer.encode(CARD["examples"]["texts"][0]["text"][:300], CARD)
    whole = infer.score(session, CARD, tokens)
    first = infer.score(session, CARD, tokens[:120])
    rest = infer.score(session, CARD, tokens[120:], first["h"][-1:], first["c"][-1:])
    np.testing.assert_allclose(rest["probs"], whole["probs"][120:], atol=1e-5)


def test_golden_outputs_are_reproduced(session):
    for golden in CARD["golden"]:
        result = infer.predict([session], CARD, dict(golden["input"]))
        np.testing.assert_allclose(result["activation"], golden["output"]["activation"], atol=1e-4)
        assert [c for c, _ in result["top5"]] == [c for c, _ in golden["output"]["top5"]]


def test_snippets_are_the_recorded_metrics_and_bars():
    m = CARD["metrics"]
    assert (report.RESULTS / "features.md").read_text() == report._features_md(m)
    cells = json.loads((report.RESULTS / "cells.json").read_text())
    assert report.GATES_SVG.read_text() == report.gates_svg(cells["saturation"])
    assert cells["saturation"]["forget_gate"] == CARD["figures"]["forget_saturation"]
    assert sum(np.array(cells["saturation"]["forget_gate"]["right"]) > report.SATURATED) == \
        m["gates"]["forget_gate"]["right_saturated_cells"]
    assert m["held_out_bits_per_char"] <= report.BAR_BITS
    assert m["parameters"] == sum(p.numel() for p in CharLSTM(CharLSTMConfig(**CARD["config"])).parameters())
    for name, f in m["features"].items():
        r = np.array(CARD["figures"]["cell_correlation"][name])
        assert int(np.argmax(np.abs(r))) == f["cell"] and abs(r[f["cell"]]) == pytest.approx(f["abs_r"], abs=1e-4)
        assert f["meets_bar"] == (f["abs_r"] >= 0.6 and f["abs_r"] >= 2 * f["random_init_abs_r"])
    assert MODELS_DIR.joinpath("charlstm.onnx").stat().st_size <= 2 * 1024 * 1024


def test_measured_correlation_of_the_line_position_cell_reproduces_on_held_out_text(session):
    """The recorded best line-position cell, re-measured with onnxruntime on ten held-out windows."""
    corpus = pysource.load(CARD["metrics"]["corpus_sha256"])
    windows = train.held_out_windows(corpus)[:10]
    cell = CARD["metrics"]["features"]["position_in_line"]["cell"]
    acts, feats = [], []
    for text, features in windows:
        acts.append(np.tanh(infer.score(session, CARD, infer.encode(text, CARD))["c"][:, cell]))
        feats.append(features["position_in_line"])
    r = train.correlations(np.concatenate(acts)[:, None], np.concatenate(feats))[0]
    assert abs(r) > 0.6 and np.sign(r) == np.sign(CARD["metrics"]["features"]["position_in_line"]["r"])


def test_sampler_is_seeded(session):
    tokens = infer.encode("import os\n", CARD)
    a = infer.sample(session, CARD, tokens, 30, 0.7, 5)
    assert a == infer.sample(session, CARD, tokens, 30, 0.7, 5) and len(a) == 30
    assert a != infer.sample(session, CARD, tokens, 30, 0.7, 6)
    assert infer.pick(np.array([0.2, 0.5, 0.3]), 1.0, 0.69) == 1 and infer.pick(np.array([0.2, 0.5, 0.3]), 1.0, 0.71) == 2


def cli(*args):
    return subprocess.run([sys.executable, "-m", "demos", "run", "charlstm", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def test_cli_prints_the_page_numbers(session):
    text = "for i in range(3):\n    print('x', i)\n"
    proc = cli(text, "--json", "--set", "cell=7", "--set", "position=5")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    expected = infer.predict([session], CARD, {"text": text, "cell": 7, "position": 5})
    assert out == json.loads(json.dumps(expected))
    assert len(out["activation"]) == len(text) and len(out["top5"]) == 5
    shown = cli(str(ROOT / "demos" / "charlstm" / "__init__.py"))
    assert shown.returncode == 0 and "top-5 next characters" in shown.stdout


@pytest.mark.parametrize("content, message", [
    (b"", "empty"), (b"x" * 2001, "at most 2,000"), (b"\x00\x01\x02binary", "binary"), (b"caf\xe9\n", "not UTF-8"),
])
def test_cli_refuses_bad_input_with_one_line(tmp_path, content, message):
    path = tmp_path / "input.py"
    path.write_bytes(content)
    proc = cli(str(path))
    assert proc.returncode == 2 and message in proc.stderr and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_cli_refuses_a_position_past_the_text():
    proc = cli("abc", "--set", "position=9")
    assert proc.returncode == 2 and "position must be 0..2" in proc.stderr


def test_characters_outside_the_vocabulary_are_counted(session):
    result = infer.predict([session], CARD, {"text": "x = 'é'\t\n"})
    assert result["unknown_chars"] == 2


def test_training_smoke_run_writes_metrics_and_snippets(tmp_path, monkeypatch):
    """train.main() end to end in seconds (3 steps, 3 windows), writing into tmp_path, not the repository."""
    from demos.common import checkpoint
    monkeypatch.setattr(train, "STEPS", 3)
    monkeypatch.setattr(train, "ANALYSIS_WINDOWS", 2)
    monkeypatch.setattr(train, "LOG_EVERY", 1)
    monkeypatch.setattr(train, "CURVE_EVERY", 2)
    windows = train.held_out_windows
    monkeypatch.setattr(train, "held_out_windows", lambda corpus: windows(corpus)[:3])
    monkeypatch.setattr(report, "RESULTS", tmp_path)
    monkeypatch.setattr(report, "GATES_SVG", tmp_path / "gates.svg")
    monkeypatch.setattr(checkpoint, "BUILD_DIR", tmp_path)
    metrics = train.main()
    assert metrics["steps"] == 3 and metrics["held_out_chars"] == sum(len(w.text) for w in windows(pysource.load())[:3])
    assert metrics["held_out_bits_per_char"] < metrics["random_init_bits_per_char"] + 0.5
    assert [s for s, _, _ in metrics["curve"]] == [1, 2, 3] and [s for s, _ in metrics["held_out_curve"]] == [2]
    assert metrics["curve_windows"] == 3 and all(0 < bits < 8 for _, bits in metrics["held_out_curve"])
    assert json.loads((tmp_path / "curve.json").read_text())["held_out_curve"] == metrics["held_out_curve"]
    assert (tmp_path / "charlstm" / "state.pt").is_file() and "not met" in (tmp_path / "features.md").read_text()
    assert (tmp_path / "gates.svg").read_text().count("<circle") == 3 * CARD["config"]["hidden"]
    again = train.main(["--measure-only"])                  # the saved weights, measured again: the same numbers
    assert again["measured_by"].endswith("--measure-only") and again["steps"] == 3
    assert again["features"] == metrics["features"] and again["extra_features"] == metrics["extra_features"]
    assert again["held_out_bits_per_char"] == metrics["held_out_bits_per_char"]
    assert again["held_out_curve"] == metrics["held_out_curve"]             # the recorded curve is kept


def test_a_window_inside_a_docstring_is_labelled_from_its_file():
    """Tokenized alone, the second window would read the docstring's words as code and its close as an open."""
    text = 'x = 1\n"""' + "word " * (train.WINDOW // 5) + '"""\ny = (2,\n     3)\n'
    corpus = pysource.Corpus(train=[], held_out=[("x.py", text)], sha256="", python="")
    first, second = train.held_out_windows(corpus)
    assert first.text + second.text == text and first.features["inside_string"][-1] == 1
    assert second.features["inside_string"][0] == 1 and pysource.features(second.text)["inside_string"][0] == 0
    assert second.features["bracket_depth"][-4] == 1 and second.features["position_in_line"][-2] == 6
