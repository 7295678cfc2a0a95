"""Line-level views of a Markdown note that leave code alone.

Checks and rewrites must not see examples inside fenced code blocks or `code spans`: a note that
shows `[@key]` or `<script>` as an example is fine. Masked text keeps its columns, so matches still
point at the right place.
"""

import re
from collections.abc import Callable, Iterator

FENCE_OPEN = re.compile(r"^(?P<indent>\s*)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)")
HTML_COMMENT = re.compile(r"<!--.*?-->")


def escape(text: str) -> str:
    """Text that Markdown shows as written (titles, author names in generated links)."""
    return re.sub(r"([\\\[\]*_`])", r"\\\1", text)


def split_front_matter(text: str) -> tuple[list[str] | None, int]:
    """Return (front matter lines or None, 1-based line where the body starts).

    Front matter is a block between a first line `---` and the next `---` (or `...`) line.
    An opening `---` without a closing line returns ([], 0): the caller reports it.
    """
    lines = text.splitlines()
    if not lines or lines[0].rstrip() != "---":
        return None, 1
    for i in range(1, len(lines)):
        if lines[i].rstrip() in ("---", "..."):
            return lines[1:i], i + 2
    return [], 0


def _fence_closes(line: str, fence: str) -> bool:
    stripped = line.strip()
    return len(stripped) >= len(fence) and set(stripped) == {fence[0]}


def iter_lines_outside_fences(lines: list[str], first_line: int = 1) -> Iterator[tuple[int, str, bool]]:
    """Yield (line number, line, inside_fence) for each line, numbering from first_line."""
    fence = None
    for offset, line in enumerate(lines):
        number = first_line + offset
        if fence is None:
            opening = FENCE_OPEN.match(line)
            if opening and not (opening["fence"][0] == "`" and "`" in opening["info"]):
                fence = opening["fence"]
                yield number, line, True
                continue
            yield number, line, False
        else:
            if _fence_closes(line, fence):
                fence = None
            yield number, line, True


def mask_code(line: str) -> str:
    """Blank out code spans and one-line HTML comments, keeping the line's length."""
    line = CODE_SPAN.sub(lambda m: " " * len(m.group(0)), line)
    return HTML_COMMENT.sub(lambda m: " " * len(m.group(0)), line)


def prose_lines(lines: list[str], first_line: int = 1) -> Iterator[tuple[int, str]]:
    """Yield (line number, masked line) for lines outside fenced code, with code spans blanked."""
    for number, line, in_fence in iter_lines_outside_fences(lines, first_line):
        if not in_fence:
            yield number, mask_code(line)


def rewrite_prose(text: str, rewrite: Callable[[str], str]) -> str:
    """Apply rewrite() to the text of each line outside fenced code and outside code spans."""
    out = []
    for _, line, in_fence in iter_lines_outside_fences(text.split("\n")):
        if in_fence:
            out.append(line)
            continue
        pieces, last = [], 0
        for span in CODE_SPAN.finditer(line):
            pieces.append(rewrite(line[last : span.start()]))
            pieces.append(span.group(0))
            last = span.end()
        pieces.append(rewrite(line[last:]))
        out.append("".join(pieces))
    return "\n".join(out)
