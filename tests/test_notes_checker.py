"""The note checker on small docs trees: every problem is reported as `file:line: message`."""

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from notes import backlinks, papers, vendor
from notes.checker import Layout, scan

ROOT = Path(__file__).resolve().parent.parent

BIB = """@article{known2014,
  author = {Known, Ann and Other, Bob},
  title = {A Known Paper},
  journal = {Journal},
  year = {2014}
}
"""
HEAD = "---\ntitle: {title}\ndescription: A note.\ntags: [test]\n---\n"


def note(title: str, body: str) -> str:
    return HEAD.format(title=title) + textwrap.dedent(body)


def toy_sidecar(papers: list[str]) -> str:
    """A sidecar of the one schema for a demo "toy" (digits' own, renamed), with one option."""
    card = json.loads((ROOT / "exported_models/digits.json").read_text())
    card.update(name="toy", papers=papers,
                options={"speed": {"label": "speed", "type": "number", "min": 0, "max": 2, "step": 0.5, "default": 1}})
    return json.dumps(card, indent=1)


def make_tree(tmp_path: Path) -> Path:
    """A repository with two good notes, a papers page, one demo (toy) and a bibliography."""
    docs = tmp_path / "docs"
    files = {
        "index.md": note("Home", "# Home\n\nStart with [A](cnn/a.md).\n"),
        "papers.md": note("Papers", "# Papers\n"),
        "cnn/a.md": note("Note A", """
            # Note A

            Known [@known2014]. See [B](../nlp/b.md#part) and [the paper](../papers.md#known2014).

            <div data-demo="toy"></div>
        """),
        "nlp/b.md": note("Note B", "# Note B\n\n## Part\n\nBack to [A](../cnn/a.md).\n"),
        "papers.bib": BIB,
        "javascripts/demos/toy.js": "export function mount(box, ctx) {}\n",
    }
    for name, text in files.items():
        (docs / name).parent.mkdir(parents=True, exist_ok=True)
        (docs / name).write_text(text)
    (tmp_path / "exported_models").mkdir()
    (tmp_path / "exported_models/toy.json").write_text(toy_sidecar(["known2014"]))
    return tmp_path


@pytest.fixture
def tree(tmp_path):
    return make_tree(tmp_path)


def problems(root: Path) -> list[str]:
    return [str(p) for p in scan(Layout(root, root / "docs")).problems]


def write(root: Path, name: str, text: str) -> None:
    (root / "docs" / name).parent.mkdir(parents=True, exist_ok=True)
    (root / "docs" / name).write_text(text)


def test_good_tree_has_no_problems(tree):
    result = scan(Layout(tree, tree / "docs"))
    assert [str(p) for p in result.problems] == []
    assert result.notes["cnn/a.md"].citations == [(9, "known2014")]
    assert result.notes["cnn/a.md"].demos == [(11, "toy")]
    assert [link.path for link in result.notes["cnn/a.md"].links] == ["nlp/b.md", "papers.md"]


def test_unknown_citation_key(tree):
    write(tree, "nlp/c.md", note("C", "# C\n\nAs shown [@known2014; @missing2020].\n"))
    assert problems(tree) == ["docs/nlp/c.md:8: unknown citation key 'missing2020'; add it to docs/papers.bib"]


def test_unknown_demo_name(tree):
    write(tree, "nlp/c.md", note("C", "# C\n\n<div data-demo=\"nosuch\"></div>\n"))
    assert problems(tree) == [
        "docs/nlp/c.md:8: unknown demo 'nosuch': exported_models/nosuch.json does not exist "
        "(run `python -m demos export nosuch`)"
    ]


def test_demo_without_browser_module(tree):
    (tree / "docs/javascripts/demos/toy.js").unlink()
    assert problems(tree) == ["docs/cnn/a.md:11: demo 'toy' has no browser module docs/javascripts/demos/toy.js"]


def test_broken_internal_links(tree):
    write(tree, "nlp/c.md", note("C", "# C\n\n[gone](../cnn/gone.md) and [no paper](../papers.md#nobody)\n\nSee [this][ref].\n\n[ref]: b2.md\n"))
    assert problems(tree) == [
        "docs/nlp/c.md:8: broken link '../cnn/gone.md': docs/cnn/gone.md does not exist",
        "docs/nlp/c.md:8: link '../papers.md#nobody' points to no paper: 'nobody' is not a key in docs/papers.bib",
        "docs/nlp/c.md:12: broken link 'b2.md': docs/nlp/b2.md does not exist",
    ]


def test_external_links_are_fine_but_absolute_paths_are_not(tree):
    write(tree, "nlp/c.md", note("C", "# C\n\n[arXiv](https://arxiv.org/abs/1311.2901) [root](/cnn/a.md)\n"))
    assert problems(tree) == [
        "docs/nlp/c.md:8: absolute link '/cnn/a.md' breaks under the site's sub-path; use a path relative to this file"
    ]


@pytest.mark.parametrize(
    ("front", "expected"),
    [
        ("---\ntitle: [unclosed\ndescription: x\ntags: [a]\n---\n",
         "docs/nlp/c.md:3: front matter is not valid YAML: expected ',' or ']', but got ':'"),
        ("---\ndescription: x\ntags: [a]\n---\n", "docs/nlp/c.md:1: front matter is missing 'title: <text>'"),
        ("---\ntitle: C\ndescription: x\ntags: a\n---\n",
         "docs/nlp/c.md:4: front matter 'tags' must be a non-empty list like [cnn, vision], got 'a'"),
        ("---\ntitle: C\ndescription: x\ntags: []\n---\n",
         "docs/nlp/c.md:4: front matter 'tags' must be a non-empty list like [cnn, vision], got []"),
        ("---\ntitle: C\ndescription: x\ntags: [a]\nauthor: me\n---\n",
         "docs/nlp/c.md:5: unknown front matter key 'author'; allowed: title, description, tags"),
        ("---\ntitle: 2014\ndescription: x\ntags: [a]\n---\n",
         "docs/nlp/c.md:2: front matter 'title' must be non-empty text, got 2014"),
        ("---\ntitle: C\ndescription: x\n", "docs/nlp/c.md:1: front matter opened with '---' is never closed by a '---' line"),
    ],
)
def test_malformed_front_matter(tree, front, expected):
    write(tree, "nlp/c.md", front + "\n# C\n")
    assert problems(tree) == [expected]


def test_missing_front_matter(tree):
    write(tree, "nlp/c.md", "# C\n")
    assert len(problems(tree)) == 1 and problems(tree)[0].startswith("docs/nlp/c.md:1: missing front matter")


def test_material_page_options_are_allowed(tree):
    write(tree, "nlp/c.md", "---\ntitle: C\ndescription: x\ntags: [a]\nhide: [toc]\nsearch: {boost: 2}\n---\n# C\n")
    assert problems(tree) == []


def test_raw_script_tag(tree):
    write(tree, "nlp/c.md", note("C", "# C\n\n<script>alert(1)</script>\n"))
    assert len(problems(tree)) == 1 and problems(tree)[0].startswith("docs/nlp/c.md:8: raw <script> tag")


@pytest.mark.parametrize(
    ("html", "message"),
    [
        ('<img src="https://cdn.example.com/fig.png">', "third-party resource 'https://cdn.example.com/fig.png'"),
        ('<link rel="stylesheet" href="https://fonts.googleapis.com/css?family=Roboto">', "<link> loads a resource"),
        ("![figure](https://example.com/fig.png)", "third-party resource 'https://example.com/fig.png'"),
        ('<iframe src="//www.youtube.com/embed/x"></iframe>', "<iframe> embeds another document"),
        ("<style>@import url(https://cdn.example.com/x.css);</style>", "<style> belongs in docs/stylesheets/"),
    ],
)
def test_third_party_resources(tree, html, message):
    write(tree, "nlp/c.md", note("C", f"# C\n\n{html}\n"))
    found = problems(tree)
    assert len(found) == 1 and found[0].startswith(f"docs/nlp/c.md:8: {message}"), found


def test_code_fences_and_spans_are_ignored(tree):
    write(tree, "nlp/c.md", note("C", """
        # C

        Write `[@nokey]` or `<script>` in code spans.

        ```html
        <script src="https://cdn.example.com/x.js"></script>
        <div data-demo="nosuch"></div> [@nokey] [x](missing.md)
        ```

        ~~~~
        ```
        [@nokey]
        ```
        ~~~~
    """))
    assert problems(tree) == []


def test_sidecar_with_unknown_paper_key(tree):
    sidecar = tree / "exported_models/toy.json"
    sidecar.write_text(toy_sidecar(["known2014", "ghost2020"]))
    line = sidecar.read_text().split('"ghost2020"')[0].count("\n") + 1
    assert problems(tree) == [f"exported_models/toy.json:{line}: unknown paper key 'ghost2020'; add it to docs/papers.bib"]


def test_problems_in_papers_bib_fail_the_scan(tree):
    (tree / "docs/papers.bib").write_text(BIB + "@article{bad, title = {T}, year = {2020}}\n")
    assert "docs/papers.bib:7: entry 'bad' is missing 'author = {...}'" in problems(tree)


def test_papers_page_and_backlinks(tree):
    result = scan(Layout(tree, tree / "docs"))
    body = papers.render(result)
    assert "### A Known Paper {#known2014 .paper}" in body
    assert "**Cited in:** [Note A](cnn/a.md)" in body
    assert "**Implemented by demo:** [`toy`](cnn/a.md) (Note A)" in body
    assert backlinks.render(result, "nlp/b.md") == '\n\n!!! info "Linked from"\n\n    - [Note A](../cnn/a.md)\n'
    assert backlinks.render(result, "papers.md") == ""  # the papers page is not a note


def test_vendor_requires_node_modules(tmp_path):
    with pytest.raises(vendor.VendorError, match=r"node_modules/katex/dist/katex.min.css is missing: run `npm ci`"):
        vendor.planned(tmp_path)


def test_check_notes_command_prints_file_line(tree):
    for name in ("node_modules", "scripts"):
        (tree / name).symlink_to(ROOT / name)
    write(tree, "nlp/c.md", note("C", "# C\n\n[@nokey]\n"))
    bad = subprocess.run([sys.executable, "scripts/check_notes.py"], cwd=tree, capture_output=True, text=True)
    assert bad.returncode == 1, bad.stderr
    assert bad.stdout.splitlines() == ["docs/nlp/c.md:8: unknown citation key 'nokey'; add it to docs/papers.bib"]
    (tree / "docs/nlp/c.md").unlink()
    good = subprocess.run([sys.executable, "scripts/check_notes.py"], cwd=tree, capture_output=True, text=True)
    assert good.returncode == 0, good.stdout + good.stderr
    assert good.stdout.startswith("ok: 4 notes, 1 papers, 1 citations, 1 demo sidecars")


MKDOCS_YML = """site_name: Broken notes
strict: true
theme: {name: material, font: false}
markdown_extensions: [attr_list, admonition, md_in_html, {toc: {permalink: true}}]
hooks: [scripts/mkdocs_hooks.py]
"""


def test_mkdocs_build_fails_with_file_line(tree):
    for name in ("node_modules", "scripts"):
        (tree / name).symlink_to(ROOT / name)
    (tree / "mkdocs.yml").write_text(MKDOCS_YML)
    build = [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(tree / "site")]
    good = subprocess.run(build, cwd=tree, capture_output=True, text=True)
    assert good.returncode == 0, good.stderr
    assert (tree / "site/models/toy.json").is_file() and (tree / "site/assets/vendor/katex/katex.min.css").is_file()
    assert 'href="../../papers/#known2014"' in (tree / "site/cnn/a/index.html").read_text()

    write(tree, "nlp/c.md", note("C", "# C\n\nSee [@nokey] and [x](../cnn/nothing.md).\n"))
    bad = subprocess.run(build, cwd=tree, capture_output=True, text=True)
    assert bad.returncode != 0
    assert "docs/nlp/c.md:8: unknown citation key 'nokey'" in bad.stderr
    assert "docs/nlp/c.md:8: broken link '../cnn/nothing.md'" in bad.stderr


def test_note_template_passes_the_checks_when_copied(tmp_path):
    """scripts/note_template.md, copied into a section of the real docs, needs no fixing to build."""
    shutil.copytree(ROOT / "docs", tmp_path / "docs")
    shutil.copytree(ROOT / "exported_models", tmp_path / "exported_models")
    shutil.copy(ROOT / "scripts/note_template.md", tmp_path / "docs/cnn/from-template.md")
    found = [p for p in problems(tmp_path) if p.startswith("docs/cnn/from-template.md:")]
    assert found == []
