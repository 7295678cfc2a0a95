"""Notes may not run scripts or load resources from other hosts (no CDN, no hot-linked figures)."""

import re

from notes.markdown import prose_lines
from notes.problems import Problem

SCRIPT_TAG = re.compile(r"<script\b", re.IGNORECASE)
REMOTE = r"\s*[\"']?\s*((?:https?:)?//[^\s\"'>)]+)"
REMOTE_ATTR = re.compile(r"\b(?:src|srcset|poster|data)\s*=" + REMOTE, re.IGNORECASE)
REMOTE_LINK_TAG = re.compile(r"<link\b[^>]*\bhref\s*=" + REMOTE, re.IGNORECASE)
REMOTE_CSS = re.compile(r"(?:url\(|@import\s)" + REMOTE, re.IGNORECASE)
REMOTE_IMAGE = re.compile(r"!\[[^\]]*\]\(\s*<?((?:https?:)?//[^\s)>]+)")

FIX_SCRIPT = ("raw <script> tag; notes may not run scripts: put the code in docs/javascripts/demos/<name>.js "
              "and place <div data-demo=\"<name>\"></div>")


def find(lines: list[str], first_line: int, shown: str) -> list[Problem]:
    problems = []
    for number, line in prose_lines(lines, first_line):
        if SCRIPT_TAG.search(line):
            problems.append(Problem(shown, number, FIX_SCRIPT))
        for pattern in (REMOTE_ATTR, REMOTE_LINK_TAG, REMOTE_CSS, REMOTE_IMAGE):
            for match in pattern.finditer(line):
                problems.append(Problem(shown, number, f"third-party resource '{match.group(1)}': save the file "
                                        "under docs/assets/ and use a relative path (nothing is fetched from other hosts)"))
    return problems
