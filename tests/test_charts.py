"""Server-side SVG charts: escaped, accessible, readable at the edges."""

import datetime as dt

import pytest

from clinic.charts import line_chart_svg

D1, D2, D3 = dt.date(2026, 9, 1), dt.date(2026, 9, 15), dt.date(2026, 10, 1)


def test_labels_and_names_are_escaped():
    svg = line_chart_svg(
        [("<script>x</script>", [(D1, 3), (D2, 5)])],
        y_min=0,
        y_max=10,
        y_label="Pain & <b>",
        marks=[(D2, "<i>MCID</i>")],
    )
    assert "<script>" not in svg and "<b>" not in svg and "<i>" not in svg
    assert "&lt;script&gt;" in svg and "Pain &amp; &lt;b&gt; over time" in svg


def test_chart_describes_its_data_for_screen_readers():
    svg = line_chart_svg([("NPRS", [(D1, 8), (D3, 3)])], y_min=0, y_max=10, y_label="Pain")
    assert 'role="img"' in svg and "<title>Pain over time</title>" in svg
    assert "<desc>NPRS: 2026-09-01 8, 2026-10-01 3</desc>" in svg


def test_empty_chart_says_so():
    assert "No data yet" in line_chart_svg([], y_min=0, y_max=10, y_label="Pain")


def test_values_outside_the_axis_are_clamped_inside_the_plot():
    svg = line_chart_svg([("x", [(D1, -5), (D2, 50)])], y_min=0, y_max=10, y_label="y", height=140)
    ys = [float(part.split('"')[0]) for part in svg.split('cy="')[1:]]
    assert all(10 <= y <= 140 for y in ys)


def test_a_mark_at_the_right_edge_is_labelled_to_its_left():
    svg = line_chart_svg(
        [("x", [(D1, 1), (D3, 2)])], y_min=0, y_max=10, y_label="y", marks=[(D3, "MCID")]
    )
    assert 'text-anchor="end">MCID</text>' in svg


def test_axis_range_must_make_sense():
    with pytest.raises(ValueError):
        line_chart_svg([], y_min=5, y_max=5, y_label="y")
