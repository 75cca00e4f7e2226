"""Plan-of-care arithmetic: planned visits, status changes, goals, re-evaluation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

STATUSES: tuple[tuple[str, str], ...] = (
    ("draft", "Draft"),
    ("active", "Active"),
    ("completed", "Completed"),
    ("discontinued", "Discontinued"),
)

# target -> what the move requires; anything not listed is refused.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "draft": ("active", "discontinued"),
    "active": ("completed", "discontinued"),
    "completed": (),
    "discontinued": (),
}

MAX_TIMES_PER_WEEK = 7
MAX_WEEKS = 52
GOAL_DIRECTIONS: tuple[tuple[str, str], ...] = (
    ("below", "At or below the target"),
    ("above", "At or above the target"),
)


def planned_visits(times_per_week: int, weeks: int) -> int:
    """Visits a frequency and duration add up to: 1x a week for 6 weeks -> 6."""
    for name, value, high in (
        ("times per week", times_per_week, MAX_TIMES_PER_WEEK),
        ("weeks", weeks, MAX_WEEKS),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= high:
            raise ValueError(f"The number of {name} must be a whole number from 1 to {high}.")
    return times_per_week * weeks


class PlanTransitionError(ValueError):
    """A plan status change that is not allowed; the message says why."""


def check_transition(
    current: str, target: str, *, reason: str = "", blockers: Iterable[str] = ()
) -> None:
    """Allow draft -> active (only with no blockers), active -> completed, and
    draft or active -> discontinued (only with a reason).  Anything else is refused."""
    labels = dict(STATUSES)
    if current not in labels or target not in labels:
        raise PlanTransitionError(f"Unknown plan status: {current!r} -> {target!r}.")
    if target not in TRANSITIONS[current]:
        raise PlanTransitionError(
            f"A {labels[current].lower()} plan cannot become {labels[target].lower()}."
        )
    blockers = list(blockers)
    if target == "active" and blockers:
        raise PlanTransitionError("The plan cannot become active yet: " + "; ".join(blockers))
    if target == "discontinued" and not (reason or "").strip():
        raise PlanTransitionError("Give a reason for discontinuing the plan.")


@dataclass(frozen=True)
class Goal:
    """A measurable goal, e.g. ODI from 42 % to 20 % or less by 15 March.

    ``measure`` names the instrument (``OutcomeMeasure.instrument``, e.g. "odi" or
    "nprs"); ``direction`` is "below" (lower is better: the goal is met at or below the
    target) or "above" (met at or above it).
    """

    measure: str
    baseline: float | None
    target: float
    target_date: dt.date
    direction: str = "below"

    def __post_init__(self) -> None:
        if self.direction not in dict(GOAL_DIRECTIONS):
            raise ValueError(f"Goal direction must be 'below' or 'above', not {self.direction!r}")
        if not (self.measure or "").strip():
            raise ValueError("A goal needs a measure.")


class GoalError(ValueError):
    """A goal that cannot be accepted; ``errors`` maps goal field names to messages."""

    def __init__(self, errors: dict[str, str]):
        self.errors = dict(errors)
        super().__init__("; ".join(f"{k}: {v}" for k, v in self.errors.items()))


def _number(raw: object) -> float | None:
    if raw is None or isinstance(raw, str) and not raw.strip():
        return None
    if isinstance(raw, bool):
        raise ValueError
    value = float(str(raw).strip().replace(",", ".")) if isinstance(raw, str) else float(raw)
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError
    return value


def parse_goal(
    *,
    measure: str,
    baseline: object,
    target: object,
    target_date: dt.date | str | None,
    direction: str = "below",
    plan_start: dt.date | None = None,
) -> Goal:
    """Build a :class:`Goal` from form values (strings accepted), or raise
    :class:`GoalError` naming every problem: no measure, numbers that are not numbers,
    no target, an unknown direction, a target date missing or before the plan starts,
    or a baseline that already meets the target (nothing left to measure)."""
    errors: dict[str, str] = {}
    measure = (measure or "").strip()
    if not measure:
        errors["measure"] = "Name the measure, e.g. ODI or pain (NPRS)."
    numbers: dict[str, float | None] = {}
    for name, raw in (("baseline", baseline), ("target", target)):
        try:
            numbers[name] = _number(raw)
        except (TypeError, ValueError):
            errors[name] = "Enter a number."
            numbers[name] = None
    if numbers["target"] is None and "target" not in errors:
        errors["target"] = "Enter the target value."
    if direction not in dict(GOAL_DIRECTIONS):
        errors["direction"] = "Choose whether lower or higher values are better."
    when = target_date
    if isinstance(when, str):
        try:
            when = dt.date.fromisoformat(when.strip())
        except ValueError:
            when = None
    if not isinstance(when, dt.date):
        errors["target_date"] = "Enter the date the goal should be met by."
    elif plan_start is not None and when < plan_start:
        errors["target_date"] = "The goal date is before the plan starts."
    if not errors:
        goal = Goal(measure, numbers["baseline"], numbers["target"], when, direction)
        problems = goal_problems(goal)
        if problems:
            errors["target"] = problems[0]
    if errors:
        raise GoalError(errors)
    return goal


def plan_date_errors(
    *, start: dt.date | None, weeks: int | None, reeval_date: dt.date | None
) -> dict[str, str]:
    """Problems with a plan's dates (empty: fine).  The re-evaluation date may be
    left empty (the visit count still applies) but must fall within the plan."""
    errors: dict[str, str] = {}
    if not isinstance(start, dt.date):
        errors["start_date"] = "Enter the date the plan starts."
        return errors
    if reeval_date is not None:
        if reeval_date <= start:
            errors["reeval_date"] = "The re-evaluation date must be after the plan starts."
        elif isinstance(weeks, int) and weeks > 0 and reeval_date > plan_end_date(start, weeks):
            errors["reeval_date"] = (
                f"The re-evaluation date is after the plan ends "
                f"({plan_end_date(start, weeks).isoformat()})."
            )
    return errors


def goal_met(goal: Goal, latest_value: float | None) -> bool:
    """Whether the latest value reaches the target (boundary included)."""
    if latest_value is None:
        return False
    if goal.direction == "below":
        return latest_value <= goal.target
    return latest_value >= goal.target


def goal_problems(goal: Goal) -> list[str]:
    """Reasons a goal is not a sensible goal (empty: fine)."""
    problems: list[str] = []
    if goal.baseline is not None:
        if goal.direction == "below" and goal.baseline <= goal.target:
            problems.append("The baseline already meets the target: set a lower target.")
        if goal.direction == "above" and goal.baseline >= goal.target:
            problems.append("The baseline already meets the target: set a higher target.")
    return problems


def goal_progress(goal: Goal, latest_value: float | None) -> float | None:
    """Share of the way from baseline to target, in percent (may exceed 100 or be
    negative when things got worse); None without a baseline or a value."""
    if goal.baseline is None or latest_value is None or goal.baseline == goal.target:
        return None
    return round((goal.baseline - latest_value) / (goal.baseline - goal.target) * 100, 1)


def reeval_due(
    *,
    today: dt.date,
    reeval_date: dt.date | None,
    visits_done: int,
    every_visits: int | None = 10,
    visits_since_reeval: int | None = None,
) -> str | None:
    """Why a re-evaluation is due now, or None.

    Due when the re-evaluation date has come, or by visit count (domain section 6.5:
    a progress report on or before every 10th treatment visit; the count is a
    setting, 0 or None turns it off).

    - ``visits_done`` is the number of visits in the plan so far.  Without a record of
      the last re-evaluation the report falls due around every 10th visit: when the
      next visit will be the 10th (20th, ...) and on the day the 10th is done.
    - ``visits_since_reeval``, when the caller records re-evaluations, is the count
      since the last one: due once the next visit would be the 10th, overdue after.
    """
    if reeval_date is not None and today >= reeval_date:
        if today == reeval_date:
            return f"Re-evaluation is due today ({reeval_date.isoformat()})."
        return f"Re-evaluation was due on {reeval_date.isoformat()}."
    if not every_visits or every_visits < 1:
        return None
    if visits_since_reeval is not None:
        if visits_since_reeval >= every_visits:
            return (
                f"{visits_since_reeval} visits since the last re-evaluation: it is overdue "
                f"(due at least every {every_visits} visits)."
            )
        if visits_since_reeval + 1 >= every_visits:
            return (
                f"The next visit is visit {visits_since_reeval + 1} since the last "
                "re-evaluation: re-evaluate at or before it."
            )
        return None
    if visits_done > 0 and visits_done % every_visits == 0:
        return f"Visit {visits_done} is done: a progress re-evaluation is due now."
    if (visits_done + 1) % every_visits == 0:
        return f"The next visit is visit {visits_done + 1}: re-evaluate at or before it."
    return None


def plan_end_date(start: dt.date, weeks: int) -> dt.date:
    """The last day of the plan of care (6 weeks from a Monday ends on a Sunday)."""
    return start + dt.timedelta(weeks=weeks) - dt.timedelta(days=1)


def plan_end_near(*, today: dt.date, start: dt.date, weeks: int, warn_days: int = 7) -> bool:
    """True when the plan of care ends within ``warn_days`` (or has already ended)."""
    return (plan_end_date(start, weeks) - today).days <= warn_days


@dataclass(frozen=True)
class BaselineSuggestion:
    """A goal row offered on a new plan: the latest score of one measure."""

    measure: str
    label: str
    baseline: float
    unit: str
    taken_on: dt.date
    band: str | None

    @property
    def baseline_text(self) -> str:
        return f"{self.baseline:g}"


def baseline_suggestions(
    measures: Iterable, *, skip: Iterable[str] = (), limit: int | None = None
) -> list[BaselineSuggestion]:
    """The latest score of each measure (OutcomeMeasure-like objects), in the order
    the measures first appear, leaving out those named in ``skip`` (already a goal).

    Every score the bundled intake records (pain, ODI, RMDQ, PEG, STarT Back) is
    "lower is better", which is the form's default direction; the therapist changes it
    for a measure where higher is better.
    """
    skipped = {s.strip().lower() for s in skip}
    latest: dict[str, object] = {}
    for m in measures:
        if m.instrument.lower() in skipped:
            continue
        seen = latest.get(m.instrument)
        if seen is None or m.taken_on >= seen.taken_on:
            latest[m.instrument] = m
    found = [
        BaselineSuggestion(m.instrument, m.label, m.value, m.unit, m.taken_on, m.band)
        for m in latest.values()
    ]
    return found if limit is None else found[:limit]


def is_untouched_suggestion(row: dict, suggestions: Iterable[BaselineSuggestion]) -> bool:
    """True when a goal row still holds only a suggestion as offered (measure and
    baseline, no target, no date): the therapist did not make it a goal, so it is not
    saved rather than refused for lacking a target."""
    if str(row.get("target") or "").strip() or row.get("target_date"):
        return False
    measure = str(row.get("measure") or "").strip()
    baseline = str(row.get("baseline") or "").strip()
    return any(s.measure == measure and s.baseline_text == baseline for s in suggestions)
