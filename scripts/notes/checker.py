"""Scan every note in docs/ once: front matter, citations, links, demos, forbidden resources.

The result feeds the papers page and the backlinks, and its problems fail the build.
"""

import os
from dataclasses import dataclass, field
from pathlib import Path

from notes import bib, citations, demos, frontmatter, links, resources
from notes.links import Link
from notes.problems import Problem

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


def scan(layout: Layout, known_files: set[str] | None = None) -> Scan:
    """Read every Markdown page in docs_dir; known_files are the site's src URIs (docs + generated)."""
    known = known_files if known_files is not None else docs_files(layout.docs_dir)
    docs_shown = layout.docs_shown
    papers, problems = bib.load(layout.bib_path, f"{docs_shown}/papers.bib")
    sidecars, sidecar_problems = demos.load_sidecars(layout.models_dir, "exported_models", set(papers))
    problems += sidecar_problems
    demo_modules = {uri[len(DEMO_MODULES):-3] for uri in known if uri.startswith(DEMO_MODULES) and uri.endswith(".js")}

    notes: dict[str, Note] = {}
    for src_uri in sorted(uri for uri in known if is_markdown_note(uri)):
        path = layout.docs_dir / src_uri
        if not path.is_file():
            continue  # a generated page
        shown = f"{docs_shown}/{src_uri}"
        text = path.read_text(encoding="utf-8")
        front = frontmatter.parse(text, shown)
        problems += front.problems
        body = text.splitlines()[front.body_line - 1:]
        note = Note(src_uri, str(front.meta.get("title", src_uri)))
        note.citations, found = citations.find(body, front.body_line, shown, papers)
        problems += found
        note.links, found = links.find(body, front.body_line, src_uri, shown, known, set(papers))
        problems += found
        note.demos, found = demos.find(body, front.body_line, shown, sidecars, layout.models_dir,
                                       "exported_models", demo_modules)
        problems += found
        problems += resources.find(body, front.body_line, shown)
        notes[src_uri] = note
    return Scan(notes, papers, sidecars, sorted(set(problems)))
