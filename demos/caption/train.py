"""Train Show, Attend and Tell and the Show and Tell baseline on the same generated scenes and captions;
measure exact match and BLEU-4 (sacrebleu) on the held-out and compositional splits, greedy and beam,
and the attention mass inside the named object's box; write the page's table.

    python -m demos train caption
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import sacrebleu
import torch
import torch.nn.functional as F

from demos.caption import data
from demos.caption.model import CaptionConfig, Captioner
from demos.caption.search import beam_search
from demos.common.paths import BUILD_DIR, ROOT

SEED = 0
TRAIN_SCENES = 8000
STEPS = 3000
BATCH = 64
LR = 3e-3
TEST_SCENES = 300          # per split
BEAM = 3
SNIPPET = ROOT / "docs" / "multimodal" / "image-captioning-results.md"


def to_chw(images) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(np.asarray(images, np.float32).transpose(0, 3, 1, 2) / 255.0))


def batch_tokens(refs, rng) -> torch.Tensor:
    """One phrasing per scene, drawn at random, padded with <pad> (id 0)."""
    seqs = [data.encode(r[int(rng.integers(len(r)))]) for r in refs]
    out = np.zeros((len(seqs), max(map(len, seqs))), np.int64)
    for i, s in enumerate(seqs):
        out[i, :len(s)] = s
    return torch.from_numpy(out)


def train_one(attend: bool, images, refs, steps: int, log_every: int = 500) -> Captioner:
    torch.manual_seed(SEED)
    rng = np.random.default_rng(SEED)
    model = Captioner(CaptionConfig(vocab=len(data.VOCAB), attend=attend))
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, LR, total_steps=steps, pct_start=0.1)
    x_all = to_chw(images)
    model.train()
    for step in range(steps):
        idx = rng.integers(0, len(refs), BATCH)
        tokens = batch_tokens([refs[i] for i in idx], rng)
        logits, _ = model(x_all[idx], tokens)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), tokens[:, 1:].reshape(-1), ignore_index=0)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        if log_every and step % log_every == 0:
            print(f"{'attend' if attend else 'show'} step {step} loss {loss.item():.4f}", flush=True)
    return model.eval()


def torch_step(model: Captioner, features):
    def step(word, state):
        with torch.no_grad():
            logits, h, c, a = model.step(torch.tensor([word]), state[0], state[1], features)
        return logits[0].numpy(), (h, c), (None if a is None else a[0].numpy())
    return step


def decode_scene(model: Captioner, image, width: int) -> list[dict]:
    with torch.no_grad():
        f, h, c = model.start(to_chw(image[None]))
    return beam_search(torch_step(model, f), (h, c), width, data.MAX_LEN, data.INDEX["<start>"],
                       data.INDEX["<end>"])


def bleu4(hyps: list[list[str]], refs: list[list[list[str]]]) -> float:
    """sacrebleu corpus BLEU-4 on whitespace-joined words (tokenize='none'); scenes with fewer phrasings
    repeat their last one so every reference stream has a sentence."""
    most = max(map(len, refs))
    streams = [[" ".join(r[min(k, len(r) - 1)]) for r in refs] for k in range(most)]
    return float(sacrebleu.corpus_bleu([" ".join(h) for h in hyps], streams, tokenize="none").score)


def attention_in_box(model: Captioner, images, objs, refs) -> float:
    """Teacher-forced on each scene's first phrasing: at each step whose target is a shape word, the
    attention mass (cells spread evenly over their 8x8 pixels) inside that object's box; mean over steps."""
    g = model.config.grid
    cell = data.SIZE // g
    masses = []
    for image, obs, r in zip(images, objs, refs):
        words = r[0]
        tokens = torch.tensor([data.encode(words)])
        with torch.no_grad():
            _, alpha = model(to_chw(image[None]), tokens)
        alpha = alpha[0].numpy()                          # (T, L)
        order = _mention_order(obs, words)
        for t, w in enumerate(words):
            if w in data.SHAPES:
                ob = order.pop(0)
                amap = np.kron(alpha[t].reshape(g, g), np.ones((cell, cell))) / (cell * cell)
                x0, y0, x1, y1 = ob["box"]
                masses.append(float(amap[y0:y1, x0:x1].sum()))
    return float(np.mean(masses))


def _mention_order(obs, words) -> list[dict]:
    """The objects in the order the caption names them (match each 'a size colour shape' phrase)."""
    left = list(obs)
    out = []
    for i, w in enumerate(words):
        if w in data.SHAPES:
            size, colour = words[i - 2], words[i - 1]
            ob = next(o for o in left if (o["size"], o["colour"], o["shape"]) == (size, colour, w))
            left.remove(ob)
            out.append(ob)
    return out


def evaluate(model: Captioner, split: str, count: int) -> dict:
    images, objs, refs = data.split(split, count)
    out = {}
    for name, width in (("greedy", 1), ("beam", BEAM)):
        hyps = [data.decode(decode_scene(model, im, width)[0]["words"]) for im in images]
        exact = np.mean([h in r for h, r in zip(hyps, refs)])
        out[name] = {"exact_match": round(float(exact), 4), "bleu4": round(bleu4(hyps, refs), 2)}
    if model.config.attend:
        out["attention_in_box"] = round(attention_in_box(model, images, objs, refs), 4)
    return out


def main(argv=None, out_dir: Path | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m demos train caption")
    parser.add_argument("--steps", type=int, default=STEPS)
    parser.add_argument("--scenes", type=int, default=TRAIN_SCENES)
    parser.add_argument("--test", type=int, default=TEST_SCENES)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    out_dir = out_dir or BUILD_DIR / "caption"
    out_dir.mkdir(parents=True, exist_ok=True)
    images, _, refs = data.split("train", args.scenes)
    metrics = {"train_scenes": args.scenes, "steps": args.steps, "batch": BATCH, "test_scenes": args.test,
               "beam": BEAM, "length_normalisation": "score = total log-probability / words incl. <end>"}
    for attend, name in ((True, "attend"), (False, "show")):
        t0 = time.time()
        model = train_one(attend, images, refs, args.steps)
        seconds = time.time() - t0
        m = {"parameters": sum(p.numel() for p in model.parameters()), "train_seconds": round(seconds, 1)}
        for split in ("held_out", "compositional"):
            m[split] = evaluate(model, split, args.test)
        metrics[name] = m
        torch.save({"config": model.config.to_dict(), "state": model.state_dict()}, out_dir / f"{name}.pt")
        print(json.dumps({name: m}), flush=True)
    (out_dir / "metrics.json").write_text(json.dumps(metrics, indent=1))
    if out_dir == BUILD_DIR / "caption":
        SNIPPET.write_text(results_table(metrics))
    return metrics


def results_table(m: dict) -> str:
    rows = ["| model | split | exact match, greedy | exact match, beam " + str(m["beam"]) +
            " | BLEU-4, greedy | BLEU-4, beam " + str(m["beam"]) + " |", "|---|---|---:|---:|---:|---:|"]
    names = {"attend": "Show, Attend and Tell", "show": "Show and Tell"}
    for key, label in names.items():
        for split in ("held_out", "compositional"):
            s = m[key][split]
            rows.append(f"| {label} | {split.replace('_', '-')} | {100 * s['greedy']['exact_match']:.1f} % | "
                        f"{100 * s['beam']['exact_match']:.1f} % | {s['greedy']['bleu4']:.1f} | "
                        f"{s['beam']['bleu4']:.1f} |")
    a = m["attend"]
    rows += ["", f"Measured by `python -m demos train caption` on {m['test_scenes']} scenes per split "
                 f"(held-out: seeds from {data.HELD_OUT_SEED:,}; compositional: seeds from "
                 f"{data.COMPOSITIONAL_SEED:,}, every scene with a colour-shape pair never seen in training), "
                 f"after {m['steps']:,} steps of {m['batch']} on {m['train_scenes']:,} training scenes. "
                 f"Beam scores are {m['length_normalisation']}. When the attention model produces a shape "
                 f"word, {100 * a['held_out']['attention_in_box']:.1f} % (held-out) and "
                 f"{100 * a['compositional']['attention_in_box']:.1f} % (compositional) of its attention "
                 f"lies inside that object's box."]
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    main()
