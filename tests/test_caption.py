"""caption: torch = onnxruntime for every exported model (golden and random inputs, a whole teacher-forced
caption), the golden captions are what onnxruntime gives, the recorded metrics meet the issue's bars and
the page's snippets are generated, the grammar and splits, the CLI (text, JSON, --set beam, other image
sizes) and its refusals (empty scene, beam outside 1-5)."""
import base64
import json
import subprocess
import sys

import numpy as np
import onnx
import pytest
import torch
from numpy.testing import assert_allclose
from onnx import numpy_helper

from demos.caption import data, infer, train
from demos.caption.model import build
from demos.common import sidecar as sc
from demos.common.errors import DemoError
from demos.common.images import decode_png, png_bytes
from demos.common.paths import MODELS_DIR, ROOT
from demos.common.runtime import open_sessions, run


@pytest.fixture(scope="module")
def card():
    return sc.read("caption")


@pytest.fixture(scope="module")
def sessions(card):
    return open_sessions(card)


def initializers(path) -> dict:
    """A file's parameters by their torch names. export.py's wrappers prefix them with "model."; a Linear
    applied to a 3-D input is exported as MatMul by a transposed copy of its weight (an unnamed constant)
    followed by Add of its bias, so that weight is read back through the Add that uses the bias."""
    graph = onnx.load(str(path)).graph
    inits = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    out = {k.removeprefix("model."): v for k, v in inits.items() if k.startswith("model.")}
    made_by = {o: n for n in graph.node for o in n.output}
    for node in graph.node:
        bias = next((x for x in node.input if x.startswith("model.") and x.endswith(".bias")), None)
        if node.op_type != "Add" or bias is None:
            continue
        matmul = made_by.get(next(x for x in node.input if x != bias))
        if matmul is not None and matmul.op_type == "MatMul" and matmul.input[1] in inits:
            out.setdefault(bias.removeprefix("model.").removesuffix("bias") + "weight", inits[matmul.input[1]].T)
    return out


def torch_weights(card, name):
    """The torch module rebuilt from the sidecar's config, every parameter read back from the ONNX file that
    holds it (encoder or step): the committed files are the only copy of the weights."""
    model = build(card["config"][name]).eval()
    inits = {}
    for index in card["preprocessing"]["models"][name]:
        inits.update(initializers(sc.model_path(card, index)))
    state = model.state_dict()
    missing = [k for k in state if k not in inits]
    assert not missing, f"not in the ONNX files: {missing}"
    model.load_state_dict({k: torch.from_numpy(np.array(inits[k])).to(state[k].dtype) for k in state})
    return model


@pytest.fixture(scope="module")
def models(card):
    return {name: torch_weights(card, name) for name in infer.MODELS}


def scene_inputs(count=3, seed=5):
    images = [data.make_scene(data.HELD_OUT_SEED + k)[0] for k in range(count)]
    images.append(np.random.default_rng(seed).integers(0, 256, (64, 64, 3), dtype=np.uint8))   # any picture
    return images


@pytest.mark.parametrize("name", infer.MODELS)
def test_parity_torch_vs_onnxruntime(card, sessions, models, name):
    """Encoder outputs and a whole caption of decoder steps (teacher-forced on a reference, so every word
    and state is compared) agree to rtol 1e-3, atol 1e-5."""
    model = models[name]
    first, second = card["preprocessing"]["models"][name]
    worst = 0.0
    for image in scene_inputs():
        x = infer.to_input(image)
        enc = run(sessions[first], {"image": x})
        with torch.no_grad():
            f, keys, h, _ = model.start(torch.from_numpy(x))
        assert_allclose(enc["features"], f.numpy(), rtol=1e-3, atol=1e-5)
        if keys is not None:
            assert_allclose(enc["keys"], keys.numpy(), rtol=1e-3, atol=1e-5)
        assert_allclose(enc["h0"], h.numpy(), rtol=1e-3, atol=1e-5)
        words = data.encode(["a", "small", "red", "circle", "left", "of", "a", "large", "blue", "square"])
        state = (enc["h0"], enc["c0"])
        for w in words[:-1]:
            feeds = {"word": np.array([w], np.int64), "h": state[0], "c": state[1]}
            if keys is not None:
                feeds.update(features=enc["features"], keys=enc["keys"])
            out = run(sessions[second], feeds)
            with torch.no_grad():
                logits, h, c, a = model.step(torch.tensor([w]), torch.from_numpy(state[0]), torch.from_numpy(state[1]),
                                             torch.from_numpy(enc["features"]), None if keys is None else torch.from_numpy(enc["keys"]))
            assert_allclose(out["logits"], logits.numpy(), rtol=1e-3, atol=1e-5)
            assert_allclose(out["h_out"], h.numpy(), rtol=1e-3, atol=1e-5)
            if a is not None:
                assert_allclose(out["attention"], a.numpy(), rtol=1e-3, atol=1e-5)
                assert out["attention"].sum() == pytest.approx(1, abs=1e-5)
            worst = max(worst, float(np.abs(out["logits"] - logits.numpy()).max()))
            state = (out["h_out"], out["c_out"])
    print(f"{name}: max |torch - onnxruntime| logit over 4 scenes x 11 steps = {worst:.1e}")


def test_golden_outputs_are_what_onnxruntime_gives(card, sessions):
    for golden in card["golden"]:
        image = np.rint(decode_png(base64.b64decode(golden["input"]["png"])) * 255).astype(np.uint8)
        assert (image == data.make_scene(golden["input"]["seed"])[0]).all()
        result = infer.predict(sessions, card, {"image": image, "beam": golden["input"]["beam"]})
        for name in infer.MODELS:
            assert result[name]["caption"] == golden["output"][name]["caption"]
            for a, b in zip(result[name]["beams"], golden["output"][name]["beams"]):
                assert a["words"] == b["words"] and abs(a["logp"] - b["logp"]) < 1e-6
        attention = np.array(golden["output"]["attend"]["beams"][0]["attention"])
        assert attention.shape == (len(golden["output"]["attend"]["beams"][0]["words"]), 64)
        assert_allclose(attention.sum(1), 1, atol=1e-4)


def test_recorded_metrics_meet_the_bars(card):
    """Issue 10's bars: exact match >= 90 % on held-out scenes; attention at least as good as the baseline on
    the compositional split; and onnxruntime (the exported files, run by infer.py) agrees with the record."""
    m = card["metrics"]
    assert m["attend"]["held_out"]["greedy"]["exact_match"] >= 0.9
    assert m["attend"]["held_out"]["beam"]["exact_match"] >= 0.9
    for kind in ("greedy", "beam"):
        assert m["attend"]["compositional"][kind]["exact_match"] >= m["show"]["compositional"][kind]["exact_match"]
    onnx = m["onnxruntime_exact_match_held_out"]    # torch searched in training, onnxruntime at export:
    for width, kind in (("beam1", "greedy"), ("beam3", "beam")):   # a near-tie may go the other way, no more
        for name in infer.MODELS:
            assert abs(onnx[width][name] - m[name]["held_out"][kind]["exact_match"]) <= 2 / m["test_scenes"]
    attention = m["attend"]["held_out"]["attention_in_box"]
    assert attention["mean"] > 2 * attention["uniform"]          # it looks at the object it names
    assert m["total_cpu_seconds"] <= 20 * 60                      # a full training run within 20 min of one thread


def test_the_pages_snippets_are_generated(card):
    assert (ROOT / "demos/caption/results/training.md").read_text() == train.results_table(card["metrics"])
    page = (ROOT / "docs/multimodal/image-captioning.md").read_text()
    for snippet in ("demos/caption/results/training.md", "demos/caption/results/examples.md"):
        assert f'--8<-- "{snippet}"' in page
    assert '<div data-demo="caption"></div>' in page
    assert "[@xu2015show]" in page and "[@vinyals2015show]" in page


def test_onnxruntime_exact_match_on_fresh_held_out_scenes(card, sessions):
    """Scenes past the measured ones (seeds 1,000,300..): the attention model stays near its record."""
    images, _, refs = data.split("held_out", 300 + 60)
    right = sum(infer.predict(sessions, card, {"image": im, "beam": 1})["attend"]["caption"].split() in r
                for im, r in zip(images[300:], refs[300:]))
    print(f"greedy exact match on 60 fresh held-out scenes: {right}/60")
    assert right >= 0.85 * 60


# ---- data -----------------------------------------------------------------------------------------------

def test_grammar_gives_every_phrasing_and_splits_keep_novel_pairs_apart():
    obs = [{"colour": "red", "shape": "circle", "size": "small", "cx": 10, "cy": 30},
           {"colour": "blue", "shape": "square", "size": "large", "cx": 45, "cy": 32}]
    assert [" ".join(c) for c in data.captions(obs)] == [
        "a small red circle left of a large blue square", "a large blue square right of a small red circle",
        "a small red circle to the left of a large blue square", "a large blue square to the right of a small red circle"]
    above = [dict(obs[0], cx=30, cy=10), dict(obs[1], cx=32, cy=50)]
    assert [" ".join(c) for c in data.captions(above)] == ["a small red circle above a large blue square",
                                                          "a large blue square below a small red circle"]
    assert max(len(c) + 1 for k in range(200) for c in data.captions(data.make_scene(k)[1])) <= data.MAX_LEN
    for split in ("train", "held_out", "compositional"):
        _, objs, _ = data.split(split, 60)
        novel = [any((o["colour"], o["shape"]) in data.NOVEL_PAIRS for o in obs) for obs in objs]
        assert all(novel) if split == "compositional" else not any(novel)
    assert data.decode(data.encode(["a", "small", "red", "circle"])) == ["a", "small", "red", "circle"]


# ---- CLI and bad input ------------------------------------------------------------------------------------

def cli(*args):
    return subprocess.run([sys.executable, "-m", "demos", "run", "caption", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300, check=False)


def test_cli_prints_the_golden_caption_beams_and_log_probabilities(tmp_path, card):
    golden = card["golden"][0]
    path = tmp_path / "scene.png"
    path.write_bytes(base64.b64decode(golden["input"]["png"]))
    proc = cli(path, "--json", "--set", f"beam={golden['input']['beam']}")
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    for name in infer.MODELS:
        assert result[name]["caption"] == golden["output"][name]["caption"]
        assert [b["logp"] for b in result[name]["beams"]] == pytest.approx(
            [b["logp"] for b in golden["output"][name]["beams"]], abs=1e-6)
    text = cli(path, "--set", "beam=3")
    assert text.returncode == 0 and f"Show, Attend and Tell: {golden['output']['attend']['caption']}" in text.stdout
    assert "beam 3: log p = " in text.stdout and "Show and Tell (baseline): " in text.stdout
    greedy = json.loads(cli(path, "--json", "--set", "beam=1").stdout)
    assert len(greedy["attend"]["beams"]) == 1


def test_cli_reads_other_sizes_by_sampling_cell_centres(tmp_path, card, sessions):
    """A 128x128 copy (each pixel doubled) is the scene again; a 100x75 stretch is sampled at 64x64 cell
    centres (documented in the sidecar's preprocessing.input) and still captioned."""
    image = data.make_scene(data.HELD_OUT_SEED + 3)[0]
    big = tmp_path / "big.png"
    big.write_bytes(png_bytes(np.kron(image, np.ones((2, 2, 1), np.uint8))))
    assert (infer.load_input(big, card)["image"] == image).all()
    proc = cli(big, "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["attend"]["caption"] == infer.predict(sessions, card, {"image": image, "beam": 3})["attend"]["caption"]
    rows, cols = (np.arange(75) * 64) // 75, (np.arange(100) * 64) // 100
    odd = tmp_path / "odd.png"
    odd.write_bytes(png_bytes(image[rows][:, cols]))
    assert cli(odd).returncode == 0
    assert "64x64 grid" in card["preprocessing"]["input"]


def test_cli_refuses_an_empty_scene_and_beams_outside_1_to_5(tmp_path):
    empty = tmp_path / "empty.png"
    empty.write_bytes(png_bytes(data.make_scene(data.HELD_OUT_SEED, objects=[])[0]))
    proc = cli(empty)
    assert proc.returncode == 2 and proc.stderr.strip() == \
        "error: the scene has no coloured shape to describe (place one, or take a new scene)"
    scene = tmp_path / "scene.png"
    scene.write_bytes(png_bytes(data.make_scene(data.HELD_OUT_SEED + 3)[0]))
    for bad in ("0", "6", "2.5", "wide"):
        proc = cli(scene, "--set", f"beam={bad}")
        assert proc.returncode == 2 and "option beam takes a whole number from 1 to 5" in proc.stderr, bad
        assert "Traceback" not in proc.stderr


def test_predict_refuses_bad_input_with_one_line(card, sessions):
    scene = data.make_scene(data.HELD_OUT_SEED + 3)[0]
    for width in (0, 6, 2.5, True, "3"):
        with pytest.raises(DemoError, match="beam must be a whole number from 1 to 5"):
            infer.predict(sessions, card, {"image": scene, "beam": width})
    with pytest.raises(DemoError, match="no coloured shape"):
        infer.predict(sessions, card, {"image": np.full((64, 64, 3), 230, np.uint8), "beam": 3})
    with pytest.raises(DemoError, match="64x64 RGB"):
        infer.predict(sessions, card, {"image": scene[:32], "beam": 3})


def test_the_sidecar_keeps_the_comma_word(card):
    """sidecar.write puts short lists on one line; it once turned the word "," into ", " inside them."""
    assert "," in card["labels"] and ", " not in card["labels"]
    assert all(w in card["labels"] for g in card["golden"] for b in g["output"]["attend"]["beams"] for w in b["words"])
    text = json.dumps({"words": ["a", ",", "b, c"], "x": [1.5e-05, -2]}, indent=1)
    assert json.loads(sc._compact_lists(text)) == json.loads(text)


def test_every_model_file_is_listed_and_small(card):
    files = sorted(p.name for p in MODELS_DIR.glob("caption*.onnx"))
    assert files == sorted(m["file"] for m in card["models"])
    assert all(m["bytes"] <= 2 * 1024 * 1024 for m in card["models"])
