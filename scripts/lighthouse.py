"""Lighthouse (npm, pinned in package.json) on the built site against a plain-Material baseline of the same
note text — used by `scripts/bench_site.py --lighthouse`.

The baseline is what a page costs without anything of ours: the same notes and nav, Material with the same
theme settings and Markdown extensions, but no hooks, no demo boxes, no extra CSS or JavaScript.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from site_browser import CHROMIUM_ARGS, ROOT, chromium_path

LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
DEMO_BOX = re.compile(r'^<div data-demo="[^"]*"[^>]*></div>\n', re.M)
PLUGINS = "# ---- plugins and hooks"


def note_pages(site: Path) -> list[str]:
    """Every note's URL path (/nlp/lstm/), from the built search index; not the home, papers or notebook."""
    index = json.loads((site / "search" / "search_index.json").read_text())
    paths = {"/" + doc["location"].split("#")[0] for doc in index["docs"]}
    skip = ("/", "/papers/", "/contribute/")
    return sorted(p for p in paths if p not in skip and not p.startswith("/notebooks/") and p.count("/") >= 2)


def build_baseline(site: Path) -> None:
    """Build the plain-Material baseline of the notes into `site`."""
    with tempfile.TemporaryDirectory() as tmp:
        docs = Path(tmp) / "docs"
        for note in (ROOT / "docs").rglob("*.md"):
            target = docs / note.relative_to(ROOT / "docs")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(DEMO_BOX.sub("", note.read_text(encoding="utf-8")), encoding="utf-8")
        shutil.copytree(ROOT / "docs" / "assets" / "figures", docs / "assets" / "figures")
        config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8").split(PLUGINS)[0]
        config = re.sub(r"^\s+- \"Notebook.*\n", "", config, flags=re.M)
        config += f"plugins:\n  - search\ndocs_dir: {docs}\nstrict: false\n"
        config = config.replace("strict: true\n", "")
        (Path(tmp) / "mkdocs.yml").write_text(config, encoding="utf-8")
        env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
        subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(Path(tmp) / "mkdocs.yml"),
                        "-d", str(site)], cwd=ROOT, env=env, check=True, capture_output=True)


def audit(url: str) -> dict:
    """One Lighthouse run (its default mobile preset) of `url`: scores and the figures the issue names."""
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        flags = " ".join(["--headless=new", *CHROMIUM_ARGS])
        subprocess.run([str(LIGHTHOUSE), url, "--quiet", "--output=json", f"--output-path={report}",
                        "--only-categories=performance,accessibility", f"--chrome-flags={flags}"],
                       env={**os.environ, "CHROME_PATH": chromium_path()}, check=True, capture_output=True,
                       timeout=300)
        result = json.loads(report.read_text())
    audits = result["audits"]
    return {
        "performance": round(result["categories"]["performance"]["score"] * 100),
        "accessibility": round(result["categories"]["accessibility"]["score"] * 100),
        "lcp_s": round(audits["largest-contentful-paint"]["numericValue"] / 1000, 2),
        "tbt_s": round(audits["total-blocking-time"]["numericValue"] / 1000, 2),
        "kib": round(audits["total-byte-weight"]["numericValue"] / 1024),
    }


def table(rows: list[tuple[str, dict, dict]]) -> str:
    """Markdown table: each page, ours against the baseline, with the ratios the targets use."""
    lines = ["| page | performance (baseline) | accessibility | LCP s (baseline) | TBT s (baseline) | KiB (baseline) | bytes ratio |",
             "|---|---|---|---|---|---|---|"]
    for path, ours, base in rows:
        lines.append(f"| {path} | {ours['performance']} ({base['performance']}) | {ours['accessibility']} | "
                     f"{ours['lcp_s']} ({base['lcp_s']}) | {ours['tbt_s']} ({base['tbt_s']}) | "
                     f"{ours['kib']} ({base['kib']}) | {ours['kib'] / max(base['kib'], 1):.2f}x |")
    return "\n".join(lines)
