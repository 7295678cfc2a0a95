"""Take the README's screenshot of the digits demo, with the browser tests' tooling.

    python scripts/screenshot.py [OUT.png]
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent))
from site_browser import ROOT, SiteServer, build_site, chromium, free_port  # noqa: E402

OUT = ROOT / "docs" / "assets" / "screenshots" / "digits-demo.png"


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else OUT
    out.parent.mkdir(parents=True, exist_ok=True)
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        result = build_site(site, port)
        if result.returncode:
            sys.exit(result.stderr)
        with SiteServer(site, port) as server, sync_playwright() as pw, chromium(pw) as browser:
            page = browser.new_page(viewport={"width": 1200, "height": 820})
            page.goto(server.origin + "/cnn/visualizing/#try-it-the-digits-demo")
            page.wait_for_selector(".inn-demo[data-demo-state=golden]")
            canvas = page.locator(".inn-digits__canvas")
            canvas.scroll_into_view_if_needed()
            box = canvas.bounding_box()
            points = [(0.30, 0.22), (0.45, 0.15), (0.62, 0.18), (0.68, 0.32), (0.60, 0.48), (0.45, 0.52),
                      (0.60, 0.58), (0.70, 0.72), (0.60, 0.85), (0.42, 0.88), (0.28, 0.80)]   # a "3"
            page.mouse.move(box["x"] + points[0][0] * box["width"], box["y"] + points[0][1] * box["height"])
            page.mouse.down()
            for fx, fy in points[1:]:
                page.mouse.move(box["x"] + fx * box["width"], box["y"] + fy * box["height"], steps=6)
            page.mouse.up()
            page.wait_for_selector(".inn-digits__bars[data-inference-ms]")
            page.evaluate("document.querySelector('.inn-demo').scrollIntoView({block: 'center'})")
            page.screenshot(path=str(out))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
