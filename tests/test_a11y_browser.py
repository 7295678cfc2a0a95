"""Every built page in Chromium: it loads without console errors or requests off this machine, and axe-core
(npm, injected from node_modules) finds no serious or critical violation in the light or the dark scheme once
the demo boxes have mounted; on a 390 px phone no page scrolls sideways, and every displayed equation wider
than the screen scrolls in its own focusable, labelled box with edge shadows as the cue."""
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"

SERIOUS = """async () => (await axe.run(document, { resultTypes: ['violations'] })).violations
  .filter((v) => v.impact === 'serious' || v.impact === 'critical')
  .flatMap((v) => v.nodes.map((n) => [v.id, n.target.join(' '), (n.any[0] || n.all[0] || n.none[0] || {}).message || '']))"""


def site_pages(site: Path) -> list[str]:
    pages = ["/" + p.parent.relative_to(site).as_posix() + "/" for p in site.rglob("index.html") if "assets" not in p.parts]
    return sorted(p.replace("/./", "/") for p in pages) + ["/404.html"]


def source_pages() -> list[str]:
    """The site's pages known before the build, from its sources (every note and notebook under docs/, and
    the 404 page), so that each page is a test of its own and the test workers share them out;
    test_every_built_page_is_checked holds this list to the built site's."""
    docs = ROOT / "docs"
    urls = []
    for source in [*docs.rglob("*.md"), *(docs / "notebooks").glob("*.py")]:
        parts = source.relative_to(docs).with_suffix("").parts
        urls.append("/" + "".join(f"{part}/" for part in (parts[:-1] if parts[-1] == "index" else parts)))
    return sorted(urls) + ["/404.html"]


PAGES = source_pages()


SCHEMES = {"default": "light", "slate": "dark"}
# Every running CSS transition and animation has ended (a cancelled one counts as ended), two frames later.
SETTLED = """async () => {
  const frame = () => new Promise((resolve) => requestAnimationFrame(resolve));
  await frame(); await frame();
  await Promise.all(document.getAnimations().map((a) => a.finished.catch(() => null)));
}"""


def test_every_built_page_is_checked(built_site):
    assert len(PAGES) >= 15 and PAGES == site_pages(built_site)


@pytest.mark.parametrize("path", PAGES)
def test_page_loads_cleanly_and_axe_finds_nothing_serious_in_either_scheme(new_tab, path):
    """The page is loaded with its demo boxes mounted: its title shows, no console error, no request leaves
    this machine; axe-core checks it in the scheme it opened in (dark preferred: Material opens it in
    slate), then the reader's own toggle switches it to the other scheme and axe checks it again."""
    tab = new_tab(color_scheme="dark")
    found = []
    page = tab.open(path)
    assert page.locator("h1").first.is_visible(), path
    assert tab.errors == [], f"{path}: {tab.errors}"
    height = page.evaluate("document.documentElement.scrollHeight")  # tab.open mounted the demo boxes
    # One viewport as tall as the page: axe measures contrast only where elements are on screen.
    page.set_viewport_size({"width": 1280, "height": min(height, 16000)})
    page.add_script_tag(path=str(AXE))
    seen = []
    for _ in SCHEMES:
        page.evaluate(SETTLED)  # Material's tabs fade back in after the scrolling; colours transition
        scheme = page.evaluate("document.body.dataset.mdColorScheme")
        seen.append(scheme)
        for rule, target, message in page.evaluate(SERIOUS):
            found.append(f"{path} [{SCHEMES[scheme]}] {rule}: {target} ({message[:120]})")
        page.locator("form[data-md-component=palette] label:visible").first.click()
    assert sorted(seen) == sorted(SCHEMES), f"{path}: the palette toggle showed {seen}"
    assert tab.foreign_requests() == []
    assert found == [], "\n".join(found)


def test_a_dark_preference_opens_pages_in_the_dark_scheme(new_tab):
    for scheme, preference in SCHEMES.items():
        page = new_tab(color_scheme=preference).open("/nlp/lstm/", mount_demos=False)
        assert page.evaluate("document.body.dataset.mdColorScheme") == scheme


PHONE = """() => {
  const root = document.documentElement;
  const wide = [...document.querySelectorAll('.inn-math')].filter((m) => m.scrollWidth > m.clientWidth + 1).map((m) => {
    const style = getComputedStyle(m);
    return { overflowX: style.overflowX, tab: m.tabIndex, label: m.getAttribute('aria-label'),
             cue: style.backgroundImage.includes('gradient') && style.backgroundAttachment.includes('local') };
  });
  return { sideways: root.scrollWidth - root.clientWidth, equations: document.querySelectorAll('.inn-math').length, wide };
}"""


def test_phone_pages_do_not_scroll_sideways_and_wide_equations_scroll_in_place(new_tab, built_site):
    tab = new_tab(has_touch=True, is_mobile=True)
    tab.page.set_viewport_size({"width": 390, "height": 844})
    problems, overflowing, equations = [], 0, 0
    for path in site_pages(built_site):
        page = tab.open(path)
        seen = page.evaluate(PHONE)
        equations += seen["equations"]
        overflowing += len(seen["wide"])
        if seen["sideways"] > 0:
            problems.append(f"{path}: the page scrolls sideways by {seen['sideways']} px")
        for eq in seen["wide"]:
            if eq != {"overflowX": "auto", "tab": 0, "label": "Equation", "cue": True}:
                problems.append(f"{path}: a wide equation without its own scroller and cue: {eq}")
    print(f"390 px: {overflowing} of {equations} displayed equations scroll in their own box")
    assert equations > 0 and overflowing > 0, "no wide equation measured: the check would pass vacuously"
    assert problems == [], "\n".join(problems)


def test_tables_and_material_chrome_are_named_and_keyboard_scrollable(new_tab):
    """Material's search dialog and page-load bar get names (a11y.js); a table wider than a phone gets
    focus, a role and a label, and a narrow one does not become a tab stop."""
    tab = new_tab()
    tab.page.set_viewport_size({"width": 390, "height": 844})
    page = tab.open("/brain/ntm-vs-transformer/")
    assert page.locator(".md-search").get_attribute("aria-label") == "Search"
    assert page.locator(".md-progress").get_attribute("aria-label") == "Loading page"
    wraps = page.evaluate("""() => [...document.querySelectorAll('.md-typeset__scrollwrap')].map((w) =>
        [w.scrollWidth > w.clientWidth + 1, w.tabIndex, w.getAttribute('role'), w.getAttribute('aria-label')])""")
    assert any(w[0] for w in wraps), wraps
    for scrolls, tab_index, role, label in wraps:
        assert (tab_index, role, label) == ((0, "region", "Table, scrolls sideways") if scrolls else (-1, None, None))
    page.set_viewport_size({"width": 1600, "height": 900})
    page.wait_for_function("""() => [...document.querySelectorAll('.md-typeset__scrollwrap')]
        .every((w) => (w.scrollWidth > w.clientWidth + 1) === (w.tabIndex === 0))""")


def test_demo_controls_show_keyboard_focus(new_tab):
    """Tabbing through the demo boxes, each focused control draws an outline (or Material's filled button)."""
    tab = new_tab()
    page = tab.open("/cnn/visualizing/")
    seen, invisible = 0, []
    for _ in range(200):
        page.keyboard.press("Tab")
        info = page.evaluate("""() => { const el = document.activeElement; if (!el || !el.closest('[data-demo]')) return null;
            const s = getComputedStyle(el);
            return { what: el.tagName + '.' + el.className, outline: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2,
                     box: s.boxShadow !== 'none', last: !el.closest('[data-demo]').nextElementSibling }; }""")
        if info is None:
            if seen and page.evaluate("!document.activeElement.closest('.md-content')"):
                break
            continue
        seen += 1
        if not (info["outline"] or info["box"]):
            invisible.append(info["what"])
    assert seen >= 4, "the keyboard reached too few demo controls"
    assert invisible == [], invisible


def test_a_canvas_figure_has_a_text_alternative_before_anything_is_drawn(new_tab):
    """parts/figure.js (the face and MVSNet views): a picture that is not drawn yet is already labelled, so axe
    never meets an unnamed role=img while a box is still drawing on a busy machine."""
    tab = new_tab()
    page = tab.open("/")
    made = page.evaluate("""async () => {
      const { canvasFigure } = await import(new URL('/javascripts/parts/figure.js', location.origin).href);
      return [canvasFigure('f', 'c', 'True depth'), canvasFigure('f', 'c', '')].map(([fig, canvas]) =>
        [canvas.getAttribute('role'), canvas.getAttribute('aria-label'), canvas.tabIndex, fig.querySelector('figcaption').textContent]);
    }""")
    assert made == [["img", "True depth (not drawn yet)", 0, "True depth"], ["img", "Not drawn yet", 0, ""]]
