"""The JavaScript tests' one harness: run the site's real ES modules in Node and get back, as JSON, what they
computed; and numpy draws recorded so that JavaScript can replay them in the same order."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
JS = ROOT / "docs" / "javascripts"
NODE = shutil.which("node")


def run_module(source: str, data=None, timeout: int = 120):
    """Run `source` as an ES module with `DATA` (`data`, sent as JSON on stdin) and return the JSON it prints."""
    head = "import { readFileSync as readStdin } from 'node:fs';\nconst DATA = JSON.parse(readStdin(0, 'utf8'));\n"
    proc = subprocess.run([NODE, "--no-warnings", "--input-type=module", "-e", head + source], cwd=ROOT,
                          input=json.dumps(data), check=False, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def evaluate(body: str, modules: dict[str, Path] | None = None, data=None, timeout: int = 120):
    """Run `body`, the body of an async function, with `modules` imported (see `imports`) and `DATA`;
    return what it returns."""
    return run_module(imports(modules or {}) + f"console.log(JSON.stringify(await (async () => {{ {body} }})()));",
                      data, timeout)


def imports(modules: dict[str, Path]) -> str:
    """Each module file imported under its name: `{"h": JS / "parts/heatmap.js"}` → `import * as h from …`."""
    return "".join(f"import * as {name} from '{path.as_uri()}';\n" for name, path in modules.items())


class RecordedDraws:
    """A numpy Generator that writes down every draw, so JavaScript can be given the very same ones."""

    def __init__(self, rng):
        self.rng, self.draws = rng, []

    def _record(self, kind, value):
        self.draws.append({"kind": kind, "values": np.ravel(value).tolist(), "many": bool(np.ndim(value))})
        return value

    def integers(self, *args):
        return self._record("integers", self.rng.integers(*args))

    def uniform(self, *args):
        return self._record("uniform", self.rng.uniform(*args))

    def random(self):
        return self._record("random", self.rng.random())


# `replay(draws)`: a generator for the JS scene code that hands back RecordedDraws' draws in order and fails
# on the first one JavaScript asks for differently; `used()` counts those taken.
REPLAY_JS = """
const replay = (draws) => {
  let next = 0;
  const take = (kind, n) => {
    const d = draws[next++];
    if (!d || d.kind !== kind || d.many !== (n !== undefined) || (n !== undefined && d.values.length !== n)) {
      throw new Error(`draw ${next - 1}: JavaScript asks for ${kind} ${n}, Python drew ${d ? `${d.kind} ${d.values.length}` : "nothing"}`);
    }
    return n === undefined ? d.values[0] : d.values;
  };
  return { integers: (lo, hi, n) => take("integers", n), uniform: (lo, hi, n) => take("uniform", n),
           random: () => take("random"), used: () => next };
};
"""
