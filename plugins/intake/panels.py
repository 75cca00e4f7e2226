"""The chart panels: packet status (front desk and therapists), scores with a trend
and the change from baseline, and the latest pain diagram (therapists)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from flask import get_template_attribute, render_template
from flask_login import current_user
from markupsafe import Markup

from clinic.api import line_chart_svg, to_local
from plugins.intake import painmap, queries, services
from plugins.intake.instruments import get as get_definition
from plugins.intake.models import IntakeResponse
from plugins.intake.scoring import mcid_reached

MCID_SETTING = {"nprs": "mcid_nprs", "odi": "mcid_odi", "rmdq": "mcid_rmdq"}
Y_MAX = {"nprs": 10.0, "odi": 100.0, "rmdq": 24.0, "sbst": 9.0, "peg": 10.0}


def status_panel(patient) -> str:
    runs = queries.runs(patient.id)
    findings = queries.current_findings(patient.id)
    return render_template(
        "intake/_panel_status.html",
        patient=patient,
        runs=runs[:5],
        findings=findings,
        can_enter=current_user.can("intake.enter"),
    )


@dataclass(frozen=True)
class ScoreRow:
    instrument_id: str
    title: str
    unit: str
    score_label: str
    latest: IntakeResponse
    baseline: IntakeResponse
    change: float | None
    mcid: bool
    mcid_rule: str
    chart: Markup
    series: list


def mcid_rule(instrument_id: str) -> tuple[float | None, float | None]:
    defn = get_definition(instrument_id)
    key = MCID_SETTING.get(instrument_id)
    points = float(services.setting(key)) if key else defn.mcid_points
    percent = float(services.setting("mcid_percent")) if key else defn.mcid_percent
    return points, percent


def score_rows(patient_id: int) -> list[ScoreRow]:
    rows = []
    for instrument_id, series in queries.scored(patient_id).items():
        defn = get_definition(instrument_id)
        baseline, latest = series[0], series[-1]
        change = None
        reached = False
        rule = ""
        if len(series) > 1:
            change = round(latest.total - baseline.total, 1)
            points, percent = mcid_rule(instrument_id)
            if points is not None or percent is not None:
                reached = mcid_reached(
                    instrument_id, baseline.total, latest.total, points=points, percent=percent
                )
                bits = []
                if points is not None:
                    bits.append(f"{points:g} points")
                if percent is not None:
                    bits.append(f"{percent:g} % of baseline")
                rule = " or ".join(bits)
        svg = line_chart_svg(
            [
                (
                    defn.short_title or defn.title,
                    [(to_local(r.entered_at).date(), float(r.total)) for r in series],
                )
            ],
            y_min=0.0,
            y_max=Y_MAX.get(instrument_id, max(float(r.total) for r in series) or 1.0),
            y_label=defn.score_label or defn.title,
            width=300,
            height=130,
            marks=[(to_local(latest.entered_at).date(), "MCID")] if reached else [],
        )
        # The core escapes every text it puts in the SVG; our values are numbers and labels.
        chart = Markup(svg)  # noqa: S704 -- escaped by clinic.charts
        rows.append(
            ScoreRow(
                instrument_id,
                defn.title,
                defn.unit,
                defn.score_label,
                latest,
                baseline,
                change,
                reached,
                rule,
                chart,
                series,
            )
        )
    return rows


def scores_panel(patient) -> str:
    return render_template(
        "intake/_panel_scores.html", patient=patient, rows=score_rows(patient.id)
    )


def pain_panel(patient) -> str:
    latest = queries.latest_pain_diagram(patient.id)
    ratings = latest.answer_dict() if latest else {}
    return render_template(
        "intake/_panel_pain.html",
        patient=patient,
        response=latest,
        ratings=ratings,
        figure=pain_figure(ratings) if latest else "",
    )


def pain_figure(ratings: dict) -> Markup:
    """The two body figures with ``ratings`` drawn on them (``pain_svg``, not interactive).

    Drawing them is most of the chart's template work (dozens of regions, each escaped
    several times), yet the drawing depends on nothing but the ratings: it is kept per
    process for the last few hundred distinct sets of ratings.  It holds no name or
    date, only region codes and numbers.
    """
    try:
        key = tuple(sorted(ratings.items()))
        hash(key)
    except TypeError:  # an unexpected stored value: draw it, uncached
        return _draw_pain_figure(ratings)
    return _cached_pain_figure(key)


@lru_cache(maxsize=256)
def _cached_pain_figure(key: tuple) -> Markup:
    return _draw_pain_figure(dict(key))


def _draw_pain_figure(ratings: dict) -> Markup:
    macro = get_template_attribute("intake/_pain_svg.html", "pain_svg")
    # The macro's output is autoescaped template output, not user text.
    return Markup(macro(painmap.shapes, ratings, painmap.intensity_class))  # noqa: S704
