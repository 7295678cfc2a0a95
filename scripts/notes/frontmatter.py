"""Front matter of a note: exactly `title`, `description` and `tags`, checked with line numbers."""

from dataclasses import dataclass, field

import yaml

from notes.markdown import split_front_matter
from notes.problems import Problem

REQUIRED = ("title", "description", "tags")
MATERIAL_KEYS = ("hide", "search", "template")  # page options Material itself reads
EXAMPLE = "---\ntitle: Short title\ndescription: One sentence.\ntags: [cnn]\n---"


@dataclass
class FrontMatter:
    meta: dict = field(default_factory=dict)
    body_line: int = 1  # 1-based line where the Markdown body starts
    problems: list[Problem] = field(default_factory=list)


def parse(text: str, shown: str) -> FrontMatter:
    """Parse and check the front matter of one note; `shown` is the path used in messages."""
    lines, body_line = split_front_matter(text)
    result = FrontMatter(body_line=max(body_line, 1))

    def problem(line: int, message: str) -> None:
        result.problems.append(Problem(shown, line, message))

    if lines is None:
        problem(1, f"missing front matter; start the file with:\n{EXAMPLE}")
        return result
    if body_line == 0:
        problem(1, "front matter opened with '---' is never closed by a '---' line")
        return result

    source = "\n".join(lines)
    try:
        root = yaml.compose(source, Loader=yaml.SafeLoader)
        meta = yaml.safe_load(source)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = 2 + mark.line if mark is not None else 1
        reason = getattr(error, "problem", None) or str(error).splitlines()[0]
        problem(line, f"front matter is not valid YAML: {reason}")
        return result
    if not isinstance(meta, dict) or not isinstance(root, yaml.MappingNode):
        problem(1, f"front matter must be 'key: value' lines, like:\n{EXAMPLE}")
        return result

    key_lines: dict[str, int] = {}
    for key_node, _ in root.value:
        key, line = str(key_node.value), 2 + key_node.start_mark.line
        if key in key_lines:
            problem(line, f"front matter key '{key}' is repeated (first on line {key_lines[key]})")
        key_lines.setdefault(key, line)

    for key in meta:
        if str(key) not in REQUIRED and str(key) not in MATERIAL_KEYS:
            problem(key_lines[str(key)], f"unknown front matter key '{key}'; allowed: {', '.join(REQUIRED)}")

    for key in ("title", "description"):
        value = meta.get(key)
        if key not in meta:
            problem(1, f"front matter is missing '{key}: <text>'")
        elif not isinstance(value, str) or not value.strip():
            problem(key_lines[key], f"front matter '{key}' must be non-empty text, got {value!r}")

    tags = meta.get("tags")
    if "tags" not in meta:
        problem(1, "front matter is missing 'tags: [tag, ...]'")
    elif not isinstance(tags, list) or not tags:
        problem(key_lines["tags"], f"front matter 'tags' must be a non-empty list like [cnn, vision], got {tags!r}")
    elif not all(isinstance(tag, str) and tag.strip() for tag in tags):
        problem(key_lines["tags"], f"front matter 'tags' must all be text, got {tags!r}")

    result.meta = meta
    return result
