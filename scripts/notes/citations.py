"""`[@key]` and `[@key1; @key2]` citations: found with line numbers, rewritten into links."""

import posixpath
import re

from notes.bib import KEY, Paper
from notes.markdown import escape, prose_lines, rewrite_prose
from notes.problems import Problem

PAPERS_PAGE = "papers.md"
# A bracket that starts with @ and is not a link text ("[@x](...)", "[@x][ref]").
CITATION = re.compile(r"\[\s*(@[^\[\]]*?)\s*\](?![(\[])")


def is_citation(match: re.Match) -> bool:
    """False for a reference definition, "[@x]: https://...", at the start of a line."""
    text = match.string
    return not (text[: match.start()].strip() == "" and text[match.end():].startswith(":"))


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
        for match in filter(is_citation, CITATION.finditer(line)):
            keys = parse_keys(match.group(1))
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

    def replace(match: re.Match) -> str:
        keys = parse_keys(match.group(1))
        if not is_citation(match) or keys is None or any(key not in papers for key in keys):
            return match.group(0)
        return render(keys, papers, page_src_uri)

    return rewrite_prose(markdown, lambda text: CITATION.sub(replace, text))
