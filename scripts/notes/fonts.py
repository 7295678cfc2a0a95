"""KaTeX's fonts cut down to the characters the site shows (fontTools), after the build.

A page with math loads the few KaTeX fonts its formulas use, but each whole: 16-28 KB for a handful of
glyphs. Every font the site serves is subset to the characters KaTeX typesets anywhere on the site, keeping the .woff2 names katex.min.css refers to.
"""
from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import logging

from fontTools import subset
from fontTools.ttLib import TTFont

FONTS = "assets/vendor/katex/fonts"
logging.getLogger("fontTools").setLevel(logging.ERROR)  # KaTeX's fonts carry 1904 timestamps it warns about


class _MathText(HTMLParser):
    """Collects the characters KaTeX typesets: the text inside `.katex-html` (its MathML twin, for screen
    readers, uses no KaTeX font)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.chars: set[str] = set()
        self._depth = 0  # open elements since the .katex-html element opened; 0 = outside

    def handle_starttag(self, tag, attrs):
        if self._depth:
            self._depth += 1
        elif "katex-html" in (dict(attrs).get("class") or "").split():
            self._depth = 1

    def handle_startendtag(self, tag, attrs):
        pass  # <br/>, <img/> and the like open nothing

    def handle_endtag(self, tag):
        if self._depth:
            self._depth -= 1

    def handle_data(self, data):
        if self._depth:
            self.chars.update(data)


def math_characters(site: Path) -> set[str]:
    """Every character KaTeX typesets on any built page."""
    chars: set[str] = set()
    for page in site.rglob("*.html"):
        parser = _MathText()
        parser.feed(page.read_text(encoding="utf-8"))
        chars |= parser.chars
    return chars


def subset_fonts(site: Path, originals: Path) -> list[tuple[str, int, int]]:
    """Write each KaTeX .woff2 of the built site as a subset of its original in `originals` (always from the
    original, so a rebuild with new formulas gets their glyphs); (name, bytes before, bytes after) per font."""
    unicodes = sorted(ord(c) for c in math_characters(site))
    sizes = []
    for font_path in sorted((site / FONTS).glob("*.woff2")):
        original = originals / font_path.name
        before = original.stat().st_size
        font = TTFont(original)
        options = subset.Options()
        options.flavor = "woff2"
        options.layout_features = ["*"]
        options.name_IDs = ["*"]
        options.notdef_outline = True
        options.hinting = False  # the hints are for low-resolution rasterisers; browsers ignore most
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=unicodes)
        subsetter.subset(font)
        font.flavor = "woff2"
        font.save(font_path)
        sizes.append((font_path.name, before, font_path.stat().st_size))
    return sizes
