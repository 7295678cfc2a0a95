"""onnxruntime sessions for the CLI and the tests: numpy + onnxruntime only, like the browser."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import onnxruntime as ort

from . import sidecar as sc
from .errors import DemoError
from .paths import MODELS_DIR


def open_session(path: Path) -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1  # the browser runs one WASM thread; match it
    options.log_severity_level = 3
    try:
        return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    except Exception as err:  # onnxruntime raises its own untyped errors for bad files
        raise DemoError(f"{path} is not a loadable ONNX model ({str(err).splitlines()[0][:160]})") from None


def open_sessions(sidecar: dict, models_dir: Path = MODELS_DIR) -> list[ort.InferenceSession]:
    """One verified session per model listed in the sidecar, in order."""
    return [open_session(sc.model_path(sidecar, i, models_dir)) for i in range(len(sidecar["models"]))]


def run(session: ort.InferenceSession, feeds: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    names = [o.name for o in session.get_outputs()]
    return dict(zip(names, session.run(names, feeds)))
