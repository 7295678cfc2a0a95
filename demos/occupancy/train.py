"""Train the occupancy decoder with its three encoders on generated shapes; measure IoU and Chamfer distance on
held-out shapes against two baselines; write the page's tables (demos/occupancy/results/*.md).

    python -m demos train occupancy          # ~15 min of CPU time on one thread

Data: `shapes.py` families, TRAIN_PER_FAMILY shapes each for training and HELD_OUT_PER_FAMILY others (other
seeds) held out. Every step draws SHAPES_PER_KIND shapes for each encoder (voxels, noisy points, the shape's own
occupancy samples) and K of each shape's precomputed points (half uniform, half near the surface). Loss per shape:
Σ_j BCE over its K points + BETA · KL(q(z | x) ‖ N(0, I)).
"""
from __future__ import annotations

import json
import re
import time
from pathlib import Path

import numpy as np
import torch
from scipy.spatial import cKDTree

from demos.common import checkpoint
from demos.common.paths import BUILD_DIR
from demos.occupancy import mesh, shapes
from demos.occupancy.model import OccupancyConfig, OccupancyNet, loss_terms

SEED = 0
TRAIN_PER_FAMILY = 100
HELD_OUT_PER_FAMILY = 10
SURFACE = 1024            # exact surface points stored per shape
QUERIES = 2048            # training points with occupancy per shape (half uniform, half near the surface)
INPUT_POINTS = 300        # the completion task's noisy points
NOISE = 0.005             # their Gaussian noise (the cube has side 1)
STEPS = 8000              # the length of the cosine learning-rate schedule
STOP = 6000               # the steps actually run: the time budget on a shared 2-core machine
SHAPES_PER_KIND = 12
K = 192                   # points per shape per step
BETA = 0.05               # weight of the KL term
LR = 2e-3
EVAL_POINTS = 100_000     # uniform points per held-out shape for IoU
CHAMFER_POINTS = 10_000
MESH_RESOLUTION = 64
IOU_BAR = 0.9             # the mean held-out IoU this demo set itself (the page and the box say whether it is met)
RESULTS = Path(__file__).with_name("results")


def shape_seed(split: str, index: int) -> list[int]:
    return [SEED, {"train": 1, "held_out": 2}[split], index]


def make_split(split: str, per_family: int) -> list[dict]:
    """Shapes of a split, family by family: [{shape, family, voxels, surface, points, occupancy, input_points}]."""
    out = []
    for f, family in enumerate(shapes.FAMILIES):
        for i in range(per_family):
            rng = np.random.default_rng(shape_seed(split, f * 100_000 + i))
            shape = shapes.make(family, rng)
            surface = shapes.surface_points(shape, SURFACE, rng)
            pts, occ = shapes.query_points(shape, surface, QUERIES, rng)
            out.append({"shape": shape, "family": family, "voxels": shapes.voxels(shape),
                        "surface": surface, "points": pts, "occupancy": occ,
                        "input_points": shapes.noisy_points(surface, INPUT_POINTS, rng, NOISE)})
    return out


def load_data(smoke: bool = False) -> tuple[list[dict], list[dict]]:
    if smoke:  # the tests' run: a few shapes, nothing cached
        return make_split("train", 3), make_split("held_out", 1)
    cache = BUILD_DIR / "occupancy" / "data.npz"
    key = json.dumps([SEED, TRAIN_PER_FAMILY, HELD_OUT_PER_FAMILY, SURFACE, QUERIES, INPUT_POINTS, NOISE])
    if cache.is_file():
        saved = np.load(cache, allow_pickle=False)
        if str(saved["key"]) == key:
            splits = json.loads(str(saved["shapes"]))
            data = []
            for name, items in zip(("train", "held_out"), splits):
                arrays = {f: saved[f"{name}_{f}"] for f in ("voxels", "surface", "points", "occupancy", "input_points")}
                data.append([{**item, **{f: a[i] for f, a in arrays.items()}} for i, item in enumerate(items)])
            return data[0], data[1]
    t0 = time.perf_counter()
    train, held = make_split("train", TRAIN_PER_FAMILY), make_split("held_out", HELD_OUT_PER_FAMILY)
    print(f"generated {len(train)} + {len(held)} shapes in {time.perf_counter() - t0:.0f} s")
    arrays = {f"{name}_{f}": np.stack([d[f] for d in items]) for name, items in (("train", train), ("held_out", held))
              for f in ("voxels", "surface", "points", "occupancy", "input_points")}
    meta = json.dumps([[{"shape": d["shape"], "family": d["family"]} for d in items] for items in (train, held)])
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(cache, key=key, shapes=meta, **arrays)
    return train, held


def batch(data: list[dict], rng: np.random.Generator):
    """One step's tensors: for each encoder kind, (input, points (B, K, 3), occupancy (B, K))."""
    out = {}
    for kind in ("voxels", "points", "shape"):
        items = [data[i] for i in rng.integers(0, len(data), SHAPES_PER_KIND)]
        pick = [rng.choice(QUERIES, 2 * K, replace=False) for _ in items]
        p = np.stack([d["points"][s[:K]] for d, s in zip(items, pick)])
        o = np.stack([d["occupancy"][s[:K]] for d, s in zip(items, pick)]).astype(np.float32)
        if kind == "voxels":
            x = np.stack([d["voxels"] for d in items])[:, None]
        elif kind == "points":
            x = np.stack([shapes.noisy_points(d["surface"], INPUT_POINTS, rng, NOISE) for d in items])
        else:  # q(z | shape): other samples of the same shape, with their occupancy as a 4th coordinate
            x = np.stack([np.concatenate([d["points"][s[K:]], d["occupancy"][s[K:], None]], 1) for d, s in zip(items, pick)])
        out[kind] = (torch.from_numpy(np.asarray(x, np.float32)), torch.from_numpy(p), torch.from_numpy(o))
    return out


def shape_input(item: dict, kind: str, rng: np.random.Generator) -> np.ndarray:
    if kind == "voxels":
        return item["voxels"][None, None]
    if kind == "points":
        return item["input_points"][None]
    s = rng.choice(QUERIES, K, replace=False)
    return np.concatenate([item["points"][s], item["occupancy"][s, None]], 1)[None].astype(np.float32)


def logits_fn(model: OccupancyNet, z: torch.Tensor):
    def evaluate(points: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            out = [model.decoder(torch.from_numpy(np.asarray(c, np.float32))[None], z)[0]
                   for c in np.array_split(points, max(1, len(points) // 32768 + 1))]
        return torch.cat(out).numpy()
    return evaluate


def trilinear(voxels: np.ndarray, points: np.ndarray) -> np.ndarray:
    """The super-resolution baseline: the 0/1 grid (values at cell centres) interpolated trilinearly, edges clamped."""
    g = voxels.shape[0]
    u = np.clip((points + 0.5) * g - 0.5, 0, g - 1)
    i0 = np.minimum(np.floor(u).astype(int), g - 2)
    f = u - i0
    out = np.zeros(len(points))
    for corner in mesh.CORNERS:
        w = np.prod(np.where(corner, f, 1 - f), axis=1)
        out += w * voxels[i0[:, 0] + corner[0], i0[:, 1] + corner[1], i0[:, 2] + corner[2]]
    return out


def chamfer(a: np.ndarray, b: np.ndarray) -> float:
    """Chamfer-L1 as in the paper: mean of accuracy (a → b) and completeness (b → a), Euclidean distances."""
    if len(a) == 0:
        return float("nan")
    return float((cKDTree(b).query(a)[0].mean() + cKDTree(a).query(b)[0].mean()) / 2)


def evaluate(model: OccupancyNet, train: list[dict], held: list[dict], eval_points: int = EVAL_POINTS,
             resolution: int = MESH_RESOLUTION, chamfer_points: int = CHAMFER_POINTS) -> dict:
    """Per held-out shape: IoU on EVAL_POINTS uniform points and Chamfer on meshes (MISE to 64³), for the voxel
    and point encoders, q(z | shape) and the two baselines."""
    model.eval()
    rng = np.random.default_rng(SEED + 7)
    train_clouds = np.stack([d["surface"][:128] for d in train])                  # (T, 128, 3) for retrieval
    rows = []
    for item in held:
        pts = rng.uniform(-0.5, 0.5, (eval_points, 3)).astype(np.float32)
        truth = shapes.inside(item["shape"], pts)
        true_surface = shapes.surface_points(item["shape"], chamfer_points, rng)
        row = {"family": item["family"]}
        for kind in ("voxels", "points", "shape"):
            with torch.no_grad():
                mu, _ = model.encode(kind, torch.from_numpy(shape_input(item, kind, rng)))
            f = logits_fn(model, mu)
            row[f"iou_{kind}"] = shapes.iou(f(pts) > 0, truth)
            if kind != "shape":
                values, _ = mesh.mise(f, resolution)
                v, faces = mesh.marching_tetrahedra(values)
                row[f"chamfer_{kind}"] = chamfer(mesh.sample_surface(v, faces, chamfer_points, rng), true_surface)
        # baseline 1: trilinear upsampling of the input voxels
        row["iou_trilinear"] = shapes.iou(trilinear(item["voxels"], pts) >= 0.5, truth)
        c = mesh.grid_coords(resolution)
        grid = np.stack(np.meshgrid(c, c, c, indexing="ij"), -1).reshape(-1, 3)
        tri = trilinear(item["voxels"], grid).reshape((resolution + 1,) * 3) - 0.5
        v, faces = mesh.marching_tetrahedra(tri)
        row["chamfer_trilinear"] = chamfer(mesh.sample_surface(v, faces, chamfer_points, rng), true_surface)
        # baseline 2: nearest neighbour completion: the training shape nearest (Chamfer) to the input points
        x = item["input_points"]
        y = train_clouds.reshape(-1, 3)
        d2 = (x ** 2).sum(1)[:, None] + (y ** 2).sum(1)[None] - 2 * x @ y.T       # (300, T·128)
        d = np.sqrt(np.maximum(d2, 0)).reshape(len(x), len(train), -1)          # (300, T, 128)
        score = d.min(axis=2).mean(axis=0) + d.min(axis=0).mean(axis=1)
        nearest = train[int(score.argmin())]
        row["iou_nearest"] = shapes.iou(shapes.inside(nearest["shape"], pts), truth)
        row["chamfer_nearest"] = chamfer(shapes.surface_points(nearest["shape"], chamfer_points, rng), true_surface)
        rows.append(row)
    return summarise(rows)


METHODS = [("voxels", "ONet, 16³ voxels"), ("trilinear", "trilinear upsampling of the voxels"),
           ("points", "ONet, 300 noisy points"), ("nearest", "nearest training shape to the points"),
           ("shape", "ONet, q(z | shape) (autoencoder)")]


def summarise(rows: list[dict]) -> dict:
    out = {"per_family": {}, "held_out_shapes": len(rows)}
    for family in (*shapes.FAMILIES, "all"):
        sel = [r for r in rows if family in ("all", r["family"])]
        out["per_family"][family] = {k: round(float(np.mean([r[k] for r in sel])), 4)
                                     for k in sel[0] if k != "family"}
    return out


def write_results(metrics: dict) -> None:
    RESULTS.mkdir(exist_ok=True)
    fam = metrics["evaluation"]["per_family"]
    head = "| family | " + " | ".join(label for _, label in METHODS) + " |"
    lines = [head, "|---|" + "---:|" * len(METHODS)]
    for family, m in fam.items():
        lines.append(f"| {'**all**' if family == 'all' else family} | " +
                     " | ".join(f"{m[f'iou_{k}']:.3f}" for k, _ in METHODS) + " |")
    n = metrics["evaluation"]["held_out_shapes"]
    iou = "\n".join(lines) + (f"\n\nMean IoU on {n} held-out shapes ({n // len(shapes.FAMILIES)} per family, seeds "
                              f"never trained on), each on {EVAL_POINTS:,} points uniform in the unit cube; ONet "
                              "predicts inside where f(p, z) > 0.5 with z the encoder's mean. Written by "
                              "`python -m demos train occupancy`.\n")
    (RESULTS / "iou.md").write_text(iou)
    lines = ["| family | " + " | ".join(label for k, label in METHODS if k != "shape") + " |",
             "|---|" + "---:|" * (len(METHODS) - 1)]
    for family, m in fam.items():
        lines.append(f"| {'**all**' if family == 'all' else family} | " +
                     " | ".join(f"{m[f'chamfer_{k}']:.4f}" for k, _ in METHODS if k != "shape") + " |")
    (RESULTS / "chamfer.md").write_text("\n".join(lines) + (
        f"\n\nChamfer-L1 (mean of accuracy and completeness, in units of the cube's side; lower is better) between "
        f"{CHAMFER_POINTS:,} points sampled on each mesh and {CHAMFER_POINTS:,} exact surface points. ONet and "
        f"trilinear meshes: marching tetrahedra on a {MESH_RESOLUTION}³ grid (ONet's through MISE from 16³); the "
        "nearest training shape: as many of its exact surface points. Written by `python -m demos train occupancy`.\n"))
    bar = IOU_BAR
    verdict = []
    for kind, base, name in (("voxels", "trilinear", "From 16³ voxels"), ("points", "nearest", "From 300 noisy points")):
        mine, other = fam["all"][f"iou_{kind}"], fam["all"][f"iou_{base}"]
        below = [f for f in shapes.FAMILIES if fam[f][f"iou_{kind}"] < bar]
        status = (f"meets the bar of {bar}" if mine >= bar else f"**falls short of the bar of {bar}** by {bar - mine:.3f}")
        verdict.append(f"* {name}, the occupancy network's mean IoU {mine:.3f} {status}"
                       + (f" (below it: {', '.join(below)})" if below and mine >= bar else
                          f"; families below {bar}: {', '.join(below) or 'none'}")
                       + f"; its baseline scores {other:.3f}.")
    (RESULTS / "verdict.md").write_text("\n".join(verdict) + "\n")
    t = metrics["training"]
    (RESULTS / "training.md").write_text(
        f"{t['steps']:,} steps, each on {3 * SHAPES_PER_KIND} shapes × {K} points (the cosine learning-rate schedule was "
        f"planned for {t.get('schedule_steps', t['steps']):,} steps), in {t['cpu_minutes']:.1f} min of CPU time "
        f"on one thread ({t['minutes']:.1f} min on the clock, on a shared machine; {t['train_shapes']:,} training shapes, {metrics['parameters']['total']:,} parameters, of which the "
        f"decoder {metrics['parameters']['decoder']:,}); KL weight β = {BETA}; final loss per shape: "
        f"reconstruction {t['final_reconstruction']:.1f} nats over {K} points, KL {t['final_kl']:.1f} nats "
        "(mean over the last steps).\n")


def evaluate_saved() -> dict:
    """Evaluate build/occupancy/state.pt and write the metrics and the page's tables; the training figures (time,
    final losses) are read from the run's log, build/occupancy/train.log (its `step` lines, up to STOP)."""
    torch.set_num_threads(1)
    model, saved = checkpoint.load("occupancy", lambda config: OccupancyNet(OccupancyConfig(**config)))
    if saved["training"]["steps"] != STOP:
        raise SystemExit(f"the checkpoint has {saved['training']['steps']} steps, not STOP = {STOP}")
    pattern = re.compile(r"step\s+(\d+)\s+reconstruction\s+([\d.]+)\s+KL\s+([\d.]+)\s+(\d+) s \(\s*(\d+) s CPU\)")
    lines = [[float(x) for x in m.groups()] for m in map(pattern.match, (BUILD_DIR / "occupancy" / "train.log")
                                                          .read_text().splitlines()) if m and int(m[1]) < STOP]
    last = lines[-10:]                                  # the last 1,000 steps, printed every 100
    train, held = load_data()
    evaluation = evaluate(model, train, held)
    count = lambda m: sum(p.numel() for p in m.parameters())
    metrics = {
        "training": {"steps": STOP, "schedule_steps": STEPS, "minutes": round(lines[-1][3] / 60, 2),
                     "cpu_minutes": round(lines[-1][4] / 60, 2), "train_shapes": len(train),
                     "final_reconstruction": round(float(np.mean([x[1] for x in last])), 3),
                     "final_kl": round(float(np.mean([x[2] for x in last])), 3), "threads": 1,
                     "losses_from": f"steps {last[0][0]:.0f}-{last[-1][0]:.0f} of the log"},
        "parameters": {"total": count(model), "decoder": count(model.decoder),
                       "voxel_encoder": count(model.voxel_encoder), "point_encoder": count(model.point_encoder),
                       "shape_encoder": count(model.shape_encoder)},
        "evaluation": evaluation,
    }
    checkpoint.save("occupancy", model, metrics)
    write_results(metrics)
    return metrics


def main(argv=None) -> dict:
    if argv and argv[0] == "report":    # rewrite the page's tables from build/occupancy/metrics.json
        metrics = json.loads((BUILD_DIR / "occupancy" / "metrics.json").read_text())
        write_results(metrics)
        return metrics
    if argv and argv[0] == "evaluate":  # measure the checkpoint a run saved at STOP steps (see `checkpoint.save` below)
        return evaluate_saved()
    torch.manual_seed(SEED)
    torch.set_num_threads(1)
    steps = int(argv[0]) if argv else STEPS          # a number of steps: the tests' smoke run on a few shapes
    stop = steps if argv else STOP
    train, held = load_data(smoke=bool(argv))
    model = OccupancyNet(OccupancyConfig())
    optimizer = torch.optim.Adam(model.parameters(), lr=LR)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, steps, eta_min=LR / 30)
    rng = np.random.default_rng(SEED)
    start, cpu_start = time.perf_counter(), time.process_time()
    history = []
    for step in range(stop):
        model.train()
        total, rec_sum, kl_sum = 0.0, 0.0, 0.0
        for kind, (x, p, o) in batch(train, rng).items():
            rec, kl = loss_terms(model, kind, x, p, o)
            total = total + (rec + BETA * kl).mean()
            rec_sum += float(rec.detach().mean()) / 3
            kl_sum += float(kl.detach().mean()) / 3
        optimizer.zero_grad()
        total.backward()
        optimizer.step()
        schedule.step()
        history.append((rec_sum, kl_sum))
        if step % 1000 == 999 and not argv:   # a checkpoint to export while training goes on
            checkpoint.save("occupancy", model, {"training": {"steps": step + 1, "partial": True}})
        if step % 100 == 0 or step == stop - 1:
            print(f"step {step:5d}  reconstruction {rec_sum:7.2f}  KL {kl_sum:6.2f}  "
                  f"{time.perf_counter() - start:6.0f} s ({time.process_time() - cpu_start:5.0f} s CPU)", flush=True)
    minutes, cpu_minutes = (time.perf_counter() - start) / 60, (time.process_time() - cpu_start) / 60
    last = np.array(history[-100:])
    t0 = time.perf_counter()
    evaluation = evaluate(model, train, held, *((2000, 16, 500) if argv else (EVAL_POINTS, MESH_RESOLUTION, CHAMFER_POINTS)))
    print(f"evaluated in {time.perf_counter() - t0:.0f} s")
    count = lambda m: sum(p.numel() for p in m.parameters())
    metrics = {
        "training": {"steps": stop, "schedule_steps": steps, "minutes": round(minutes, 2), "cpu_minutes": round(cpu_minutes, 2),
                     "train_shapes": len(train),
                     "final_reconstruction": round(float(last[:, 0].mean()), 3),
                     "final_kl": round(float(last[:, 1].mean()), 3), "threads": 1},
        "parameters": {"total": count(model), "decoder": count(model.decoder),
                       "voxel_encoder": count(model.voxel_encoder), "point_encoder": count(model.point_encoder),
                       "shape_encoder": count(model.shape_encoder)},
        "evaluation": evaluation,
    }
    if not argv:                        # the smoke run must not replace a real checkpoint
        checkpoint.save("occupancy", model, metrics)
        write_results(metrics)
    return metrics


if __name__ == "__main__":
    main()
