"""Check every note in docs/ the way the build does, and print `file:line: message` for each problem.

    python scripts/check_notes.py            # exit 1 on problems, 0 with a one-line summary
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from notes import vendor  # noqa: E402
from notes.checker import Layout, docs_files, scan  # noqa: E402

ROOT = Path(__file__).absolute().parent.parent  # not resolve(): a symlinked scripts/ checks its own tree


def main(root: Path = ROOT) -> int:
    layout = Layout(root, root / "docs")
    try:
        generated = {src_uri for src_uri, _ in vendor.planned(root)}
    except vendor.VendorError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    result = scan(layout, docs_files(layout.docs_dir) | generated)
    for problem in result.problems:
        print(problem)
    if result.problems:
        print(f"{len(result.problems)} problem(s) found", file=sys.stderr)
        return 1
    citations = sum(len(note.citations) for note in result.notes.values())
    print(f"ok: {len(result.notes)} notes, {len(result.papers)} papers, {citations} citations, "
          f"{len(result.sidecars)} demo sidecars")
    return 0


if __name__ == "__main__":
    sys.exit(main())
