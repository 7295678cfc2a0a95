"""The real site builds with --strict, is fully searchable, lists every paper and loads nothing from other hosts."""

import json
import re
from pathlib import Path

from mkdocs.utils.yaml import yaml_load

ROOT = Path(__file__).resolve().parent.parent


def nav_pages(nav) -> list[str]:
    pages = []
    for item in nav:
        value = next(iter(item.values())) if isinstance(item, dict) else item
        pages += nav_pages(value) if isinstance(value, list) else [value]
    return pages


def page_url(src: str) -> str:
    """"cnn/visualizing.md" -> "cnn/visualizing/", "face/index.md" -> "face/", "index.md" -> ""."""
    stem = src.rsplit(".", 1)[0]
    if stem == "index" or stem.endswith("/index"):
        return stem[: -len("index")]
    return stem + "/"


def bib_keys() -> list[str]:
    text = (ROOT / "docs/papers.bib").read_text(encoding="utf-8")
    return re.findall(r"^@(?!string|comment|preamble)\w+\{([^,\s]+),", text, re.MULTILINE | re.IGNORECASE)


def test_every_nav_page_is_in_the_search_index(built_site):
    config = yaml_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))  # MkDocs' loader: !ENV, !!python
    expected = {page_url(src) for src in nav_pages(config["nav"])}
    assert "notebooks/digits/" in expected and "papers/" in expected
    index = json.loads((built_site / "search/search_index.json").read_text(encoding="utf-8"))
    indexed = {doc["location"].split("#")[0] for doc in index["docs"] if doc.get("text") or doc.get("title")}
    assert sorted(expected - indexed) == []


def test_papers_page_has_an_anchor_for_every_bib_key(built_site):
    html = (built_site / "papers/index.html").read_text(encoding="utf-8")
    keys = bib_keys()
    assert keys
    assert [key for key in keys if f'id="{key}"' not in html] == []


def test_citation_links_point_at_existing_paper_anchors(built_site):
    ids = set(re.findall(r'\bid="([^"]+)"', (built_site / "papers/index.html").read_text(encoding="utf-8")))
    cited = set()
    for page in built_site.rglob("*.html"):
        cited |= set(re.findall(r'class="cite" href="[./]*papers/#([^"]+)"', page.read_text(encoding="utf-8")))
    assert cited, "no page cites a paper"
    assert sorted(cited - ids) == []


def test_no_citation_is_left_unrendered(built_site):
    left = []
    for page in built_site.rglob("*.html"):
        text = re.sub(r"<(pre|code)\b.*?</\1>", "", page.read_text(encoding="utf-8"), flags=re.DOTALL)
        left += [f"{page.relative_to(built_site)}: {m.group(0)}" for m in re.finditer(r"\[@[^\]]*\]", text)]
    assert left == []


THIRD_PARTY = [
    re.compile(r"<(?:script|img|iframe|source|audio|video|embed)\b[^>]*\bsrc=[\"']?(?:https?:)?//", re.IGNORECASE),
    re.compile(r"<link\b(?![^>]*\brel=[\"']?(?:canonical|alternate)\b)[^>]*\bhref=[\"']?(?:https?:)?//", re.IGNORECASE),
    re.compile(r"url\(\s*[\"']?(?:https?:)?//", re.IGNORECASE),
    re.compile(r"@import\s+(?:url\()?\s*[\"']?(?:https?:)?//", re.IGNORECASE),
    re.compile(r"(?:https?:)?//[\w.-]*(?:fonts\.googleapis|fonts\.gstatic|\bcdn\.|cdnjs|jsdelivr)", re.IGNORECASE),
]


def test_no_built_file_loads_a_third_party_resource(built_site):
    offending = []
    for path in built_site.rglob("*"):
        if path.suffix not in (".html", ".css", ".js", ".mjs"):
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        for pattern in THIRD_PARTY:
            offending += [f"{path.relative_to(built_site)}: {m.group(0)}" for m in pattern.finditer(text)]
    assert offending == []


def test_vendored_assets_and_models_are_served(built_site):
    pairs = {
        "assets/vendor/katex/katex.min.css": "node_modules/katex/dist/katex.min.css",
        "assets/vendor/ort/ort.wasm.min.mjs": "node_modules/onnxruntime-web/dist/ort.wasm.min.mjs",
        "assets/vendor/ort/ort-wasm-simd-threaded.wasm": "node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.wasm",
    }
    for model in sorted((ROOT / "exported_models").glob("*")):
        pairs[f"models/{model.name}"] = f"exported_models/{model.name}"
    assert any(site_path.endswith(".onnx") for site_path in pairs)
    for site_path, source in pairs.items():
        assert (built_site / site_path).read_bytes() == (ROOT / source).read_bytes(), site_path
    assert not (ROOT / "docs/assets/vendor").exists() and not (ROOT / "docs/models").exists()
    # KaTeX's fonts are served subset (tests/test_fonts.py); ONNX Runtime's sizes for the progress bar:
    sizes = json.loads((built_site / "assets/vendor/ort/files.json").read_text())
    assert sizes["ort-wasm-simd-threaded.wasm"] == (ROOT / "node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.wasm").stat().st_size
    home = (built_site / "index.html").read_text(encoding="utf-8")
    assert 'src="javascripts/runtime.js"' in home and "katex.min.js" not in home


def test_the_home_page_names_every_demo_placed_on_a_note():
    """The home page's map of the notes names each demo a note carries (it once named only digits)."""
    docs = Path(__file__).resolve().parent.parent / "docs"
    placed = {name for note in docs.rglob("*.md") if note.name != "index.md" or note.parent != docs
              for name in re.findall(r'<div data-demo="([a-z0-9_]+)"', note.read_text(encoding="utf-8"))}
    home = (docs / "index.md").read_text(encoding="utf-8")
    missing = [name for name in sorted(placed) if f"`{name}`" not in home]
    assert placed and missing == [], missing
