"""Checks on built output: third-party resources are found; nbconvert's CDN loader is removed."""

from notes import notebooks, sitecheck

NBCONVERT_LOADER = """<script type="module">
  document.addEventListener("DOMContentLoaded", async () => {
    const mermaid = (await import("https://cdnjs.cloudflare.com/ajax/libs/mermaid/11.10.0/mermaid.esm.min.mjs")).default;
  });
</script>
"""
OWN_MODULE = '<script type="module">import("../assets/x.js");</script>'


def test_remote_resources_in_html_and_css_are_reported(tmp_path):
    (tmp_path / "page").mkdir()
    (tmp_path / "page/index.html").write_text(
        '<link rel="canonical" href="https://inside-nn.github.io/inside-nn/page/">\n'
        '<a href="https://arxiv.org/abs/1311.2901">paper</a>\n'
        '<link rel="stylesheet" href="https://fonts.googleapis.com/css?family=Roboto">\n'
        '<script src="../assets/vendor/katex/katex.min.js"></script>\n'
        '<img src="//example.com/x.png">\n'
    )
    (tmp_path / "style.css").write_text("@font-face { src: url(fonts/a.woff2) }\n@import url('https://x.example/y.css');\n")
    found = sitecheck.remote_resources(tmp_path)
    assert [line.split(":")[0] for line in found] == ["page/index.html", "page/index.html", "style.css"]
    assert any("fonts.googleapis.com" in line for line in found)
    assert any("//example.com/x.png" in line for line in found)
    assert any("x.example/y.css" in line for line in found)


def test_mermaid_diagram_elements_are_reported(tmp_path):
    (tmp_path / "index.html").write_text('<pre class="mermaid">graph LR; a-->b</pre>')
    assert len(sitecheck.remote_resources(tmp_path)) == 1


def test_nbconvert_cdn_loader_is_stripped_and_own_scripts_kept():
    html = "<p>before</p>\n" + NBCONVERT_LOADER + OWN_MODULE + "\n<p>after</p>"
    out = notebooks.strip_remote_imports(html)
    assert "cdnjs" not in out
    assert OWN_MODULE in out and "<p>before</p>" in out and "<p>after</p>" in out


def test_notebook_links_to_notes_become_page_urls():
    urls = {"cnn/visualizing.md": "../../cnn/visualizing/"}
    html = '<a href="../cnn/visualizing.md#saliency">x</a> <a href="https://x.org/a.md">y</a> <a href="../nope.md">z</a>'
    out, missing = notebooks.rewrite_note_links(html, "notebooks/digits.py", urls.get)
    assert out == '<a href="../../cnn/visualizing/#saliency">x</a> <a href="https://x.org/a.md">y</a> <a href="../nope.md">z</a>'
    assert missing == ["../nope.md"]


def test_broken_notebook_links_are_reported_at_their_line(tmp_path):
    source = tmp_path / "digits.py"
    source.write_text("# %% [markdown]\n# # Digits\n# See [the note](../nope.md).\n")
    found = notebooks.broken_links("docs/notebooks/digits.py", source, ["../nope.md"])
    assert [str(p) for p in found] == ["docs/notebooks/digits.py:3: broken link '../nope.md': no such note"]
