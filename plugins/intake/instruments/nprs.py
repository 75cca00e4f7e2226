"""Numeric Pain Rating Scale: written by the project, so it ships with full wording."""

from __future__ import annotations

from .types import Band, InstrumentDefinition, Item, Option, Subscale


def _scale(low: str, high: str) -> tuple[Option, ...]:
    labels = {0: f"0 - {low}", 10: f"10 - {high}"}
    return tuple(Option(n, labels.get(n, str(n)), float(n)) for n in range(11))


_NO_PAIN = "no pain"
_WORST = "worst pain you can imagine"

DEFINITION = InstrumentDefinition(
    id="nprs",
    version="1.0",
    title="Numeric Pain Rating Scale",
    short_title="NPRS",
    kind="scored",
    items=(
        Item(
            "nprs.now",
            "On a scale of 0 to 10, how bad is your pain right now?",
            "choice",
            _scale(_NO_PAIN, _WORST),
            page="Pain rating",
        ),
        Item(
            "nprs.best",
            "In the last 24 hours, what was your pain at its lowest?",
            "choice",
            _scale(_NO_PAIN, _WORST),
            required=False,
            page="Pain rating",
        ),
        Item(
            "nprs.worst",
            "In the last 24 hours, what was your pain at its highest?",
            "choice",
            _scale(_NO_PAIN, _WORST),
            required=False,
            page="Pain rating",
        ),
    ),
    licence_note=(
        "The 0-10 numeric rating scale is free to use; the question wording here was written "
        "by the project."
    ),
    requires_wording_pack=False,
    mcid_points=2.0,
    mcid_percent=30.0,
    mcid_note="Project default (docs/clinical-rules.md): 2 points or 30 % of baseline; a setting.",
    higher_is_worse=True,
    unit="",
    score_label="Pain now (0-10)",
    missing_rule="Pain now must be answered; lowest and highest in 24 hours are optional.",
    scoring_rule=(
        "The score is the pain-now rating. The lowest and highest ratings in the last 24 hours "
        "are reported beside it when answered."
    ),
    subscales=(
        Subscale("best", "Lowest pain in the last 24 hours", ("nprs.best",)),
        Subscale("worst", "Highest pain in the last 24 hours", ("nprs.worst",)),
    ),
    bands=(
        Band("none", 0),
        Band("mild", 3),
        Band("moderate", 6),
        Band("severe", 10),
    ),
    band_note="Severity display of pain now: 0 none, 1-3 mild, 4-6 moderate, 7-10 severe.",
    score_min=0,
    score_max=10,
)
