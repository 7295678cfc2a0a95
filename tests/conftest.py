"""Shared fixtures: the real site, built once per test session for a known loopback port, its static
server, and headless Chromium with one fresh context per test."""

from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from site_browser import SiteServer, build_site, chromium, free_port

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def site_port() -> int:
    """The port the browser tests serve on; the site's SITE_URL points there (instant navigation needs it)."""
    return free_port()


@pytest.fixture(scope="session")
def built_site(tmp_path_factory, site_port) -> Path:
    """Path of the site built from this checkout with `mkdocs build --strict` (fails the tests that use it)."""
    site = tmp_path_factory.mktemp("site")
    result = build_site(site, site_port)
    if result.returncode != 0:
        pytest.fail(f"mkdocs build --strict failed:\n{result.stdout}\n{result.stderr}", pytrace=False)
    return site


@pytest.fixture(scope="session")
def server(built_site, site_port):
    """The built site on 127.0.0.1; `server.log` records every request it answered."""
    with SiteServer(built_site, site_port) as running:
        yield running


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright, chromium(playwright) as launched:
        yield launched


def mount_all_demos(page):
    """Scroll each waiting demo box into view until it starts mounting, then back to the top."""
    for box in page.locator("[data-demo]").element_handles():
        box.evaluate("b => b.scrollIntoView({block: 'center'})")
        page.wait_for_function("b => b.dataset.demoState !== 'waiting'", arg=box, timeout=10_000)
    page.evaluate("window.scrollTo(0, 0)")
    page.wait_for_load_state("networkidle")


class Tab:
    """A fresh browser context with its console errors and every request URL recorded."""

    def __init__(self, browser, server, agree_downloads=True, **options):
        """`agree_downloads`: as if the reader had already tapped "Download and run" (a phone or Save-Data
        waits for that tap before the first download; tests/test_runtime_browser.py tests the wait)."""
        self.server = server
        self.context = browser.new_context(**{"viewport": {"width": 1280, "height": 900}, **options})
        if agree_downloads:
            self.context.add_init_script("try { sessionStorage.setItem('inn-downloads-agreed', 'yes'); } catch {}")
        self.page = self.context.new_page()
        self.errors, self.requests = [], []
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.context.on("request", lambda r: self.requests.append(r.url))

    def open(self, path, mount_demos=True):
        """Load `path`; with `mount_demos`, bring every demo box near the viewport once (boxes mount only
        then, see runtime.js) and scroll back to the top."""
        self.page.goto(self.server.origin + path)
        self.page.wait_for_load_state("networkidle")
        if mount_demos:
            mount_all_demos(self.page)
        return self.page

    def foreign_requests(self):
        local = (self.server.origin, "data:", "blob:")
        return [url for url in self.requests if not url.startswith(local)]


@pytest.fixture
def new_tab(browser, server):
    """Make tabs with context options (touch, mobile); all are closed after the test."""
    opened = []

    def make(**options):
        opened.append(Tab(browser, server, **options))
        return opened[-1]

    yield make
    for each in opened:
        each.context.close()


@pytest.fixture
def tab(new_tab):
    return new_tab()
