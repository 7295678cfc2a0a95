"""The body of the papers page: every entry of papers.bib, who cites it and which demo implements it."""

import posixpath

from notes.checker import Scan
from notes.markdown import escape


def _link(from_uri: str, to_uri: str) -> str:
    return posixpath.relpath(to_uri, posixpath.dirname(from_uri) or ".")


def render(scan: Scan, page_uri: str = "papers.md") -> str:
    """Markdown sections grouped by year, one per entry with the key as its anchor id."""
    cited_by: dict[str, list[str]] = {}
    for note in scan.notes.values():
        for _, key in note.citations:
            if note.src_uri not in cited_by.setdefault(key, []):
                cited_by[key].append(note.src_uri)
    demo_pages: dict[str, list[str]] = {}
    for note in scan.notes.values():
        for _, name in note.demos:
            demo_pages.setdefault(name, []).append(note.src_uri)

    out = []
    year = None
    for paper in sorted(scan.papers.values(), key=lambda p: (p.year, p.authors[0].last.lower() if p.authors else "", p.key)):
        if paper.year != year:
            year = paper.year
            out += [f"## {year} {{#year-{year}}}", ""]
        out += [f"### {escape(paper.title)} {{#{paper.key} .paper}}", ""]
        venue = f" *{escape(paper.venue)}*." if paper.venue else ""
        links = " · ".join(f"[{label}]({url})" for label, url in paper.links)
        out += [f"{escape(paper.author_list)} ({paper.year}).{venue}" + (f" {links}" if links else ""), ""]
        citing = sorted(cited_by.get(paper.key, []), key=lambda uri: scan.notes[uri].title.lower())
        if citing:
            items = ", ".join(f"[{escape(scan.notes[uri].title)}]({_link(page_uri, uri)})" for uri in citing)
            out += [f"**Cited in:** {items}", ""]
        demos = [s for s in scan.sidecars.values() if paper.key in s.papers]
        if demos:
            items = []
            for demo in sorted(demos, key=lambda s: s.name):
                pages = [uri for uri in demo_pages.get(demo.name, []) if uri != page_uri]
                if pages:
                    items.append(f"[`{demo.name}`]({_link(page_uri, pages[0])}) ({escape(scan.notes[pages[0]].title)})")
                else:
                    items.append(f"`{demo.name}`")
            out += [f"**Implemented by demo:** {', '.join(items)}", ""]
        out.append(f"<small>Cite as `[@{paper.key}]`</small>")
        out.append("")
    return "\n".join(out)
