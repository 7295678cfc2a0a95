"""Figures keep their place while they load: every <img> of a page whose file is in the docs gets its
intrinsic `width` and `height` (read with Pillow, or from an SVG's own width/height or viewBox), so the
browser reserves the space before the file arrives (no layout shift), plus `loading="lazy"` and
`decoding="async"`, so a figure far down the page costs nothing until the reader gets near it.
Attributes a note sets itself are kept."""
from __future__ import annotations

import base64
import binascii
import html
import io
import posixpath
import re
from pathlib import Path
from xml.etree import ElementTree

from PIL import Image

IMG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
ATTR = re.compile(r'\s([a-zA-Z-]+)\s*=\s*"([^"]*)"')
NUMBER = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(?:px)?\s*$")


def _svg_size(path: Path) -> tuple[int, int] | None:
    root = ElementTree.parse(path).getroot()
    width, height = (NUMBER.match(root.get(name, "")) for name in ("width", "height"))
    if width and height:
        return round(float(width[1])), round(float(height[1]))
    box = root.get("viewBox", "").replace(",", " ").split()
    if len(box) == 4:
        return round(float(box[2])), round(float(box[3]))
    return None


def intrinsic_size(path: Path) -> tuple[int, int] | None:
    """(width, height) of an image file in CSS pixels, or None if it has none we can read."""
    try:
        if path.suffix.lower() == ".svg":
            return _svg_size(path)
        with Image.open(path) as image:
            return image.size
    except (OSError, ValueError, ElementTree.ParseError):
        return None


def local_file(src: str, page_url: str, docs_dir: Path) -> Path | None:
    """The docs file an <img src> on the page at `page_url` points to; None for other hosts or data."""
    src = html.unescape(src).split("#")[0].split("?")[0]
    if not src or ":" in src or src.startswith("//"):
        return None
    site_path = posixpath.normpath(posixpath.join(posixpath.dirname("/" + page_url), src)).lstrip("/")
    path = docs_dir / site_path
    return path if path.is_file() and docs_dir.resolve() in path.resolve().parents else None


def data_size(src: str) -> tuple[int, int] | None:
    """(width, height) of a base64 raster image inlined in `src` (notebook outputs), or None."""
    head, _, data = src.partition(",")
    if not (head.startswith("data:image/") and head.endswith(";base64")) or head == "data:image/svg+xml;base64":
        return None
    try:
        with Image.open(io.BytesIO(base64.b64decode(data, validate=True))) as image:
            return image.size
    except (OSError, ValueError, binascii.Error):
        return None


def add_sizes(page_html: str, page_url: str, docs_dir: Path) -> str:
    """Every <img> gets loading/decoding; those with a docs file or inline raster data also get width and height."""
    def fix(match: re.Match) -> str:
        tag = match.group(0)
        attrs = {name.lower(): value for name, value in ATTR.findall(tag)}
        extra = {"loading": "lazy", "decoding": "async"}
        path = local_file(attrs.get("src", ""), page_url, docs_dir)
        size = intrinsic_size(path) if path else data_size(attrs.get("src", ""))
        if size and "width" not in attrs and "height" not in attrs:
            extra.update(width=str(size[0]), height=str(size[1]))
        added = "".join(f' {name}="{value}"' for name, value in extra.items() if name not in attrs)
        end = -2 if tag.endswith("/>") else -1
        return tag[:end].rstrip() + added + (" />" if end == -2 else ">")
    return IMG.sub(fix, page_html)
