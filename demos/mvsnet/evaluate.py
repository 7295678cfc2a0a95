"""Depth errors of MVSNet, MVSNet without 3D regularisation and the plane sweep, on held-out rendered
scenes and on the Middlebury motorcycle pair; written as the page's snippets and confidence figure.

Called by train.py (`python -m demos train mvsnet`). Statistics (`stats`) are numpy only: the CLI
(infer.py) prints the same ones for a reader's views.
"""
from __future__ import annotations

import numpy as np

from demos.common.paths import ROOT
from demos.mvsnet import data

HELD_OUT = 40
THRESHOLDS = [round(0.1 * k, 1) for k in range(10)]
RESULTS = ROOT / "demos" / "mvsnet" / "results"
FIGURE = ROOT / "docs" / "assets" / "figures" / "mvsnet-confidence.svg"
PAIR_SIZE = (128, 192)


def stats(depth, truth, spacing: float, confidence=None, disparity=None) -> dict:
    """Mean absolute depth error, share within one plane spacing, (disparity within 3 px) and, with a
    confidence map, the share kept and its accuracy above each threshold. NaN truth = no ground truth."""
    valid = np.isfinite(truth)
    err = np.abs(np.asarray(depth, np.float64) - truth)[valid]
    out = {"pixels": int(valid.sum()), "mean_abs_error": round(float(err.mean()), 4),
           "within_one_plane": round(float((err <= spacing).mean()), 4)}
    if disparity is not None:
        pred, true, scale = disparity
        out["within_3px"] = round(float((np.abs(pred - true)[valid] / scale <= 3).mean()), 4)
    if confidence is not None:
        conf = np.asarray(confidence)[valid]
        curve = []
        for th in THRESHOLDS:
            kept = conf >= th
            curve.append({"threshold": th, "kept": round(float(kept.mean()), 4),
                          "within_one_plane": round(float((err[kept] <= spacing).mean()), 4) if kept.any() else None,
                          "mean_abs_error": round(float(err[kept].mean()), 4) if kept.any() else None})
        out["curve"] = curve
    return out


def pooled(parts: list[dict]) -> dict:
    """Per-scene statistics → pixel-weighted means over the scenes (curves included)."""
    n = np.array([p["pixels"] for p in parts], np.float64)
    out = {"pixels": int(n.sum()), "scenes": len(parts)}
    for key in ("mean_abs_error", "within_one_plane", "within_3px"):
        if key in parts[0]:
            out[key] = round(float(np.dot(n, [p[key] for p in parts]) / n.sum()), 4)
    if "curve" in parts[0]:
        curve = []
        for k, th in enumerate(THRESHOLDS):
            kept = np.array([p["curve"][k]["kept"] for p in parts]) * n
            good = np.array([(p["curve"][k]["within_one_plane"] or 0) for p in parts]) * kept
            curve.append({"threshold": th, "kept": round(float(kept.sum() / n.sum()), 4),
                          "within_one_plane": round(float(good.sum() / kept.sum()), 4) if kept.sum() else None})
        out["curve"] = curve
    return out


def run_model(model, images, K, R, t, depths):
    import torch

    from demos.mvsnet.train import inputs
    with torch.no_grad():
        depth, conf, *_ = model(*inputs(images, K, R, t, depths))
    return depth.numpy(), conf.numpy()


def measure(models: dict, runs: dict) -> dict:
    from demos.mvsnet import geometry, planesweep
    from demos.mvsnet.train import scenes
    planes = models["mvsnet"].config.planes
    depths = geometry.planes(*data.DEPTH_RANGE, planes)
    spacing = float(depths[1] - depths[0])
    held = scenes("held_out", HELD_OUT)
    per = {"mvsnet": [], "mvsnet_noreg": [], "plane_sweep": []}
    for i in range(HELD_OUT):
        views = (held["images"][i], held["K"][i], held["R"][i], held["t"][i])
        for name, model in models.items():
            depth, conf = run_model(model, *views, depths)
            per[name].append(stats(depth, held["depth"][i], spacing, conf))
        per["plane_sweep"].append(stats(planesweep.plane_sweep(*views, depths)["depth"], held["depth"][i], spacing))
    rendered = {name: pooled(parts) for name, parts in per.items()}
    pair = data.motorcycle(*PAIR_SIZE)
    views = (pair["images"], pair["K"], pair["R"], pair["t"])
    to_disp = lambda d: (pair["focal_baseline"] / d - pair["doffs"], pair["disparity"], pair["disparity_scale"])
    moto = {}
    for name, model in models.items():
        depth, conf = run_model(model, *views, depths)
        moto[name] = stats(depth, pair["depth"], spacing, conf, to_disp(depth))
    ps_depth = planesweep.plane_sweep(*views, depths)["depth"]
    moto["plane_sweep"] = stats(ps_depth, pair["depth"], spacing, None, to_disp(ps_depth))
    ratio = rendered["mvsnet"]["mean_abs_error"] / rendered["plane_sweep"]["mean_abs_error"]
    metrics = {"depth_range": list(data.DEPTH_RANGE), "planes": planes, "plane_spacing": round(spacing, 5),
               "rendered": rendered, "motorcycle": moto, "motorcycle_size": list(PAIR_SIZE),
               "error_ratio_vs_plane_sweep": round(ratio, 3), "bar_met": bool(ratio <= 0.5), "training": runs,
               "train_scenes": runs["mvsnet"]["train_scenes"], "held_out_scenes": HELD_OUT}
    write_snippets(metrics)
    write_figure(metrics)
    return metrics


NAMES = {"mvsnet": "MVSNet (this demo)", "mvsnet_noreg": "MVSNet without the 3D U-Net",
         "plane_sweep": "plane sweep, NCC 5×5, winner-take-all"}


def write_snippets(m: dict) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    r, p = m["rendered"], m["motorcycle"]
    sp = m["plane_spacing"]
    lines = [f"Measured by `python -m demos train mvsnet` on {m['held_out_scenes']} held-out rendered scenes "
             f"(3 views, {data.WIDTH}×{data.HEIGHT}, depth 2–6, {m['planes']} planes {sp:.3f} apart) and on the Middlebury motorcycle "
             f"pair (2 views, {m['motorcycle_size'][1]}×{m['motorcycle_size'][0]}, same planes; disparity error "
             "counted in pixels of scikit-image's 741-pixel-wide images):", "",
             "| method | rendered: mean abs. depth error | rendered: within one plane | motorcycle: mean abs. "
             "depth error (m) | motorcycle: within one plane | motorcycle: disparity within 3 px |",
             "|---|---|---|---|---|---|"]
    for key, label in NAMES.items():
        lines.append(f"| {label} | {r[key]['mean_abs_error']:.3f} | {r[key]['within_one_plane']:.1%} | "
                     f"{p[key]['mean_abs_error']:.3f} | {p[key]['within_one_plane']:.1%} | {p[key]['within_3px']:.1%} |")
    (RESULTS / "metrics.md").write_text("\n".join(lines).replace("%", " %") + "\n")
    ratio = m["error_ratio_vs_plane_sweep"]
    verdict = ("meets the bar of at most half" if m["bar_met"] else
               "**does not meet** the bar of at most half")
    (RESULTS / "bar.md").write_text(
        f"On the held-out rendered scenes MVSNet's mean absolute depth error is {ratio:.2f}× the plane sweep's "
        f"({r['mvsnet']['mean_abs_error']:.3f} against {r['plane_sweep']['mean_abs_error']:.3f}): it {verdict}.\n")
    t, n = m["training"], m["training"]["mvsnet"]["threads"]
    run = lambda k: (f"{t[k]['parameters']:,} parameters, {t[k]['steps']:,} steps in {t[k]['train_seconds'] / 60:.1f} min "
                     f"({t[k]['cpu_seconds'] / 60:.1f} min of CPU time)")
    (RESULTS / "training.md").write_text(
        f"Trained by `python -m demos train mvsnet` on {n} CPU thread{'s' if n > 1 else ''}, one scene per step: "
        f"MVSNet {run('mvsnet')}; without the 3D U-Net {run('mvsnet_noreg')}; {m['train_scenes']} training scenes.\n")
    rows = ["| confidence ≥ | rendered: pixels kept | rendered: within one plane | motorcycle: pixels kept | "
            "motorcycle: within one plane |", "|---|---|---|---|---|"]
    for a, b in zip(r["mvsnet"]["curve"], p["mvsnet"]["curve"]):
        fmt = lambda v: "–" if v is None else f"{v:.1%}".replace("%", " %")
        rows.append(f"| {a['threshold']:.1f} | {fmt(a['kept'])} | {fmt(a['within_one_plane'])} | "
                    f"{fmt(b['kept'])} | {fmt(b['within_one_plane'])} |")
    (RESULTS / "curve.md").write_text("\n".join(rows) + "\n")


def write_figure(m: dict) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    matplotlib.rcParams.update({"svg.hashsalt": "mvsnet", "svg.fonttype": "none", "font.size": 10})
    fig, ax = plt.subplots(figsize=(6, 3.4))
    styles = {"mvsnet": "-o", "mvsnet_noreg": "--s"}
    for where, colour in (("rendered", "#1f77b4"), ("motorcycle", "#d62728")):
        for key, style in styles.items():
            curve = [c for c in m[where][key]["curve"] if c["within_one_plane"] is not None]
            ax.plot([c["kept"] for c in curve], [c["within_one_plane"] for c in curve], style, color=colour,
                    ms=3, label=f"{NAMES[key].split(' (')[0]}, {where}")
    ax.set_xlabel("share of pixels kept (confidence ≥ threshold, 0 to 0.9)")
    ax.set_ylabel("kept pixels within one plane")
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower left")
    fig.tight_layout()
    FIGURE.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(FIGURE, format="svg", metadata={"Date": None})
    plt.close(fig)
