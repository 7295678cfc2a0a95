"""Hostile and broken notes: every construct that could run script or load from another host, every file
that is not UTF-8, every silently accepted mistake — each fails `scan` (the code the build and
scripts/check_notes.py share) with the note's file:line and the exact message."""
import re
import shutil
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from notes import htmlcheck
from notes.checker import MAX_NOTE_BYTES, Layout, scan
from test_notes_checker import HEAD, MKDOCS_YML, ROOT, make_tree, note, problems, write

REMOTE = "save the file under docs/assets/ and use a relative path (nothing is fetched from other hosts)"
NO_SCRIPT = "notes may not run scripts"


@pytest.fixture
def tree(tmp_path):
    return make_tree(tmp_path)

# (line of Markdown, the one problem it must give at line 8 of docs/nlp/c.md)
HOSTILE = [
    ('<div onclick="alert(1)">x</div>', f"event-handler attribute 'onclick' on <div>; {NO_SCRIPT}"),
    ('<details open ontoggle="alert(1)"><summary>x</summary></details>',
     f"event-handler attribute 'ontoggle' on <details>; {NO_SCRIPT}"),
    ('<img src="data:image/png,x" alt="" onerror="alert(1)">', f"event-handler attribute 'onerror' on <img>; {NO_SCRIPT}"),
    ('<img src="x:" alt="">', f"resource 'x:' in <img> uses the scheme 'x:'; {REMOTE}"),
    ("[click](javascript:alert(1))", f"javascript: URL in <a>; {NO_SCRIPT}"),
    ('<a href="jav&#x61;script:alert(1)">x</a>', f"javascript: URL in <a>; {NO_SCRIPT}"),
    ('<a href=" java&#9;scr&Tab;ipt&#10;:alert(1)">x</a>', f"javascript: URL in <a>; {NO_SCRIPT}"),
    ('<a href="vbscript:msgbox(1)">x</a>', f"vbscript: URL in <a>; {NO_SCRIPT}"),
    ("[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)", "data: URL in <a>; data: is allowed for images only"),
    ('<iframe srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;"></iframe>',
     "<iframe> embeds another document (srcdoc or src can run script); link to it instead"),
    ("<!--> <script>alert(1)</script> -->", htmlcheck.FIX_SCRIPT),
    ("<svg><script>alert(1)</script></svg>", htmlcheck.FIX_SCRIPT),
    ('<img src="&#104;ttps://cdn.example.com/x.png" alt="">', f"third-party resource 'https://cdn.example.com/x.png': {REMOTE}"),
    ('<img src="/\\cdn.example.com/x.png" alt="">', f"third-party resource '/\\cdn.example.com/x.png': {REMOTE}"),
    ("![x](//cdn.example.com/x.png)", f"third-party resource '//cdn.example.com/x.png': {REMOTE}"),
    ('<img srcset="data:image/png,x 1x, https://cdn.example.com/x.png 2x" alt="">',
     f"third-party resource 'https://cdn.example.com/x.png': {REMOTE}"),
    ('<p style="background: u\\72l(https://cdn.example.com/x.png)">x</p>', f"third-party resource 'https://cdn.example.com/x.png': {REMOTE}"),
    ('<p style="width: expression(alert(1))">x</p>', "script in CSS (expression) in the style of <p>"),
    ('<object data="x.svg"></object>', "<object> embeds a plug-in or document"),
    ('<embed src="x.svg">', "<embed> embeds a plug-in or document"),
    ('<base href="https://evil.example/">', "<base> changes where every link on the page points"),
    ('<meta http-equiv="refresh" content="0; url=https://evil.example/">',
     "<meta> can redirect the page (http-equiv=refresh) or change its policies"),
    ('<form action="https://evil.example/"><label>q</label></form>', "<form> can send the reader's input to another site"),
    ('<math><mi xlink:href="javascript:alert(1)">x</mi></math>', f"javascript: URL in <mi>; {NO_SCRIPT}"),
    ('<svg><a href="https://evil.example/"><text>x</text></a></svg>', "'href' in <a> may only point inside the page (#id)"),
    ('<input type="text" name="q">', "<input> is not allowed in notes (only the radio buttons and checkboxes of tabs and task lists)"),
    ("<marquee>x</marquee>", "element <marquee> is not allowed in notes"),
]


@pytest.mark.parametrize(("markdown", "message"), HOSTILE, ids=[m[:40] for m, _ in HOSTILE])
def test_hostile_construct_fails_with_file_line(tree, markdown, message):
    write(tree, "nlp/c.md", note("C", f"# C\n\n{markdown}\n"))
    assert problems(tree) == [f"docs/nlp/c.md:8: {message}"]


def test_attr_list_attributes_are_checked_too(tree):
    write(tree, "nlp/c.md", note("C", '# C\n\nA paragraph.\n{: onclick="alert(1)" }\n'))
    assert problems(tree) == [f"docs/nlp/c.md:9: event-handler attribute 'onclick' on <p>; {NO_SCRIPT}"]


def test_each_finding_gets_its_own_line(tree):
    body = "# C\n\n<div onclick=\"a()\">x</div>\n\nText.\n\n<div onclick=\"b()\">y</div>\n\n[z](javascript:void(0))\n"
    write(tree, "nlp/c.md", note("C", body))
    assert [p.split(": ")[0] for p in problems(tree)] == ["docs/nlp/c.md:8", "docs/nlp/c.md:12", "docs/nlp/c.md:14"]


SAFE = """# C

Code shows `<script>alert(1)</script>` and `<img src=x onerror=alert(1)>` as text.

```html
<iframe srcdoc="<script>alert(1)</script>"></iframe>
<a href="javascript:alert(1)">x</a>
```

&lt;script&gt;alert(1)&lt;/script&gt; is text too, and so is [this link](https://example.com/paper).

<img src="data:image/png;base64,iVBORw0KGgo=" alt="inline image"> <a href="mailto:someone@example.com">mail</a>
"""


def test_safe_look_alikes_pass(tree):
    write(tree, "nlp/c.md", note("C", SAFE))
    assert problems(tree) == []


def test_non_utf8_note_bib_and_sidecar(tree):
    (tree / "docs/nlp/c.md").write_bytes(note("C", "# C\n\ncaf\xe9\n").encode("latin-1"))
    (tree / "docs/papers.bib").write_bytes((tree / "docs/papers.bib").read_bytes() + b"% \xff\n")
    sidecar = tree / "exported_models/toy.json"
    sidecar.write_bytes(b'\n\n"\x80"')
    offset = len(note("C", "# C\n\ncaf"))
    bib_offset = (tree / "docs/papers.bib").read_bytes().index(b"\xff")
    found = problems(tree)
    assert f"docs/nlp/c.md:8: not UTF-8 text (byte 0xe9 at offset {offset}); save the file as UTF-8" in found
    assert f"docs/papers.bib:7: not UTF-8 text (byte 0xff at offset {bib_offset}); save the file as UTF-8" in found
    assert "exported_models/toy.json:3: not UTF-8 text (byte 0x80 at offset 3); save the file as UTF-8" in found


@pytest.mark.parametrize(("html", "message"), [
    ('<div data-dmeo="toy"></div>', "'data-dmeo' on <div> looks like a misspelt data-demo; write data-demo=\"<name>\""),
    ('<div data-dem="toy"></div>', "'data-dem' on <div> looks like a misspelt data-demo; write data-demo=\"<name>\""),
    ('<div data_demo="toy"></div>', "attribute 'data_demo' on <div> is not allowed in notes"),
    ('<div data-demo="toy" data-sped="1"></div>',
     "unknown attribute 'data-sped' on demo 'toy'; it takes data-part, data-speed (options are declared in "
     "exported_models/toy.json)"),
    ('<div data-demo="toy" data-speed="7"></div>',
     "demo 'toy': data-speed: option speed takes a number from 0 to 2 in steps of 0.5, got '7'"),
    ('<div data-demo="toy" data-speed="0.7"></div>',
     "demo 'toy': data-speed: option speed takes a number from 0 to 2 in steps of 0.5, got '0.7'"),
    ('<div data-demo="Toy"></div>', "demo name 'Toy' must be lower_case letters, digits and _"),
])
def test_demo_boxes_are_checked(tree, html, message):
    write(tree, "nlp/c.md", note("C", f"# C\n\n{html}\n"))
    assert problems(tree) == [f"docs/nlp/c.md:8: {message}"]


def test_demo_options_within_the_control_pass(tree):
    write(tree, "nlp/c.md", note("C", '# C\n\n<div data-demo="toy" data-speed="1.5" data-part="left"></div>\n'))
    assert problems(tree) == []


def test_links_to_missing_headings(tree):
    write(tree, "nlp/c.md", note("C", "# C\n\n[B](b.md#nowhere) and [here](#nowhere-here) and [ok](b.md#part)\n"))
    assert problems(tree) == [
        "docs/nlp/c.md:8: link '#nowhere-here' points to no heading: docs/nlp/c.md has no '#nowhere-here' "
        "(its anchors include: c)",
        "docs/nlp/c.md:8: link 'b.md#nowhere' points to no heading: docs/nlp/b.md has no '#nowhere' "
        "(its anchors include: note-b, part)",
    ]


def test_contributing_example_link_works_when_copied(tmp_path):
    """The link CONTRIBUTING.md tells contributors to write passes the checker in a real note."""
    example = re.search(r"`(\[LSTM\]\([^)]*\))`", (ROOT / "CONTRIBUTING.md").read_text()).group(1)
    shutil.copytree(ROOT / "docs", tmp_path / "docs")
    shutil.copytree(ROOT / "exported_models", tmp_path / "exported_models")
    # Notes include generated snippets (demos/<name>/results/…): a contributor's checkout has them.
    shutil.copytree(ROOT / "demos", tmp_path / "demos", ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "docs/cnn/copied.md").write_text(HEAD.format(title="Copied") + f"# Copied\n\nSee {example}.\n")
    assert [p for p in problems(tmp_path) if "copied.md" in p] == []
    (tmp_path / "docs/cnn/copied.md").write_text(HEAD.format(title="Copied") + "# Copied\n\n[LSTM](../nlp/lstm.md#forget-gate)\n")
    assert [p.split(" points")[0] for p in problems(tmp_path) if "copied.md" in p] == [
        "docs/cnn/copied.md:8: link '../nlp/lstm.md#forget-gate'"]


def test_note_outside_the_nav_and_duplicate_title(tree):
    (tree / "mkdocs.yml").write_text(MKDOCS_YML + "nav: [index.md, papers.md, cnn/a.md, nlp/b.md]\n")
    write(tree, "nlp/c.md", note("Note A", "# C\n"))
    assert problems(tree) == [
        "docs/nlp/c.md:1: not in the nav: add it to `nav` in mkdocs.yml under its section, e.g. `- Note A: nlp/c.md`",
        "docs/nlp/c.md:2: title 'Note A' is also the title of docs/cnn/a.md; give each note its own title",
    ]


def test_a_note_over_the_size_limit_is_refused_unread(tree):
    write(tree, "nlp/c.md", note("C", "# C\n\n" + "x" * MAX_NOTE_BYTES))
    assert problems(tree) == [f"docs/nlp/c.md:1: this note is {(MAX_NOTE_BYTES + len(note('C', '# C')) + 2) / 1e6:.1f} MB; "
                              "a note may be at most 1 MB (split it into several notes, or move data into a file "
                              "under docs/assets/)"]


def test_a_note_at_the_size_limit_is_checked(tree):
    body = "# C\n\n"
    write(tree, "nlp/c.md", note("C", body + "<x-y>\n" + "x" * (MAX_NOTE_BYTES - len(note("C", body)) - 7)))
    assert problems(tree) == ["docs/nlp/c.md:8: element <x-y> is not allowed in notes"]


# Lines that made a backtracking regular expression quadratic; each must check in bounded time.
PATHOLOGICAL = {
    "citation-like": "[@" + " " * 150_000,
    "many citations": "[@known2014]: " * 20_000,
    "unmatched backticks": " ".join("`" * (i % 40 + 1) for i in range(8_000)),
    "unclosed comments": "<!-- " * 30_000,
    "deep nesting": "<span>" * 20_000,
}


@pytest.mark.parametrize("name", PATHOLOGICAL)
def test_pathological_lines_check_in_bounded_time(tmp_path, name):
    """Run in a child process with a generous bound (a hang, not a speed goal: scripts/bench_notes.py times it)."""
    for folder in ("docs", "exported_models"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    (tmp_path / "docs/cnn/x.md").write_text(HEAD.format(title="X") + "# X\n\n" + PATHOLOGICAL[name] + "\n")
    code = f"from notes.checker import Layout, scan; from pathlib import Path; r = Path({str(tmp_path)!r}); " \
           "print(len(scan(Layout(r, r / 'docs')).problems))"
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT / "scripts", capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr


TAGS = st.sampled_from(["div", "p", "a", "img", "script", "svg", "math", "iframe", "span", "style", "table", "td",
                        "details", "input", "object", "template", "noscript", "form", "b"])
ATTRS = st.sampled_from(["onclick", "OnError", "href", "src", "srcset", "style", "data-demo", "data-dmeo", "class",
                         "xlink:href", "srcdoc", "action", "id", "type"])
VALUES = st.sampled_from(["x", "javascript:alert(1)", "jav&#x61;script:1", "https://e.example/x", "//e.example",
                          "data:text/html,x", "data:image/png,x", "url(https://e.example)", "#top", " ", "&#0;", "\\\\e"])
PIECES = st.one_of(
    st.builds(lambda t, a, v: f"<{t} {a}=\"{v}\">", TAGS, ATTRS, VALUES),
    st.builds(lambda t: f"</{t}>", TAGS),
    st.sampled_from(["<!--", "-->", "<!-->", "<![CDATA[", "]]>", "&lt;", "<", ">", "\"", "'", "text", "\n"]),
    st.text(max_size=8),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(PIECES, max_size=30).map("".join))
def test_any_html_gives_findings_never_an_exception(html):
    page, locator, found = htmlcheck.check(html, html, "docs/x.md")
    assert all(str(p).startswith("docs/x.md:") for p in found)
    if not page.findings:  # what the check lets through has no script, handler or javascript: anywhere
        stack = [htmlcheck.JustHTML(html, fragment=True, sanitize=False).root]
        while stack:
            node = stack.pop()
            stack.extend(htmlcheck._children(node))
            if node.name and not node.name.startswith("#"):
                assert node.name.lower() not in ("script", "iframe", "object", "style", "template", "form")
                for name, value in (node.attrs or {}).items():
                    assert not name.lower().startswith("on")
                    assert htmlcheck.scheme_of(htmlcheck.strip_url(value)) not in ("javascript", "vbscript") \
                        or name.lower() not in ("href", "src", "xlink:href"), (name, value)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.lists(PIECES | st.sampled_from(["[@known2014]", "[@", "`", "```", "~~~", "[x](b.md#", ")", "{: ", " }",
                                          "\n\n", "# ", "$$"]), max_size=25).map("".join))
def test_any_note_gives_problems_never_an_exception(tree, body):
    write(tree, "nlp/c.md", HEAD.format(title="C") + body)
    result = scan(Layout(tree, tree / "docs"))
    assert all(p.file.startswith(("docs/", "exported_models/")) and p.line >= 1 for p in result.problems)
