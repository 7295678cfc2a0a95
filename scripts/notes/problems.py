"""One problem found in a source file, printed as `file:line: message`."""

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    file: str  # path relative to the repository root, e.g. docs/cnn/visualizing.md
    line: int  # 1-based line in the file as it is on disk (front matter included)
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


def format_problems(problems: list[Problem]) -> str:
    """Every problem at once, one per line, so a contributor can fix them all in one pass."""
    lines = [str(p) for p in sorted(problems)]
    count = f"{len(lines)} problem{'s' if len(lines) != 1 else ''} in the notes:"
    return "\n".join([count, *lines])
