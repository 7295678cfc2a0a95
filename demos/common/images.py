"""Read the inputs a reader gives `python -m demos run`: images (Pillow) and .npy arrays (numpy).

Images: PNG, JPEG, WebP and GIF (the first frame); 8- or 16-bit; grey, palette, RGB, with or without
alpha. The size is read from the header and checked before any pixel is decoded, so a small file that
unpacks to gigabytes (a decompression bomb) is refused without unpacking it.

.npy: read with allow_pickle=False; the shape and dtype are checked from the header before the data
is read, and NaN, infinity and complex values are refused.

Every problem is one DemoError line that names the file and says what is wrong with it.
"""
from __future__ import annotations

import io
import warnings
from pathlib import Path

import numpy as np
from PIL import Image

from .errors import DemoError

MAX_SIDE = 4096
MIN_SIDE = 8  # smaller images carry no drawing a demo could read
MAX_PIXELS = MAX_SIDE * MAX_SIDE
MAX_CHANNELS = 4
FORMATS = ("PNG", "JPEG", "WEBP", "GIF")
SIGNATURES = {b"\x89PNG\r\n\x1a\n": "PNG", b"\xff\xd8\xff": "JPEG", b"GIF87a": "GIF", b"GIF89a": "GIF"}
NPY_MAGIC = b"\x93NUMPY"
NPY_HEADERS = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}
NPY_MAX_HEADER = 10000  # numpy's own default: a longer header is not a real array's
SIXTEEN_BIT = {"I;16", "I;16B", "I;16L", "I"}  # Pillow's modes for 16-bit grey PNGs

Image.MAX_IMAGE_PIXELS = MAX_PIXELS  # Pillow's own bomb check, as a second line behind ours


def _kind(head: bytes) -> str | None:
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    if head.startswith(NPY_MAGIC):
        return "NPY"
    return next((kind for sig, kind in SIGNATURES.items() if head.startswith(sig)), None)


def _check_size(width: int, height: int, shown: str) -> None:
    if width > MAX_SIDE or height > MAX_SIDE:
        raise DemoError(f"{shown} is {width}×{height} pixels; images up to {MAX_SIDE}×{MAX_SIDE} are accepted")
    if width < MIN_SIDE or height < MIN_SIDE:
        raise DemoError(f"{shown} is {width}×{height} pixels, too small: images must be at least {MIN_SIDE}×{MIN_SIDE}")


def _pixels(image: Image.Image) -> np.ndarray:
    """A loaded Pillow image → float32 (H, W, C) in [0, 1], C in {1, 2, 3, 4}; palette → RGB(A)."""
    if image.mode in SIXTEEN_BIT:
        grey = np.asarray(image, np.float64)
        return (np.clip(grey, 0, 65535) / 65535).astype(np.float32)[..., None]
    if image.mode in ("P", "PA"):
        image = image.convert("RGBA" if image.mode == "PA" or "transparency" in image.info else "RGB")
    elif image.mode == "1":
        image = image.convert("L")
    elif image.mode not in ("L", "LA", "RGB", "RGBA"):
        image = image.convert("RGBA" if "A" in image.mode else "RGB")  # CMYK JPEG, YCbCr, ...
    array = np.asarray(image, np.uint8)
    return (array.reshape(*array.shape[:2], -1) / np.float32(255)).astype(np.float32)


def _decode(source, shown: str) -> np.ndarray:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(source, formats=FORMATS) as image:
                _check_size(*image.size, shown)
                image.seek(0)  # GIF, APNG, animated WebP: the first frame
                image.load()
                return _pixels(image)
    except DemoError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise DemoError(f"{shown} declares more than {MAX_PIXELS} pixels; images up to {MAX_SIDE}×{MAX_SIDE} "
                        "are accepted") from None
    except Exception as err:  # noqa: BLE001 — Pillow's decoders raise OSError, SyntaxError, ValueError, ...
        reason = str(err).splitlines()[0][:120] if str(err) else type(err).__name__
        raise DemoError(f"{shown} cannot be decoded: the image is truncated or corrupt ({reason})") from None


def decode_png(data: bytes, shown: str = "image data") -> np.ndarray:
    """Image bytes in memory (a golden example's PNG) → float32 (H, W, C) in [0, 1]."""
    return _decode(io.BytesIO(data), shown)


def image_shape(shape: tuple, shown: str) -> None:
    """An image array's shape: (H, W) or (H, W, C ≤ 4), each side 1 to MAX_SIDE."""
    if len(shape) not in (2, 3) or (len(shape) == 3 and not 1 <= shape[2] <= MAX_CHANNELS):
        raise DemoError(f"{shown} has shape {shape}; expected (H, W) or (H, W, C) with C at most {MAX_CHANNELS}")
    if shape[0] > MAX_SIDE or shape[1] > MAX_SIDE or min(shape) < 1:
        raise DemoError(f"{shown} has shape {shape}; each side must be 1 to {MAX_SIDE}")


def read_npy(path: Path, shown: str | None = None, check_shape=image_shape) -> np.ndarray:
    """A .npy array of real numbers whose shape `check_shape(shape, shown)` accepts (by default an image's),
    checked from its header before any data is read."""
    shown = str(path) if shown is None else shown
    with open(path, "rb") as f:
        try:
            version = np.lib.format.read_magic(f)
            header = NPY_HEADERS.get(version)
            if header is None:
                raise ValueError(f"format version {version[0]}.{version[1]}; save it with numpy.save")
            shape, fortran, dtype = header(f, max_header_size=NPY_MAX_HEADER)
        except (ValueError, SyntaxError, EOFError, OSError) as err:
            raise DemoError(f"{shown} is not a readable .npy file ({str(err)[:120]})") from None
        if dtype.hasobject or dtype.fields is not None or dtype.kind not in "biuf":
            what = "complex numbers" if dtype.kind == "c" else f"{dtype} values"
            raise DemoError(f"{shown} holds {what}; expected real numbers (integers or floats)")
        check_shape(shape, shown)
        count = int(np.prod(shape))
        data = f.read(count * dtype.itemsize + 1)
    if len(data) != count * dtype.itemsize:
        raise DemoError(f"{shown} is truncated or has extra bytes: its header declares {shape} {dtype}")
    array = np.frombuffer(data, dtype).reshape(shape, order="F" if fortran else "C")
    if dtype.kind == "f" and not np.isfinite(array).all():
        raise DemoError(f"{shown} holds NaN or infinite values; every value must be a finite number")
    return array


def read_image(path: Path) -> np.ndarray:
    """An image file as float32 (H, W, C) in [0, 1], or a .npy file as its array; anything else is refused."""
    path = Path(path)
    shown = str(path)
    if path.is_dir():
        raise DemoError(f"{shown} is a directory; give an image (PNG, JPEG, WebP, GIF) or a .npy file")
    if not path.is_file():
        raise DemoError(f"{shown}: no such file")
    with open(path, "rb") as f:
        head = f.read(16)
    if not head:
        raise DemoError(f"{shown} is empty (0 bytes)")
    kind = _kind(head)
    if kind == "NPY":
        return read_npy(path, shown)
    if kind is None:
        raise DemoError(f"{shown} is neither a PNG, JPEG, WebP or GIF image nor a .npy file")
    return _decode(path, shown)


def to_gray(pixels: np.ndarray) -> np.ndarray:
    """(H, W[, C]) in [0, 1] → (H, W) grey, alpha composited onto white like the page's canvas."""
    if pixels.ndim == 2:
        return pixels.astype(np.float64)
    if pixels.ndim != 3 or pixels.shape[2] not in (1, 2, 3, 4):
        raise DemoError(f"expected an image array of shape (H, W) or (H, W, C), got {pixels.shape}")
    channels = pixels.shape[2]
    has_alpha = channels in (2, 4)
    color = pixels[..., : channels - 1] if has_alpha else pixels
    gray = color.astype(np.float64).mean(axis=2)
    if has_alpha:
        alpha = pixels[..., -1].astype(np.float64)
        gray = gray * alpha + (1.0 - alpha)
    return gray


def png_bytes(pixels: np.ndarray) -> bytes:
    """An (H, W, 3) or (H, W) uint8 array as PNG bytes (8-bit RGB or grey)."""
    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(pixels, np.uint8)).save(buffer, "PNG", compress_level=9)
    return buffer.getvalue()
