"""Small server-rendered SVG line charts (no JavaScript, no external assets).

Used by plugins for trends such as scores over time or pain before/after sessions.
All text is escaped; the chart carries a <title> and <desc> for screen readers and
plugins should show the numbers in a table beside it as well.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from html import escape

Series = tuple[str, Sequence[tuple[dt.date, float]]]

# Distinguishable by shape as well as colour: each series also gets its own marker.
_STYLES = (
    ("#1f6f64", "circle", ""),
    ("#9b4d00", "square", "6 3"),
    ("#4b3f99", "diamond", "2 3"),
    ("#7a0000", "circle", "8 3 2 3"),
)


def _marker(kind: str, x: float, y: float, colour: str) -> str:
    if kind == "square":
        return f'<rect x="{x - 3:.1f}" y="{y - 3:.1f}" width="6" height="6" fill="{colour}"/>'
    if kind == "diamond":
        return (
            f'<polygon points="{x:.1f},{y - 4:.1f} {x + 4:.1f},{y:.1f} {x:.1f},{y + 4:.1f} '
            f'{x - 4:.1f},{y:.1f}" fill="{colour}"/>'
        )
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.2" fill="{colour}"/>'


def line_chart_svg(
    series: list[Series],
    *,
    y_min: float,
    y_max: float,
    y_label: str,
    width: int = 320,
    height: int = 140,
    marks: Sequence[tuple[dt.date, str]] = (),
) -> str:
    """Return an SVG document fragment plotting each series against its dates.

    ``marks`` draws labelled vertical lines at dates (e.g. "MCID reached").
    """
    if y_max <= y_min:
        raise ValueError("y_max must be greater than y_min")
    left, right, top, bottom = 34, 8, 10, 30
    plot_w, plot_h = width - left - right, height - top - bottom
    dates = sorted({d for _name, points in series for d, _v in points} | {d for d, _ in marks})
    title = escape(f"{y_label} over time")
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}">',
        f"<title>{title}</title>",
    ]
    if not dates:
        parts.append(
            f'<desc>No data yet.</desc><text x="{width / 2:.0f}" y="{height / 2:.0f}" '
            f'text-anchor="middle" font-size="11" fill="#4f5d63">No data yet</text></svg>'
        )
        return "".join(parts)
    first, last = dates[0], dates[-1]
    span = max((last - first).days, 1)

    def x_of(day: dt.date) -> float:
        if first == last:
            return left + plot_w / 2
        return left + plot_w * (day - first).days / span

    def y_of(value: float) -> float:
        clamped = min(max(value, y_min), y_max)
        return top + plot_h * (1 - (clamped - y_min) / (y_max - y_min))

    desc = "; ".join(
        f"{name}: " + ", ".join(f"{d.isoformat()} {v:g}" for d, v in points)
        for name, points in series
    )
    parts.append(f"<desc>{escape(desc)}</desc>")
    # Axes and gridlines at min, middle, max.
    for value in (y_min, (y_min + y_max) / 2, y_max):
        y = y_of(value)
        parts.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="#cfd9d6" stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{left - 4}" y="{y + 3:.1f}" text-anchor="end" font-size="9" '
            f'fill="#4f5d63">{value:g}</text>'
        )
    parts.append(
        f'<text x="{left}" y="{top + plot_h + 11}" font-size="9" fill="#4f5d63">'
        f"{escape(first.isoformat())}</text>"
    )
    if last != first:
        parts.append(
            f'<text x="{left + plot_w}" y="{top + plot_h + 11}" text-anchor="end" font-size="9" '
            f'fill="#4f5d63">{escape(last.isoformat())}</text>'
        )
    for day, label in marks:
        x = x_of(day)
        parts.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{top + plot_h}" '
            f'stroke="#9b4d00" stroke-dasharray="3 3"/>'
        )
        # Near the right edge the label goes on the left of its line, so it is not cut off.
        if x > left + plot_w * 0.6:
            text_x, anchor = x - 2, "end"
        else:
            text_x, anchor = x + 2, "start"
        parts.append(
            f'<text x="{text_x:.1f}" y="{top + 8}" font-size="8" fill="#5c4100" '
            f'text-anchor="{anchor}">{escape(label)}</text>'
        )
    for index, (name, points) in enumerate(series):
        colour, marker, dash = _STYLES[index % len(_STYLES)]
        ordered = sorted(points)
        if len(ordered) > 1:
            coords = " ".join(f"{x_of(d):.1f},{y_of(v):.1f}" for d, v in ordered)
            dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
            parts.append(
                f'<polyline points="{coords}" fill="none" stroke="{colour}" '
                f'stroke-width="2"{dash_attr}><title>{escape(name)}</title></polyline>'
            )
        parts.extend(_marker(marker, x_of(d), y_of(v), colour) for d, v in ordered)
    # Legend.
    for index, (name, _points) in enumerate(series):
        colour, marker, _dash = _STYLES[index % len(_STYLES)]
        lx = left + 4 + index * (plot_w // max(len(series), 1))
        parts.append(_marker(marker, lx, top + plot_h + 23 - 3, colour))
        parts.append(
            f'<text x="{lx + 6}" y="{top + plot_h + 23}" font-size="9" fill="#1f2a30">'
            f"{escape(name)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
