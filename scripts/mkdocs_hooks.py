"""MkDocs hooks for Inside NN: small dispatchers into scripts/notes/ (see ARCHITECTURE.md, "Note → page")."""

import sys
from pathlib import Path

SCRIPTS = str(Path(__file__).resolve().parent)
if SCRIPTS not in sys.path:
    sys.path.insert(0, SCRIPTS)  # so that `import notes` works when MkDocs loads this file by path

from mkdocs.exceptions import PluginError  # noqa: E402
from mkdocs.structure.files import File  # noqa: E402
from mkdocs.utils import get_relative_url  # noqa: E402

from notes import backlinks, citations, figures, fonts, htmlcheck, math, notebooks, papers, sitecheck, vendor  # noqa: E402
from notes.checker import NOTEBOOKS, Layout, Scan, is_markdown_note, scan  # noqa: E402
from notes.problems import format_problems  # noqa: E402

_scan: Scan | None = None  # this build's pre-scan of every note (the module is reloaded with the config)
_katex = math.Renderer()  # one Node process renders every formula of the build


def _root(config) -> Path:
    return Path(config.config_file_path).resolve().parent


def on_files(files, config):
    """Add vendored assets and models to the site, then check every note before any page renders."""
    global _scan
    root = _root(config)
    try:
        assets = vendor.planned(root)
    except vendor.VendorError as error:
        raise PluginError(str(error)) from None
    for src_uri, path in assets:
        if files.get_file_from_path(src_uri) is None:
            files.append(File.generated(config, src_uri, abs_src_path=str(path)))
    files.append(File.generated(config, vendor.ORT_SIZES, content=vendor.ort_sizes(root)))
    _scan = scan(Layout(root, Path(config.docs_dir)), set(files.src_uris))
    if _scan.problems:
        raise PluginError(format_problems(_scan.problems))
    return files


def on_page_markdown(markdown, page, config, files):
    """Citations become links; the papers page gets its entries; notes get their backlinks."""
    src_uri = page.file.src_uri
    if _scan is None or not is_markdown_note(src_uri):
        return markdown
    markdown = citations.rewrite(markdown, _scan.papers, src_uri)
    if src_uri == citations.PAPERS_PAGE:
        markdown += "\n\n" + papers.render(_scan, src_uri)
    return markdown + backlinks.render(_scan, src_uri)


def on_page_content(html, page, config, files):
    """Every page's HTML checked as a browser reads it, first (math rendered later is ours, not the note's).
    Notebook pages: link notes by their URLs, and drop nbconvert's mermaid loader (a CDN import)."""
    shown = f"{Layout(_root(config), Path(config.docs_dir)).docs_shown}/{page.file.src_uri}"
    unsafe = htmlcheck.page_problems(html, page.file.src_uri, page.file.abs_src_path, shown)
    if unsafe:
        raise PluginError(format_problems(unsafe))
    html, bad_math = math.render_page(html, Path(page.file.abs_src_path).read_text(encoding="utf-8"), shown, _katex)
    if bad_math:
        raise PluginError(format_problems(bad_math))
    html = math.stylesheet_link(html, get_relative_url(math.STYLESHEET, page.url))
    html = figures.add_sizes(html, page.url, Path(config.docs_dir))  # width/height, lazy loading
    if not page.file.src_uri.startswith(NOTEBOOKS):
        return html

    def url_of(src_uri):
        target = files.get_file_from_path(src_uri)
        return target.url_relative_to(page.file) if target else None

    html, missing = notebooks.rewrite_note_links(html, page.file.src_uri, url_of)
    if missing:
        raise PluginError(format_problems(notebooks.broken_links(shown, Path(page.file.abs_src_path), missing)))
    return notebooks.strip_remote_imports(html)


def on_post_build(config):
    """Fail if any built page or stylesheet loads a resource from another host; cut KaTeX's fonts down to
    the characters the site shows."""
    _katex.close()
    fonts.subset_fonts(Path(config.site_dir), _root(config) / vendor.KATEX / "fonts")
    remote = sitecheck.remote_resources(Path(config.site_dir))
    if remote:
        raise PluginError("the site loads third-party resources (vendor them instead):\n" + "\n".join(remote))
