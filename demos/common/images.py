"""Read the inputs a reader saves from a demo page — PNG and .npy — with numpy and zlib only.

A small PNG decoder (8/16-bit grey, grey+alpha, RGB, RGBA and 8-bit palette; no interlacing)
keeps `python -m demos run` free of imaging libraries, as the brief asks.
"""
from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np

from .errors import DemoError

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MAX_SIDE = 4096
_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}


def _chunks(data: bytes):
    pos = len(PNG_SIGNATURE)
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        yield kind, data[pos + 8:pos + 8 + length]
        pos += 12 + length


def _unfilter(raw: bytes, height: int, stride: int, bpp: int) -> np.ndarray:
    out = bytearray(height * stride)
    prev = bytearray(stride)
    pos = 0
    for row in range(height):
        kind, line = raw[pos], bytearray(raw[pos + 1:pos + 1 + stride])
        pos += 1 + stride
        if kind == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 0xFF
        elif kind == 2:
            line = bytearray((a + b) & 0xFF for a, b in zip(line, prev))
        elif kind == 3:
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((left + prev[i]) >> 1)) & 0xFF
        elif kind == 4:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b, c = prev[i], (prev[i - bpp] if i >= bpp else 0)
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        elif kind != 0:
            raise DemoError(f"PNG row {row} uses unknown filter type {kind} (the file is corrupt)")
        out[row * stride:(row + 1) * stride] = line
        prev = line
    return np.frombuffer(bytes(out), dtype=np.uint8)


def read_png(path: Path) -> np.ndarray:
    """Pixels of a PNG as float32 in [0, 1], shape (H, W, C) with C in {1, 2, 3, 4} (palette → RGB(A))."""
    return decode_png(Path(path).read_bytes(), str(path))


def decode_png(data: bytes, path: str = "PNG data") -> np.ndarray:
    """`read_png` for bytes in memory."""
    if not data.startswith(PNG_SIGNATURE):
        raise DemoError(f"{path} is not a PNG file")
    chunks = list(_chunks(data))
    header = next((body for kind, body in chunks if kind == b"IHDR"), None)
    if header is None or len(header) != 13:
        raise DemoError(f"{path} has no valid PNG header (the file is corrupt)")
    width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", header)
    if color not in _CHANNELS or depth not in (8, 16) or (color == 3 and depth != 8):
        raise DemoError(f"{path}: PNG colour type {color} at {depth} bits is not supported; save as 8-bit RGB or grey")
    if interlace:
        raise DemoError(f"{path} is an interlaced PNG; save it without interlacing")
    if not (0 < width <= MAX_SIDE and 0 < height <= MAX_SIDE):
        raise DemoError(f"{path} is {width}×{height} pixels; images up to {MAX_SIDE}×{MAX_SIDE} are accepted")
    channels, size = _CHANNELS[color], depth // 8
    try:
        raw = zlib.decompress(b"".join(body for kind, body in chunks if kind == b"IDAT"))
    except zlib.error:
        raise DemoError(f"{path}: PNG image data is corrupt") from None
    stride = width * channels * size
    if len(raw) < height * (stride + 1):
        raise DemoError(f"{path}: PNG image data is truncated")
    flat = _unfilter(raw, height, stride, channels * size)
    if size == 2:
        pixels = flat.view(">u2").reshape(height, width, channels).astype(np.float32) / 65535
    else:
        pixels = flat.reshape(height, width, channels).astype(np.float32) / 255
    if color == 3:
        palette = next((body for kind, body in chunks if kind == b"PLTE"), b"")
        rgb = np.frombuffer(palette, np.uint8).reshape(-1, 3).astype(np.float32) / 255
        indices = flat.reshape(height, width)
        if indices.max(initial=0) >= len(rgb):
            raise DemoError(f"{path}: PNG palette index out of range (the file is corrupt)")
        pixels = rgb[indices]
    return pixels


def read_npy(path: Path) -> np.ndarray:
    try:
        array = np.load(path, allow_pickle=False)
    except (ValueError, OSError) as err:
        raise DemoError(f"{path} is not a readable .npy file ({err})") from None
    if not np.issubdtype(array.dtype, np.number):
        raise DemoError(f"{path} holds {array.dtype} values; expected numbers")
    return array


def read_image(path: Path) -> np.ndarray:
    """A .png or .npy file as an array; anything else is refused with a readable message."""
    path = Path(path)
    if not path.is_file():
        raise DemoError(f"{path}: no such file")
    head = path.read_bytes()[:8]
    if head.startswith(PNG_SIGNATURE):
        return read_png(path)
    if head.startswith(b"\x93NUMPY"):
        return read_npy(path)
    raise DemoError(f"{path} is neither a PNG nor a .npy file")


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
    """An (H, W, 3) or (H, W) uint8 array as PNG bytes (8-bit RGB or grey, no filtering)."""
    pixels = np.ascontiguousarray(pixels, np.uint8)
    height, width = pixels.shape[:2]
    color = 2 if pixels.ndim == 3 else 0
    rows = pixels.reshape(height, -1)
    raw = b"".join(b"\x00" + row.tobytes() for row in rows)
    chunk = lambda kind, body: (struct.pack(">I", len(body)) + kind + body
                                + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))
    header = struct.pack(">IIBBBBB", width, height, 8, color, 0, 0, 0)
    return PNG_SIGNATURE + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
