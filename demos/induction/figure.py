"""Line charts as plain SVG, written by the training scripts (no plotting library, byte-stable output):
the induction heads' learning curves (docs/assets/figures/induction-training.svg) and the char
Transformer against the char-LSTM (docs/assets/figures/chartransformer-training.svg).

A chart is a stack of panels sharing one x axis; each panel has series (points, colour, dash pattern:
lines differ in dash as well as colour), optional horizontal reference lines and vertical marks.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

WIDTH, LEFT, RIGHT, PANEL_H, GAP, TOP, BOTTOM = 640, 58, 190, 170, 34, 26, 44


@dataclass
class Series:
    name: str
    points: list[tuple[float, float]]
    colour: str
    dash: str = ""
    width: float = 2.2


@dataclass
class Panel:
    title: str
    ylabel: str
    ylim: tuple[float, float]
    series: list[Series]
    yticks: list[float]
    hlines: list[tuple[float, str]] = field(default_factory=list)   # (y, label): dotted reference lines
    percent: bool = False


def _fmt(v: float, percent: bool) -> str:
    return f"{v:.0%}" if percent else f"{v:g}"


def chart(panels: list[Panel], xmax: float, xlabel: str, title: str,
          marks: list[tuple[float, str]] = ()) -> str:
    """The SVG text: panels stacked top to bottom, x from 0 to xmax, `marks` as dashed vertical lines."""
    height = TOP + len(panels) * PANEL_H + (len(panels) - 1) * GAP + BOTTOM
    plot_w = WIDTH - LEFT - RIGHT
    x = lambda v: LEFT + plot_w * v / xmax
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" '
           f'height="{height}" role="img" font-family="sans-serif" font-size="12">',
           f"<title>{escape(title)}</title>", f'<rect width="{WIDTH}" height="{height}" fill="#fff"/>']
    for i, panel in enumerate(panels):
        top = TOP + i * (PANEL_H + GAP)
        lo, hi = panel.ylim
        y = lambda v, top=top, lo=lo, hi=hi: top + PANEL_H * (1 - (min(max(v, lo), hi) - lo) / (hi - lo))
        out.append(f'<text x="{LEFT}" y="{top - 8}" fill="#222" font-weight="bold">{escape(panel.title)}</text>')
        for v in panel.yticks:
            out.append(f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#ddd"/>'
                       f'<text x="{LEFT - 6}" y="{y(v) + 4:.1f}" text-anchor="end" fill="#333">'
                       f'{_fmt(v, panel.percent)}</text>')
        out.append(f'<text transform="translate(14 {top + PANEL_H / 2:.0f}) rotate(-90)" text-anchor="middle" '
                   f'fill="#333">{escape(panel.ylabel)}</text>')
        for v, label in panel.hlines:
            out.append(f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#777" '
                       f'stroke-dasharray="1 3"/><text x="{LEFT + plot_w - 4}" y="{y(v) - 4:.1f}" '
                       f'text-anchor="end" fill="#555">{escape(label)}</text>')
        for at, label in marks:
            out.append(f'<line x1="{x(at):.1f}" x2="{x(at):.1f}" y1="{top}" y2="{top + PANEL_H}" stroke="#555" '
                       f'stroke-dasharray="5 4"/>')
            if i == 0:
                out.append(f'<text x="{x(at) + 4:.1f}" y="{top + 14}" fill="#333">{escape(label)}</text>')
        for k, s in enumerate(panel.series):
            points = " ".join(f"{x(a):.1f},{y(b):.1f}" for a, b in s.points)
            out.append(f'<polyline points="{points}" fill="none" stroke="{s.colour}" stroke-width="{s.width}" '
                       f'stroke-dasharray="{s.dash}" stroke-linejoin="round"/>')
            ly = top + 12 + 20 * k
            out.append(f'<line x1="{LEFT + plot_w + 10}" x2="{LEFT + plot_w + 34}" y1="{ly}" y2="{ly}" '
                       f'stroke="{s.colour}" stroke-width="{s.width}" stroke-dasharray="{s.dash}"/>'
                       f'<text x="{LEFT + plot_w + 40}" y="{ly + 4}" fill="#222">{escape(s.name)}</text>')
        out.append(f'<rect x="{LEFT}" y="{top}" width="{plot_w}" height="{PANEL_H}" fill="none" stroke="#888"/>')
    bottom = TOP + len(panels) * PANEL_H + (len(panels) - 1) * GAP
    step = _tick_step(xmax)
    v = 0.0
    while v <= xmax + 1e-9:
        out.append(f'<line x1="{x(v):.1f}" x2="{x(v):.1f}" y1="{bottom}" y2="{bottom + 4}" stroke="#333"/>'
                   f'<text x="{x(v):.1f}" y="{bottom + 17}" text-anchor="middle" fill="#333">{v:,.0f}</text>')
        v += step
    out.append(f'<text x="{LEFT + plot_w / 2:.0f}" y="{height - 6}" text-anchor="middle" fill="#333">'
               f'{escape(xlabel)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _tick_step(xmax: float) -> float:
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000):
        if xmax / step <= 8:
            return float(step)
    return xmax / 4
