"""Shared fixtures: the real site, built once per test session for a known loopback port."""

from pathlib import Path

import pytest

from site_browser import build_site, free_port

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
