"""onnxruntime sessions for the CLI and the tests: numpy + onnxruntime only, like the browser."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import onnxruntime as ort

from . import sidecar as sc
from .errors import DemoError
from .paths import MODELS_DIR

ORT_DTYPES = {"tensor(float)": "float32", "tensor(int64)": "int64", "tensor(int32)": "int32",
              "tensor(bool)": "bool", "tensor(uint8)": "uint8"}


def open_session(path: Path) -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1  # the browser runs one WASM thread; match it
    options.log_severity_level = 3
    try:
        return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    except Exception as err:  # noqa: BLE001 — onnxruntime raises its own untyped errors for bad files
        raise DemoError(f"{path} is not a loadable ONNX model ({str(err).splitlines()[0][:160]})") from None


def _signature(specs) -> list[tuple]:
    """(name, dtype, shape) with named dimensions as None: what must agree between sidecar and file."""
    return [(s["name"], s["dtype"], [d if isinstance(d, int) else None for d in s["shape"]]) for s in specs]


def check_inputs(session: ort.InferenceSession, entry: dict, shown: str) -> None:
    """The ONNX file's own inputs are the ones the sidecar declares, before anything runs."""
    actual = [{"name": i.name, "dtype": ORT_DTYPES.get(i.type, i.type), "shape": list(i.shape)}
              for i in session.get_inputs()]
    if _signature(actual) != _signature(entry["inputs"]):
        said = lambda specs: ", ".join(f"{n} {t} {s}" for n, t, s in _signature(specs))
        raise DemoError(f"{shown}: {entry['file']} takes {said(actual)} but the sidecar declares "
                        f"{said(entry['inputs'])} (is it another demo's model?)")


def open_sessions(sidecar: dict, models_dir: Path = MODELS_DIR) -> list[ort.InferenceSession]:
    """One verified session per model listed in the sidecar, in order, its inputs checked."""
    sessions = []
    for i, entry in enumerate(sidecar["models"]):
        session = open_session(sc.model_path(sidecar, i, models_dir))
        check_inputs(session, entry, f"{Path(models_dir) / sidecar['name']}.json")
        sessions.append(session)
    return sessions


def run(session: ort.InferenceSession, feeds: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    names = [o.name for o in session.get_outputs()]
    try:
        return dict(zip(names, session.run(names, feeds)))
    except (ort.capi.onnxruntime_pybind11_state.InvalidArgument, ort.capi.onnxruntime_pybind11_state.Fail) as err:
        reason = str(err).split(" : ")[-1].splitlines()[0][:160]
        model = Path(getattr(session, "_model_path", "the model")).name
        raise DemoError(f"onnxruntime refused the input of {model} "
                        f"(is the sidecar's model another demo's?): {reason}") from None
