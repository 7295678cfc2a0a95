"""Train the rig solver: an MLP from tracked landmarks to the rig's seven controls, against the linear fit.

    python -m demos train face      (about a minute on one CPU thread)

Data is generated: random controls drive the rig (rig.py) built on the astronaut's tracked mesh (the
golden landmarks in exported_models/face.json); each "tracked" face gets random proportions (x and y
stretched by up to ±8 %), landmark noise, a random size and position. The baseline is the blendshape
least-squares fit: one column per control (the mesh at that control's full value minus neutral; for
pose, the small-angle derivative), solved for the controls of each face. Both are measured on held-out
faces; the issue's bar: the MLP's jaw error ≤ 0.5× the linear fit's.
"""
from __future__ import annotations

import json
import time

import torch

from demos.common import checkpoint
from demos.common import sidecar as sc
from demos.face.rig import CONTROLS, RANGES, FaceRig, RigConfig, RigSolver, normalise

TRAIN, HELD_OUT = 40_000, 2_000
STEPS, BATCH, LR = 4_000, 256, 2e-3
NOISE = 0.004           # landmark noise, in eye-corner units (~0.3 px on a 70 px face)
STRETCH = 0.08


def neutral_mesh() -> torch.Tensor:
    return torch.tensor(sc.read("face")["golden"][0]["output"]["landmarks"], dtype=torch.float32)


def sample(rig: FaceRig, count: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(landmarks (count, 468, 3) as a tracker would give them in pixels, controls (count, 7))."""
    g = torch.Generator().manual_seed(seed)
    low, high = torch.tensor(RANGES).T
    controls = low + (high - low) * torch.rand(count, len(CONTROLS), generator=g)
    off = torch.rand(count, 4, generator=g) < 0.3                    # many faces hold some expressions at rest
    controls[:, :4] = torch.where(off, torch.zeros_like(controls[:, :4]), controls[:, :4])
    with torch.no_grad():
        mesh = rig(controls)
    stretch = 1 + STRETCH * (2 * torch.rand(count, 1, 3, generator=g) - 1)
    mesh = mesh * stretch + NOISE * torch.randn(mesh.shape, generator=g)
    scale = 40 + 160 * torch.rand(count, 1, 1, generator=g)          # a face 40..200 px between eye corners
    shift = 500 * torch.rand(count, 1, 3, generator=g)
    return mesh * scale + shift, controls


def blendshapes(rig: FaceRig) -> torch.Tensor:
    """(1404, 7): the linear model's columns, around the neutral face."""
    zero = torch.zeros(1, len(CONTROLS))
    columns = []
    with torch.no_grad():
        base = rig(zero)
        for k in range(len(CONTROLS)):
            step = torch.zeros_like(zero)
            step[0, k] = 1.0 if k < 4 else 1e-3
            columns.append(((rig(step) - base) / step[0, k]).flatten())
    return torch.stack(columns, 1)


def linear_fit(basis: torch.Tensor, neutral: torch.Tensor, landmarks: torch.Tensor) -> torch.Tensor:
    """Least-squares controls for each face: argmin ||neutral + basis · c − normalise(landmarks)||²."""
    target = (normalise(landmarks) - neutral).flatten(1).T              # (1404, B)
    return torch.linalg.lstsq(basis, target).solution.T                 # (B, 7)


def errors(predicted: torch.Tensor, truth: torch.Tensor) -> dict:
    return {name: round(float(v), 4) for name, v in zip(CONTROLS, (predicted - truth).abs().mean(0))}


def main(argv=None, steps: int = STEPS, train: int = TRAIN) -> dict:
    torch.set_num_threads(1)
    torch.manual_seed(0)
    config = RigConfig()
    neutral = neutral_mesh()
    rig = FaceRig(config, neutral).eval()
    x, y = sample(rig, train, seed=1)
    x_test, y_test = sample(rig, HELD_OUT, seed=2)
    solver = RigSolver(config, neutral)
    optimiser = torch.optim.Adam(solver.parameters(), lr=LR)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimiser, steps)
    scale = (torch.tensor(RANGES)[:, 1] - torch.tensor(RANGES)[:, 0])   # errors weighed by each control's range
    started = time.time()
    for step in range(steps):
        batch = torch.randint(0, train, (BATCH,))
        loss = (((solver(x[batch]) - y[batch]) / scale) ** 2).mean()
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        schedule.step()
        if step % 500 == 0 or step == steps - 1:
            print(f"step {step:5d}  loss {loss.item():.5f}  {time.time() - started:.0f} s", flush=True)
    solver.eval()
    with torch.no_grad():
        mlp = errors(solver(x_test), y_test)
    linear = errors(linear_fit(blendshapes(rig), rig.neutral, x_test), y_test)
    metrics = {"rig_train_faces": train, "rig_held_out_faces": HELD_OUT, "rig_steps": steps,
               "rig_train_seconds": round(time.time() - started, 1), "rig_noise": NOISE, "rig_stretch": STRETCH,
               "rig_mlp_mean_abs_error": mlp, "rig_linear_mean_abs_error": linear,
               "rig_jaw_error_ratio_mlp_over_linear": round(mlp["jaw_open"] / linear["jaw_open"], 4)}
    checkpoint.save("face", solver, metrics)
    torch.save({"config": config.to_dict(), "neutral": neutral}, checkpoint.BUILD_DIR / "face" / "rig.pt")
    return metrics


if __name__ == "__main__":
    print(json.dumps(main(), indent=1))
