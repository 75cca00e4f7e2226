"""Safety rules for the health-history screen (pure Python, no Flask).

:func:`evaluate` turns validated ``history`` answers into :class:`Finding`\\ s.  Findings are
prompts for a clinician to review: they say which answer triggered them and what to do or
avoid, and never name a diagnosis as fact.  Every rule, threshold and setting is written
down for a clinician in ``docs/clinical-rules.md``.

The rules live in modules along the clinical seam: :mod:`.red_flags` (refer to a
physician; the emergencies among them), :mod:`.veins` (clots and veins),
:mod:`.contraindications` (what not to do, or to do differently, and where) and
:mod:`.precautions` (medicines, pregnancy, allergies, comfort requests).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from plugins.intake.instruments import ResponseError, validate

from .common import KINDS, Finding, Thresholds
from .contraindications import contraindications
from .red_flags import red_flags
from .veins import veins

__all__ = ["KINDS", "Finding", "ResponseError", "Thresholds", "age_in_years", "evaluate"]


def age_in_years(born: dt.date, on: dt.date) -> int:
    """Whole years of age on ``on`` (a birthday on 29 February counts from 1 March)."""
    years = on.year - born.year
    if (on.month, on.day) < (born.month, born.day):
        years -= 1
    return years


def evaluate(
    answers: Mapping[str, Any],
    *,
    age: int | None,
    red_flag_age_under: int | None = None,
    red_flag_age_over: int | None = None,
    thresholds: Thresholds | None = None,
) -> list[Finding]:
    """Findings for validated ``history`` answers, emergencies first, then by kind.

    ``age`` is the patient's age in whole years (None if unknown).  ``thresholds`` holds
    the clinic's settings (defaults: red-flag age under 20 or over 50, surgery clearance 6
    weeks, lying flat avoided from 20 weeks of pregnancy); the two age keywords override it.
    Raw form answers are accepted too: they are validated first (a partial response is fine),
    so a "yes" typed as a string can never slip past a rule.  Invalid answers raise
    :class:`ResponseError`.
    """
    limits = thresholds or Thresholds()
    if red_flag_age_under is not None or red_flag_age_over is not None:
        limits = Thresholds(
            red_flag_age_under=(
                limits.red_flag_age_under if red_flag_age_under is None else red_flag_age_under
            ),
            red_flag_age_over=(
                limits.red_flag_age_over if red_flag_age_over is None else red_flag_age_over
            ),
            surgery_clearance_weeks=limits.surgery_clearance_weeks,
            pregnancy_supine_weeks=limits.pregnancy_supine_weeks,
        )
    answers = validate("history", answers, partial=True)
    found = red_flags(answers, age, limits) + veins(answers) + contraindications(answers, limits)
    order = {kind: n for n, kind in enumerate(KINDS)}
    return sorted(found, key=lambda f: (not f.emergency, order[f.kind]))
