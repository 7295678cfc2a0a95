"""How long the note checker takes on large notes: 0.25, 0.5 and 1 MB (the largest note allowed) of ordinary
prose, 1 MB of lines that made the old regular expressions backtrack, and a 5 MB note, which is refused
before it is read. Prints seconds per phase; linear time shows as a constant seconds-per-MB column.

    .venv/bin/python scripts/bench_notes.py
"""

import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from notes import citations, htmlcheck
from notes.checker import MAX_NOTE_BYTES, Layout, scan
from notes.render import Renderer, site_config

ROOT = Path(__file__).resolve().parent.parent
HEAD = "---\ntitle: Big\ndescription: A large note.\ntags: [Bench]\n---\n\n# Big\n\n"
PROSE = ("A paragraph with [a link](../cnn/visualizing.md#deconvnet), `code`, *emphasis*, a citation "
         "[@zeiler2013visualizing] and math $a = \\sigma(Wx + b)$.\n\n")
HOSTILE = ("[@" + " " * 2000 + "\n" + "`` " * 500 + "\n" + "<!-- " * 400 + "\n" + "[@zeiler2013visualizing]: " * 80 + "\n\n")


def body(kind: str, megabytes: float) -> str:
    unit = PROSE if kind == "prose" else HOSTILE
    return HEAD + unit * int(megabytes * 1e6 / len(unit))


def phases(text: str) -> dict[str, float]:
    config, _ = site_config(ROOT)
    render = Renderer(config, ROOT)
    lines = text.splitlines()
    started = time.perf_counter()
    citations.find(lines, 1, "docs/cnn/big.md", {})
    cited = time.perf_counter()
    html = render(text)
    rendered = time.perf_counter()
    htmlcheck.check(html, text, "docs/cnn/big.md")
    checked = time.perf_counter()
    return {"citations": cited - started, "markdown": rendered - cited, "html check": checked - rendered}


def whole_scan(text: str) -> tuple[float, list]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for folder in ("docs", "exported_models"):
            shutil.copytree(ROOT / folder, root / folder)
        (root / "docs/cnn/big.md").write_text(text)
        started = time.perf_counter()
        found = scan(Layout(root, root / "docs")).problems
        return time.perf_counter() - started, found


def main() -> None:
    print(f"{'note':18s} {'MB':>5s} {'citations s':>12s} {'markdown s':>11s} {'html check s':>13s} "
          f"{'whole scan s':>13s} {'scan s/MB':>10s}")
    limit = MAX_NOTE_BYTES / 1e6 * 0.999
    for kind, megabytes in [("prose", 0.25), ("prose", 0.5), ("prose", limit), ("pathological", limit)]:
        text = body(kind, megabytes)
        size = len(text.encode()) / 1e6
        times = phases(text)
        total, _ = whole_scan(text)
        print(f"{kind:18s} {size:5.2f} {times['citations']:12.2f} {times['markdown']:11.2f} "
              f"{times['html check']:13.2f} {total:13.2f} {total / size:10.2f}")
    text = body("prose", 5)
    total, found = whole_scan(text)
    print(f"{'prose (refused)':18s} {len(text.encode()) / 1e6:5.2f} {'-':>12s} {'-':>11s} {'-':>13s} {total:13.2f}"
          f"   -> {next(str(p) for p in found if 'big.md' in str(p))}")


if __name__ == "__main__":
    main()
