"""A note with every forbidden construct fails the real build (a copy of docs/ with the note in the nav),
each construct reported at its line, and no page is written. The same payloads written the way a note may
show them (code, escaped text) build, and in Chromium none of them runs or fetches anything."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import Tab

from notes import htmlcheck
from site_browser import SiteServer, free_port

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parent.parent
HEAD = "---\ntitle: Hostile\ndescription: Every way a note could try to run script.\ntags: [Test]\n---\n\n# Hostile\n\n"
PWN = "window.__pwned=(window.__pwned||0)+1"
EVIL = "http://evil.example/pwned.png"  # any request to it is recorded; Chromium's resolver rules block it
# (construct, message the build must give at the construct's line)
CONSTRUCTS = [
    (f'<div onclick="{PWN}">x</div>', "event-handler attribute 'onclick' on <div>"),
    (f'<img src="x:" alt="" onerror="{PWN}">', "event-handler attribute 'onerror' on <img>"),
    (f"[link](javascript:{PWN})", "javascript: URL in <a>"),
    (f'<iframe srcdoc="&lt;script&gt;parent.{PWN}&lt;/script&gt;"></iframe>', "<iframe> embeds another document"),
    (f"<!--> <script>{PWN}</script> -->", "raw <script> tag"),
    ('<img src="&#104;ttp://evil.example/pwned.png" alt="">', "third-party resource 'http://evil.example/pwned.png'"),
    (f'<p style="background: url({EVIL})">x</p>', f"third-party resource '{EVIL}'"),
    (f'<object data="{EVIL}"></object>', "<object> embeds a plug-in or document"),
    ('<meta http-equiv="refresh" content="0; url=http://evil.example/">', "<meta> can redirect the page"),
    ('<base href="http://evil.example/">', "<base> changes where every link on the page points"),
    (f'<svg><script>{PWN}</script></svg>', "raw <script> tag"),
    (f'A paragraph with an attribute list.\n{{: onmouseover="{PWN}" }}', "event-handler attribute 'onmouseover' on <p>"),
    ('<div data-dmeo="digits"></div>', "'data-dmeo' on <div> looks like a misspelt data-demo"),
    ('<div data-demo="yolo" data-confidence="7"></div>', "demo 'yolo': data-confidence: option confidence takes"),
]


def note(blocks: list[str]) -> tuple[str, list[int]]:
    """The note's text and the line each block starts on."""
    text, lines = HEAD, []
    for block in blocks:
        lines.append(text.count("\n") + 1)
        text += block + "\n\n"
    return text, lines


def site_copy(tmp_path: Path, text: str) -> Path:
    """The repository with a copy of docs/ holding cnn/hostile.md, listed in the nav."""
    root = tmp_path / "repo"
    root.mkdir()
    for entry in ROOT.iterdir():
        if entry.name not in ("docs", "mkdocs.yml", "site", ".git"):
            (root / entry.name).symlink_to(entry)
    shutil.copytree(ROOT / "docs", root / "docs")
    (root / "docs/cnn/hostile.md").write_text(text)
    config = (ROOT / "mkdocs.yml").read_text()
    anchor = "      - Object detection: cnn/object-detection.md\n"
    assert anchor in config
    (root / "mkdocs.yml").write_text(config.replace(anchor, anchor + "      - Hostile: cnn/hostile.md\n"))
    return root


def build(root: Path, site: Path, port: int) -> subprocess.CompletedProcess:
    env = {**os.environ, "SITE_URL": f"http://127.0.0.1:{port}/", "NO_MKDOCS_2_WARNING": "1"}
    return subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(site)], cwd=root, env=env,
                          capture_output=True, text=True, timeout=600)


def test_every_forbidden_construct_fails_the_build_at_its_line(tmp_path):
    text, lines = note([construct for construct, _ in CONSTRUCTS])
    root = site_copy(tmp_path, text)
    result = build(root, tmp_path / "site", free_port())
    assert result.returncode != 0
    for (construct, message), line in zip(CONSTRUCTS, lines):
        offset = construct.count("\n") if construct.startswith("A paragraph") else 0
        assert f"docs/cnn/hostile.md:{line + offset}: {message}" in result.stderr, (construct, result.stderr[-3000:])
    assert not (tmp_path / "site/cnn/hostile").exists()


SHOWN = [  # the same payloads as a note may show them: as code, or as escaped text
    "Code spans: " + " ".join(f"`{construct}`" for construct, _ in CONSTRUCTS[:6]),
    "```html\n" + "\n".join(construct for construct, _ in CONSTRUCTS) + "\n```",
    f"&lt;script&gt;{PWN}&lt;/script&gt; and &lt;img src=x onerror={PWN}&gt; as text.",
    "A link to [another site](https://example.com/paper) is fine, and so is <a href=\"mailto:a@example.com\">mail</a>.",
]


def test_the_same_payloads_shown_as_code_build_and_never_run(tmp_path, browser):
    text, _ = note(SHOWN)
    port = free_port()
    root = site_copy(tmp_path, text)
    site = tmp_path / "site"
    result = build(root, site, port)
    assert result.returncode == 0, result.stderr[-3000:]
    page_html = (site / "cnn/hostile/index.html").read_text()
    article = page_html[page_html.index("<article"):page_html.index("</article>")]
    assert htmlcheck.walk(article).findings == []  # the built page itself passes the note check
    with SiteServer(site, port) as server:
        tab = Tab(browser, server)
        dialogs = []
        tab.page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page = tab.open("/cnn/hostile/")
        for selector in ("article p", "article code", "article pre"):
            for element in page.locator(selector).all()[:20]:
                for event in ("mouseover", "click"):
                    element.dispatch_event(event)
        page.wait_for_timeout(500)
        pwned = page.evaluate("window.__pwned || 0")
        shown = page.locator("article").inner_text()
        foreign = tab.foreign_requests()
        tab.context.close()
    assert (pwned, dialogs, foreign) == (0, [], [])
    assert f"<script>{PWN}</script>" in shown and "onerror=" in shown  # shown as text, as written
    assert all(host == f"127.0.0.1:{port}" for _, _, host in server.log)
