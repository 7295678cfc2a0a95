"""Line-level views of a Markdown note that leave code alone.

Checks and rewrites must not see examples inside fenced code blocks or `code spans`: a note that
shows `[@key]` or `<script>` as an example is fine. Masked text keeps its columns, so matches still
point at the right place.
"""

import re
from collections.abc import Callable, Iterator

FENCE_OPEN = re.compile(r"^(?P<indent>\s*)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")


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


def code_spans(line: str) -> list[tuple[int, int]]:
    """(start, end) of each `code span`: a run of n backticks up to the next run of exactly n.

    One pass over the backtick runs, with a pointer per run length: linear, where a backtracking regular
    expression is quadratic on a long line of unmatched backticks.
    """
    runs, i = [], line.find("`")
    while i >= 0:
        j = i
        while j < len(line) and line[j] == "`":
            j += 1
        runs.append((i, j))
        i = line.find("`", j)
    by_length: dict[int, list[int]] = {}
    for index, (start, end) in enumerate(runs):
        by_length.setdefault(end - start, []).append(index)
    pointer = dict.fromkeys(by_length, 0)
    spans, index = [], 0
    while index < len(runs):
        start, end = runs[index]
        same = by_length[end - start]
        while pointer[end - start] < len(same) and same[pointer[end - start]] <= index:
            pointer[end - start] += 1
        if pointer[end - start] == len(same):
            index += 1  # no closing run: the backticks are literal
            continue
        closing = same[pointer[end - start]]
        spans.append((start, runs[closing][1]))
        index = closing + 1
    return spans


def _comments(line: str) -> list[tuple[int, int]]:
    spans, i = [], line.find("<!--")
    while i >= 0:
        end = line.find("-->", i + 4)
        if end < 0:
            break
        spans.append((i, end + 3))
        i = line.find("<!--", end + 3)
    return spans


def mask_code(line: str) -> str:
    """Blank out code spans and one-line HTML comments, keeping the line's length."""
    for spans in (code_spans, _comments):
        pieces, last = [], 0
        for start, end in spans(line):
            pieces += [line[last:start], " " * (end - start)]
            last = end
        line = "".join(pieces) + line[last:]
    return line


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
        for start, end in code_spans(line):
            pieces.append(rewrite(line[last:start]))
            pieces.append(line[start:end])
            last = end
        pieces.append(rewrite(line[last:]))
        out.append("".join(pieces))
    return "\n".join(out)
