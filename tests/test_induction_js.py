"""The pure JS of the attention demos in Node, against the Python it mirrors: docs/javascripts/demos/induction.js
(parseTokens = infer.parse, summarize = infer.predict's rows) and demos/induction/attention.js (induction targets,
head scores = infer.scores, the lookup example = numpy's softmax of scaled dot products and of β·cosine)."""
import json

import numpy as np
import pytest

from demos.common import sidecar as sc
from demos.common.errors import DemoError
from demos.common.runtime import open_sessions, run
from demos.induction import infer, task
from tests.nodejs import JS, NODE, evaluate

DEMOS = JS / "demos"
pytestmark = pytest.mark.skipif(NODE is None, reason="node is part of make test's set-up")
CARD = sc.read("induction")
MODULES = {"ind": DEMOS / "induction.js", "att": DEMOS / "induction" / "attention.js"}


def node(script: str, data=None):
    return evaluate(script, MODULES, data)


def test_parse_tokens_matches_python():
    prep, limit = json.dumps(CARD["preprocessing"]), CARD["limits"]["max_tokens"]
    cases = ["ab c,d\n9", "", " , ", "abC", "a" * 65, "héllo", "a" * 64, "x9k2 z5pvbq3 z5pvbq3"]
    out = node(f"return {json.dumps(cases)}.map((t) => {{ try {{ return ind.parseTokens(t, {prep}, {limit}); }}"
               " catch (e) { return e.message; } });")
    for text, js in zip(cases, out):
        try:
            assert js == infer.parse(text, CARD)
        except DemoError as err:
            assert js == str(err), (text, js)


def test_summaries_and_scores_match_python():
    session = open_sessions(CARD)[0]
    rng = np.random.default_rng(2)
    inputs = ["x9k2z5pvbq3z5pvbq3z5pv", "".join(task.ALPHABET[t] for t in task.batch(rng, 1).tokens[0]), "q"]
    for tokens in inputs:
        result = infer.predict([session], CARD, {"tokens": tokens})
        ids = infer.parse(tokens, CARD)
        out = run(session, {"tokens": np.array([ids], np.int64)})
        maps = {k: v[0].ravel().tolist() for k, v in out.items() if k.startswith("attention_")}
        data = {"maps": maps, "tokens": ids, "probs": out["probs"][0].ravel().tolist(), "alphabet": task.ALPHABET}
        js = node("const maps = Object.fromEntries(Object.entries(DATA.maps).map(([k, v]) => [k, Float32Array.from(v)]));"
                  "const tokens = DATA.tokens;"
                  "return { rows: ind.summarize(tokens, Float32Array.from(DATA.probs), maps, DATA.alphabet),"
                  " scores: att.headScores(maps, tokens), targets: att.inductionTargets(tokens) };", data)
        assert js["targets"] == task.induction_targets(ids)
        for mine, theirs in zip(js["rows"], result["positions"]):
            assert [t for t, _ in mine["top"]] == [t for t, _ in theirs["top"]]
            assert max(abs(a[1] - b[1]) for a, b in zip(mine["top"], theirs["top"])) < 1e-6
            assert mine["induction_guess"] == theirs["induction_guess"] and mine["looks_at"] == theirs["looks_at"]
        for name, s in result["scores"].items():
            for key in ("previous_token", "induction"):
                if s[key] is None:
                    assert js["scores"][name][key] is None
                else:
                    assert abs(js["scores"][name][key] - s[key]) < 1e-5, (name, key)


def test_lookup_is_softmax_of_similarity():
    keys = [k for _, k in [("a", [1, 0]), ("b", [0, 1]), ("c", [-0.8, 0.6]), ("d", [0.6, -0.8])]]
    out = node("const keys = att.LOOKUP_KEYS.map(([, k]) => k); const q = [1.2, 0.6];"
               "return { keys, att: att.dotAttention(q, keys), ntm: att.contentAddressing(q, keys, 3),"
               " same: att.contentAddressing(q, keys, att.matchingBeta(q)), beta: att.matchingBeta(q) };")
    assert out["keys"] == keys
    q, k = np.array([1.2, 0.6]), np.array(keys)
    softmax = lambda s: np.exp(s - s.max()) / np.exp(s - s.max()).sum()
    np.testing.assert_allclose(out["att"], softmax(k @ q / np.sqrt(2)), atol=1e-12)
    cos = k @ q / (np.linalg.norm(k, axis=1) * np.linalg.norm(q))
    np.testing.assert_allclose(out["ntm"], softmax(3 * cos), atol=1e-12)
    np.testing.assert_allclose(out["same"], out["att"], atol=1e-12)          # β = |q|/√d: the same lookup
    assert not np.allclose(out["ntm"], out["att"], atol=1e-3)
