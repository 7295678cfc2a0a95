"""face: the turnable mesh's pure parts (docs/javascripts/demos/face/mesh3d.js) in Node — projection and
back-to-front shading."""
import json
import shutil
import subprocess

import pytest

from demos.common.paths import ROOT

NODE = shutil.which("node")
JS = (ROOT / "docs/javascripts/demos/face/mesh3d.js").as_uri()
pytestmark = pytest.mark.skipif(NODE is None, reason="node is part of make test's set-up")


def node(script: str):
    proc = subprocess.run([NODE, "--no-warnings", "--input-type=module", "-e",
                           f"import * as m from '{JS}';\nconsole.log(JSON.stringify((() => {{ {script} }})()));"],
                          check=False, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_projection_centres_scales_and_turns():
    points = [[10, 0, 0], [-10, 0, 0], [0, 20, 0], [0, -20, 0]]
    rest, turned = node("""const p = [[10, 0, 0], [-10, 0, 0], [0, 20, 0], [0, -20, 0]];
                           return [m.project(p, 0, 0), m.project(p, Math.PI / 2, 0)];""")
    assert rest == [[0.5, 0, 0], [-0.5, 0, 0], [0, 1, 0], [0, -1, 0]] and len(points) == len(rest)
    assert turned[0] == pytest.approx([0, 0, -0.5], abs=1e-12)     # a quarter turn brings +x toward the viewer


def test_shading_paints_far_triangles_first():
    order = node("""const p = [[0, 0, 5], [1, 0, 5], [0, 1, 5], [0, 0, -5], [1, 0, -5], [0, 1, -5]];
                    return m.shade(p, [[3, 4, 5], [0, 1, 2]]).map((f) => [f.tri[0], f.light]);""")
    assert [tri for tri, _ in order] == [0, 3]                        # z = 5 (far) before z = -5 (near)
    assert all(0 <= light <= 1 for _, light in order)
