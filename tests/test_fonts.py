"""KaTeX's fonts in the built site are cut down to the characters the site's formulas use (scripts/notes/fonts.py),
and lose none of them."""
from fontTools.ttLib import TTFont

from notes import fonts
from notes.vendor import KATEX

from conftest import ROOT


def cmap(path) -> set[int]:
    return set(TTFont(path).getBestCmap())


def test_each_font_keeps_exactly_the_typeset_characters_it_had(built_site):
    used = {ord(c) for c in fonts.math_characters(built_site)}
    assert {ord(c) for c in "∑σ⊙αx"} <= used          # formulas from the notes (LSTM, attention)
    served = sorted((built_site / fonts.FONTS).glob("*.woff2"))
    assert len(served) == 20
    for font in served:
        original = ROOT / KATEX / "fonts" / font.name
        kept, needed = cmap(font), cmap(original) & used
        assert needed <= kept <= cmap(original), font.name
        assert len(kept - needed) <= 5, (font.name, kept - needed)   # a few code points share a needed glyph
        assert font.stat().st_size < original.stat().st_size, font.name


def test_only_text_inside_katex_html_counts(tmp_path):
    (tmp_path / "a.html").write_text('<p>Ω prose</p><span class="katex"><span class="katex-mathml"><math>∫</math>'
                                     '</span><span class="katex-html"><span>α<br/>β</span></span></span><p>γ</p>')
    assert fonts.math_characters(tmp_path) == {"α", "β"}
