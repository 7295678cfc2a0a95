"""A page's HTML, parsed the way a browser parses it (justhtml: a pure-Python HTML5 parser that passes the
html5lib test suite), checked against an allow-list: notes are untrusted input and nothing in one may run
script in the site or load anything from another host.

The check runs on the HTML that Markdown produced — raw HTML, Markdown links and images and attr_list
attributes alike — after the parser has decoded character references (`&#104;ttps:` is `https:`) and
resolved comments the way a browser does (`<!-->` ends at once). Findings carry the source text to look
for, so that `locate` can give each the note's line.

Besides safety, the same walk collects what the other checks need: the ids (heading anchors), the links
and image sources, and the demo boxes with their data-* attributes. Everything is linear in the page's
size: one parse, one walk with an explicit stack, no regular expression that can backtrack.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from pathlib import Path

from justhtml import JustHTML

from notes.problems import Problem

FIX_SCRIPT = ("raw <script> tag; notes may not run scripts: put the code in docs/javascripts/demos/<name>.js "
              "and place <div data-demo=\"<name>\"></div>")
FIX_REMOTE = "save the file under docs/assets/ and use a relative path (nothing is fetched from other hosts)"
# Elements a note can use (what Markdown and its extensions write, and ordinary HTML for text and tables).
HTML_ELEMENTS = set("""a abbr b bdi bdo blockquote br caption center cite code col colgroup dd del details dfn div dl dt
em figcaption figure h1 h2 h3 h4 h5 h6 hr i img input ins kbd label li mark ol p picture pre q rp rt ruby s samp
section small source span strong sub summary sup table tbody td tfoot th thead time tr u ul var wbr article aside
header footer nav main""".split())
SVG_ELEMENTS = set("""svg g path circle ellipse line polyline polygon rect text tspan title desc defs symbol
lineargradient radialgradient stop clippath mask pattern marker""".split())
MATH_ELEMENTS = set("math mi mn mo ms mtext mrow msub msup msubsup mfrac msqrt mroot mover munder munderover "
                    "mtable mtr mtd mspace mstyle semantics annotation".split())
WHY_FORBIDDEN = {
    "script": FIX_SCRIPT,
    "iframe": "<iframe> embeds another document (srcdoc or src can run script); link to it instead",
    "frame": "<frame> embeds another document", "frameset": "<frameset> embeds other documents",
    "object": "<object> embeds a plug-in or document", "embed": "<embed> embeds a plug-in or document",
    "applet": "<applet> embeds a plug-in",
    "base": "<base> changes where every link on the page points",
    "meta": "<meta> can redirect the page (http-equiv=refresh) or change its policies",
    "link": "<link> loads a resource; stylesheets belong in docs/stylesheets/ and mkdocs.yml",
    "style": "<style> belongs in docs/stylesheets/ (listed in mkdocs.yml), not in a note",
    "form": "<form> can send the reader's input to another site",
    "button": "<button> belongs to a demo: put it in docs/javascripts/demos/<name>.js",
    "noscript": "<noscript> is parsed differently with and without script: not allowed",
    "template": "<template> holds markup the page never shows: not allowed",
    "foreignobject": "SVG <foreignObject> embeds HTML inside SVG: not allowed",
    "use": "SVG <use> can pull in another document", "image": "SVG <image> loads a file: use <img>",
    "animate": "SVG animation can rewrite links into javascript:", "set": "SVG <set> can rewrite links",
    "animatetransform": "SVG animation elements are not allowed", "animatemotion": "SVG animation elements are not allowed",
    "audio": "<audio> loads media: link to the file instead", "video": "<video> loads media: link to the file instead",
    "portal": "<portal> embeds another page", "textarea": "<textarea> belongs in a demo", "select": "<select> belongs in a demo",
}
GLOBAL_ATTRS = {"id", "class", "title", "lang", "dir", "role", "hidden", "tabindex", "style", "translate"}
ELEMENT_ATTRS = {
    "a": {"href", "name", "target", "rel", "hreflang"},
    "img": {"src", "alt", "width", "height", "loading", "decoding", "srcset", "sizes", "align"},
    "source": {"srcset", "type", "media", "sizes", "width", "height"},
    "td": {"colspan", "rowspan", "align", "headers"}, "th": {"colspan", "rowspan", "align", "scope", "abbr"},
    "col": {"span", "width"}, "colgroup": {"span"}, "ol": {"start", "type", "reversed"}, "li": {"value"},
    "input": {"type", "name", "checked", "disabled"},  # content tabs and task lists: radio buttons, checkboxes
    "label": {"for"}, "details": {"open"}, "time": {"datetime"}, "blockquote": {"cite"}, "q": {"cite"},
    "del": {"cite", "datetime"}, "ins": {"cite", "datetime"}, "abbr": set(), "table": {"align"},
}
INPUT_TYPES = {"radio", "checkbox"}
URL_ATTRS = {"href": "link", "src": "image", "srcset": "image", "cite": "link"}
LINK_SCHEMES = {"http", "https", "mailto"}
# SVG presentation attributes are harmless; these in SVG or MathML can navigate or load.
FOREIGN_URL_ATTRS = {"href", "xlink:href", "src"}
CSS_SCRIPT = ("expression(", "javascript:", "vbscript:", "-moz-binding", "behavior:")
MAX_FINDINGS = 50  # per page: beyond that, the first ones are enough to act on


@dataclass(frozen=True)
class Finding:
    message: str
    needles: tuple[str, ...]  # source text to look for, most specific first


@dataclass(frozen=True)
class DemoBox:
    name: str
    attrs: dict[str, str]
    needles: tuple[str, ...]


@dataclass
class Page:
    findings: list[Finding] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)
    links: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)  # (href or src, needles)
    demos: list[DemoBox] = field(default_factory=list)
    misspelt: list[Finding] = field(default_factory=list)
    tag_text: str = ""  # the element being checked, as written in the HTML: raw HTML in a note is found by it

    def add(self, message: str, *needles: str) -> None:
        if len(self.findings) < MAX_FINDINGS:
            self.findings.append(Finding(message, tuple(n for n in (self.tag_text, *needles) if n)))


def strip_url(value: str) -> str:
    """What a browser makes of an attribute URL: C0 controls and spaces trimmed, tabs and newlines removed
    anywhere, backslashes read as slashes (`/\\host` is `//host`)."""
    trimmed = value.strip("".join(chr(c) for c in range(0x21)))
    return trimmed.replace("\t", "").replace("\n", "").replace("\r", "").replace("\\", "/")


def scheme_of(url: str) -> str | None:
    """The URL's scheme in lower case ("https", "javascript"), or None for a relative URL."""
    colon = url.find(":")
    if colon <= 0:
        return None
    head = url[:colon]
    if not (head[0].isascii() and head[0].isalpha()) or any(not (c.isascii() and (c.isalnum() or c in "+.-")) for c in head):
        return None
    return head.lower()


def url_problem(raw: str, kind: str, tag: str) -> str | None:
    """Why a URL may not appear in a note, or None. kind: "link" (followed on click) or "image" (loaded)."""
    url = strip_url(raw)
    scheme = scheme_of(url)
    if scheme in ("javascript", "vbscript"):
        return f"{scheme}: URL in <{tag}>; notes may not run scripts"
    if scheme == "data":
        if kind == "image" and url[5:].lstrip().lower().startswith("image/"):
            return None
        return f"data: URL in <{tag}>; data: is allowed for images only"
    if kind == "link":
        if scheme is None or scheme in LINK_SCHEMES:
            return None
        return f"link with scheme '{scheme}:' in <{tag}>; links may use http, https, mailto or a relative path"
    if scheme in ("http", "https") or url.startswith("//"):
        return f"third-party resource '{raw.strip()}': {FIX_REMOTE}"
    if scheme is not None:
        return f"resource '{raw.strip()}' in <{tag}> uses the scheme '{scheme}:'; {FIX_REMOTE}"
    return None


def srcset_urls(value: str) -> list[str]:
    """The URLs of a srcset, split the way the HTML standard does (a URL may itself hold commas)."""
    urls, i, n = [], 0, len(value)
    while i < n:
        while i < n and (value[i].isspace() or value[i] == ","):
            i += 1
        start = i
        while i < n and not value[i].isspace():
            i += 1
        url = value[start:i]
        if url.endswith(","):
            url = url.rstrip(",")
        else:
            depth = 0
            while i < n and (depth or value[i] != ","):  # skip the descriptors up to the next comma
                depth += {"(": 1, ")": -1}.get(value[i], 0)
                i += 1
        if url:
            urls.append(url)
    return urls


def _css_unescape(css: str) -> str:
    """CSS escapes decoded (`\\75 rl(` is `url(`) and comments removed, in one pass."""
    out, i, n = [], 0, len(css)
    while i < n:
        c = css[i]
        if c == "/" and css.startswith("/*", i):
            end = css.find("*/", i + 2)
            i = n if end < 0 else end + 2
            continue
        if c == "\\" and i + 1 < n:
            j = i + 1
            while j < n and j - i <= 6 and css[j] in "0123456789abcdefABCDEF":
                j += 1
            if j > i + 1:
                code = int(css[i + 1:j], 16)
                out.append(chr(code) if 0 < code <= 0x10FFFF else "\ufffd")
                i = j + 1 if j < n and css[j].isspace() else j
            else:
                out.append(css[i + 1])
                i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out)


def css_problems(css: str, where: str) -> list[str]:
    """Script or third-party resources in CSS (a style attribute, or a notebook's <style>)."""
    text = _css_unescape(css).lower()
    problems = [f"script in CSS ({bad.rstrip('(:')}) in {where}" for bad in CSS_SCRIPT if bad in text]
    targets, i = [], 0
    while True:
        i = min((p for p in (text.find("url(", i), text.find("@import", i), text.find("image-set(", i)) if p >= 0),
                default=-1)
        if i < 0:
            break
        j = text.find("(", i) + 1 if not text.startswith("@import", i) else i + len("@import")
        while j < len(text) and text[j] in " \t\n\r\f":
            j += 1
        if text.startswith("url(", j):  # @import url(...): the next round reads the url(
            i = j
            continue
        quote = text[j] if j < len(text) and text[j] in "\"'" else ""
        end = text.find(quote, j + 1) if quote else min((p for p in (text.find(")", j), text.find(";", j)) if p >= 0),
                                                        default=len(text))
        end = len(text) if end < 0 else end
        targets.append(text[j + (1 if quote else 0):end].strip())
        i = max(end, i + 1)
    for target in targets:
        problem = url_problem(target, "image", "style") if target else None
        if problem:
            problems.append(problem if "third-party" in problem else f"{problem} (in {where})")
    return problems


def _edits(a: str, b: str, limit: int = 2) -> int:
    """Levenshtein distance with adjacent swaps, capped at limit + 1 (names are short)."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2, prev = None, list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        row = [i]
        for j, cb in enumerate(b, 1):
            cost = min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (ca != cb))
            if prev2 is not None and i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cost = min(cost, prev2[j - 2] + 1)
            row.append(cost)
        prev2, prev = prev, row
    return min(prev[-1], limit + 1)


def looks_like_demo(attr: str) -> bool:
    plain = attr.replace("_", "-")
    return attr != "data-demo" and (_edits(plain, "data-demo") <= 2 or plain in ("demo", "datademo", "data-demo-name"))


def _check_attrs(page: Page, tag: str, namespace: str, attrs: dict[str, str]) -> None:
    allowed = ELEMENT_ATTRS.get(tag, set())
    for name, value in attrs.items():
        lname = name.lower()
        if lname.startswith("on"):
            page.add(f"event-handler attribute '{lname}' on <{tag}>; notes may not run scripts", f"{name}=", name)
        elif lname == "style":
            for problem in css_problems(value, f"the style of <{tag}>"):
                page.add(problem, value, "style=")
        elif lname.startswith(("data-", "aria-")):
            if looks_like_demo(lname):
                page.misspelt.append(Finding(f"'{name}' on <{tag}> looks like a misspelt data-demo; write "
                                             "data-demo=\"<name>\"", (f"{name}=", name)))
        elif namespace != "html":
            if lname in FOREIGN_URL_ATTRS and not strip_url(value).startswith("#"):
                problem = url_problem(value, "link", tag) or f"'{name}' in <{tag}> may only point inside the page (#id)"
                page.add(problem, value, f"{name}=")
        elif lname in URL_ATTRS and lname in allowed:
            kind = "image" if tag in ("img", "source") else URL_ATTRS[lname]
            urls = srcset_urls(value) if lname == "srcset" else [value]
            for url in urls:
                problem = url_problem(url, kind, tag)
                if problem:  # a URL written with character references is found by its second half
                    page.add(problem, url, value, url[len(url) // 2:], f"{name}=")
            if lname in ("href", "src"):
                page.links.append((value, (value, f"{name}=")))
        elif lname not in GLOBAL_ATTRS and lname not in allowed:
            page.add(f"attribute '{lname}' on <{tag}> is not allowed in notes", f"{name}=", name)
        if lname == "id" or (lname == "name" and tag == "a"):
            page.ids.add(value)


def _children(node) -> list:
    kids = list(node.children or [])
    content = getattr(node, "template_content", None)
    return kids + list(content.children or []) if content is not None else kids


def _element(page: Page, node) -> None:
    tag, namespace = node.name.lower(), node.namespace or "html"
    attrs = dict(node.attrs or {})
    if tag in WHY_FORBIDDEN and (namespace == "html" or tag in ("script", "style", "foreignobject", "use", "image",
                                                               "animate", "set", "animatetransform", "animatemotion")):
        page.add(WHY_FORBIDDEN[tag], f"<{node.name}", f"<{tag}")
        return  # one message for the element; its attributes do not matter
    if namespace == "html" and tag not in HTML_ELEMENTS:
        page.add(f"element <{tag}> is not allowed in notes", f"<{node.name}", f"<{tag}")
    elif namespace == "svg" and tag not in SVG_ELEMENTS and tag != "a":
        page.add(f"SVG element <{node.name}> is not allowed in notes", f"<{node.name}")
    elif namespace == "math" and tag not in MATH_ELEMENTS:
        page.add(f"MathML element <{node.name}> is not allowed in notes", f"<{node.name}")
    if tag == "input" and namespace == "html" and attrs.get("type", "text").lower() not in INPUT_TYPES:
        page.add("<input> is not allowed in notes (only the radio buttons and checkboxes of tabs and task lists)",
                 "<input")
    _check_attrs(page, tag, namespace, attrs)
    if "data-demo" in attrs:
        page.demos.append(DemoBox(attrs["data-demo"], attrs, (f'data-demo="{attrs["data-demo"]}"', attrs["data-demo"])))


def walk(html: str, page: Page | None = None, content_classes: tuple[str, ...] = ()) -> Page:
    """Check every element of `html`. With content_classes (notebook pages), only elements inside an
    element of one of those classes (a Markdown cell, an output) are the note's; the template around them
    is only checked for third-party resources."""
    page = page or Page()
    root = JustHTML(html, fragment=True, sanitize=False, track_node_locations=True).root
    stack = [(child, not content_classes) for child in reversed(_children(root))]
    while stack:
        node, ours = stack.pop()
        name = node.name or ""
        if name.startswith("#"):
            continue
        if not ours and any(c in content_classes for c in (node.attrs or {}).get("class", "").split()):
            ours = True
        if ours:
            start = node.origin_offset
            page.tag_text = html[start:html.find(">", start) + 1] if start is not None else ""
            _element(page, node)
        else:
            page.tag_text = ""
            _scaffold(page, node)
        stack.extend((child, ours) for child in reversed(_children(node)))
    return page


def _scaffold(page: Page, node) -> None:
    """Template markup around notebook cells: no third-party resource (its own inline scripts are kept)."""
    tag = node.name.lower()
    for name, value in (node.attrs or {}).items():
        if name.lower() in ("src", "srcset", "poster") or (tag == "link" and name.lower() == "href"):
            for url in srcset_urls(value) if name.lower() == "srcset" else [value]:
                problem = url_problem(url, "image", tag) if url.strip() else None
                if problem:
                    page.add(problem, url)
    if tag == "style":
        for text in node.children or []:
            for problem in css_problems(text.data or "", "a notebook <style>"):
                page.add(problem, "<style")


class Locator:
    """Line numbers of source text: the k-th finding with a needle is put at the needle's k-th occurrence,
    searched case-insensitively from where the previous one was found (linear over a page's findings)."""

    def __init__(self, text: str, first_line: int = 1):
        self.text = text.lower()
        self.first_line = first_line
        self.starts = [0]
        index = self.text.find("\n")
        while index >= 0:
            self.starts.append(index + 1)
            index = self.text.find("\n", index + 1)
        self.cursor: dict[str, int] = {}

    def line(self, needles: tuple[str, ...]) -> int:
        for needle in needles:
            needle = needle.lower()
            at = self.text.find(needle, self.cursor.get(needle, 0))
            if at < 0 and needle in self.cursor:
                at = self.text.find(needle)
            if at >= 0:
                self.cursor[needle] = at + 1
                return self.first_line + bisect_right(self.starts, at) - 1
        return self.first_line


def check(html: str, source: str, shown: str, content_classes: tuple[str, ...] = ()) -> tuple[Page, Locator, list[Problem]]:
    """The one check the build and scripts/check_notes.py run on a page's HTML: (page, locator, problems),
    each problem at the line of `source` (the note's file) where its text is."""
    page = walk(html, content_classes=content_classes)
    locator = Locator(source)
    return page, locator, [Problem(shown, locator.line(f.needles), f.message) for f in page.findings]


# What a notebook contributes to its page: Markdown cells and outputs; the rest is nbconvert's template.
NOTEBOOK_CONTENT = ("jp-RenderedMarkdown", "jp-OutputArea-output")


def page_problems(html: str, src_uri: str, source_path: str | None, shown: str) -> list[Problem]:
    """The build's check of a rendered page (notes and notebooks), before the hooks add anything of ours."""
    source = Path(source_path).read_text(encoding="utf-8", errors="replace") if source_path else ""
    return check(html, source, shown, NOTEBOOK_CONTENT if src_uri.startswith("notebooks/") else ())[2]
