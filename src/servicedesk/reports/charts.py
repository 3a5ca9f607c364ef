"""Charts as SVG text, drawn on the server without Django: bars, lines and a sparkline.

Why our own: a page, a PDF and a mail show the same markup without JavaScript, a CDN or a vendored library,
and a chart reads in the PDF exactly as on screen. Every chart has a <title> and <desc> (read by screen
readers), its values in <title>s of the marks, axis labels with their unit, numbers formatted by the caller
(Dutch or English), and colours from the Okabe-Ito palette, which people with colour blindness tell apart.
Pages show the table the chart was drawn from under it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

#: Okabe & Ito's colours for colour-blind readers: blue, orange, bluish green, vermillion, sky blue, purple.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7")
INK, GRID, MUTED = "#222222", "#dddddd", "#555555"
WIDTH = 480  # viewBox units; the chart scales to its box, text stays readable on a phone
FONT = 14


@dataclass(frozen=True, slots=True)
class Series:
    """One named row of values, one per category (None: no value there)."""

    name: str
    values: Sequence[float | None]
    colour: str


def nice_ticks(top: float, count: int = 4) -> list[float]:
    """Round axis ticks from 0 to at least `top`: steps of 1, 2 or 5 times a power of ten."""
    if top <= 0:
        return [0.0, 1.0]
    rough = top / count
    power = 10 ** math.floor(math.log10(rough))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= rough)
    ticks, value = [], 0.0
    while True:
        ticks.append(value)
        if value >= top:
            return ticks
        value = round(value + step, 10)


def _text(x: float, y: float, text: str, *, anchor: str = "start", size: int = FONT, fill: str = INK, extra=""):
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" fill="{fill}" text-anchor="{anchor}"{extra}>'
        f"{escape(text)}</text>"
    )


def _open(chart_id: str, title: str, description: str, height: float) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height:.0f}" class="chart" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" font-family="system-ui, sans-serif">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]


def _legend(series: Sequence[Series], y: float) -> tuple[list[str], float]:
    """Legend items left to right, wrapping; returns the markup and the y below it."""
    parts, x = [], 0.0
    for item in series:
        width = 22 + len(item.name) * FONT * 0.55
        if x and x + width > WIDTH:
            x, y = 0.0, y + FONT + 8
        parts.append(f'<rect x="{x:.1f}" y="{y - FONT + 3:.1f}" width="12" height="12" fill="{item.colour}"/>')
        parts.append(_text(x + 16, y, item.name))
        x += width + 12
    return parts, y + FONT


def bar_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    categories: Sequence[str],
    series: Sequence[Series],
    axis_label: str,
    format_value: Callable[[float], str],
) -> str:
    """Horizontal bars, one per category, the series stacked along it (a long customer name fits above its
    bar, also on a phone). The axis below counts from 0 with round ticks."""
    totals = [sum(s.values[i] or 0 for s in series) for i in range(len(categories))]
    ticks = nice_ticks(max(totals, default=0))
    top = ticks[-1]
    parts, y = [], FONT + 2
    legend, y = _legend(series, y)
    parts += legend
    y += 10
    bar_height, row = 18, FONT + 30
    plot_top = y
    scale = (WIDTH - 60) / top
    for index, category in enumerate(categories):
        parts.append(_text(0, y + FONT, category))
        x = 0.0
        for item in series:
            value = item.values[index] or 0
            if value:
                width = value * scale
                parts.append(
                    f'<rect x="{x:.1f}" y="{y + FONT + 5:.1f}" width="{width:.1f}" height="{bar_height}" '
                    f'fill="{item.colour}"><title>{escape(category)}: {escape(item.name)} '
                    f"{escape(format_value(value))}</title></rect>"
                )
                x += width
        parts.append(_text(x + 4, y + FONT + 5 + bar_height - 4, format_value(totals[index]), fill=MUTED))
        y += row
    plot_bottom = y
    for tick in ticks:
        x = tick * scale
        parts.insert(
            0,
            f'<line x1="{x:.1f}" y1="{plot_top:.1f}" x2="{x:.1f}" y2="{plot_bottom:.1f}" stroke="{GRID}"/>',
        )
        anchor = "start" if tick == 0 else "middle"
        parts.append(_text(x, plot_bottom + FONT + 4, format_value(tick), anchor=anchor, fill=MUTED))
    parts.append(_text(WIDTH / 2, plot_bottom + 2 * FONT + 12, axis_label, anchor="middle"))
    height = plot_bottom + 2 * FONT + 18
    return "".join(_open(chart_id, title, description, height) + parts + ["</svg>"])


def line_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    categories: Sequence[str],
    series: Sequence[Series],
    axis_label: str,
    format_value: Callable[[float], str],
    height: float = 280,
) -> str:
    """Lines over categories in time order (months, weeks), with round ticks on the value axis; a point
    carries its value in a <title>. At most about eight category labels are written, evenly spread."""
    values = [v for s in series for v in s.values if v is not None]
    ticks = nice_ticks(max(values, default=0))
    top = ticks[-1]
    parts, y = [], FONT + 2
    legend, y = _legend(series, y)
    parts += legend
    left, plot_top, plot_bottom = 52.0, y + 10, height - 2 * FONT - 22
    span = WIDTH - left - 10
    parts.append(_text(0, plot_top - 2, axis_label, size=FONT - 2, fill=MUTED))
    for tick in ticks:
        ty = plot_bottom - (plot_bottom - plot_top - FONT) * tick / top
        parts.append(f'<line x1="{left:.1f}" y1="{ty:.1f}" x2="{WIDTH - 10}" y2="{ty:.1f}" stroke="{GRID}"/>')
        parts.append(_text(left - 6, ty + 5, format_value(tick), anchor="end", fill=MUTED))
    n = len(categories)

    def x_of(i: int) -> float:
        return left + (span * i / (n - 1) if n > 1 else span / 2)

    every = max(1, math.ceil(n / 8))
    for i, category in enumerate(categories):
        if i % every == 0:
            # The outermost labels lean inwards, so they stay inside the picture.
            anchor = "start" if i == 0 and n > 1 else "end" if i == n - 1 and n > 1 else "middle"
            parts.append(_text(x_of(i), plot_bottom + FONT + 6, category, anchor=anchor, size=FONT - 2))
    for item in series:
        points = [
            (x_of(i), plot_bottom - (plot_bottom - plot_top - FONT) * v / top, categories[i], v)
            for i, v in enumerate(item.values)
            if v is not None
        ]
        if len(points) > 1:
            path = " ".join(f"{px:.1f},{py:.1f}" for px, py, _, _ in points)
            parts.append(f'<polyline points="{path}" fill="none" stroke="{item.colour}" stroke-width="2.5"/>')
        for px, py, category, value in points:
            parts.append(
                f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3.5" fill="{item.colour}"><title>{escape(category)}: '
                f"{escape(item.name)} {escape(format_value(value))}</title></circle>"
            )
    return "".join(_open(chart_id, title, description, height) + parts + ["</svg>"])


def sparkline(*, chart_id: str, title: str, values: Sequence[float], colour: str = PALETTE[0]) -> str:
    """A small line without axes for a trend next to a figure; its title says what it shows and the values."""
    width, height, pad = 160.0, 40.0, 4.0
    low, high = min(values, default=0), max(values, default=0)
    spread = (high - low) or 1
    n = len(values)
    points = [
        (
            pad + (width - 2 * pad) * (i / (n - 1) if n > 1 else 0.5),
            height - pad - (height - 2 * pad) * (v - low) / spread,
        )
        for i, v in enumerate(values)
    ]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    last = f'<circle cx="{points[-1][0]:.1f}" cy="{points[-1][1]:.1f}" r="3" fill="{colour}"/>' if points else ""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" class="sparkline" '
        f'role="img" aria-labelledby="{chart_id}-title"><title id="{chart_id}-title">{escape(title)}</title>'
        f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>{last}</svg>'
    )
