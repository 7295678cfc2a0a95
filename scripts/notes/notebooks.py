"""Notebook pages (mkdocs-jupyter): links to notes, and no CDN loader.

mkdocs-jupyter leaves a Markdown cell's `[text](../cnn/visualizing.md)` as it is, which breaks on the
site; it is rewritten to the note's URL like MkDocs does for notes. nbconvert's lab template also puts an
inline module script on every notebook page that imports mermaid from cdnjs.cloudflare.com when the
notebook has a mermaid output; ours have none, and the site loads nothing from other hosts, so the loader
is removed.
"""

import posixpath
import re
from collections.abc import Callable
from pathlib import Path

from notes.links import SCHEME
from notes.problems import Problem

REMOTE_IMPORT_SCRIPT = re.compile(
    r"<script\b[^>]*>(?:(?!</script>).)*?\bimport\(\s*[\"'](?:https?:)?//(?:(?!</script>).)*?</script>\s*",
    re.DOTALL | re.IGNORECASE,
)
MD_HREF = re.compile(r'href="([^"#]+\.md)(#[^"]*)?"')


def strip_remote_imports(html: str) -> str:
    return REMOTE_IMPORT_SCRIPT.sub("", html)


def rewrite_note_links(html: str, page_src_uri: str, url_of: Callable[[str], str | None]) -> tuple[str, list[str]]:
    """Replace relative .md hrefs with url_of(target src_uri); return the html and the missing targets."""
    missing = []

    def replace(match: re.Match) -> str:
        target, anchor = match.group(1), match.group(2) or ""
        if SCHEME.match(target) or target.startswith("/"):
            return match.group(0)
        url = url_of(posixpath.normpath(posixpath.join(posixpath.dirname(page_src_uri), target)))
        if url is None:
            missing.append(target)
            return match.group(0)
        return f'href="{url}{anchor}"'

    return MD_HREF.sub(replace, html), missing


def broken_links(shown: str, source: Path, missing: list[str]) -> list[Problem]:
    """Problems for links the notebook's source has to a missing note, at the line where each appears."""
    text = source.read_text(encoding="utf-8")
    return [Problem(shown, text[: max(text.find(target), 0)].count("\n") + 1, f"broken link '{target}': no such note")
            for target in missing]
