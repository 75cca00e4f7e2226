"""Scoring rules for the bundled instruments (pure Python, no Flask).

``score(instrument_id, answers)`` validates the answers (a partial response is fine; each
instrument's missing-item rule then decides whether there is a score), applies the instrument's
rule and returns a :class:`ScoreResult`.  When there can be no score it raises
:class:`ScoringError` (a ``ValueError``) with a message saying why; it never returns a result
with ``total=None``.  Invalid answers raise :class:`ResponseError` (also a ``ValueError``).

Rounding is half-up to one decimal everywhere (docs/clinical-rules.md, "Questionnaire
scoring"), done in ``Decimal`` so 35.55 is never rounded down because of binary floating point.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from plugins.intake.instruments import InstrumentDefinition, get, validate
from plugins.intake.instruments.engine import ResponseError

__all__ = [
    "ResponseError",
    "ScoreResult",
    "ScoringError",
    "change",
    "mcid_reached",
    "round_half_up",
    "score",
]

ODI_MAX_MISSING = 2


class ScoringError(ValueError):
    """The response is valid but cannot be scored; ``missing`` lists unanswered item ids."""

    def __init__(self, message: str, *, missing: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.missing = missing


@dataclass(frozen=True)
class ScoreResult:
    instrument_id: str
    version: str
    total: float | None
    percent: float | None
    subscales: dict[str, float] = field(default_factory=dict)
    band: str | None = None
    missing: tuple[str, ...] = ()
    risk: str | None = None
    # Added beyond the first published interface (additive only):
    raw: float | None = None  # sum of item scores before any conversion
    raw_max: float | None = None  # the most ``raw`` could have been with these items answered


def round_half_up(value: float | Decimal, places: int = 1) -> float:
    quantum = Decimal(1).scaleb(-places)
    return float(Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP))


def _item_score(defn: InstrumentDefinition, item_id: str, value: Any) -> float:
    option = defn.item(item_id).option(value)
    if option is None or option.score is None:  # pragma: no cover - validate() prevents it
        raise ScoringError(f"{item_id}: answer {value!r} has no score.")
    return option.score


def _missing(defn: InstrumentDefinition, answers: Mapping[str, Any]) -> tuple[str, ...]:
    return tuple(i.id for i in defn.items if i.id not in answers)


def _nprs(defn: InstrumentDefinition, answers: dict[str, Any]) -> ScoreResult:
    missing = _missing(defn, answers)
    if "nprs.now" not in answers:
        raise ScoringError("No NPRS score: pain now was not answered.", missing=missing)
    now = float(answers["nprs.now"])
    subscales = {
        key: float(answers[f"nprs.{key}"]) for key in ("best", "worst") if f"nprs.{key}" in answers
    }
    return ScoreResult(
        "nprs",
        defn.version,
        total=now,
        percent=None,
        subscales=subscales,
        band=defn.band_for(now),
        missing=missing,
        raw=now,
        raw_max=10.0,
    )


def _odi(defn: InstrumentDefinition, answers: dict[str, Any]) -> ScoreResult:
    missing = _missing(defn, answers)
    if len(missing) > ODI_MAX_MISSING:
        raise ScoringError(
            f"No ODI score: {len(missing)} sections are missing and the limit is "
            f"{ODI_MAX_MISSING} ({', '.join(missing)}).",
            missing=missing,
        )
    raw = sum(_item_score(defn, k, v) for k, v in answers.items())
    raw_max = 5.0 * len(answers)
    percent = round_half_up(Decimal(str(raw)) / Decimal(str(raw_max)) * 100)
    return ScoreResult(
        "odi",
        defn.version,
        total=percent,
        percent=percent,
        subscales={},
        band=defn.band_for(percent),
        missing=missing,
        raw=raw,
        raw_max=raw_max,
    )


def _rmdq(defn: InstrumentDefinition, answers: dict[str, Any]) -> ScoreResult:
    # Unanswered statements count as not marked (tick-box format).  A form with nothing
    # answered at all cannot be told apart from a skipped one, so it gets no score.
    if not answers:
        raise ScoringError(
            "No RMDQ score: no statement was answered. Mark 'not marked' for statements that "
            "do not apply if none of them do.",
            missing=defn.item_ids,
        )
    total = sum(_item_score(defn, k, v) for k, v in answers.items())
    return ScoreResult(
        "rmdq",
        defn.version,
        total=total,
        percent=None,
        subscales={},
        band=None,
        missing=_missing(defn, answers),
        raw=total,
        raw_max=24.0,
    )


def _sbst(defn: InstrumentDefinition, answers: dict[str, Any]) -> ScoreResult:
    missing = _missing(defn, answers)
    if missing:
        raise ScoringError(
            f"No STarT Back score: every item must be answered; missing {', '.join(missing)}.",
            missing=missing,
        )
    total = sum(_item_score(defn, k, v) for k, v in answers.items())
    (subscale,) = defn.subscales
    psychosocial = sum(_item_score(defn, k, answers[k]) for k in subscale.item_ids)
    if total <= 3:
        risk = "low"
    elif psychosocial >= 4:
        risk = "high"
    else:
        risk = "medium"
    return ScoreResult(
        "sbst",
        defn.version,
        total=total,
        percent=None,
        subscales={"psychosocial": psychosocial},
        band=risk,
        missing=(),
        risk=risk,
        raw=total,
        raw_max=9.0,
    )


def _peg(defn: InstrumentDefinition, answers: dict[str, Any]) -> ScoreResult:
    missing = _missing(defn, answers)
    if missing:
        raise ScoringError(
            f"No PEG score: all 3 items must be answered; missing {', '.join(missing)}.",
            missing=missing,
        )
    raw = sum(_item_score(defn, k, v) for k, v in answers.items())
    mean = round_half_up(Decimal(str(raw)) / 3)
    return ScoreResult(
        "peg",
        defn.version,
        total=mean,
        percent=None,
        subscales={},
        band=defn.band_for(mean),
        missing=(),
        raw=raw,
        raw_max=30.0,
    )


_RULES: dict[str, Callable[[InstrumentDefinition, dict[str, Any]], ScoreResult]] = {
    "nprs": _nprs,
    "odi": _odi,
    "rmdq": _rmdq,
    "sbst": _sbst,
    "peg": _peg,
}


def score(
    instrument_id: str, answers: Mapping[str, Any], *, version: str | None = None
) -> ScoreResult:
    """Validate and score one response; see the module docstring for the error contract."""
    defn = get(instrument_id)
    rule = _RULES.get(defn.id)
    if rule is None:
        raise ScoringError(f"{defn.title} is not a scored instrument.")
    cleaned = validate(defn, answers, version=version, partial=True)
    return rule(defn, cleaned)


def _thresholds(
    defn: InstrumentDefinition, points: float | None, percent: float | None
) -> tuple[Decimal | None, Decimal | None]:
    pts = points if points is not None else defn.mcid_points
    pct = percent if percent is not None else defn.mcid_percent
    if pts is None and pct is None:
        raise ScoringError(f"{defn.title} has no minimal important change defined.")
    return (
        Decimal(str(pts)) if pts is not None else None,
        Decimal(str(pct)) if pct is not None else None,
    )


def change(instrument_id: str, baseline: float, current: float) -> tuple[float, float | None]:
    """Improvement from baseline as (points, percent of baseline); positive = better.

    Percent is None when the baseline is 0 (no relative change can be computed).
    """
    defn = get(instrument_id)
    base, now = Decimal(str(baseline)), Decimal(str(current))
    improvement = base - now if defn.higher_is_worse else now - base
    percent = None if base == 0 else round_half_up(improvement / abs(base) * 100)
    return float(improvement), percent


def mcid_reached(
    instrument_id: str,
    baseline: float,
    current: float,
    *,
    points: float | None = None,
    percent: float | None = None,
) -> bool:
    """True when the improvement is at least ``points`` OR at least ``percent`` % of baseline.

    ``points``/``percent`` default to the definition's MCID (a clinic setting may pass its own).
    Direction comes from ``higher_is_worse``; a worsening never counts.
    """
    defn = get(instrument_id)
    pts, pct = _thresholds(defn, points, percent)
    base, now = Decimal(str(baseline)), Decimal(str(current))
    improvement = base - now if defn.higher_is_worse else now - base
    if improvement <= 0:
        return False
    if pts is not None and improvement >= pts:
        return True
    return pct is not None and base != 0 and improvement >= pct / 100 * abs(base)
