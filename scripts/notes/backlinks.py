"""A "Linked from" box on each note, listing the notes that link to it."""

import posixpath

from notes.checker import Scan
from notes.markdown import escape

TOP_LEVEL_PAGES = ("index.md", "papers.md", "contribute.md")  # site pages, not notes


def is_note(src_uri: str) -> bool:
    return "/" in src_uri or src_uri not in TOP_LEVEL_PAGES


def sources(scan: Scan, target: str) -> list[str]:
    """Notes (other than the target) with a link to target, sorted by title."""
    found = {note.src_uri for note in scan.notes.values()
             if note.src_uri != target and is_note(note.src_uri)
             and any(link.path == target for link in note.links)}
    return sorted(found, key=lambda uri: scan.notes[uri].title.lower())


def render(scan: Scan, target: str) -> str:
    """Markdown admonition to append to the target note, or "" when nothing links to it."""
    if not is_note(target):
        return ""
    linking = sources(scan, target)
    if not linking:
        return ""
    folder = posixpath.dirname(target) or "."
    items = [f"    - [{escape(scan.notes[uri].title)}]({posixpath.relpath(uri, folder)})" for uri in linking]
    return "\n".join(["", "", '!!! info "Linked from"', "", *items, ""])
