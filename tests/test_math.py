"""Math is KaTeX HTML written at build time: no page loads a KaTeX script, formulas are in the built
HTML (MathML for screen readers, no raw TeX in search), and a bad formula fails the build at file:line."""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

from notes import math

ROOT = Path(__file__).resolve().parent.parent

NOTE = """---
title: Home
description: One sentence.
tags: [cnn]
---

# Home

Fine $a^2$ here, and $a^2$ again.

$$
\\frac{1}{2}
$$

Broken on line 15: $\\frac{a$.
"""


def test_a_known_formula_is_katex_html_in_the_built_page(built_site):
    page = (built_site / "nlp/lstm/index.html").read_text(encoding="utf-8")
    # h_t = tanh(W h_{t-1} + U x_t + b), docs/nlp/lstm.md:9, as MathML (read aloud) and KaTeX HTML (seen)
    assert '<annotation encoding="application/x-tex" data-search-exclude>h_t = \\tanh(W h_{t-1} + U x_t + b)' in page
    assert '<span class="katex-html" aria-hidden="true" data-search-exclude>' in page
    assert 'href="../../assets/vendor/katex/katex.min.css"' in page
    assert 'class="arithmatex"' not in page


def test_no_page_loads_a_katex_script_and_pages_without_math_skip_its_css(built_site):
    scripts, css_without_math = [], []
    for page in built_site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        scripts += [str(page) for src in re.findall(r'<script[^>]*\bsrc="([^"]+)"', text) if "katex" in src]
        if "katex.min.css" in text and 'class="katex' not in text:
            css_without_math.append(str(page))
    assert scripts == [] and css_without_math == []
    assert not list(built_site.glob("assets/vendor/katex/*.js"))
    assert {p.suffix for p in (built_site / "assets/vendor/katex/fonts").iterdir()} == {".woff2"}


def test_search_index_has_no_raw_latex(built_site):
    index = json.loads((built_site / "search/search_index.json").read_text(encoding="utf-8"))
    prose = {d["location"]: re.sub(r"<(pre|code)\b.*?</\1>", "", d["text"], flags=re.DOTALL) for d in index["docs"]}
    raw = [(where, m.group(0)) for where, text in prose.items() for m in re.finditer(r"\\[a-zA-Z]+|\\\(|\\\[|\$", text)]
    assert raw == []
    lstm = " ".join(d["text"] for d in index["docs"] if d["location"].startswith("nlp/lstm/"))
    assert "tanh" in lstm


def test_render_page_names_the_line_of_each_bad_formula():
    renderer = math.Renderer()
    try:
        page = ('<p>Fine <span class="arithmatex">\\(a^2\\)</span> again <span class="arithmatex">\\(a^2\\)</span></p>'
                '<div class="arithmatex">\\[\n\\frac{1}{2}\n\\]</div>'
                '<p>Broken on line 15: <span class="arithmatex">\\(\\frac{a\\)</span>.</p>')
        html, problems = math.render_page(page, NOTE, "docs/index.md", renderer)
        assert [str(p).split(": KaTeX")[0] for p in problems] == ["docs/index.md:15: formula `\\frac{a` does not render"]
        assert "Unexpected end of input" in problems[0].message
        assert html.count('<span class="katex">') == 3 and '<div class="inn-math" tabindex="0"' in html
        assert len(renderer.cache) == 2          # the repeated formula was rendered once
    finally:
        renderer.close()
    assert renderer.process is None


def test_a_bad_formula_fails_the_real_build_at_file_line(tmp_path):
    for name in ("node_modules", "scripts"):
        (tmp_path / name).symlink_to(ROOT / name)
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs/papers.bib").write_text("")
    (tmp_path / "docs/index.md").write_text(NOTE)
    (tmp_path / "mkdocs.yml").write_text(
        "site_name: Math\nstrict: true\ntheme: {name: material, font: false}\nnav: [index.md]\n"
        "markdown_extensions: [{pymdownx.arithmatex: {generic: true}}]\nhooks: [scripts/mkdocs_hooks.py]\n")
    build = [sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(tmp_path / "site")]
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    bad = subprocess.run(build, cwd=tmp_path, capture_output=True, text=True, env=env, check=False)
    assert bad.returncode == 1
    assert "docs/index.md:15: formula `\\frac{a` does not render: KaTeX parse error:" in bad.stderr, bad.stderr
    (tmp_path / "docs/index.md").write_text(NOTE.replace("$\\frac{a$", "$\\frac{a}{b}$"))
    good = subprocess.run(build, cwd=tmp_path, capture_output=True, text=True, env=env, check=False)
    assert good.returncode == 0, good.stderr
    assert (tmp_path / "site/index.html").read_text(encoding="utf-8").count('<span class="katex">') == 4
