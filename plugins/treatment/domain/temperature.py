"""Temperatures in the clinic's unit.

Every temperature is stored in degrees Celsius (a field whose ``unit`` is "°C"); a
clinic that works in Fahrenheit (the ``temperature_unit`` setting, "C" or "F") sees,
types and is checked in °F.  The conversion happens at the form's edge only: the
spec shown on the form is rewritten into the displayed unit (label, bounds, usual
range, default), values are converted to it for display and back to °C once they
have passed validation in the displayed unit.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from plugins.treatment.domain.modalities import FieldSpec, ModalitySpec, setting_number

CELSIUS = "\u00b0C"
FAHRENHEIT = "\u00b0F"
UNITS = ("C", "F")


def unit_or_error(raw: Any) -> str:
    unit = str(raw or "C").strip().upper()
    if unit not in UNITS:
        raise ValueError(f"The temperature unit must be 'C' or 'F', not {raw!r}")
    return unit


def c_to_f(value: float) -> float:
    return round(value * 9 / 5 + 32, 1)


def f_to_c(value: float) -> float:
    return round((value - 32) * 5 / 9, 1)


def _is_temperature(field: FieldSpec) -> bool:
    return field.unit == CELSIUS and field.type in ("int", "float")


def _shown_field(field: FieldSpec, settings: Mapping[str, Any]) -> FieldSpec:
    # The usual range and default may come from settings (kept in °C): resolve them
    # first, then convert, so the clinic's own range is checked in °F.
    warn_min = setting_number(settings, field.warn_min_setting, field.warn_min)
    warn_max = setting_number(settings, field.warn_max_setting, field.warn_max)
    default = setting_number(settings, field.setting_key, field.default)

    def conv(v):
        return None if v is None else c_to_f(float(v))

    return dataclasses.replace(
        field,
        type="float",
        label=field.label.replace(CELSIUS, FAHRENHEIT),
        unit=FAHRENHEIT,
        min=conv(field.min),
        max=conv(field.max),
        warn_min=conv(warn_min),
        warn_max=conv(warn_max),
        warn_min_setting=None,
        warn_max_setting=None,
        default=conv(default),
        setting_key=None,
        help=(
            f"In degrees Fahrenheit ({conv(field.min):g}-{conv(field.max):g})."
            if field.min is not None and field.max is not None
            else "In degrees Fahrenheit."
        ),
    )


def shown_spec(spec: ModalitySpec, unit: str, settings: Mapping[str, Any]) -> ModalitySpec:
    """``spec`` as the form shows it in ``unit`` (unchanged for "C")."""
    if unit == "C" or not any(_is_temperature(f) for f in spec.fields):
        return spec
    fields = tuple(_shown_field(f, settings) if _is_temperature(f) else f for f in spec.fields)
    return dataclasses.replace(spec, fields=fields)


def shown_values(spec: ModalitySpec, values: Mapping[str, Any], unit: str) -> dict[str, Any]:
    """Stored (°C) values converted for display in ``unit``; ``spec`` is the stored spec."""
    out = dict(values or {})
    if unit == "C":
        return out
    for f in spec.fields:
        v = out.get(f.name)
        if _is_temperature(f) and isinstance(v, int | float) and not isinstance(v, bool):
            out[f.name] = c_to_f(float(v))
    return out


def stored_values(spec: ModalitySpec, values: Mapping[str, Any], unit: str) -> dict[str, Any]:
    """Validated values typed in ``unit`` converted to storage (°C)."""
    out = dict(values)
    if unit == "C":
        return out
    for f in spec.fields:
        v = out.get(f.name)
        if _is_temperature(f) and isinstance(v, int | float) and not isinstance(v, bool):
            out[f.name] = f_to_c(float(v))
    return out
