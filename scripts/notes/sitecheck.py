"""After the build: no HTML or CSS file in the site loads a resource from another host."""

import re
from pathlib import Path

REMOTE = r"\s*[\"']?\s*(?:https?:)?//"
# <link> relations that name a page instead of loading anything (e.g. Material's rel="canonical").
NOT_LOADED = r"(?![^>]*\brel\s*=\s*[\"']?(?:canonical|alternate|author|license|me|next|prev|help)\b)"
PATTERNS = {
    ".html": [
        re.compile(r"<(?:script|img|iframe|audio|video|source|embed|track)\b[^>]*\bsrc\s*=" + REMOTE, re.IGNORECASE),
        re.compile(r"<link\b" + NOT_LOADED + r"[^>]*\bhref\s*=" + REMOTE, re.IGNORECASE),
        re.compile(r"url\(" + REMOTE, re.IGNORECASE),
        re.compile(r"\bimport\(" + REMOTE),
        re.compile(r"<\w+[^>]*\bclass=\"mermaid\""),  # Material loads mermaid from unpkg.com for these
    ],
    ".css": [re.compile(r"(?:url\(|@import\s)" + REMOTE, re.IGNORECASE)],
}


def remote_resources(site_dir: Path) -> list[str]:
    """"path: snippet" for each reference to a third-party resource in the built site."""
    found = []
    for path in sorted(site_dir.rglob("*")):
        patterns = PATTERNS.get(path.suffix, [])
        text = path.read_text(encoding="utf-8", errors="replace") if patterns else ""
        for pattern in patterns:
            for match in pattern.finditer(text):
                snippet = text[match.start(): match.end() + 60].split(">")[0]
                found.append(f"{path.relative_to(site_dir).as_posix()}: {snippet}")
    return found
