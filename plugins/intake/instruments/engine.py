"""Validate a response against its instrument definition.

``validate`` is the one gate every answer passes through, whether it came from the tablet form,
staff entry or an import.  It turns form strings into typed values, refuses anything the
definition does not allow, and applies skip logic.  The cleaned dict it returns holds only
JSON-friendly values (int, str, bool, list of str/int; dates as ISO ``YYYY-MM-DD`` strings) so
the web side can store it as it is.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from typing import Any

from .registry import get
from .types import InstrumentDefinition, Item

_TRUE = frozenset({"true", "yes", "y", "on", "1"})
_FALSE = frozenset({"false", "no", "n", "off", "0"})
_INT_RE = re.compile(r"[+-]?\d+")
_MAX_RAW_LENGTH = 10_000  # refuse absurd strings before looking at them further


class ResponseError(ValueError):
    """A response that cannot be accepted.

    ``errors`` maps an item id (or ``""`` for the response as a whole) to a message written
    for the person filling in the form.
    """

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors: dict[str, str] = dict(errors)
        super().__init__(self._describe())

    def _describe(self) -> str:
        parts = []
        for key, message in self.errors.items():
            parts.append(f"{key}: {message}" if key else message)
        return "; ".join(parts) or "The response could not be accepted."


class _Refused(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _is_blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str) and not value.strip():
        return True
    return isinstance(value, list | tuple) and all(_is_blank(v) for v in value)


def _to_int(value: Any) -> int:
    if isinstance(value, bool):
        raise _Refused("Enter a whole number.")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer():
            return int(value)
        raise _Refused("Enter a whole number.")
    if isinstance(value, str):
        text = value.strip()
        if len(text) <= 12 and _INT_RE.fullmatch(text):
            return int(text)
        raise _Refused(f"{value[:40]!r} is not a whole number.")
    raise _Refused("Enter a whole number.")


def _coerce_choice(item: Item, value: Any) -> int | str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise _Refused("Choose one of the listed answers.")
    values = item.option_values
    if values and all(isinstance(v, int) for v in values):
        try:
            number = _to_int(value)
        except _Refused as exc:
            raise _Refused(f"{exc.message} Choose one of the listed answers.") from None
        if number in values:
            return number
        low, high = min(values), max(values)  # type: ignore[type-var]
        if number < low or number > high:  # type: ignore[operator]
            raise _Refused(f"{number} is out of range: choose a value from {low} to {high}.")
        raise _Refused(f"{number} is not one of the listed answers.")
    text = str(value).strip()
    for option_value in values:
        if str(option_value) == text:
            return option_value
    raise _Refused(f"{text[:40]!r} is not one of the listed answers.")


def _coerce(defn: InstrumentDefinition, item: Item, value: Any) -> Any:
    if isinstance(value, str) and len(value) > _MAX_RAW_LENGTH:
        raise _Refused("This answer is far too long.")
    kind = item.type
    if kind == "multichoice":
        values = list(value) if isinstance(value, list | tuple) else [value]
        if len(values) > len(item.options):
            raise _Refused("More answers were sent than there are choices.")
        chosen: set[int | str] = set()
        for v in values:
            if _is_blank(v):
                continue
            chosen.add(_coerce_choice(item, v))
        return [o.value for o in item.options if o.value in chosen]
    if isinstance(value, list | tuple):
        values = [v for v in value if not _is_blank(v)]
        if kind == "choice" and defn.double_mark_rule == "higher" and len(values) == 2:
            # Two statements marked in one section: the higher one counts (ODI rule).
            first, second = (_coerce_choice(item, v) for v in values)
            opt_a, opt_b = item.option(first), item.option(second)
            score_a = opt_a.score if opt_a and opt_a.score is not None else 0.0
            score_b = opt_b.score if opt_b and opt_b.score is not None else 0.0
            return first if score_a >= score_b else second
        if len(values) != 1:
            limit = "two answers" if defn.double_mark_rule == "higher" else "one answer"
            raise _Refused(f"Give at most {limit} here.")
        value = values[0]
    if kind == "choice":
        return _coerce_choice(item, value)
    if kind == "integer":
        number = _to_int(value)
        if item.min is not None and number < item.min:
            raise _Refused(f"{number} is too low: the lowest allowed is {item.min}.")
        if item.max is not None and number > item.max:
            raise _Refused(f"{number} is too high: the highest allowed is {item.max}.")
        return number
    if kind == "boolean":
        if isinstance(value, bool):
            result = value
        elif isinstance(value, int) and value in (0, 1):
            result = bool(value)
        elif isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            result = value.strip().lower() in _TRUE
        else:
            raise _Refused("Answer yes or no.")
        if item.must_be_true and not result:
            raise _Refused("You need to agree to continue.")
        return result
    if kind in ("text", "signature"):
        if not isinstance(value, str):
            raise _Refused("Enter text here.")
        text = value.strip()
        if item.max_length is not None and len(text) > item.max_length:
            raise _Refused(
                f"This answer is {len(text)} characters long; the limit is {item.max_length}."
            )
        if any(ord(c) < 32 and c not in "\n\r\t" for c in text):
            raise _Refused("This answer contains characters that cannot be stored.")
        if kind == "signature":
            if "\n" in text or "\r" in text:
                raise _Refused("Type your full name on one line.")
            if sum(c.isalpha() for c in text) < 2:
                raise _Refused("Type your full name to sign.")
        return text
    if kind == "date":
        if isinstance(value, dt.datetime):
            return value.date().isoformat()
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value.strip()).isoformat()
            except ValueError:
                raise _Refused("Enter a date as YYYY-MM-DD.") from None
        raise _Refused("Enter a date as YYYY-MM-DD.")
    raise _Refused(f"Unsupported item type {kind!r}.")  # pragma: no cover - guarded by types


def _typed(defn: InstrumentDefinition, item_id: str, answers: Mapping[str, Any]) -> Any:
    """The typed answer to ``item_id``, or None when it is blank or cannot be read."""
    value = answers.get(item_id)
    if _is_blank(value):
        return None
    try:
        return _coerce(defn, defn.item(item_id), value)
    except _Refused:
        return None


def _shown(
    defn: InstrumentDefinition, item: Item, answers: Mapping[str, Any], visible: set[str]
) -> bool:
    if item.show_if is None:
        return True
    source, allowed = item.show_if
    if source not in visible:
        return False
    answer = _typed(defn, source, answers)
    if isinstance(answer, list):
        return any(a in allowed for a in answer)
    return answer is not None and answer in allowed


def visible_items(defn: InstrumentDefinition | str, answers: Mapping[str, Any]) -> list[Item]:
    """Items asked given these answers, in definition order.

    Answers may be typed (as :func:`validate` returns them) or raw form values ("yes", "3");
    an unreadable answer counts as not given, so its follow-up questions stay hidden.
    """
    defn = _definition(defn)
    visible: set[str] = set()
    shown: list[Item] = []
    for item in defn.items:
        if _shown(defn, item, answers, visible):
            visible.add(item.id)
            shown.append(item)
    return shown


def _definition(instrument: str | InstrumentDefinition) -> InstrumentDefinition:
    if isinstance(instrument, InstrumentDefinition):
        return instrument
    return get(instrument)


def validate(
    instrument_id: str | InstrumentDefinition,
    answers: Mapping[str, Any],
    *,
    version: str | None = None,
    partial: bool = False,
) -> dict[str, Any]:
    """Return the cleaned answers or raise :class:`ResponseError` listing every problem.

    Blank answers (``""``, ``None``, empty lists) count as not answered.  Answers to items that
    skip logic hides are dropped.  With ``partial=False`` every visible required item must be
    answered.
    """
    defn = _definition(instrument_id)
    errors: dict[str, str] = {}
    if not isinstance(answers, Mapping):
        raise ResponseError({"": "The response must be a set of answers keyed by item id."})
    if version is not None and str(version) != defn.version:
        errors[""] = (
            f"These answers are for {defn.short_title} version {version}, but this clinic uses "
            f"version {defn.version}; they cannot be mixed."
        )
    known = set(defn.item_ids)
    for key in answers:
        if key in known:
            continue
        name = str(key)[:80]
        if name:
            errors[name] = f"{name!r} is not an item of {defn.short_title}."
        else:
            errors.setdefault("", "An answer was sent without an item id.")
    typed: dict[str, Any] = {}
    item_errors: dict[str, str] = {}
    for item in defn.items:
        if item.id not in answers or _is_blank(answers[item.id]):
            continue
        try:
            typed[item.id] = _coerce(defn, item, answers[item.id])
        except _Refused as exc:
            item_errors[item.id] = exc.message
    shown = visible_items(defn, typed)
    shown_ids = {i.id for i in shown}
    cleaned = {k: v for k, v in typed.items() if k in shown_ids and v != []}
    # Problems with answers that skip logic hides do not matter: those answers are dropped.
    errors.update({k: v for k, v in item_errors.items() if k in shown_ids})
    if not partial:
        for item in shown:
            if item.required and item.id not in cleaned and item.id not in errors:
                errors[item.id] = "This question needs an answer."
    if errors:
        raise ResponseError(errors)
    return cleaned
