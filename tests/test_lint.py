"""Lint: Python has no unused imports or undefined names (pyflakes rules via ruff); JS passes ESLint."""
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_pyflakes_clean():
    proc = subprocess.run([sys.executable, "-m", "ruff", "check", "--select", "F,E9", "--output-format", "concise",
                           "demos", "scripts", "tests"], check=False, cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


ESLINT = ROOT / "node_modules" / ".bin" / "eslint"


def test_eslint_clean():
    """ESLint (eslint.config.js: recommended rules) passes on every browser module and Node script."""
    proc = subprocess.run([str(ESLINT), "--format", "json", "--max-warnings", "0", "."], check=False, cwd=ROOT,
                          capture_output=True, text=True)
    results = json.loads(proc.stdout or "[]")
    problems = [f"{Path(r['filePath']).relative_to(ROOT)}:{m.get('line', 0)}: {m['message']} ({m.get('ruleId')})"
                for r in results for m in r["messages"]]
    assert proc.returncode == 0 and not problems, "\n".join(problems) or proc.stderr
    linted = {Path(r["filePath"]).relative_to(ROOT).as_posix() for r in results}
    expected = {p.relative_to(ROOT).as_posix() for p in
                [*(ROOT / "docs" / "javascripts").rglob("*.js"), *(ROOT / "scripts").glob("*.mjs")]}
    assert expected <= linted, f"not linted: {sorted(expected - linted)}"
