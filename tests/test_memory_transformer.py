"""memory_transformer: causality, attention maps, and parity torch ↔ onnxruntime at several lengths."""
import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose

from demos.common import sidecar as sc
from demos.common.onnx_weights import load_into
from demos.common.runtime import open_sessions, run
from demos.memory_transformer.model import MemoryTransformer, TransformerConfig, TransformerExport, sinusoids


@pytest.fixture(scope="module")
def card():
    return sc.read("memory")


@pytest.fixture(scope="module", params=["copy", "recall"])
def pair(request, card):
    index = card["model_index"]["transformer"][request.param]
    cfg = TransformerConfig(**card["config"]["transformer"][request.param])
    module = load_into(TransformerExport(MemoryTransformer(cfg)), sc.model_path(card, index))
    return cfg, open_sessions(card)[index], module


def test_outputs_never_depend_on_future_steps():
    torch.manual_seed(0)
    model = MemoryTransformer(TransformerConfig()).eval()
    x = torch.rand(1, 12, 9)
    changed = x.clone()
    changed[:, 7:] = torch.rand(1, 5, 9)
    with torch.no_grad():
        assert_allclose(model(x)[:, :7].numpy(), model(changed)[:, :7].numpy(), atol=1e-6)
        assert not torch.allclose(model(x)[:, 7:], model(changed)[:, 7:])


def test_sinusoids_are_bounded_and_distinct():
    pe = sinusoids(300, 48)
    assert pe.shape == (300, 48) and pe.abs().max() <= 1.0
    assert torch.cdist(pe, pe).add(torch.eye(300) * 10).min() > 0.1     # no two positions coincide


@pytest.mark.parametrize("length", [2, 21, 97, 255])
def test_parity_at_any_length(pair, length):
    cfg, session, module = pair
    x = (np.random.default_rng(length).random((1, length, cfg.n_in)) > 0.5).astype(np.float32)
    ours = run(session, {"x": x})
    with torch.no_grad():
        y, attention = (t.numpy() for t in module(torch.from_numpy(x)))
    for name, theirs in (("y", y), ("attention", attention)):
        print(f"length {length} {name}: max |torch - onnxruntime| = {np.abs(ours[name] - theirs).max():.2e}")
        assert_allclose(ours[name], theirs, rtol=1e-3, atol=1e-5)
    attn = ours["attention"][0]
    assert attn.shape == (cfg.n_layers, cfg.n_heads, length, length)
    assert_allclose(attn.sum(-1), 1.0, atol=1e-5)                          # rows are distributions
    assert np.triu(attn, 1).max() == 0.0                                   # nothing from the future


def test_parameter_count_is_close_to_the_ntm(card):
    """Counted on the models rebuilt from the exported ONNX weights, not read from the sidecar."""
    from demos.ntm.model import NTM, NTMConfig, NTMStep, n_params

    index = card["model_index"]
    ntm = load_into(NTMStep(NTM(NTMConfig(**card["config"]["ntm"]["copy"]))), sc.model_path(card, index["ntm"]["copy"]))
    tr = load_into(TransformerExport(MemoryTransformer(TransformerConfig(**card["config"]["transformer"]["copy"]))),
                   sc.model_path(card, index["transformer"]["copy"]))
    params = {"ntm": n_params(ntm), "transformer": n_params(tr)}
    assert params == {m: card["metrics"][f"{m}_copy"]["params"] for m in params}, params   # the page's table
    assert 0.8 < params["transformer"] / params["ntm"] < 1.25, params
