"""The image reader (Pillow) and the .npy reader: every supported format and mode gives the pixels Pillow
itself decodes; any bytes at all give an array or one DemoError, within bounded time and memory."""
import io
import json
import struct
import zlib

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from PIL import Image

from demos.common import images
from demos.common import sidecar as sc
from demos.common.errors import DemoError
from demos.memory import infer as memory

RNG = np.random.default_rng(7)
RGB = RNG.integers(0, 256, (37, 53, 3), dtype=np.uint8)


def saved(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


@pytest.mark.parametrize(("mode", "channels"), [("L", 1), ("LA", 2), ("RGB", 3), ("RGBA", 4), ("1", 1)])
def test_png_modes_match_pillow(mode, channels):
    image = Image.fromarray(RGB).convert("RGBA").convert(mode)
    ours = images.decode_png(saved(image, "PNG"))
    theirs = np.asarray(image.convert("L" if mode == "1" else mode), np.float32).reshape(37, 53, channels) / 255
    np.testing.assert_allclose(ours, theirs, atol=1e-6)


def test_sixteen_bit_grey_keeps_its_precision():
    grey = RNG.integers(0, 65536, (20, 30), dtype=np.uint16)
    ours = images.decode_png(saved(Image.fromarray(grey), "PNG"))
    np.testing.assert_allclose(ours[..., 0], grey / 65535, atol=1e-6)


def test_palette_with_and_without_transparency():
    palette = Image.fromarray(RGB).quantize(16)
    assert images.decode_png(saved(palette, "PNG")).shape == (37, 53, 3)
    palette.info["transparency"] = 0
    with_alpha = images.decode_png(saved(palette, "PNG", transparency=0))
    assert with_alpha.shape == (37, 53, 4) and with_alpha[..., 3].min() == 0


@pytest.mark.parametrize("fmt", ["JPEG", "WEBP", "GIF"])
def test_other_formats(fmt):
    pixels = images.decode_png(saved(Image.fromarray(RGB), fmt))
    assert pixels.shape == (37, 53, 3) and pixels.dtype == np.float32 and 0 <= pixels.min() <= pixels.max() <= 1


def test_gif_first_frame():
    frames = [Image.new("RGB", (16, 16), colour) for colour in ("white", "black")]
    data = saved(frames[0], "GIF", save_all=True, append_images=frames[1:])
    assert images.decode_png(data).min() == pytest.approx(1.0)


def test_png_writer_round_trips():
    assert (np.rint(images.decode_png(images.png_bytes(RGB)) * 255) == RGB).all()


def png(width: int, height: int, depth: int, colour: int, body: bytes) -> bytes:
    chunk = lambda kind, data: struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(body)) + chunk(b"IEND", b"")


VALID = saved(Image.fromarray(RGB), "PNG")


@settings(max_examples=120, deadline=10_000, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(
    st.binary(max_size=300),
    st.builds(lambda cut, flips: bytes(b ^ 0xFF if i in flips else b for i, b in enumerate(VALID[:cut])),
              st.integers(0, len(VALID)), st.sets(st.integers(0, 400), max_size=4)),
    st.builds(png, st.integers(0, 70000), st.integers(0, 70000), st.sampled_from([1, 2, 4, 8, 16, 3]),
              st.sampled_from([0, 2, 3, 4, 6, 5]), st.binary(max_size=64)),
))
def test_any_image_bytes_give_pixels_or_one_error(data):
    try:
        pixels = images.decode_png(data, "x.png")
    except DemoError as err:
        assert "\n" not in str(err) and str(err).startswith("x.png")
    else:
        assert pixels.ndim == 3 and 1 <= pixels.shape[2] <= 4 and pixels.dtype == np.float32
        assert pixels.shape[0] * pixels.shape[1] <= images.MAX_PIXELS


NPY_HEADERS = st.builds(
    lambda descr, shape, fortran: f"{{'descr': {descr!r}, 'fortran_order': {fortran}, 'shape': {shape}, }}",
    st.sampled_from(["<f8", "<i4", "|u1", "<c16", "|O", "<U3", "|b1", "<f2", "V8"]),
    st.tuples(st.integers(-1, 5000), st.integers(0, 5000)) | st.just(()) | st.tuples(st.integers(0, 9)),
    st.booleans())


@settings(max_examples=80, deadline=10_000)
@given(NPY_HEADERS, st.binary(max_size=512))
@example(header="{'descr': '<f8', 'fortran_order': False, 'shape': (-1, 1), }", body=b"")  # found by CI
def test_any_npy_gives_an_array_or_one_error(tmp_path_factory, header, body):
    path = tmp_path_factory.mktemp("npy") / "x.npy"
    text = header.encode() + b" " * (-(len(header) + 11) % 64) + b"\n"
    path.write_bytes(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text + body)
    try:
        array = images.read_image(path)
    except DemoError as err:
        assert "\n" not in str(err)
    else:
        assert array.ndim in (2, 3) and array.dtype.kind in "biuf" and np.isfinite(array.astype(np.float64)).all()


MEMORY = sc.read("memory")
YOLO = sc.read("yolo")
QUERY_PARTS = st.sampled_from(["task=", "copy", "recall", "&", "bits=", "items=", "query=", "0", "1", ".", "-", "=",
                               "10110010", "101100", "%", "?", "#", "x", "-1", "99999999999999999999"])


@settings(max_examples=150, deadline=10_000)
@given(st.lists(QUERY_PARTS, max_size=40).map("".join) | st.text(max_size=60))
def test_any_memory_query_gives_an_input_or_one_error(query):
    try:
        inputs = memory.parse_query(query, MEMORY)
    except DemoError as err:
        assert "\n" not in str(err)
    else:
        assert inputs["task"] in ("copy", "recall")


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
                        st.sampled_from(["task", "bits", "items", "query", "x"]), inner, max_size=4), max_leaves=20)


@settings(max_examples=150, deadline=10_000)
@given(JSON)
def test_any_memory_json_gives_an_input_or_one_error(value):
    try:
        memory.check(value, MEMORY)
    except DemoError as err:
        assert "\n" not in str(err)


@settings(max_examples=150, deadline=10_000)
@given(JSON | st.builds(lambda d: {**YOLO, **d}, st.dictionaries(st.sampled_from(
    ["name", "models", "options", "labels", "golden", "papers", "extra"]), JSON, max_size=3)))
def test_any_sidecar_gives_a_sidecar_or_one_error(value):
    try:
        card = sc.parse(json.dumps(value).encode(), "models/yolo.json", "yolo")
    except DemoError as err:
        assert "\n" not in str(err) and str(err).startswith("models/yolo.json")
    else:
        assert card["name"] == "yolo" and card["models"]
