# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # The digits model, from data to ONNX
#
# This notebook is stored as a plain Python file in the "percent" format
# ([jupytext](https://jupytext.readthedocs.io/)), so a pull request shows a readable diff. The site
# executes it on every build, so every output below is real. It walks the path of the
# [CNN page's demo](../cnn/visualizing.md): the data set, the model, a short training run, the
# ONNX export, and the check that onnxruntime gives torch's numbers.

# %%
import numpy as np
import matplotlib.pyplot as plt
from sklearn.datasets import load_digits

digits = load_digits()
print(digits.images.shape, "images of", digits.images.shape[1:], "pixels; values",
      digits.images.min(), "to", digits.images.max())

# %% [markdown]
# Each image is a 32×32 binary bitmap reduced to 8×8 by counting the "on" pixels in every 4×4
# block, so a pixel is an integer from 0 to 16. The demo reduces your drawing the same way.

# %%
fig, axes = plt.subplots(1, 10, figsize=(10, 1.4))
for digit, ax in enumerate(axes):
    ax.imshow(digits.images[digits.target == digit][0], cmap="gray_r", vmin=0, vmax=16)
    ax.set_title(str(digit))
    ax.axis("off")
plt.show()

# %% [markdown]
# ## The model
# The network is defined once, in `demos/digits/model.py`; training, export, the tests and this
# notebook import it.

# %%
import torch
import torch.nn.functional as F
from demos.digits.model import DigitsCNN, DigitsConfig
from demos.digits.train import split, as_input

torch.manual_seed(0)
torch.set_num_threads(1)  # tiny batches: one thread is faster than two that wait on each other
x_train, x_test, y_train, y_test = split()
model = DigitsCNN(DigitsConfig())
print(sum(p.numel() for p in model.parameters()), "parameters")

# %% [markdown]
# ## A short training run
# Ten epochs without the demo's redrawing augmentation (`python -m demos train digits` runs the
# full recipe); enough to see the held-out accuracy climb.

# %%
xt, yt, xv, yv = as_input(x_train), torch.from_numpy(y_train), as_input(x_test), torch.from_numpy(y_test)
optimizer = torch.optim.Adam(model.parameters(), lr=2e-3)
history = []
for epoch in range(10):
    model.train()
    for idx in torch.randperm(len(xt)).split(64):
        loss = F.cross_entropy(model(xt[idx])[1], yt[idx])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    model.eval()
    with torch.no_grad():
        history.append(float((model(xv)[0].argmax(1) == yv).float().mean()))
print("held-out accuracy by epoch:", [f"{a:.3f}" for a in history])

# %% [markdown]
# ## Export to ONNX and check parity
# The same helper as `python -m demos export digits`: `eval()`, named inputs and outputs, a dynamic
# batch dimension, one self-contained file, `onnx.checker`.

# %%
import tempfile
from pathlib import Path
import onnxruntime as ort
from demos.common.onnx_export import export

path = Path(tempfile.mkdtemp()) / "digits-notebook.onnx"
export(model, (torch.zeros(2, 1, 8, 8),), path, ["image"], ["probs", "logits", "conv1", "conv2"],
       dynamic_shapes={"image": {0: torch.export.Dim("batch", min=1, max=1024)}})
session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
onnx_probs = session.run(["probs"], {"image": xv.numpy()})[0]
with torch.no_grad():
    torch_probs = model(xv)[0].numpy()
print(f"{path.stat().st_size / 1024:.0f} KB; max |torch - onnxruntime| = {np.abs(onnx_probs - torch_probs).max():.1e}")

# %% [markdown]
# ## The committed model
# The demo's model in `exported_models/` was trained with the full recipe; its sidecar records
# the accuracy the training script measured, and we measure it again here with onnxruntime.

# %%
import json
from demos.common.paths import MODELS_DIR

card = json.loads((MODELS_DIR / "digits.json").read_text())
committed = ort.InferenceSession(str(MODELS_DIR / "digits.onnx"), providers=["CPUExecutionProvider"])
pred = committed.run(["probs"], {"image": xv.numpy()})[0].argmax(1)
print("recorded:", card["metrics"]["held_out_accuracy"], " measured now:", round(float((pred == y_test).mean()), 4))
confusion = np.zeros((10, 10), int)
np.add.at(confusion, (y_test, pred), 1)
plt.figure(figsize=(3.6, 3.2))
plt.imshow(confusion, cmap="Blues")
plt.xlabel("predicted"); plt.ylabel("true"); plt.title("held-out confusion")
plt.xticks(range(10)); plt.yticks(range(10))
plt.show()
