"""Export MediaPipe's face detector and landmark net to ONNX, with golden outputs from TFLite itself.

    python -m demos export face

Reads the two .tflite files from the pinned mediapipe wheel (demos/face/mediapipe_wheel.py), rebuilds
them as torch modules (model.py), exports exported_models/face_detector.onnx and face_landmarks.onnx
(float16 weights), and runs the original .tflite files in a TFLite interpreter (ai-edge-litert) on the
astronaut photo: those outputs are committed in the sidecar, so the tests compare onnxruntime with
TFLite without the wheel. Also writes the astronaut PNG the page shows and NOTICE-face.
"""
from __future__ import annotations

import json
import logging
import math
import warnings
from pathlib import Path

import numpy as np
import onnx
import torch
from PIL import Image

from demos.common import onnx_export, sidecar
from demos.common.paths import BUILD_DIR, MODELS_DIR, ROOT
from demos.common.runtime import open_session, run
from demos.face import infer
from demos.face import mediapipe_wheel as mw
from demos.face.model import GraphConfig, TFLiteGraph
from demos.face.rig import CONTROLS, RANGES, FaceRig, RigConfig, RigSolver

NETS = {"detector": (mw.DETECTOR, "face_detector.onnx", ["regressors", "classificators"]),
        "landmarks": (mw.LANDMARKS, "face_landmarks.onnx", ["landmarks", "face_flag"])}
GOLDEN_IMAGE = ROOT / "docs/javascripts/demos/face/astronaut.png"
GOLDEN_SIDE = 256  # the astronaut photo (512×512) halved: a small file for the page
NOTICE = MODELS_DIR / "NOTICE-face"
SNIPPET = ROOT / "demos/face/results/tracking.md"
RIG_SNIPPET = ROOT / "demos/face/results/rig.md"


def export_unfolded(module: torch.nn.Module, args: tuple, path: Path, inputs: list[str], outputs: list[str],
                    dynamic_shapes=None) -> Path:
    """torch.onnx.export like demos.common.onnx_export, but with `optimize=False`: the optimizer folds
    constant expressions of weights into new initializers (the float16→float32 Cast of small weights
    becomes float32 copies, `neutral - pivot` a nameless constant), which doubles them and drops the
    parameter names the tests load torch from. Per-node export metadata is dropped too."""
    logging.getLogger("torch.onnx").setLevel(logging.ERROR)
    with torch.no_grad(), warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=FutureWarning, message=".*LeafSpec")
        torch.onnx.export(module.eval(), args, str(path), input_names=inputs, dynamic_shapes=dynamic_shapes,
                          output_names=outputs, dynamo=True, external_data=False, optimize=False,
                          opset_version=onnx_export.OPSET, verbose=False)
    proto = onnx.load(str(path))
    for node in proto.graph.node:
        del node.metadata_props[:]
    onnx.checker.check_model(proto, full_check=True)
    onnx.save(proto, str(path))
    return path


def build(config: GraphConfig, weights: dict) -> TFLiteGraph:
    module = TFLiteGraph(config)
    module.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in weights.items()})
    return module.eval()


def astronaut() -> np.ndarray:
    """skimage's astronaut (public domain, NASA), resized with Pillow and written as the golden PNG."""
    from skimage import data
    image = Image.fromarray(data.astronaut()).resize((GOLDEN_SIDE, GOLDEN_SIDE), Image.LANCZOS)
    GOLDEN_IMAGE.parent.mkdir(parents=True, exist_ok=True)
    image.save(GOLDEN_IMAGE, "PNG", optimize=True)
    return infer.to_rgb(np.asarray(Image.open(GOLDEN_IMAGE), np.float32) / 255)


def tflite_run(data: bytes, x: np.ndarray) -> list[np.ndarray]:
    from ai_edge_litert.interpreter import Interpreter
    interpreter = Interpreter(model_content=data)
    interpreter.allocate_tensors()
    interpreter.set_tensor(interpreter.get_input_details()[0]["index"], x)
    interpreter.invoke()
    return [interpreter.get_tensor(d["index"]) for d in interpreter.get_output_details()]


def tflite_golden(sources: dict, image: np.ndarray, tracked: dict) -> dict:
    """What the original .tflite files give on the very inputs the pipeline fed onnxruntime."""
    x, _ = infer.detector_input(image)
    regressors, scores = tflite_run(sources["detector"], x)
    top = np.argsort(-scores[0, :, 0])[:16]
    size = infer.PIPELINE["landmark_size"]
    patch = infer.warp(image, infer.crop_matrix(tracked["crop"], size), size)[None]
    landmarks, flag = tflite_run(sources["landmarks"], patch)
    return {"top_anchors": top.tolist(), "top_scores": np.round(scores[0, top, 0], 6).tolist(),
            "top_regressors": np.round(regressors[0, top], 5).tolist(),
            "landmarks": np.round(landmarks.reshape(-1, 3), 5).tolist(), "face_flag": round(float(flag.item()), 6)}


def write_notice(wheel: Path) -> None:
    """What the converted files are and where from, the MediaPipe notice, and the wheel's own licence file."""
    NOTICE.write_text(
        "exported_models/face_detector.onnx and exported_models/face_landmarks.onnx hold the weights of\n"
        "MediaPipe's face detector (BlazeFace, short range) and face landmark model, converted from\n"
        f"{mw.DETECTOR} and {mw.LANDMARKS}\n"
        f"in the mediapipe=={mw.VERSION} wheel on PyPI ({mw.WHEEL}, sha256 {mw.SHA256}).\n"
        "The layers were rebuilt in PyTorch (demos/face/model.py) and exported to ONNX; the weights are\n"
        "unchanged float16 values. The mesh triangles in exported_models/face.json come from\n"
        f"{mw.CONNECTIONS} in the same wheel.\n\n"
        "exported_models/face_rig.onnx and exported_models/face_solver.onnx were trained here (demos/face/train.py),\n"
        "but the rig's neutral mesh, a constant inside face_rig.onnx, is what the converted landmark model\n"
        f"finds on {GOLDEN_IMAGE.relative_to(ROOT)} (skimage.data.astronaut(), NASA, public domain), and both use\n"
        "MediaPipe's face mesh numbering of the 468 points: they derive from the same work.\n\n"
        "Copyright 2019-2024 The MediaPipe Authors.\n\n"
        "Licensed under the Apache License, Version 2.0 (the \"License\"); you may not use these files\n"
        "except in compliance with the License. You may obtain a copy of the License at\n\n"
        "    http://www.apache.org/licenses/LICENSE-2.0\n\n"
        "Unless required by applicable law or agreed to in writing, software distributed under the\n"
        "License is distributed on an \"AS IS\" BASIS, WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND,\n"
        "either express or implied. See the License for the specific language governing permissions and\n"
        "limitations under the License.\n\n"
        "Modifications: converted from TFLite to ONNX (same operations, same weights), as described above.\n\n"
        f"The licence file of the wheel ({mw.LICENSE}), in full:\n\n"
        + mw.read_member(mw.LICENSE, wheel).decode("utf-8"))


def snippet(card: dict) -> str:
    """The page's paragraph on the converted models, from the sidecar's numbers."""
    m, out = card["metrics"], card["golden"][0]["output"]
    kb = [round(entry["bytes"] / 1024) for entry in card["models"]]
    return (f"*Measured by `python -m demos export face` on the {card['golden'][0]['input']['width']}×"
            f"{card['golden'][0]['input']['height']} astronaut photo:* the ONNX files ({kb[0]} KB detector, "
            f"{kb[1]} KB landmark net, float16 weights) give the original .tflite files' outputs (run by "
            f"ai-edge-litert's TFLite interpreter) within {m['onnxruntime_vs_tflite_landmarks_max_abs']:.1e} crop "
            f"pixels on the 1,404 landmark coordinates and {m['onnxruntime_vs_tflite_detector_max_abs']:.1e} on the "
            f"16 best anchors' raw outputs. {m['astronaut_faces']} face found (detector score "
            f"{out['faces'][0]['score']:.2f}, landmark face score {out['face_score']:.2f}), eye line tilted "
            f"{math.degrees(out['crop']['angle']):.1f}°, {m['onnxruntime_ms_astronaut']:.0f} ms for both nets and the "
            "pipeline in onnxruntime (Python, one thread).\n")


def export_rig(models: list) -> tuple[dict, dict]:
    """The trained solver (landmarks → controls) and the rig (controls → mesh), batch dimension dynamic."""
    state = torch.load(BUILD_DIR / "face" / "state.pt")
    saved = torch.load(BUILD_DIR / "face" / "rig.pt")
    config = RigConfig(**saved["config"])
    solver = RigSolver(config, saved["neutral"])
    solver.load_state_dict(state["state"])
    batch = torch.export.Dim("batch", min=1, max=4096)
    export_unfolded(solver, (torch.zeros(2, 468, 3) + saved["neutral"],), MODELS_DIR / "face_solver.onnx",
                    ["landmarks"], ["controls"], {"landmarks": {0: batch}})
    export_unfolded(FaceRig(config, saved["neutral"]), (torch.zeros(2, len(CONTROLS)),), MODELS_DIR / "face_rig.onnx",
                    ["controls"], ["mesh"], {"controls": {0: batch}})
    models += [onnx_export.io_spec(MODELS_DIR / "face_solver.onnx"), onnx_export.io_spec(MODELS_DIR / "face_rig.onnx")]
    metrics = json.loads((BUILD_DIR / "face" / "metrics.json").read_text())
    return {**config.to_dict(), "controls": CONTROLS, "ranges": RANGES}, metrics


def rig_snippet(metrics: dict) -> str:
    """The page's table of held-out control errors, MLP against the linear blendshape fit."""
    mlp, linear = metrics["rig_mlp_mean_abs_error"], metrics["rig_linear_mean_abs_error"]
    rows = "\n".join(f"| {name.replace('_', ' ')}{' (rad)' if name in ('yaw', 'pitch', 'roll') else ''} | "
                     f"{mlp[name]:.4f} | {linear[name]:.4f} | {mlp[name] / linear[name]:.2f} |" for name in mlp)
    ratio = metrics["rig_jaw_error_ratio_mlp_over_linear"]
    return (f"*Measured by `python -m demos train face` ({metrics['rig_train_faces']:,} generated training faces, "
            f"{metrics['rig_steps']:,} Adam steps, {metrics['rig_train_seconds']:.0f} s on one CPU thread) on "
            f"{metrics['rig_held_out_faces']:,} held-out generated faces (proportions stretched by up to "
            f"±{metrics['rig_stretch'] * 100:.0f} %, landmark noise {metrics['rig_noise']} eye-corner units):* "
            "mean absolute control error.\n\n"
            "| control | MLP solver | linear blendshape fit | MLP / linear |\n|---|---|---|---|\n"
            f"{rows}\n\nOn the nonlinear jaw hinge the MLP's error is {ratio:.2f}× the linear fit's (the bar was "
            f"≤ 0.5×). These are faces made by the rig itself: on a real tracked face, which no rig reproduces "
            "exactly, the solved controls are only an estimate.\n")


def main(argv=None) -> dict:
    wheel = mw.wheel_path()
    sources, configs, models = {}, {}, []
    for key, (member, file, outputs) in NETS.items():
        sources[key] = mw.read_member(member, wheel)
        config, weights = mw.graph_from_tflite(sources[key])
        path = MODELS_DIR / file
        export_unfolded(build(config, weights), (torch.zeros(config.input_shape),), path, ["image"], outputs)
        configs[key] = config.to_dict()
        models.append(onnx_export.io_spec(path))
    triangles = mw.tessellation_triangles(mw.read_member(mw.CONNECTIONS, wheel))
    rig_config, rig_metrics = export_rig(models)
    sessions = [open_session(MODELS_DIR / m["file"]) for m in models]
    image = astronaut()
    tracked = infer.track(sessions, image)
    result = infer.predict(sessions, {"config": {"rig": rig_config}}, {"image": image, "source": "astronaut"})
    golden_image = {"file": str(GOLDEN_IMAGE.relative_to(ROOT / "docs")), "width": GOLDEN_SIDE,
                    "height": GOLDEN_SIDE, "sha256": sidecar.sha256_file(GOLDEN_IMAGE),
                    "source": "skimage.data.astronaut() (NASA, public domain), resized to "
                              f"{GOLDEN_SIDE}×{GOLDEN_SIDE} with Pillow's Lanczos filter"}
    tflite = tflite_golden(sources, image, tracked)
    ours = np.asarray(run(sessions[1], {"image": infer.warp(image, infer.crop_matrix(
        tracked["crop"], 192), 192)[None]})["landmarks"]).reshape(-1, 3)
    x, _ = infer.detector_input(image)
    detected = run(sessions[0], {"image": x})
    top = tflite["top_anchors"]
    detector_diff = max(np.abs(detected["classificators"][0, top, 0] - tflite["top_scores"]).max(),
                        np.abs(detected["regressors"][0, top] - tflite["top_regressors"]).max())
    metrics = {"onnxruntime_vs_tflite_landmarks_max_abs": float(f"{np.abs(ours - tflite['landmarks']).max():.3g}"),
               "onnxruntime_vs_tflite_detector_max_abs": float(f"{detector_diff:.3g}"),
               "astronaut_faces": len(result["faces"]), "astronaut_face_score": result["face_score"],
               "onnxruntime_ms_astronaut": result["ms"], **rig_metrics}
    card = {
        "name": "face",
        "title": "Face mesh and rig: MediaPipe's face tracker in your browser, and a rig solver trained here",
        "summary": "BlazeFace finds the face and its eyes in a 128×128 letterboxed image; a square crop rotated "
                   "to level the eyes goes to the landmark net, which returns 468 3D points of a face mesh; an MLP "
                   "solves a 7-control rig from them.",
        "papers": ["bazarevsky2019blazeface", "kartynnik2019facemesh"],
        "models": models,
        "options": {},
        "preprocessing": infer.PIPELINE,
        "config": {"detector": configs["detector"], "landmarks": configs["landmarks"], "triangles": triangles,
                   "rig": rig_config,
                   "weights": f"mediapipe=={mw.VERSION} ({mw.WHEEL}, sha256 {mw.SHA256}); Apache-2.0, see "
                              "exported_models/NOTICE-face"},
        "metrics": metrics,
        "reproduce": "python -m demos train face && python -m demos export face",
        "golden": [{"input": golden_image, "output": {**result, "tflite": tflite}}],
    }
    write_notice(wheel)
    written = sidecar.write(card)
    SNIPPET.write_text(snippet(card))
    RIG_SNIPPET.write_text(rig_snippet(metrics))
    print(json.dumps(metrics, indent=1))
    print(f"wrote {', '.join(m['file'] for m in models)} ({[m['bytes'] for m in models]} bytes), {written}, "
          f"{Path(GOLDEN_IMAGE).name}, {NOTICE.name}")
    return card


if __name__ == "__main__":
    main()
