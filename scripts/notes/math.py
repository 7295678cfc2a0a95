"""Math rendered at build time: every formula pymdownx.arithmatex marks becomes KaTeX HTML.

One Node process (scripts/katex_render.mjs, KaTeX from npm) serves the whole build: formulas go in as
JSON lines and come back as HTML, so a page costs no script in the browser, only katex.min.css and
the fonts its formulas use. A formula KaTeX cannot parse is a problem at its `file:line`.
"""
from __future__ import annotations

import atexit
import html
import json
import re
import subprocess
from pathlib import Path

from .problems import Problem

SCRIPT = Path(__file__).resolve().parent.parent / "katex_render.mjs"
STYLESHEET = "assets/vendor/katex/katex.min.css"  # site path, vendored by vendor.py

# pymdownx.arithmatex's generic output (HTML-escaped TeX between \( \) or \[ \]).
INLINE = re.compile(r'<span class="arithmatex">\\\((.*?)\\\)</span>', re.DOTALL)
DISPLAY = re.compile(r'<div class="arithmatex">\\\[(.*?)\\\]</div>', re.DOTALL)
# KaTeX writes each formula twice, as MathML (read aloud; its TeX annotation) and as HTML (seen):
# search indexes neither copy's markup, only the MathML's text.
SEARCH_HIDDEN = (('<span class="katex-html" aria-hidden="true">',
                  '<span class="katex-html" aria-hidden="true" data-search-exclude>'),
                 ('<annotation encoding="application/x-tex">',
                  '<annotation encoding="application/x-tex" data-search-exclude>'))


class KatexError(Exception):
    pass


class Renderer:
    """A long-lived `node scripts/katex_render.mjs`, started on the first formula; answers are cached."""

    def __init__(self):
        self.process: subprocess.Popen | None = None
        self.cache: dict[tuple[str, bool], str] = {}

    def render(self, tex: str, display: bool) -> str:
        key = (tex, display)
        if key not in self.cache:
            answer = self._ask({"tex": tex, "display": display})
            if "error" in answer:
                raise KatexError(answer["error"])
            out = answer["html"]
            for old, new in SEARCH_HIDDEN:
                out = out.replace(old, new)
            self.cache[key] = out
        return self.cache[key]

    def _ask(self, request: dict) -> dict:
        if self.process is None:
            try:
                self.process = subprocess.Popen(["node", str(SCRIPT)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                                text=True, encoding="utf-8", bufsize=1)
            except FileNotFoundError:
                raise KatexError("Node.js is not installed: math is rendered at build time by KaTeX under Node") from None
            atexit.register(self.close)
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise KatexError(f"{SCRIPT.name} stopped: is `npm ci` done (node_modules/katex)?")
        return json.loads(line)

    def close(self) -> None:
        if self.process is not None:
            self.process.stdin.close()
            self.process.wait(timeout=10)
            self.process = None


class _Lines:
    """Find each formula's line in the note as written, in page order (repeated formulas advance)."""

    def __init__(self, source: str):
        self.source = source
        self.cursor = 0

    def line_of(self, tex: str) -> int:
        first = next((part.strip() for part in tex.splitlines() if part.strip()), tex)
        at = self.source.find(first, self.cursor)
        if at < 0:
            at = self.source.find(first)
        if at < 0:
            return 1
        self.cursor = at + len(first)
        return self.source.count("\n", 0, at) + 1


def render_page(page_html: str, source: str, shown: str, renderer: Renderer) -> tuple[str, list[Problem]]:
    """Replace every arithmatex formula in a page by KaTeX HTML; problems name `shown:line`.

    Display formulas get a focusable, labelled wrapper that scrolls sideways on narrow screens."""
    lines = _Lines(source)
    problems: list[Problem] = []
    spans = sorted([(m, False) for m in INLINE.finditer(page_html)] + [(m, True) for m in DISPLAY.finditer(page_html)],
                   key=lambda pair: pair[0].start())
    out, last = [], 0
    for match, display in spans:
        tex = html.unescape(match.group(1)).strip()
        line = lines.line_of(tex)
        try:
            rendered = renderer.render(tex, display)
        except KatexError as error:
            problems.append(Problem(shown, line, f"formula `{tex}` does not render: {error}"))
            continue
        if display:
            rendered = f'<div class="inn-math" tabindex="0" role="group" aria-label="Equation">{rendered}</div>'
        out += [page_html[last:match.start()], rendered]
        last = match.end()
    out.append(page_html[last:])
    return "".join(out), problems


def stylesheet_link(page_html: str, href: str) -> str:
    """The KaTeX stylesheet, only on pages with math (the fonts it names load only when a glyph needs them)."""
    if 'class="katex' not in page_html:
        return page_html
    return f'<link rel="stylesheet" href="{href}">\n{page_html}'
