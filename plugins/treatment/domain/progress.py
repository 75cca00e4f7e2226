"""Numbers for the progress view and report: pain trend, visits, goals."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class SessionPoint:
    date: dt.date
    pain_before: int | None
    pain_after: int | None


def pain_drop(points: Iterable[SessionPoint]) -> float | None:
    """Mean pre-session pain minus mean post-session pain, over the sessions that have
    both scores (positive = pain went down).  None when no session has both."""
    pairs = [
        (p.pain_before, p.pain_after)
        for p in points
        if p.pain_before is not None and p.pain_after is not None
    ]
    if not pairs:
        return None
    before = sum(b for b, _ in pairs) / len(pairs)
    after = sum(a for _, a in pairs) / len(pairs)
    return round(before - after, 2)


def visits_summary(*, done: int, planned: int, authorized: int | None) -> dict[str, Any]:
    """Visits done against the plan and (when a coverage plugin knows it) the payer's
    authorisation."""
    summary: dict[str, Any] = {
        "done": done,
        "planned": planned,
        "authorized": authorized,
        "remaining_planned": max(planned - done, 0),
        "over_plan": done > planned,
        "percent_of_plan": round(done / planned * 100) if planned > 0 else None,
        "remaining_authorized": None,
        "over_authorized": False,
        "authorization_exhausted": False,
    }
    if authorized is not None:
        summary["remaining_authorized"] = max(authorized - done, 0)
        summary["over_authorized"] = done > authorized
        summary["authorization_exhausted"] = done >= authorized
    return summary


@dataclass(frozen=True)
class PainChart:
    """Geometry of an SVG line chart of pain before/after each session (0 at bottom).

    ``before``/``after`` are polyline points (x, y) for sessions that have the score;
    ``x_labels`` are (x, label) per session; ``y_ticks`` are (y, value).
    """

    width: int
    height: int
    before: tuple[tuple[float, float], ...]
    after: tuple[tuple[float, float], ...]
    x_labels: tuple[tuple[float, str], ...]
    y_ticks: tuple[tuple[float, int], ...]

    @staticmethod
    def polyline(points: Sequence[tuple[float, float]]) -> str:
        return " ".join(f"{x:g},{y:g}" for x, y in points)


def pain_chart(
    points: Sequence[SessionPoint], *, width: int = 600, height: int = 240, pad: int = 36
) -> PainChart:
    """Lay out sessions evenly left to right and pain 0-10 bottom to top."""
    points = list(points)
    inner_w, inner_h = width - 2 * pad, height - 2 * pad
    step = inner_w / (len(points) - 1) if len(points) > 1 else 0

    def x_of(i: int) -> float:
        return round(pad + (i * step if len(points) > 1 else inner_w / 2), 1)

    def y_of(value: int) -> float:
        return round(pad + inner_h * (10 - value) / 10, 1)

    before = tuple(
        (x_of(i), y_of(p.pain_before)) for i, p in enumerate(points) if p.pain_before is not None
    )
    after = tuple(
        (x_of(i), y_of(p.pain_after)) for i, p in enumerate(points) if p.pain_after is not None
    )
    labels = tuple((x_of(i), p.date.isoformat()) for i, p in enumerate(points))
    ticks = tuple((y_of(v), v) for v in range(0, 11, 2))
    return PainChart(width, height, before, after, labels, ticks)


def latest_value(measures: Iterable[Any], instrument: str) -> float | None:
    """The most recent value of ``instrument`` among OutcomeMeasure-like objects."""
    latest = None
    for m in measures:
        if m.instrument == instrument and (latest is None or m.taken_on >= latest.taken_on):
            latest = m
    return None if latest is None else latest.value


def pain_series(points: Iterable[SessionPoint]) -> list[tuple[str, list[tuple[dt.date, float]]]]:
    """Before/after pain as series for ``clinic.charts.line_chart_svg`` (y 0-10)."""
    points = list(points)
    return [
        ("Pain before", [(p.date, p.pain_before) for p in points if p.pain_before is not None]),
        ("Pain after", [(p.date, p.pain_after) for p in points if p.pain_after is not None]),
    ]
