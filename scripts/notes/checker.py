"""Scan every note in docs/ once: front matter, citations, and its HTML (safety, links, anchors, demos); nav and titles.

The result feeds the papers page and the backlinks, and its problems fail the build.
"""

import os
from dataclasses import dataclass, field
from pathlib import Path

from demos.common.text import NotUTF8, decode
from notes import bib, citations, demos, frontmatter, htmlcheck, links
from notes.links import Link
from notes.problems import Problem
from notes.render import Renderer, nav_pages, site_config

NOTEBOOKS = "notebooks/"  # jupytext pages rendered by mkdocs-jupyter: not Markdown notes
DEMO_MODULES = "javascripts/demos/"


@dataclass
class Note:
    src_uri: str  # e.g. "cnn/visualizing.md"
    title: str
    citations: list[tuple[int, str]] = field(default_factory=list)  # (line, paper key)
    links: list[Link] = field(default_factory=list)
    demos: list[tuple[int, str]] = field(default_factory=list)  # (line, demo name)


@dataclass
class Scan:
    notes: dict[str, Note]
    papers: dict[str, bib.Paper]
    sidecars: dict[str, demos.Sidecar]
    problems: list[Problem]


@dataclass(frozen=True)
class Layout:
    """Where things are, and how paths are shown in messages (relative to the repository root)."""

    root: Path
    docs_dir: Path

    @property
    def docs_shown(self) -> str:
        return Path(os.path.relpath(self.docs_dir, self.root)).as_posix()

    @property
    def models_dir(self) -> Path:
        return self.root / "exported_models"

    @property
    def bib_path(self) -> Path:
        return self.docs_dir / "papers.bib"


def docs_files(docs_dir: Path) -> set[str]:
    return {p.relative_to(docs_dir).as_posix() for p in docs_dir.rglob("*") if p.is_file()}


def is_markdown_note(src_uri: str) -> bool:
    return src_uri.endswith(".md") and not src_uri.startswith(NOTEBOOKS)


# A note past this size is refused before it is read: the checker renders Markdown at ~2 s per MB, so the
# cap keeps every check (and every build) within a few seconds whatever a pull request contains.
MAX_NOTE_BYTES = 1_000_000


def too_large(path: Path, shown: str) -> list[Problem]:
    size = path.stat().st_size
    if size <= MAX_NOTE_BYTES:
        return []
    return [Problem(shown, 1, f"this note is {size / 1e6:.1f} MB; a note may be at most {MAX_NOTE_BYTES / 1e6:g} MB "
                    "(split it into several notes, or move data into a file under docs/assets/)")]


def read_text(path: Path, shown: str) -> tuple[str | None, list[Problem]]:
    """A source file as UTF-8 text, or None and the problem (with the line of the first bad byte)."""
    try:
        return decode(path.read_bytes(), shown), []
    except NotUTF8 as error:
        return None, [Problem(shown, error.line, error.reason)]


def render_page(render: Renderer, text: str, body_line: int, shown: str):
    """The note's body as the site renders it, then checked as HTML: (page, locator, problems)."""
    body = "\n".join(text.splitlines()[body_line - 1:])
    try:
        html = render(body)
    except Exception as error:  # noqa: BLE001 — a Markdown extension's own error (e.g. a missing snippet)
        html, failed = "", [Problem(shown, body_line, f"Markdown cannot render this note: {error}")]
    else:
        failed = []
    page, locator, problems = htmlcheck.check(html, text, shown)
    return page, locator, failed + problems


def _nav_and_titles(notes: dict[str, Note], nav: set[str] | None, title_lines: dict[str, int],
                    docs_shown: str) -> list[Problem]:
    problems, first_with_title = [], {}
    for src_uri, note in notes.items():
        shown = f"{docs_shown}/{src_uri}"
        if nav is not None and src_uri not in nav:
            problems.append(Problem(shown, 1, f"not in the nav: add it to `nav` in mkdocs.yml under its section, "
                                    f"e.g. `- {note.title}: {src_uri}`"))
        other = first_with_title.setdefault(note.title.strip().lower(), src_uri)
        if other != src_uri:
            problems.append(Problem(shown, title_lines.get(src_uri, 1), f"title '{note.title}' is also the title of "
                                    f"{docs_shown}/{other}; give each note its own title"))
    return problems


def scan(layout: Layout, known_files: set[str] | None = None) -> Scan:
    """Read every Markdown page in docs_dir; known_files are the site's src URIs (docs + generated)."""
    known = known_files if known_files is not None else docs_files(layout.docs_dir)
    docs_shown = layout.docs_shown
    config, own_config = site_config(layout.root)
    render = Renderer(config, layout.root)
    nav = nav_pages(config.get("nav")) if own_config and config.get("nav") else None
    papers, problems = bib.load(layout.bib_path, f"{docs_shown}/papers.bib")
    sidecars, sidecar_problems = demos.load_sidecars(layout.models_dir, "exported_models", set(papers))
    problems += sidecar_problems
    # a demo's module is docs/javascripts/demos/<name>.js; files in demos/<name>/ are its parts, not demos
    demo_modules = {uri[len(DEMO_MODULES):-3] for uri in known
                    if uri.startswith(DEMO_MODULES) and uri.endswith(".js") and "/" not in uri[len(DEMO_MODULES):]}

    notes: dict[str, Note] = {}
    ids: dict[str, set[str]] = {}
    anchors: list[tuple[str, list[links.Anchor]]] = []
    title_lines: dict[str, int] = {}
    for src_uri in sorted(uri for uri in known if is_markdown_note(uri)):
        path = layout.docs_dir / src_uri
        if not path.is_file():
            continue  # a generated page
        shown = f"{docs_shown}/{src_uri}"
        oversized = too_large(path, shown)
        if oversized:
            problems += oversized
            continue
        text, found = read_text(path, shown)
        problems += found
        if text is None:
            continue
        front = frontmatter.parse(text, shown)
        problems += front.problems
        note = Note(src_uri, str(front.meta.get("title", src_uri)))
        note.citations, found = citations.find(text.splitlines()[front.body_line - 1:], front.body_line, shown, papers)
        problems += found
        page, locator, found = render_page(render, text, front.body_line, shown)
        problems += found
        note.links, page_anchors, found = links.check(page.links, locator.line, src_uri, shown, known, set(papers))
        problems += found
        note.demos, found = demos.check(page.demos, locator.line, shown, sidecars, layout.models_dir,
                                        "exported_models", demo_modules)
        problems += found + [Problem(shown, locator.line(f.needles), f.message) for f in page.misspelt]
        anchors.append((shown, page_anchors))
        ids[src_uri] = page.ids
        title_lines[src_uri] = locator.line(("title:",))
        notes[src_uri] = note
    for shown, page_anchors in anchors:
        problems += links.missing_anchors(page_anchors, ids, shown)
    problems += _nav_and_titles(notes, nav, title_lines, docs_shown)
    return Scan(notes, papers, sidecars, sorted(set(problems)))
