"""docs/javascripts/parts/heatmap.js, the shared heat map: its pure parts (colour maps, ticks, layout, value
range) in Node, and drawHeatmap on a recording stand-in for a canvas (every cell painted with colour())."""
import math

import pytest

from tests.nodejs import JS, NODE, evaluate

HEATMAP = JS / "parts" / "heatmap.js"
pytestmark = pytest.mark.skipif(NODE is None, reason="node is part of make test's set-up")


def node(script: str):
    return evaluate(script, {"h": HEATMAP})


def rgb(text):
    return [int(v) for v in text[text.index("(") + 1:-1].split(",")[:3]]


def test_colour_ends_middle_and_clamping():
    out = node("""return [h.colour(0, 0, 1), h.colour(1, 0, 1), h.colour(-5, 0, 1), h.colour(9, 0, 1),
                          h.colour(0, -2, 2, 'diverging'), h.colour(-2, -2, 2, 'diverging'), h.colour(2, -2, 2, 'diverging'),
                          h.colour(0.0625, 0, 1), h.colour(NaN, 0, 1), h.SCHEMES];""")
    lo, hi, below, above, mid, neg, pos, eighth_half, nan, schemes = out
    assert rgb(lo) == schemes["sequential"][0] and rgb(hi) == schemes["sequential"][-1]
    assert below == lo and above == hi
    assert rgb(mid) == schemes["diverging"][4] and rgb(neg) == schemes["diverging"][0] and rgb(pos) == schemes["diverging"][-1]
    # halfway between the first two stops (stops every 1/8)
    a, b = schemes["sequential"][:2]
    assert rgb(eighth_half) == [math.floor(x + (y - x) * 0.5 + 0.5) for x, y in zip(a, b)]  # JS Math.round
    assert nan.endswith(", 0)")


def luminance(c):
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]


def test_sequential_brightens_monotonically_and_diverging_middle_is_grey():
    stops = node("return h.SCHEMES;")
    lum = [luminance(c) for c in stops["sequential"]]
    assert lum == sorted(lum) and lum[-1] - lum[0] > 150
    grey = stops["diverging"][len(stops["diverging"]) // 2]
    assert max(grey) - min(grey) < 10 and 100 < luminance(grey) < 230  # visible on white and on black


def test_unknown_scheme_is_a_readable_error():
    out = node("try { h.colour(0, 0, 1, 'rainbow'); return 'no error'; } catch (e) { return e.message; }")
    assert "rainbow" in out and "sequential" in out


@pytest.mark.parametrize("n,most,expected", [(5, 8, [0, 1, 2, 3, 4]), (20, 10, list(range(0, 20, 2))),
                                             (128, 8, list(range(0, 128, 20))), (1000, 6, list(range(0, 1000, 200))),
                                             (1, 8, [0]), (0, 8, [])])
def test_ticks(n, most, expected):
    assert node(f"return h.ticks({n}, {most});") == expected


def test_layout_fits_the_width_and_keeps_a_minimum_cell():
    fit, narrow, fixed = node("""return [h.layout({rows: 20, cols: 128, width: 700, title: 't', rowLabel: 'r', colLabel: 'c'}),
                                         h.layout({rows: 20, cols: 128, width: 200}), h.layout({rows: 3, cols: 4, cell: 10, key: false})]""")
    assert fit["width"] <= 700 and fit["cell"] == (700 - fit["left"] - fit["right"]) // 128
    assert narrow["cell"] == 2 and narrow["width"] > 200  # wider than asked: the container scrolls
    assert fixed["cell"] == 10 and fixed["width"] == fixed["left"] + 40 + fixed["right"]


def test_value_range_and_readers():
    out = node("""const rows = [[1, -3], [2, NaN]];
                  return [h.valueRange(h.reader(rows, 2), 2, 2), h.valueRange(h.reader([1, -3, 2, 0], 2), 2, 2, 'diverging'),
                          h.valueRange((r, c) => 4, 2, 2), h.reader(new Float32Array([5, 6, 7, 8]), 2)(1, 0)]""")
    assert out == [[-3, 2], [-3, 3], [3.5, 4.5], 7]


def test_draw_paints_each_cell_with_its_colour_and_maps_pointer_to_cell():
    out = node("""
      const fills = [];
      const g = new Proxy({}, { get: (t, k) => k in t ? t[k] : (...a) => { if (k === 'fillRect') fills.push([t.fillStyle, ...a]); },
                                set: (t, k, v) => { t[k] = v; return true; } });
      const canvas = { style: {}, getContext: () => g, getBoundingClientRect: () => ({ left: 100, top: 50, width: canvas.style.width.replace('px', '') * 0.5 }) };
      globalThis.getComputedStyle = () => ({ color: 'rgb(10, 20, 30)' });
      const values = [[0, 0.5, 1], [1, 0.25, 0]];
      const map = h.drawHeatmap(canvas, { values, rows: 2, cols: 3, cell: 10, min: 0, max: 1, title: 'x', highlight: { row: 1, col: 2 } });
      const { left, top } = map.layout;
      const cells = fills.filter(([, x, y, w, hh]) => w === 10 && hh === 10)
        .map(([style, x, y]) => [(y - top) / 10, (x - left) / 10, style]);
      const expected = values.flatMap((row, r) => row.map((v, c) => [r, c, h.colour(v, 0, 1)]));
      // the pointer at the centre of cell (1, 2), on a canvas shown at half its size
      const hit = map.cellAt(100 + (left + 25) * 0.5, 50 + (top + 15) * 0.5);
      return [cells, expected, hit, map.cellAt(0, 0), canvas.width, map.layout.width];""")
    cells, expected, hit, miss, width, css_width = out
    assert cells == expected
    assert hit == {"row": 1, "col": 2} and miss is None
    assert width == css_width  # devicePixelRatio 1 under Node
