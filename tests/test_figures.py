"""Figures carry their intrinsic size and load lazily (scripts/notes/figures.py, run by the build)."""
import base64
import io
import re

from notes import figures
from PIL import Image


def png_bytes(width, height):
    buffer = io.BytesIO()
    Image.new("RGB", (width, height)).save(buffer, "PNG")
    return buffer.getvalue()


def test_sizes_come_from_the_files_and_the_note_keeps_its_own(tmp_path):
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "a.png").write_bytes(png_bytes(123, 45))
    (tmp_path / "assets" / "b.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 800 560"/>')
    (tmp_path / "assets" / "c.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" width="30px" height="20" viewBox="0 0 9 9"/>')
    inline = "data:image/png;base64," + base64.b64encode(png_bytes(7, 3)).decode()
    page = ('<p><img alt="a" src="../../assets/a.png" /><img src="../../assets/b.svg">'
            '<img src="../../assets/c.svg" width="10" loading="eager"><img src="https://example.org/x.png">'
            f'<img src="../../assets/missing.png"><img src="../../../outside.png"><img src="{inline}"></p>')
    out = figures.add_sizes(page, "cnn/note/", tmp_path)
    tags = re.findall(r"<img[^>]*>", out)
    assert 'width="123" height="45"' in tags[0] and tags[0].endswith(" />")
    assert 'width="800" height="560"' in tags[1]
    assert 'width="10"' in tags[2] and "height" not in tags[2] and 'loading="eager"' in tags[2]  # the note's own
    for tag in tags[3:6]:                                          # not a docs file: no size to read
        assert "width" not in tag and 'loading="lazy"' in tag
    assert 'width="7" height="3"' in tags[6]
    assert all('decoding="async"' in tag for tag in tags)
    assert figures.intrinsic_size(tmp_path / "assets" / "c.svg") == (30, 20)


def test_every_built_figure_has_its_size_and_loads_lazily(built_site):
    checked = 0
    for page in built_site.rglob("*.html"):
        for tag in re.findall(r"<img\b[^>]*>", page.read_text(encoding="utf-8")):
            src = re.search(r'\ssrc="([^"]+)"', tag)[1]
            if src.startswith("data:") and "image/svg" in src:
                continue
            assert 'loading="lazy"' in tag, (page, tag[:120])
            width, height = (re.search(rf'\s{name}="(\d+)"', tag) for name in ("width", "height"))
            assert width and height, (page, tag[:120])
            if not src.startswith("data:"):
                file = (page.parent / src).resolve()
                size = figures.intrinsic_size(file)
                assert size == (int(width[1]), int(height[1])), (page, src, size)
            checked += 1
    assert checked >= 10, checked
