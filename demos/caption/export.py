"""Export both captioners to exported_models/: for each, the encoder (image -> features, keys, h0, c0) and
one decoder step (word, h, c[, features, keys] -> logits, h_out, c_out[, attention]); sidecar caption.json
with golden captions computed by onnxruntime through demos/caption/infer.py, the exact match of the exported
files (onnxruntime) on the held-out split and the attention model's misses sorted by kind. Also writes what
the page shows from these files: demos/caption/results/examples.md and docs/assets/figures/caption-attention.png.

    python -m demos export caption

Batch norm is folded into the convolutions first (model.fold_batch_norm), so every ONNX initializer is a
parameter of the module tests rebuild from the sidecar's config (norm: false).
"""
from __future__ import annotations

import base64
import json
import time

import numpy as np
import torch

from demos.caption import data, infer, train
from demos.caption.model import build, fold_batch_norm
from demos.common import onnx_export, options, sidecar
from demos.common.errors import DemoError
from demos.common.images import png_bytes
from demos.common.paths import BUILD_DIR, MODELS_DIR, ROOT
from demos.common.runtime import open_session, run

GOLDEN = (3, 7, 15, 19)    # held-out scene offsets: one of each kind (horizontal, row, vertical, single)
EXAMPLE_BEAM = 3
EXAMPLES = ROOT / "demos" / "caption" / "results" / "examples.md"     # included by the page
FIGURE = ROOT / "docs" / "assets" / "figures" / "caption-attention.png"
FIGURE_SEED = data.HELD_OUT_SEED + 10


class Encoder(torch.nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, image):
        f, keys, h, c = self.model.start(image)
        return (f, h, c) if keys is None else (f, keys, h, c)


class Step(torch.nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, word, h, c, features=None, keys=None):
        logits, h, c, a = self.model.step(word, h, c, features, keys)
        return (logits, h, c) if a is None else (logits, h, c, a)


def load(name: str):
    path = BUILD_DIR / "caption" / f"{name}.pt"
    if not path.is_file():
        raise DemoError(f"{path} is missing: run `python -m demos train caption` first")
    saved = torch.load(path, weights_only=True)
    model = build(saved["config"])
    model.load_state_dict(saved["state"])
    return fold_batch_norm(model.eval())


def export_model(name: str) -> tuple[list[dict], float, dict]:
    model = load(name)
    attend = model.config.attend
    enc_path, step_path = MODELS_DIR / f"caption_{name}_encoder.onnx", MODELS_DIR / f"caption_{name}_step.onnx"
    torch.manual_seed(0)
    image = torch.rand(1, 3, data.SIZE, data.SIZE)
    enc_out = ["features", "keys", "h0", "c0"] if attend else ["features", "h0", "c0"]
    onnx_export.export(Encoder(model), (image,), enc_path, ["image"], enc_out)
    with torch.no_grad():
        f, keys, h, c = model.start(image)
    word = torch.tensor([data.INDEX["a"]])
    if attend:
        args, ins, outs = (word, h, c, f, keys), ["word", "h", "c", "features", "keys"], ["logits", "h_out", "c_out", "attention"]
    else:
        args, ins, outs = (word, h, c), ["word", "h", "c"], ["logits", "h_out", "c_out"]
    onnx_export.export(Step(model), args, step_path, ins, outs)
    # parity at export: torch vs onnxruntime on the encoder and one step (the tests do more)
    e = run(open_session(enc_path), {"image": image.numpy()})
    feeds = {"word": word.numpy(), "h": e["h0"], "c": e["c0"]}
    if attend:
        feeds.update(features=e["features"], keys=e["keys"])
    o = run(open_session(step_path), feeds)
    with torch.no_grad():
        ref = Step(model)(*args)
    diff = max(float(np.abs(e["h0"] - h.numpy()).max()), float(np.abs(e["features"] - f.numpy()).max()),
               float(np.abs(o["logits"] - ref[0].numpy()).max()))
    return [onnx_export.io_spec(enc_path), onnx_export.io_spec(step_path)], diff, model.config.to_dict()


def onnx_metrics(card: dict, sessions, count: int) -> dict:
    """Exact match of the exported models, run by infer.py (onnxruntime) on the held-out split, greedy and
    at the default beam: the numbers the page and the CLI stand behind."""
    images, _, refs = data.split("held_out", count)
    out = {}
    for width in (1, card["options"]["beam"]["default"]):
        right = {k: 0 for k in infer.MODELS}
        for image, r in zip(images, refs):
            result = infer.predict(sessions, card, {"image": image, "beam": width})
            for k in infer.MODELS:
                right[k] += result[k]["caption"].split() in r
        out[f"beam{width}"] = {k: round(v / count, 4) for k, v in right.items()}
    return out


def phrases(words: list[str]) -> list[tuple]:
    """The (size, colour, shape) phrases a caption names, sorted: the same for every phrasing of a scene."""
    return sorted(tuple(words[i - 2:i + 1]) for i, w in enumerate(words) if w in data.SHAPES and i >= 2)


def misses(card: dict, sessions, count: int) -> dict:
    """The attention model's greedy misses on both splits, sorted by kind: `relation` names every object
    right but in an order or relation the scene does not have; `object` names some object wrong; on the
    compositional split, `no_new_pair` counts misses that name none of the held-out colour-shape pairs."""
    out = {}
    for split, compositional in (("held_out", False), ("compositional", True)):
        images, _, refs = data.split(split, count)
        found = {"misses": 0, "relation": 0, "object": 0, **({"no_new_pair": 0} if compositional else {})}
        for image, r in zip(images, refs):
            words = infer.predict(sessions, card, {"image": image, "beam": 1})["attend"]["caption"].split()
            if words in r:
                continue
            found["misses"] += 1
            found["relation" if phrases(words) == phrases(r[0]) else "object"] += 1
            if compositional and not any((c, s) in data.NOVEL_PAIRS for _, c, s in phrases(words)):
                found["no_new_pair"] += 1
        out[split] = found
    return out


def main(argv=None) -> dict:
    torch.set_num_threads(1)
    metrics_path = BUILD_DIR / "caption" / "metrics.json"
    if not metrics_path.is_file():
        raise DemoError(f"{metrics_path} is missing: run `python -m demos train caption` first")
    metrics = json.loads(metrics_path.read_text())
    for name in infer.MODELS:       # the curve stays in build/; the sidecar keeps where it ended
        metrics[name]["final_train_loss"] = metrics[name].pop("loss_curve")[-1][1]
    models, parity, configs = [], {}, {}
    for name in infer.MODELS:
        specs, parity[name], configs[name] = export_model(name)
        models += specs
    metrics["export_parity_max_abs"] = parity
    card = {
        "name": "caption",
        "title": "Image captioning: Show, Attend and Tell against Show and Tell",
        "summary": f"Two small encoder-decoder captioners ({metrics['attend']['parameters']:,} and "
                   f"{metrics['show']['parameters']:,} parameters) trained on the same generated scenes. The page "
                   "and the CLI run each encoder once and its decoder step once per word and beam, with greedy or "
                   "beam search, and show the attention model's weights over the 8x8 feature grid for every word.",
        "papers": ["xu2015show", "vinyals2015show"],
        "models": models,
        "options": {"beam": options.integer("beam width", EXAMPLE_BEAM, 1, 5)},
        "labels": list(data.VOCAB),
        "preprocessing": {
            "scene": data.SCENE_DOC, "input": infer.INPUT_DOC,
            "start": data.INDEX["<start>"], "end": data.INDEX["<end>"], "max_len": data.MAX_LEN,
            "alpha": train.ALPHA, "min_ink": infer.MIN_INK, "saturation": infer.SATURATION,
            "models": {"attend": [0, 1], "show": [2, 3]},
            "search": "beam search (demos/caption/search.py = docs/javascripts/demos/caption/search.js): each live "
                      "beam proposes its k best words, the k - finished best proposals by total log-probability are "
                      "kept; finished beams ranked by total log-probability / (words incl. <end>)^alpha; greedy = "
                      "width 1"},
        "config": {"attend": configs["attend"], "show": configs["show"]},
        "metrics": metrics,
        "reproduce": "python -m demos train caption && python -m demos export caption",
        "golden": [],
    }
    sidecar.write(card)                    # sizes and hashes, so infer.predict can be run on the card
    sessions = [open_session(MODELS_DIR / m["file"]) for m in models]
    for offset in GOLDEN:
        seed = data.HELD_OUT_SEED + offset
        image, obs = data.make_scene(seed)
        result = infer.predict(sessions, card, {"image": image, "beam": EXAMPLE_BEAM})
        for beam in result["attend"]["beams"][1:]:     # the page shows the best beam's attention at once
            del beam["attention"]
        card["golden"].append({
            "input": {"seed": seed, "beam": EXAMPLE_BEAM, "png": base64.b64encode(png_bytes(image)).decode(),
                      "objects": [{k: o[k] for k in ("colour", "shape", "size", "box")} for o in obs],
                      "references": [" ".join(r) for r in data.captions(obs)]},
            "output": result})
    t0 = time.process_time()
    metrics["onnxruntime_exact_match_held_out"] = onnx_metrics(card, sessions, metrics["test_scenes"])
    metrics["attend_greedy_misses"] = misses(card, sessions, metrics["test_scenes"])
    metrics["onnxruntime_seconds"] = round(time.process_time() - t0, 1)
    written = sidecar.write(card)
    EXAMPLES.parent.mkdir(exist_ok=True)
    EXAMPLES.write_text(examples(card, sessions))
    write_figure(card, sessions, FIGURE)
    print(f"wrote {', '.join(m['file'] for m in models)} and {written}; parity {parity}; "
          f"onnxruntime exact match {metrics['onnxruntime_exact_match_held_out']}")
    return card


def examples(card: dict, sessions, per_split: int = 5) -> str:
    """The page's table of example captions (held-out and compositional scenes, greedy and beam) and the
    CLI's text for the first golden scene: what `python -m demos run caption` prints for these models."""
    rows = ["| scene | references (one of) | Show, Attend and Tell, greedy | beam 3 (log p) | Show and Tell, beam 3 |",
            "|---|---|---|---|---|"]
    mark = lambda caption, refs: f"{caption} {'✓' if caption.split() in refs else '✗'}"
    for split, compositional in (("held_out", False), ("compositional", True)):
        start = data.SPLITS[split][0] + 400          # past the measured scenes (0-299) and the tests' (300-359)
        for seed in range(start, start + per_split):
            image, obs = data.make_scene(seed, compositional)
            refs = data.captions(obs)
            greedy = infer.predict(sessions, card, {"image": image, "beam": 1})
            beam = infer.predict(sessions, card, {"image": image, "beam": 3})
            rows.append(f"| {split.replace('_', '-')} {seed:,} | {' '.join(refs[0])} | "
                        f"{mark(greedy['attend']['caption'], refs)} | {mark(beam['attend']['caption'], refs)} "
                        f"({beam['attend']['beams'][0]['logp']:.3f}) | {mark(beam['show']['caption'], refs)} |")
    golden = card["golden"][0]
    text = infer.format_text(infer.predict(sessions, card, {"image": data.make_scene(golden["input"]["seed"])[0],
                                                            "beam": 3}), card)
    held, comp = card["metrics"]["attend_greedy_misses"]["held_out"], card["metrics"]["attend_greedy_misses"]["compositional"]
    return ("\n".join(rows) + "\n\n✓: word for word one of the scene's phrasings. Scene numbers are seeds, 400 past "
            f"each split's first: none of these scenes is among the {card['metrics']['test_scenes']} measured.\n\n"
            f"Of the {held['misses']} held-out scenes (of {card['metrics']['test_scenes']}) the attention model misses "
            f"with greedy search, **{held['relation']}** name every object right but in an order or relation the scene "
            f"does not have, and {held['object']} get an object wrong. Of its {comp['misses']} compositional misses, "
            f"{comp['object']} get an object wrong, and **{comp['no_new_pair']}** name none of the held-out colour–shape "
            "pairs at all: the new pair became a familiar one.\n\n"
            f"`python -m demos run caption scene.png --set beam=3` on held-out scene {golden['input']['seed']:,}:\n\n"
            f"```text\n{text}\n```\n")


def write_figure(card: dict, sessions, path) -> None:
    """The paper's figure for one held-out scene: the scene, then one panel per word of the beam-3 caption,
    dimmed where the attention model does not look (cells weighted by a / max a, as in the page)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    image = data.make_scene(FIGURE_SEED)[0]
    best = infer.predict(sessions, card, {"image": image, "beam": 3})["attend"]["beams"][0]
    grid = infer.GRID
    panels = [("scene", None)] + list(zip(best["words"], best["attention"]))
    rows = 1 if len(panels) <= 8 else 2
    cols = -(-len(panels) // rows)
    fig, axes = plt.subplots(rows, cols, figsize=(1.25 * cols, 1.55 * rows), dpi=100, squeeze=False)
    for ax in axes.flat[len(panels):]:
        ax.axis("off")
    for ax, (word, attention) in zip(axes.flat, panels):
        shown = image.astype(np.float64) / 255
        if attention is not None:
            a = np.asarray(attention).reshape(grid, grid)
            weight = np.kron(a / a.max(), np.ones((data.SIZE // grid, data.SIZE // grid)))
            shown = shown * (1 - 0.7 * (1 - weight))[..., None]
        ax.imshow(shown, interpolation="nearest")
        ax.set_title(word, fontsize=9)
        ax.axis("off")
    fig.tight_layout(pad=0.2)
    fig.savefig(path, metadata={"Software": None})
    plt.close(fig)


if __name__ == "__main__":
    main()
