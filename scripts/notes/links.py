"""Relative links between notes: found with line numbers, checked against the site's files."""

import posixpath
import re
from dataclasses import dataclass
from urllib.parse import unquote

from notes.citations import PAPERS_PAGE
from notes.markdown import prose_lines
from notes.problems import Problem

INLINE = re.compile(r"\]\(\s*<?([^)\s>]+)>?(?:\s+(?:\"[^\"]*\"|'[^']*'|\([^)]*\)))?\s*\)")
REFERENCE = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?([^\s>]+)>?")
HTML_ATTR = re.compile(r"\b(?:href|src)\s*=\s*[\"']([^\"']+)[\"']", re.IGNORECASE)
SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


@dataclass(frozen=True)
class Link:
    line: int
    path: str  # the target's src_uri in docs/, e.g. "nlp/lstm.md"


def targets(line: str) -> list[str]:
    found = [m.group(1) for m in INLINE.finditer(line)]
    found += [m.group(1) for m in HTML_ATTR.finditer(line)]
    reference = REFERENCE.match(line)
    if reference:
        found.append(reference.group(1))
    return found


def find(lines: list[str], first_line: int, page_src_uri: str, shown: str, known_files: set[str],
         paper_keys: set[str]) -> tuple[list[Link], list[Problem]]:
    """Return the relative links of a page (resolved) and problems for missing targets."""
    links, problems = [], []
    folder = posixpath.dirname(page_src_uri)
    for number, line in prose_lines(lines, first_line):
        for target in targets(line):
            if SCHEME.match(target) or target.startswith(("#", "//")):
                continue
            if target.startswith("/"):
                problems.append(Problem(shown, number, f"absolute link '{target}' breaks under the site's sub-path; use a path relative to this file"))
                continue
            raw_path, _, anchor = target.partition("#")
            raw_path = unquote(raw_path.split("?")[0])
            if not raw_path or raw_path.endswith("/") or not posixpath.splitext(raw_path)[1]:
                continue  # directory-style URLs are MkDocs' own business
            path = posixpath.normpath(posixpath.join(folder, raw_path))
            if path not in known_files:
                problems.append(Problem(shown, number, f"broken link '{target}': docs/{path} does not exist"))
                continue
            if path == PAPERS_PAGE and anchor and anchor not in paper_keys:
                problems.append(Problem(shown, number, f"link '{target}' points to no paper: '{anchor}' is not a key in docs/papers.bib"))
                continue
            if path.endswith(".md"):
                links.append(Link(number, path))
    return links, problems
