"""caption in Node, against the Python it mirrors: search.js = demos/caption/search.py on logits tables (ties,
every width, unended beams, alpha), pipeline.js on onnxruntime-web's WASM build = infer.predict on the golden
and on fresh scenes (same words, log-probabilities within 1e-4), scene.js = data.scene from numpy's draws,
and the bad-input checks with the CLI's messages."""

import numpy as np
import pytest

from demos.caption import data, infer, search
from demos.common import sidecar as sc
from demos.common.errors import DemoError
from demos.common.paths import MODELS_DIR, ROOT
from demos.common.runtime import open_sessions
from tests.nodejs import JS, NODE, REPLAY_JS, RecordedDraws, run_module

CAPTION = JS / "demos" / "caption"
pytestmark = pytest.mark.skipif(NODE is None, reason="node is part of make test's set-up")


# ---- search ---------------------------------------------------------------------------------------------

def table_model(seed: int, rows: int = 23, vocab: int = 9, end: int = 2, ties: bool = False):
    """A toy decoder: the state is a row number, logits come from a fixed table; some rows favour <end>."""
    rng = np.random.default_rng(seed)
    table = rng.normal(0, 2, (rows, vocab)).astype(np.float32)
    table[::4, end] += 3
    if ties:
        table[:, 4] = table[:, 5] = table[:, 6]          # three equal words in every row
        table[1::3] = table[1::3, :1]                      # rows where every word ties
    return table


def python_search(table, width, max_len, alpha, start=1, end=2):
    rows = len(table)

    def step(word, state):
        nxt = (state * 7 + word) % rows
        return table[nxt], nxt, nxt
    return search.beam_search(step, 0, width, max_len, start, end, alpha)


SEARCH_JS = f"""
import * as s from "{(CAPTION / 'search.js').as_uri()}";
const out = [];
for (const c of DATA) {{
  const rows = c.table.length;
  const step = async (word, state) => {{ const nxt = (state * 7 + word) % rows; return {{ logits: Float32Array.from(c.table[nxt]), state: nxt, extra: nxt }}; }};
  out.push(await s.beamSearch(step, 0, c.width, c.max_len, 1, 2, c.alpha));
}}
console.log(JSON.stringify(out));
"""


def test_search_js_is_search_py_on_tables():
    cases = [{"table": table_model(seed, ties=seed % 2 == 1).tolist(), "width": width, "max_len": max_len, "alpha": alpha}
             for seed in range(6) for width in (1, 2, 3, 5) for max_len, alpha in ((3, 1.0), (12, 1.0), (12, 0.6))]
    out = run_module(SEARCH_JS, cases)
    ended = unended = 0
    for case, js in zip(cases, out):
        py = python_search(np.array(case["table"], np.float32), case["width"], case["max_len"], case["alpha"])
        assert [b["words"] for b in js] == [b["words"] for b in py], case
        assert [b["ended"] for b in js] == [b["ended"] for b in py]
        assert [b["extras"] for b in js] == [b["extras"] for b in py]
        np.testing.assert_allclose([b["logp"] for b in js], [b["logp"] for b in py], rtol=0, atol=1e-12)
        np.testing.assert_allclose([b["score"] for b in js], [b["score"] for b in py], rtol=0, atol=1e-12)
        for a, b in zip(js, py):
            np.testing.assert_allclose(a["steps"], b["steps"], rtol=0, atol=1e-12)
        ended += sum(b["ended"] for b in py)
        unended += sum(not b["ended"] for b in py)
    assert ended > 100 and unended > 20         # both kinds of finished beam are exercised


def test_search_rules_by_hand():
    """Words 3 and 4 after <start> (1); <end> is 2. Width 2 keeps both; 4's continuation wins in the end."""
    probs = {(): {3: 0.6, 4: 0.4}, (3,): {2: 0.5, 3: 0.5}, (4,): {2: 0.99, 3: 0.01}}

    def step(word, prefix):
        prefix = prefix + ((word,) if word != 1 else ())
        p = probs.get(prefix, {2: 1.0})
        return np.log([p.get(w, 1e-12) for w in range(5)]).astype(np.float32), prefix, None
    beams = search.beam_search(step, (), 2, 5, 1, 2)
    # step 2: 4 <end> (0.396) beats 3 <end> (0.3), which ties with 3 3 and wins as the lower word id
    assert [b["words"] for b in beams] == [[4, 2], [3, 2]] and all(b["ended"] for b in beams)
    assert beams[0]["logp"] == pytest.approx(np.log(0.4 * 0.99), abs=1e-6)
    assert beams[0]["score"] == pytest.approx(np.log(0.4 * 0.99) / 2, abs=1e-6)
    assert [b["words"] for b in search.beam_search(step, (), 1, 5, 1, 2)] == [[3, 2]]    # greedy
    short = search.beam_search(step, (), 2, 1, 1, 2)                                     # max_len 1: unended
    assert [b["words"] for b in short] == [[3], [4]] and not any(b["ended"] for b in short)
    assert search.log_softmax([0, 0]).tolist() == pytest.approx([np.log(0.5)] * 2)


# ---- the pipeline on the exported models --------------------------------------------------------------

PIPELINE_JS = f"""
import fs from "fs";
const ort = await import("{(ROOT / 'node_modules/onnxruntime-web/dist/ort.wasm.min.mjs').as_uri()}");
ort.env.wasm.numThreads = 1;
const p = await import("{(CAPTION / 'pipeline.js').as_uri()}");
const card = JSON.parse(fs.readFileSync("{MODELS_DIR / 'caption.json'}"));
const sessions = [];
for (const m of card.models) sessions.push(await ort.InferenceSession.create(fs.readFileSync("{MODELS_DIR}/" + m.file)));
const out = [];
for (const c of DATA) {{
  try {{ out.push(await p.caption(ort, sessions, card, Uint8Array.from(c.rgba), c.beam)); }}
  catch (err) {{ out.push({{ error: err.message }}); }}
}}
console.log(JSON.stringify(out));
"""


def rgba(image: np.ndarray) -> list[int]:
    return np.concatenate([image, np.full(image.shape[:2] + (1,), 255, np.uint8)], -1).ravel().tolist()


def assert_same_result(js: dict, py: dict, atol: float = 1e-4) -> float:
    worst = 0.0
    for name in infer.MODELS:
        assert js[name]["caption"] == py[name]["caption"]
        assert [b["words"] for b in js[name]["beams"]] == [b["words"] for b in py[name]["beams"]]
        for a, b in zip(js[name]["beams"], py[name]["beams"]):
            worst = max(worst, abs(a["logp"] - b["logp"]), np.abs(np.subtract(a["word_logp"], b["word_logp"])).max())
            assert a["ended"] == b["ended"]
            if "attention" in a and "attention" in b:
                np.testing.assert_allclose(a["attention"], b["attention"], atol=1e-5)
    assert worst <= atol
    return worst


def test_pipeline_js_is_infer_py_on_golden_and_fresh_scenes():
    card = sc.read("caption")
    sessions = open_sessions(card)
    scenes = [(data.make_scene(g["input"]["seed"])[0], g["input"]["beam"]) for g in card["golden"]]
    scenes += [(data.make_scene(data.HELD_OUT_SEED + 500 + k)[0], 1 + k % 5) for k in range(6)]
    scenes += [(data.make_scene(data.COMPOSITIONAL_SEED + 500 + k, True)[0], 5 - k % 5) for k in range(4)]
    out = run_module(PIPELINE_JS, [{"rgba": rgba(im), "beam": b} for im, b in scenes])
    worst = 0.0
    for (image, beam), js in zip(scenes, out):
        py = infer.predict(sessions, card, {"image": image, "beam": beam})
        worst = max(worst, assert_same_result(js, py))
    print(f"\n{len(scenes)} scenes, beams 1-5: max |JS - Python| log-probability {worst:.1e}")
    for golden, js in zip(card["golden"], out):       # and the sidecar's golden outputs
        assert_same_result(js, golden["output"])


def test_pipeline_js_refuses_what_infer_refuses():
    card = sc.read("caption")
    empty = data.make_scene(data.HELD_OUT_SEED, objects=[])[0]
    scene = data.make_scene(data.HELD_OUT_SEED)[0]
    out = run_module(PIPELINE_JS, [{"rgba": rgba(empty), "beam": 3}, {"rgba": rgba(scene), "beam": 0},
                             {"rgba": rgba(scene), "beam": 6}, {"rgba": rgba(scene), "beam": 2.5}])
    sessions = open_sessions(card)
    for (image, beam), js in zip([(empty, 3), (scene, 0), (scene, 6), (scene, 2.5)], out):
        with pytest.raises(DemoError) as err:
            infer.predict(sessions, card, {"image": image, "beam": beam})
        assert js["error"] == str(err.value)


# ---- scenes ---------------------------------------------------------------------------------------------

SCENE_JS = f"""
import * as sc from "{(CAPTION / 'scene.js').as_uri()}";
{REPLAY_JS}
console.log(JSON.stringify(DATA.cases.map(({{ draws, compositional }}) => {{
  const rng = replay(draws);
  const scene = sc.captionScene(DATA.spec, rng, {{ compositional }});
  return {{ rgba: Array.from(scene.rgba), objects: scene.objects, used: rng.used(), total: draws.length }};
}})));
"""


def test_scene_js_paints_data_scene_from_the_same_draws():
    cases, recorded = [], []
    for seed, compositional in [(s, False) for s in range(10)] + [(data.COMPOSITIONAL_SEED + s, True) for s in range(6)]:
        rng = RecordedDraws(np.random.default_rng(seed))
        image, obs = data.scene(rng, compositional)
        assert (image == data.make_scene(seed, compositional)[0]).all()
        cases.append({"draws": rng.draws, "compositional": compositional})
        recorded.append((image, obs))
    out = run_module(SCENE_JS, {"spec": sc.read("caption")["preprocessing"]["scene"], "cases": cases})
    counts = set()
    for (image, obs), js in zip(recorded, out):
        assert js["used"] == js["total"]
        assert (np.reshape(js["rgba"], (64, 64, 4))[..., :3] == image).all()
        assert [(o["colour"], o["shape"], o["size"], o["box"]) for o in js["objects"]] == \
               [(o["colour"], o["shape"], o["size"], o["box"]) for o in obs]
        counts.add(len(obs))
    assert counts == {1, 2, 3}
