"""Serve a built site on 127.0.0.1 and drive Debian's Chromium at it — for the browser tests, the
benchmarks and the README screenshot.

The server keeps a log of every request it answers: that log, not the browser's own events (which
can miss requests from workers), is the record of what the page fetched.
"""
from __future__ import annotations

import contextlib
import functools
import gzip
import io
import os
import shutil
import socket
import subprocess
import sys
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Flags that keep headless Chromium on loopback (measured in ../shared/TOOLCHAIN.md).
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1 , EXCLUDE localhost",
]


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        raise RuntimeError("Debian's chromium is not installed: run `make test` (it installs it)")
    return path


GZIPPED = {".html", ".css", ".svg", ".xml", ".wasm", ".onnx", ".js", ".mjs", ".json"}


class _Handler(SimpleHTTPRequestHandler):
    extensions_map = {**SimpleHTTPRequestHandler.extensions_map,
                      ".mjs": "text/javascript", ".js": "text/javascript", ".wasm": "application/wasm",
                      ".json": "application/json", ".onnx": "application/octet-stream"}

    def log_message(self, fmt, *args):
        self.server.log.append((self.command, self.path, self.headers.get("Host", "")))

    def end_headers(self):
        # Tests measure their own downloads (no-store); served like Pages (gzip), files are cacheable as
        # there, so a page's preload scanner and parser share one download.
        self.send_header("Cache-Control", "max-age=600" if self.server.gzip else "no-store")
        super().end_headers()

    def send_head(self):
        """As most static hosts do when `gzip` is on: compress pages, styles, scripts, wasm, models and JSON
        on the wire, so that Content-Length is the compressed size."""
        path = Path(self.translate_path(self.path))
        if path.is_dir() and self.path.split("?")[0].endswith("/"):
            path = path / "index.html"
        if not (self.server.gzip and path.is_file() and path.suffix in GZIPPED):
            return super().send_head()
        body = gzip.compress(path.read_bytes(), compresslevel=6)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)


def free_port() -> int:
    """A loopback port nobody listens on. The site is built for it: Material's instant navigation
    only handles links whose origin matches the sitemap's, which comes from SITE_URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SiteServer:
    """A static server for `site_dir` on loopback; `.log` lists (method, path, host). With `gzip`, it
    compresses responses as GitHub Pages does."""

    def __init__(self, site_dir: Path, port: int = 0, gzip: bool = False):
        handler = functools.partial(_Handler, directory=str(site_dir))
        ThreadingHTTPServer.allow_reuse_address = True
        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), handler)
        self.httpd.gzip = gzip
        self.httpd.log = []
        self.origin = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def log(self) -> list:
        return self.httpd.log

    def paths(self) -> list[str]:
        return [path.split("?")[0] for _, path, _ in self.log]

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


@contextlib.contextmanager
def chromium(playwright):
    """Headless Chromium with the loopback-only flags; Playwright gives it a fresh profile dir."""
    browser = playwright.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS)
    try:
        yield browser
    finally:
        browser.close()


def build_site(site_dir: Path, port: int) -> subprocess.CompletedProcess:
    """`mkdocs build --strict` into `site_dir`, for a server on 127.0.0.1:`port`."""
    env = {**os.environ, "SITE_URL": f"http://127.0.0.1:{port}/", "NO_MKDOCS_2_WARNING": "1"}
    return subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(site_dir)],
                          cwd=ROOT, env=env, capture_output=True, text=True)
