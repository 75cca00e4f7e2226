"""Server-side SVG of pain before and after each session (no script, CSP-safe)."""

from __future__ import annotations

from markupsafe import Markup, escape

WIDTH, HEIGHT, PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 320, 160, 34, 10, 10, 28


def pain_chart_svg(points) -> Markup:
    """Two lines (before: solid with circles; after: dashed with squares) on a 0–10 scale.

    Shapes and dashes, not only colour, tell the series apart.
    """
    usable = [p for p in points if p.pain_before is not None or p.pain_after is not None]
    inner_w = WIDTH - PAD_LEFT - PAD_RIGHT
    inner_h = HEIGHT - PAD_TOP - PAD_BOTTOM

    def x(i: int) -> float:
        return PAD_LEFT + (inner_w * i / (len(usable) - 1) if len(usable) > 1 else inner_w / 2)

    def y(v: float) -> float:
        return PAD_TOP + inner_h * (1 - v / 10)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" aria-labelledby="pain-chart-title" '
        'class="pain-chart">',
        '<title id="pain-chart-title">Pain before and after each session (0–10)</title>',
    ]
    for v in (0, 5, 10):
        parts.append(
            f'<line x1="{PAD_LEFT}" x2="{WIDTH - PAD_RIGHT}" y1="{y(v):.1f}" y2="{y(v):.1f}" '
            'stroke="#ccc" stroke-width="1"/>'
            f'<text x="{PAD_LEFT - 6}" y="{y(v) + 4:.1f}" font-size="10" '
            f'text-anchor="end">{v}</text>'
        )
    for i, p in enumerate(usable):
        parts.append(
            f'<text x="{x(i):.1f}" y="{HEIGHT - 10}" font-size="9" text-anchor="middle">'
            f"{escape(p.date.strftime('%d %b'))}</text>"
        )
    for attr, dash, marker in (("pain_before", "", "circle"), ("pain_after", "5 3", "square")):
        coords = [
            (x(i), y(getattr(p, attr)))
            for i, p in enumerate(usable)
            if getattr(p, attr) is not None
        ]
        if not coords:
            continue
        line = " ".join(f"{cx:.1f},{cy:.1f}" for cx, cy in coords)
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(
            f'<polyline points="{line}" fill="none" stroke="#1f4e79" stroke-width="2"{dash_attr}/>'
        )
        for cx, cy in coords:
            if marker == "circle":
                parts.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="3.5" fill="#1f4e79"/>')
            else:
                parts.append(
                    f'<rect x="{cx - 3.5:.1f}" y="{cy - 3.5:.1f}" width="7" height="7" '
                    'fill="#ffffff" stroke="#1f4e79" stroke-width="1.5"/>'
                )
    parts.append("</svg>")
    # Built only from numbers, dates and fixed strings above; nothing typed by a user.
    return Markup("".join(parts))  # noqa: S704 -- see comment above
