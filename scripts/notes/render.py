"""Notes rendered to HTML the way the site renders them: the Markdown extensions and settings of
mkdocs.yml, and its nav. The checker looks at this HTML, so `scripts/check_notes.py` and the build see
the same page a browser will."""

from __future__ import annotations

from pathlib import Path

import markdown
from mkdocs.utils.yaml import yaml_load

REPO_CONFIG = Path(__file__).resolve().parents[2] / "mkdocs.yml"


def site_config(root: Path) -> tuple[dict, bool]:
    """(the parsed mkdocs.yml of `root`, True) — or the repository's own, False, for a bare docs tree."""
    own = Path(root) / "mkdocs.yml"
    path = own if own.is_file() else REPO_CONFIG
    with open(path, encoding="utf-8") as f:
        return yaml_load(f), path == own


def nav_pages(nav) -> set[str]:
    """Every page (src URI) named in a MkDocs nav, at any depth."""
    found, stack = set(), [nav]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            found.add(item)
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


class Renderer:
    """Markdown → HTML with the site's extensions; snippets are read relative to `root`."""

    def __init__(self, config: dict, root: Path):
        extensions, configs = [], {}
        for item in config.get("markdown_extensions") or []:
            name, settings = next(iter(item.items())) if isinstance(item, dict) else (item, None)
            extensions.append(name)
            configs[name] = dict(settings or {})
        if "pymdownx.snippets" in configs:
            configs["pymdownx.snippets"]["base_path"] = [str(root)]
        self.md = markdown.Markdown(extensions=extensions, extension_configs=configs)

    def __call__(self, text: str) -> str:
        self.md.reset()
        return self.md.convert(text)
