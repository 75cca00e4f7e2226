"""Turning what a form posted (or what was stored) into typed field values.

Used by :func:`plugins.treatment.domain.modalities.validate_entry`; each function
raises :class:`InvalidValue` with a message fit for the form when it cannot.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from clinic.api.pure import REGIONS_BY_CODE

if TYPE_CHECKING:
    from plugins.treatment.domain.modalities import FieldSpec

# A long free-text answer is fine; a megabyte pasted into a field is not a note.
DEFAULT_TEXT_MAX = 4000

_TRUE = frozenset({"1", "true", "on", "yes", "y"})
_FALSE = frozenset({"0", "false", "off", "no", "n", ""})


class InvalidValue(Exception):
    """A single field's value cannot be accepted (message for the form)."""


def fmt(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else f"{number:g}"


def is_empty(raw: Any) -> bool:
    if raw is None:
        return True
    if isinstance(raw, str):
        return raw.strip() == ""
    if isinstance(raw, list | tuple):
        return len(raw) == 0
    return False


def _to_int(raw: Any) -> int:
    if isinstance(raw, bool):
        raise InvalidValue("Enter a whole number.")
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float):
        if math.isfinite(raw) and raw.is_integer():
            return int(raw)
        raise InvalidValue("Enter a whole number.")
    text = str(raw).strip()
    if re.fullmatch(r"[+-]?\d{1,9}", text):
        return int(text)
    raise InvalidValue("Enter a whole number.")


def _to_float(raw: Any) -> float:
    if isinstance(raw, bool):
        raise InvalidValue("Enter a number.")
    if isinstance(raw, int | float):
        value = float(raw)
    else:
        text = str(raw).strip().replace(",", ".")
        if not re.fullmatch(r"[+-]?(\d{1,9}(\.\d*)?|\.\d+)", text):
            raise InvalidValue("Enter a number.")
        value = float(text)
    if not math.isfinite(value):
        raise InvalidValue("Enter a number.")
    return value


def _to_bool(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    if raw is None:
        return False
    text = str(raw).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise InvalidValue("Answer yes or no.")


def _to_time(raw: Any) -> dt.time:
    if isinstance(raw, dt.time):
        return raw.replace(microsecond=0)
    text = str(raw).strip()
    m = re.fullmatch(r"(\d{1,2}):(\d{2})(?::(\d{2}))?", text)
    if not m:
        raise InvalidValue("Enter a time as HH:MM.")
    hour, minute, second = int(m[1]), int(m[2]), int(m[3] or 0)
    if hour > 23 or minute > 59 or second > 59:
        raise InvalidValue("Enter a time as HH:MM.")
    return dt.time(hour, minute, second)


def _to_region(raw: Any) -> str:
    code = str(raw).strip()
    if code not in REGIONS_BY_CODE:
        raise InvalidValue("Choose a body region from the list.")
    return code


def _to_regions(raw: Any) -> list[str]:
    items = raw.split(",") if isinstance(raw, str) else list(raw)
    out: list[str] = []
    for item in items:
        if isinstance(item, str) and not item.strip():
            continue
        code = _to_region(item)
        if code not in out:
            out.append(code)
    return out


def _parse_skin_check_line(line: str) -> dict[str, Any]:
    m = re.fullmatch(r"\s*(\d{1,4})\s*(?:min(?:utes?)?\b)?\s*[:\-\u2013]?\s*(.*?)\s*", line)
    if not m:
        raise InvalidValue("Write each skin check as 'minute: finding'.")
    return {"minute": m[1], "finding": m[2]}


def _to_skin_checks(raw: Any, max_len: int) -> list[dict[str, Any]]:
    """A list of {"minute": int, "finding": str}, sorted by minute.

    Accepts a list of mappings (from JSON) or text with one check per line written as
    ``minute: finding`` (from a plain textarea).
    """
    if isinstance(raw, str):
        raw = [_parse_skin_check_line(line) for line in raw.splitlines() if line.strip()]
    if not isinstance(raw, list | tuple):
        raise InvalidValue("Record each skin check with its minute and finding.")
    checks: list[dict[str, Any]] = []
    for item in raw:
        if not isinstance(item, Mapping) or set(item) - {"minute", "finding"}:
            raise InvalidValue("Record each skin check with its minute and finding.")
        try:
            minute = _to_int(item.get("minute"))
        except InvalidValue:
            raise InvalidValue("Each skin check needs the minute it was done.") from None
        finding = str(item.get("finding") or "").strip()
        if not finding:
            raise InvalidValue(f"Write what the skin looked like at minute {minute}.")
        if len(finding) > max_len:
            raise InvalidValue(f"A skin check finding is limited to {max_len} characters.")
        if minute < 0:
            raise InvalidValue("Skin check minutes count from when the pack went on (0 or more).")
        checks.append({"minute": minute, "finding": finding})
    checks.sort(key=lambda c: c["minute"])
    minutes = [c["minute"] for c in checks]
    if len(set(minutes)) != len(minutes):
        raise InvalidValue("Two skin checks are recorded at the same minute.")
    return checks


def coerce(field: FieldSpec, raw: Any) -> Any:
    kind = field.type
    if kind == "int":
        return _to_int(raw)
    if kind == "float":
        return _to_float(raw)
    if kind == "bool":
        return _to_bool(raw)
    if kind == "choice":
        value = str(raw).strip()
        if value not in {v for v, _ in field.choices}:
            raise InvalidValue("Choose one of the listed options.")
        return value
    if kind == "text":
        if not isinstance(raw, str):
            raise InvalidValue("Enter text.")
        text = raw.strip()
        limit = int(field.max) if field.max is not None else DEFAULT_TEXT_MAX
        if len(text) > limit:
            raise InvalidValue(f"Keep this under {limit} characters.")
        return text
    if kind == "time":
        return _to_time(raw)
    if kind == "region":
        return _to_region(raw)
    if kind == "regions":
        return _to_regions(raw)
    if kind == "skin_checks":
        return _to_skin_checks(raw, DEFAULT_TEXT_MAX)
    raise InvalidValue(f"Unsupported field type {kind!r}.")  # check_spec prevents this


def empty_value(field: FieldSpec) -> Any:
    if field.type == "bool":
        return False
    if field.type in ("regions", "skin_checks"):
        return []
    if field.type == "text":
        return ""
    return None
