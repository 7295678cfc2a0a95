"""Relative links and image sources of a page (taken from its HTML), checked against the site's files
and, for `note.md#anchor`, against the ids the target note's HTML has."""

import posixpath
import re
from dataclasses import dataclass
from urllib.parse import unquote

from notes.citations import PAPERS_PAGE
from notes.htmlcheck import strip_url
from notes.problems import Problem

SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


@dataclass(frozen=True)
class Link:
    line: int
    path: str  # the target's src_uri in docs/, e.g. "nlp/lstm.md"


@dataclass(frozen=True)
class Anchor:
    line: int
    target: str  # as written, e.g. "../nlp/lstm.md#forget-gate"
    path: str  # src_uri of the page that must have the id
    anchor: str


def check(targets, line_of, page_src_uri: str, shown: str, known_files: set[str],
          paper_keys: set[str]) -> tuple[list[Link], list[Anchor], list[Problem]]:
    """targets: (href or src, needles) from the page's HTML; line_of(needles) gives the note's line.
    Returns the links to notes, the anchors to check once every page's ids are known, and problems."""
    links, anchors, problems = [], [], []
    folder = posixpath.dirname(page_src_uri)
    for raw, needles in targets:
        target = strip_url(raw)  # as the browser reads it: "/\\host/x" is "//host/x", another site
        if not target or SCHEME.match(target) or target.startswith("//"):
            continue
        line = line_of(needles)
        if target.startswith("#"):
            anchors.append(Anchor(line, target, page_src_uri, unquote(target[1:])))
            continue
        if target.startswith("/"):
            problems.append(Problem(shown, line, f"absolute link '{target}' breaks under the site's sub-path; use a path relative to this file"))
            continue
        raw_path, _, anchor = target.partition("#")
        raw_path = unquote(raw_path.split("?")[0])
        if not raw_path or raw_path.endswith("/") or not posixpath.splitext(raw_path)[1]:
            continue  # directory-style URLs are MkDocs' own business
        path = posixpath.normpath(posixpath.join(folder, raw_path))
        if path not in known_files:
            problems.append(Problem(shown, line, f"broken link '{target}': docs/{path} does not exist"))
            continue
        if path == PAPERS_PAGE and anchor and anchor not in paper_keys:
            problems.append(Problem(shown, line, f"link '{target}' points to no paper: '{anchor}' is not a key in docs/papers.bib"))
            continue
        if path.endswith(".md"):
            links.append(Link(line, path))
            if anchor and path != PAPERS_PAGE:
                anchors.append(Anchor(line, target, path, unquote(anchor)))
    return links, anchors, problems


def missing_anchors(anchors: list[Anchor], ids: dict[str, set[str]], shown: str) -> list[Problem]:
    """Problems for anchors whose page was rendered and has no such id (generated pages are skipped)."""
    problems = []
    for a in anchors:
        if a.path in ids and a.anchor not in ids[a.path]:
            headings = ", ".join(sorted(i for i in ids[a.path] if not i.startswith(("__", "fn")))[:8])
            problems.append(Problem(shown, a.line, f"link '{a.target}' points to no heading: docs/{a.path} has no "
                                    f"'#{a.anchor}' (its anchors include: {headings or 'none'})"))
    return problems
