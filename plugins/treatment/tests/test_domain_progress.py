"""Pain trend, visit counts and chart geometry for the progress view."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from plugins.treatment.domain.progress import (
    PainChart,
    SessionPoint,
    latest_value,
    pain_chart,
    pain_drop,
    pain_series,
    visits_summary,
)

D = dt.date(2026, 3, 2)


def points(*pairs):
    return [SessionPoint(D + dt.timedelta(days=7 * i), b, a) for i, (b, a) in enumerate(pairs)]


def test_pain_drop_is_mean_before_minus_mean_after():
    # before 6, 5, 4 -> mean 5; after 3, 3, 2 -> mean 2.67; drop 2.33
    assert pain_drop(points((6, 3), (5, 3), (4, 2))) == 2.33


def test_pain_drop_only_uses_sessions_with_both_scores():
    assert pain_drop(points((8, None), (6, 4), (None, 1))) == 2.0


def test_pain_drop_is_none_without_any_complete_pair():
    assert pain_drop([]) is None
    assert pain_drop(points((5, None))) is None


def test_pain_drop_is_negative_when_pain_rises():
    assert pain_drop(points((3, 5))) == -2.0


def test_visits_summary_without_authorisation():
    assert visits_summary(done=4, planned=6, authorized=None) == {
        "done": 4,
        "planned": 6,
        "authorized": None,
        "remaining_planned": 2,
        "over_plan": False,
        "percent_of_plan": 67,
        "remaining_authorized": None,
        "over_authorized": False,
        "authorization_exhausted": False,
    }


def test_visits_summary_against_an_authorisation():
    summary = visits_summary(done=8, planned=6, authorized=8)
    assert summary["over_plan"] is True
    assert summary["remaining_planned"] == 0
    assert summary["remaining_authorized"] == 0
    assert summary["authorization_exhausted"] is True
    assert summary["over_authorized"] is False
    assert visits_summary(done=9, planned=6, authorized=8)["over_authorized"] is True
    assert visits_summary(done=3, planned=6, authorized=8)["remaining_authorized"] == 5


def test_visits_summary_with_no_planned_visits_has_no_percentage():
    assert visits_summary(done=0, planned=0, authorized=None)["percent_of_plan"] is None


def test_pain_chart_places_sessions_left_to_right_and_pain_bottom_to_top():
    chart = pain_chart(points((10, 4), (6, 0)), width=600, height=240, pad=36)
    assert chart.before == ((36.0, 36.0), (564.0, 103.2))
    assert chart.after == ((36.0, 136.8), (564.0, 204.0))
    assert chart.x_labels == ((36.0, "2026-03-02"), (564.0, "2026-03-09"))
    assert chart.y_ticks[0] == (204.0, 0) and chart.y_ticks[-1] == (36.0, 10)
    assert PainChart.polyline(chart.before) == "36,36 564,103.2"


def test_pain_chart_skips_missing_scores_and_centres_a_single_session():
    chart = pain_chart(points((7, None)), width=600, height=240, pad=36)
    assert chart.before == ((300.0, 86.4),)
    assert chart.after == ()
    assert pain_chart([]).before == ()


def test_latest_value_picks_the_most_recent_measure_of_the_instrument():
    measures = [
        SimpleNamespace(instrument="odi", taken_on=D, value=42.0),
        SimpleNamespace(instrument="odi", taken_on=D + dt.timedelta(days=28), value=30.0),
        SimpleNamespace(instrument="nprs", taken_on=D + dt.timedelta(days=40), value=3),
        SimpleNamespace(instrument="odi", taken_on=D + dt.timedelta(days=14), value=36.0),
    ]
    assert latest_value(measures, "odi") == 30.0
    assert latest_value(measures, "rmdq") is None


def test_pain_series_feed_the_core_line_chart():
    from clinic.api import line_chart_svg

    series = pain_series(points((6, 3), (5, None)))
    assert series == [
        ("Pain before", [(D, 6), (D + dt.timedelta(days=7), 5)]),
        ("Pain after", [(D, 3)]),
    ]
    svg = line_chart_svg(series, y_min=0, y_max=10, y_label="Pain (0-10)")
    assert svg.startswith("<svg") and "Pain after" in svg
