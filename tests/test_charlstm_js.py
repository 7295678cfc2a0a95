"""The pure JS of the RNN demos in Node, against the Python it mirrors: docs/javascripts/parts/colored-text.js
(colours, readable ink, keyboard moves), demos/charlstm/sampler.js (mulberry32, pick, topK = infer.py),
demos/charlstm.js (encode, rankCells, featureVerdict) and demos/delay.js (buildSequence = infer.build_sequence)."""
import json

import numpy as np
import pytest

from demos.charlstm import infer as cinfer
from demos.common import sidecar as sc
from demos.delay import infer as dinfer
from tests.nodejs import JS, NODE, evaluate

pytestmark = pytest.mark.skipif(NODE is None, reason="node is part of make test's set-up")


def test_sampler_matches_python():
    draws = evaluate(modules={"s": JS / "demos/charlstm/sampler.js"}, body="const out = {}; for (const seed of [0, 1, 12345, 2147483647]) { const d = s.mulberry32(seed);"
                 " out[seed] = Array.from({length: 50}, d); } return out;")
    for seed, values in draws.items():
        draw = cinfer.mulberry32(int(seed))
        assert values == [draw() for _ in range(50)]
    rng = np.random.default_rng(0)
    probs = rng.dirichlet(np.ones(97) * 0.3, 20).astype(np.float32)
    cases = [(p.tolist(), t, u) for p, t, u in zip(probs, [0.3, 0.7, 1.0, 1.5] * 5, rng.random(20))]
    picks = evaluate(modules={"s": JS / "demos/charlstm/sampler.js"}, body=f"return {json.dumps(cases)}.map(([p, t, u]) => [s.pick(Float32Array.from(p), t, u), s.topK(p, 5).map(e => e[0])]);")
    for (p, t, u), (picked, top) in zip(cases, picks):
        assert picked == cinfer.pick(np.array(p, np.float32), t, u)
        assert top == list(np.argsort(-np.array(p), kind="stable")[:5])


def test_encode_and_ranking_match_python():
    card = sc.read("charlstm")
    text = "def f(x):\n\treturn 'é' + x  # ok\n"
    out = evaluate(modules={"c": JS / "demos/charlstm.js"}, body=f"const card = {json.dumps({'preprocessing': card['preprocessing'], 'corr': card['figures']['cell_correlation']['indentation']})};"
               f"return [c.encode({json.dumps(text)}, card.preprocessing), c.rankCells(card.corr, 4)];")
    assert out[0] == cinfer.encode(text, card).tolist()
    r = np.array(card["figures"]["cell_correlation"]["indentation"])
    assert [cell for cell, _ in out[1]] == list(np.argsort(-np.abs(r), kind="stable")[:4])


def test_feature_verdict_reads_the_measured_bar():
    card = sc.read("charlstm")
    features = card["metrics"]["features"]
    out = evaluate(modules={"c": JS / "demos/charlstm.js"}, body=f"const card = {json.dumps({'features': features, 'labels': card['examples']['feature_labels'], 'bar': card['examples']['bar']})};"
               "return Object.fromEntries(Object.entries(card.features).map(([k, f]) => [k, c.featureVerdict(f, card.labels[k], card.bar)]));")
    assert {f["meets_bar"] for f in features.values()} == {True, False}          # the model has both kinds
    for name, text in out.items():
        f = features[name]
        assert text.startswith(f"Best cell for {card['examples']['feature_labels'][name]}: {f['cell']}, r {f['r']:+.2f}")
        assert f"{f['ratio']:.1f}× the untrained network's best ({f['random_init_abs_r']:.2f})" in text
        assert ("Meets the bar" in text) == f["meets_bar"] and ("Short of the bar" in text) != f["meets_bar"]
        assert f"|r| ≥ {card['examples']['bar']['abs_r']:g} and ≥ {card['examples']['bar']['ratio']:g}×" in text


def test_colored_text_pure_parts():
    out = evaluate(modules={"t": JS / "parts/colored-text.js"}, body="""const text = "ab\\ncdef\\n\\nxy";
                  const moves = [[0, 'ArrowRight'], [0, 'ArrowLeft'], [1, 'ArrowDown'], [6, 'ArrowUp'], [4, 'End'],
                                 [5, 'Home'], [4, 'ArrowDown'], [9, 'ArrowDown'], [0, 'ArrowUp'], [0, 'x']];
                  return { moves: moves.map(([i, k]) => t.lineMove(text, i, k)),
                           ink: [t.inkOn('rgb(255, 255, 255)'), t.inkOn('rgb(0, 0, 0)'), t.inkOn('rgb(253, 231, 37)')],
                           shades: t.shadeAll([-1, 0, 1, NaN], -1, 1, 'diverging') };""")
    # "ab\n" 0-2, "cdef\n" 3-7, "\n" 8, "xy" 9-10
    assert out["moves"] == [1, 0, 4, 2, 7, 3, 8, 9, 0, None]
    assert out["ink"] == ["#000", "#fff", "#000"]
    assert out["shades"][1][0] == "rgb(200, 200, 200)" and out["shades"][3] == [None, None]


def test_delay_sequence_matches_python():
    card = sc.read("delay")
    cases = [{"value": 5, "marker": 2, "delay": 10, "seed": 3}, {"value": 0, "marker": 0, "delay": 0, "seed": 0},
             {"value": 7, "marker": 4, "delay": 200, "seed": 2147483647}]
    out = evaluate(modules={"d": JS / "demos/delay.js"}, body=f"return {json.dumps(cases)}.map(c => {{ const s = d.buildSequence(c, {card['preprocessing']['values']});"
               " return [s.steps, Array.from(s.x), d.checkInputs(c, " + json.dumps(card["options"]) + ").ok]; });")
    for case, (steps, x, ok) in zip(cases, out):
        py_steps, py_x = dinfer.build_sequence(dict(case), card)
        assert steps == py_steps and np.array_equal(np.array(x, np.float32), py_x.ravel()) and ok
    bad = evaluate(modules={"d": JS / "demos/delay.js"}, body=f"return d.checkInputs({{value: 5, marker: 2, delay: 201, seed: 1}}, {json.dumps(card['options'])});")
    assert not bad["ok"] and "0 to 200" in bad["message"]
