"""docs/javascripts/parts/view3d.js, the shared three.js view: its pure parts in Node (bounds, camera fit, orbit,
colours); the view itself is exercised in Chromium by tests/test_view3d_browser.py."""
import math

import pytest

from tests.nodejs import JS, NODE, evaluate

VIEW3D = JS / "parts" / "view3d.js"
pytestmark = pytest.mark.skipif(NODE is None, reason="node is part of make test's set-up")


def node(script: str):
    return evaluate(script, {"v": VIEW3D})


def test_bounds_is_the_sphere_around_the_box():
    centre, radius = node("return v.bounds(new Float32Array([0, 0, 0, 2, 0, 0, 1, 4, -2]));")
    assert centre == [1, 2, -1]
    assert radius == pytest.approx(math.sqrt(2 ** 2 + 4 ** 2 + 2 ** 2) / 2)
    assert node("return v.bounds([]);") == [[0, 0, 0], 1]
    assert node("return v.bounds([3, 3, 3]);") == [[3, 3, 3], 1e-6]


def test_fit_distance_makes_the_sphere_touch_the_narrower_side():
    fov = 35
    d = node(f"return [v.fitDistance(1, {fov}, 1), v.fitDistance(1, {fov}, 0.5), v.fitDistance(2, {fov}, 2)];")
    half = math.radians(fov) / 2
    assert d[0] == pytest.approx(1 / math.sin(half))
    assert d[1] == pytest.approx(1 / math.sin(math.atan(math.tan(half) * 0.5)))  # a tall view: the width limits
    assert d[2] == pytest.approx(2 / math.sin(half))                             # a wide view: the height limits


def test_orbit_keeps_distance_turns_about_the_target_and_clamps_the_pole():
    p = node("return [v.orbit([0, 0, 2], [0, 0, 0], Math.PI / 2, 0), v.orbit([1, 1, 3], [1, 1, 1], 0, 0, 0.5),"
             " v.orbit([0, 0, 2], [0, 0, 0], 0, -10)];")
    assert p[0] == pytest.approx([2, 0, 0], abs=1e-12)          # a quarter turn about y
    assert p[1] == pytest.approx([1, 1, 2], abs=1e-12)          # zoom halves the distance
    top = p[2]
    assert math.dist(top, [0, 0, 0]) == pytest.approx(2) and top[1] < 2 and top[1] == pytest.approx(2 * math.cos(0.01))


def test_colours_parse_and_expand_per_point():
    out = node("""return [v.parseColour('#ff8000'), v.parseColour('#0f0'), v.parseColour('rgb(255, 0, 51)'),
                          v.parseColour('nonsense'), Array.from(v.pointColours(2, '#ff0000')),
                          Array.from(v.pointColours(2, [0.1, 0.2, 0.3, 0.4, 0.5, 0.6])), Array.from(v.pointColours(1, null))];""")
    assert out[0] == pytest.approx([1, 128 / 255, 0])
    assert out[1] == [0, 1, 0] and out[2] == pytest.approx([1, 0, 0.2]) and out[3] is None
    assert out[4] == [1, 0, 0, 1, 0, 0]
    assert out[5] == pytest.approx([0.1, 0.2, 0.3, 0.4, 0.5, 0.6])
    assert out[6] == pytest.approx([0.36, 0.42, 0.75])


def test_wrong_number_of_colours_is_refused_and_no_webgl_outside_a_browser():
    available, message = node("let message = ''; try { v.pointColours(2, [1, 0, 0]); } catch (e) { message = e.message; }"
                              " return [v.webglAvailable(), message];")
    assert available is False
    assert "colours has 3 values for 2 points (need 6)" in message


def test_srgb_to_linear_matches_the_standard_curve():
    out = node("return Array.from(v.srgbToLinear(new Float32Array([0, 0.04, 0.5, 1])));")
    assert out == pytest.approx([0, 0.04 / 12.92, ((0.5 + 0.055) / 1.055) ** 2.4, 1], rel=1e-6)
