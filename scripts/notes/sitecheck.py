"""After the build: no HTML or CSS file in the site loads a resource from another host.

HTML is parsed like a browser parses it (justhtml), so a URL written with character references
(`src="&#104;ttps://..."`) is read as the browser reads it; CSS escapes are decoded the same way.
"""

import re
from pathlib import Path

from justhtml import JustHTML

from notes.htmlcheck import css_problems, scheme_of, srcset_urls, strip_url

LOADED_ATTRS = {"src", "poster", "data", "background"}  # attributes whose URL the browser fetches
# <link> relations that name a page instead of loading anything (e.g. Material's rel="canonical").
NOT_LOADED = {"canonical", "alternate", "author", "license", "me", "next", "prev", "help", "search"}
REMOTE_IMPORT = re.compile(r"""\bimport\(\s*["'`](?:https?:)?//""")


def is_remote(url: str) -> bool:
    url = strip_url(url)
    return url.startswith("//") or scheme_of(url) in ("http", "https")


def _element_problems(node) -> list[str]:
    tag, attrs = node.name.lower(), dict(node.attrs or {})
    found = []
    for name, value in attrs.items():
        name = name.lower()
        urls = srcset_urls(value) if name in ("srcset", "imagesrcset") else [value] if name in LOADED_ATTRS else []
        if tag == "link" and name == "href" and not NOT_LOADED & set(attrs.get("rel", "").lower().split()):
            urls = [value]
        found += [f"<{tag} {name}=\"{url}\">" for url in urls if is_remote(url)]
        if name == "style":
            found += [p for p in css_problems(value, f"<{tag} style>") if "third-party" in p]
    text = "".join(child.data or "" for child in node.children or [] if child.name == "#text")
    if tag == "style":
        found += [p for p in css_problems(text, "<style>") if "third-party" in p]
    if tag == "script" and REMOTE_IMPORT.search(text):
        found.append(f"<script> imports a module from another host: {text.strip()[:80]}")
    if "mermaid" in attrs.get("class", "").split():  # Material loads mermaid from unpkg.com for these
        found.append(f"<{tag} class=\"mermaid\"> (Material would load mermaid from a CDN)")
    return found


def html_problems(html: str) -> list[str]:
    found, stack = [], [JustHTML(html, sanitize=False).root]
    while stack:
        node = stack.pop()
        if node.name and not node.name.startswith("#"):
            found += _element_problems(node)
        stack.extend(reversed(node.children or []))
        content = getattr(node, "template_content", None)
        if content is not None:
            stack.append(content)
    return found


def remote_resources(site_dir: Path) -> list[str]:
    """"path: what" for each reference to a third-party resource in the built site."""
    found = []
    for path in sorted(site_dir.rglob("*")):
        if path.suffix not in (".html", ".css"):
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        problems = html_problems(text) if path.suffix == ".html" else [
            p for p in css_problems(text, path.name) if "third-party" in p]
        found += [f"{path.relative_to(site_dir).as_posix()}: {p}" for p in problems]
    return found
