"""`[@key]` and `[@key1; @key2]` citations: found with line numbers, rewritten into links."""

import posixpath
import re

from notes.bib import KEY, Paper
from notes.markdown import escape, prose_lines, rewrite_prose
from notes.problems import Problem

PAPERS_PAGE = "papers.md"
# A bracket holding no other bracket, not a link text ("[@x](...)", "[@x][ref]"); is_citation() then asks
# for a leading @. Each match scans up to the next bracket only, so a long line costs linear time.
CITATION = re.compile(r"\[([^\[\]]*)\](?![(\[])")


def is_citation(match: re.Match, indent: int) -> bool:
    """An "[@...]" bracket, but not a reference definition, "[@x]: https://...", at the start of a line
    (`indent`: where the line's text starts, computed once per line)."""
    if not match.group(1).lstrip().startswith("@"):
        return False
    return not (match.start() == indent and match.string.startswith(":", match.end()))


def indent_of(text: str) -> int:
    return len(text) - len(text.lstrip())


def parse_keys(inner: str) -> list[str] | None:
    """"@a; @b" -> ["a", "b"]; None when any part is not "@key"."""
    keys = []
    for part in inner.split(";"):
        part = part.strip()
        if not part.startswith("@") or not KEY.match(part[1:]):
            return None
        keys.append(part[1:])
    return keys


def find(lines: list[str], first_line: int, shown: str, papers: dict[str, Paper]) -> tuple[list[tuple[int, str]], list[Problem]]:
    """Return (line, key) for every citation outside code, and problems for bad or unknown keys."""
    cited, problems = [], []
    for number, line in prose_lines(lines, first_line):
        indent = indent_of(line)
        for match in (m for m in CITATION.finditer(line) if is_citation(m, indent)):
            keys = parse_keys(match.group(1).strip())
            if keys is None:
                problems.append(Problem(shown, number, f"malformed citation '{match.group(0)}'; write [@key] or [@key1; @key2]"))
                continue
            for key in keys:
                if key in papers:
                    cited.append((number, key))
                else:
                    problems.append(Problem(shown, number, f"unknown citation key '{key}'; add it to docs/papers.bib"))
    return cited, problems


def papers_link(page_src_uri: str) -> str:
    """Relative path from a page to the papers page: "../papers.md" from "cnn/visualizing.md"."""
    return posixpath.relpath(PAPERS_PAGE, posixpath.dirname(page_src_uri) or ".")


def render(keys: list[str], papers: dict[str, Paper], page_src_uri: str) -> str:
    """Markdown for one citation: linked short forms separated by "; ", in square brackets.

    The brackets are entities so that arithmatex never reads them as \\[ display math \\].
    """
    target = papers_link(page_src_uri)
    links = []
    for key in keys:
        paper = papers[key]
        hover = paper.hover.replace('"', "'")
        links.append(f'[{escape(paper.short)}]({target}#{key} "{hover}"){{.cite}}')
    return "&#91;" + "; ".join(links) + "&#93;"


def rewrite(markdown: str, papers: dict[str, Paper], page_src_uri: str) -> str:
    """Replace every known citation outside code with links to the papers page."""

    def rewrite_text(text: str) -> str:
        indent = indent_of(text)

        def replace(match: re.Match) -> str:
            keys = parse_keys(match.group(1).strip())
            if not is_citation(match, indent) or keys is None or any(key not in papers for key in keys):
                return match.group(0)
            return render(keys, papers, page_src_uri)

        return CITATION.sub(replace, text)

    return rewrite_prose(markdown, rewrite_text)
