"""Hostile and broken input to `python -m demos run`: each gets one readable line and exit status 2 —
never a traceback, never a huge allocation, never a hang, never a silent prediction."""
import json
import os
import shutil
import struct
import subprocess
import sys
import zlib

import numpy as np
import pytest
from PIL import Image

from demos.__main__ import main
from demos.common.paths import MODELS_DIR
from demos.memory.infer import JSON_FORM
from test_cli import ROOT, assert_one_line_error, cli


def run(capsys, *args) -> tuple[int, str]:
    """The CLI in this process (fast); returns (exit status, stderr)."""
    status = main(["run", *map(str, args)])
    return status, capsys.readouterr().err


def assert_refused(capsys, message, *args):
    status, err = run(capsys, *args)
    assert (status, err) == (2, f"error: {message}\n")


def png_chunks(width, height, depth, colour, data: bytes) -> bytes:
    chunk = lambda kind, body: (struct.pack(">I", len(body)) + kind + body
                                + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))
    header = struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")


def digit_png(path):
    canvas = np.full((64, 64), 255, np.uint8)
    canvas[10:54, 28:36] = 0
    Image.fromarray(canvas).save(path)
    return path


# ---- unclear messages: a directory, an empty file, a truncated file, a too-small image -------------------------

def test_directory(capsys, tmp_path):
    assert_refused(capsys, f"{tmp_path} is a directory; give an image (PNG, JPEG, WebP, GIF) or a .npy file",
                   "digits", tmp_path)


def test_empty_file(capsys, tmp_path):
    (tmp_path / "empty.png").write_bytes(b"")
    assert_refused(capsys, f"{tmp_path}/empty.png is empty (0 bytes)", "digits", tmp_path / "empty.png")


def test_truncated_image(capsys, tmp_path):
    data = digit_png(tmp_path / "whole.png").read_bytes()
    (tmp_path / "cut.png").write_bytes(data[: len(data) // 2])
    status, err = run(capsys, "digits", tmp_path / "cut.png")
    assert status == 2 and err.startswith(f"error: {tmp_path}/cut.png cannot be decoded: the image is truncated or corrupt (")


def test_too_small_image(capsys, tmp_path):
    Image.new("L", (1, 1)).save(tmp_path / "dot.png")
    assert_refused(capsys, f"{tmp_path}/dot.png is 1×1 pixels, too small: images must be at least 8×8", "digits",
                   tmp_path / "dot.png")


def test_memory_json_of_the_wrong_shape(capsys, tmp_path):
    for content in ('{"task": ["copy"]}', '{"task": "copy", "bits": 5}', '{"task": "recall", "items": [], "query": "0"}'):
        (tmp_path / "q.json").write_text(content)
        assert_refused(capsys, JSON_FORM, "memory", tmp_path / "q.json")


def test_memory_directory(capsys, tmp_path):
    status, err = run(capsys, "memory", tmp_path)
    assert status == 2 and err.startswith(f"error: {tmp_path} is a directory")


# ---- memory: nothing huge is allocated -----------------------------------------------------------------------

def test_png_bomb_is_refused_from_its_header(capsys, tmp_path):
    stream = zlib.compressobj(9)
    # 256 MiB of zeros in a file of about 250 KB, declaring 2 GiB of pixels: whoever decodes first loses
    data = b"".join(stream.compress(b"\0" * (1 << 24)) for _ in range(16)) + stream.flush()
    (tmp_path / "bomb.png").write_bytes(png_chunks(46341, 46341, 8, 0, data))
    assert os.path.getsize(tmp_path / "bomb.png") < 300 * 1024
    assert_refused(capsys, f"{tmp_path}/bomb.png declares more than {4096 * 4096} pixels; images up to 4096×4096 "
                   "are accepted", "digits", tmp_path / "bomb.png")


def test_npy_with_a_huge_header_shape(capsys, tmp_path):
    header = b"{'descr': '<f8', 'fortran_order': False, 'shape': (200000, 200000), }"
    header += b" " * (127 - 10 - len(header)) + b"\n"
    (tmp_path / "huge.npy").write_bytes(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header + b"\0" * 64)
    assert_refused(capsys, f"{tmp_path}/huge.npy has shape (200000, 200000); each side must be 1 to 4096",
                   "digits", tmp_path / "huge.npy")


# ---- silent acceptance: values no model should see -------------------------------------------------------------

@pytest.mark.parametrize(("array", "message"), [
    (np.full((8, 8), np.nan), "holds NaN or infinite values; every value must be a finite number"),
    (np.full((8, 8), np.inf), "holds NaN or infinite values; every value must be a finite number"),
    (np.ones((8, 8), complex), "holds complex numbers; expected real numbers (integers or floats)"),
    (np.array([["a"] * 8] * 8), "holds <U1 values; expected real numbers (integers or floats)"),
    (np.ones((2, 2, 2, 2)), "has shape (2, 2, 2, 2); expected (H, W) or (H, W, C) with C at most 4"),
])
def test_npy_values_are_checked(capsys, tmp_path, array, message):
    np.save(tmp_path / "x.npy", array)
    assert_refused(capsys, f"{tmp_path}/x.npy {message}", "digits", tmp_path / "x.npy")


def test_truncated_npy(capsys, tmp_path):
    np.save(tmp_path / "x.npy", np.ones((8, 8)))
    data = (tmp_path / "x.npy").read_bytes()
    (tmp_path / "x.npy").write_bytes(data[:-8])
    assert_refused(capsys, f"{tmp_path}/x.npy is truncated or has extra bytes: its header declares (8, 8) float64",
                   "digits", tmp_path / "x.npy")


@pytest.mark.parametrize(("setting", "message"), [
    ("grey=7", "option grey takes a number from 0 to 1 in steps of 0.05, got '7'"),
    ("target=dog", 'option target takes one of null, "circle", "square", "triangle", "cross", got \'dog\''),
    ("patch=10", "option patch takes a whole number from 4 to 64 in steps of 4, got '10'"),
    ("layer=2.5", "option layer takes a whole number from 1 to 4 in steps of 1, got '2.5'"),
    ("layer=true", "option layer takes a whole number from 1 to 4 in steps of 1, got 'true'"),
])
def test_set_is_checked_against_the_page_control(capsys, tmp_path, setting, message):
    Image.new("RGB", (64, 64), "white").save(tmp_path / "scene.png")
    assert_refused(capsys, message, "visualize", tmp_path / "scene.png", "--set", setting)


def test_set_within_the_control_is_used(capsys, tmp_path):
    Image.new("RGB", (64, 64), "white").save(tmp_path / "scene.png")
    assert main(["run", "visualize", str(tmp_path / "scene.png"), "--json", "--set", "target=square",
                 "--set", "patch=8", "--set", "layer=2"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert (result["target"], result["patch"], result["layer"]) == ("square", 8, 2)


# ---- sidecars: the one schema, plain names, the model's own inputs ---------------------------------------------

@pytest.fixture
def models_copy(tmp_path):
    copy = tmp_path / "models"
    shutil.copytree(MODELS_DIR, copy)
    return copy


def edit_digits(models_copy, change):
    card = json.loads((models_copy / "digits.json").read_text())
    change(card)
    (models_copy / "digits.json").write_text(json.dumps(card))


PLAIN_NAME = "models[0].file must be a plain file name inside exported_models/, like digits.onnx, got"
SIDECAR_CASES = {
    "a list": (lambda m: (m / "digits.json").write_text("[1, 2]"), "the sidecar: [1, 2] is not of type 'object'"),
    "models as strings": (lambda m: edit_digits(m, lambda c: c.update(models=["digits.onnx"])),
                          "models[0]: 'digits.onnx' is not of type 'object'"),
    "labels misspelt": (lambda m: edit_digits(m, lambda c: c.update(lables=c.pop("labels"))),
                        "the sidecar: unknown key 'lables' (allowed: name, title, summary, papers, models, options, "
                        "labels, preprocessing, config, metrics, reproduce, golden, examples, model_index, tasks, "
                        "limits, figures)"),
    "outside": (lambda m: edit_digits(m, lambda c: c["models"][0].update(file="../outside/x.onnx")),
                f'{PLAIN_NAME} "../outside/x.onnx"'),
    "passwd": (lambda m: edit_digits(m, lambda c: c["models"][0].update(file="../../../../etc/passwd")),
               f'{PLAIN_NAME} "../../../../etc/passwd"'),
    "not UTF-8": (lambda m: (m / "digits.json").write_bytes(b"\xff{}"),
                  None),  # the message carries its own line: checked below
}


@pytest.mark.parametrize("case", SIDECAR_CASES)
def test_broken_sidecar(models_copy, tmp_path, case):
    change, message = SIDECAR_CASES[case]
    change(models_copy)
    proc = cli("run", "digits", digit_png(tmp_path / "d.png"), models_dir=models_copy)
    expected = message and f"{models_copy}/digits.json: {message}"
    assert_one_line_error(proc, expected or f"{models_copy}/digits.json:1: not UTF-8 text (byte 0xff at offset 0); "
                                            "save the file as UTF-8")


def test_sidecar_pointing_at_another_demos_model(models_copy, tmp_path):
    yolo = json.loads((models_copy / "yolo.json").read_text())["models"][0]
    edit_digits(models_copy, lambda c: c["models"][0].update({k: yolo[k] for k in ("file", "bytes", "sha256")}))
    proc = cli("run", "digits", digit_png(tmp_path / "d.png"), models_dir=models_copy)
    assert_one_line_error(proc, f"{models_copy}/digits.json: yolo.onnx takes image float32 [None, 3, 64, 64] but the "
                                "sidecar declares image float32 [None, 1, 8, 8] (is it another demo's model?)")


def test_whole_model_entry_of_another_demo(models_copy, tmp_path):
    """Inputs copied too: the session opens, and onnxruntime's refusal of the input is one line."""
    yolo = json.loads((models_copy / "yolo.json").read_text())["models"][0]
    edit_digits(models_copy, lambda c: c.update(models=[yolo]))
    proc = cli("run", "digits", digit_png(tmp_path / "d.png"), models_dir=models_copy)
    assert_one_line_error(proc, "onnxruntime refused the input of yolo.onnx (is the sidecar's model another demo's?): "
                                "Got invalid dimensions for input: image")


def test_model_symlinked_out_of_the_models_folder(models_copy, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    shutil.move(models_copy / "digits.onnx", outside / "digits.onnx")
    (models_copy / "digits.onnx").symlink_to(outside / "digits.onnx")
    proc = cli("run", "digits", digit_png(tmp_path / "d.png"), models_dir=models_copy)
    assert_one_line_error(proc, f"digits.json: model file 'digits.onnx' is not inside {models_copy}")


# ---- a closed pipe, and a large image that used to hang ---------------------------------------------------------

def test_closed_stdout_ends_quietly(tmp_path):
    png = digit_png(tmp_path / "d.png")
    proc = subprocess.Popen([sys.executable, "-m", "demos", "run", "digits", str(png), "--json"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()  # the reader is gone before anything is written, like `| head -c0`
    err = proc.stderr.read()
    assert (proc.wait(timeout=120), err) == (0, b"")


def test_large_16_bit_paeth_png_is_read(capsys, tmp_path):
    """4096×4096 16-bit RGBA with a Paeth filter on every row: 30–40 s in the old hand-written decoder."""
    ramp = (np.arange(4096, dtype=np.uint32) * 16).astype(">u2")
    row = b"\x04" + np.repeat(ramp, 4).tobytes()
    (tmp_path / "big.png").write_bytes(png_chunks(4096, 4096, 16, 6, zlib.compress(row * 4096, 1)))
    status, err = run(capsys, "digits", tmp_path / "big.png", "--json")
    assert status in (0, 2) and "Traceback" not in err
    assert status == 0 or err.startswith("error: the image is blank"), err
