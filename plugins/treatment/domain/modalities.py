"""The modality registry and the engine that validates one modality entry.

A modality (NMT, PRT, hot packs, or one another plugin adds, such as cupping) is
described by a :class:`ModalitySpec`: the fields a therapist fills in for it in a
session note, and the parameters recorded for it in a plan.  One engine,
:func:`validate_entry`, turns what a form posted into typed values for every
modality, so a new modality gets the same refusals and warnings as the built-in ones
without writing validation code.

Two levels of badness:

- *impossible* values (``min``/``max``, unknown choices, unknown fields, non-numbers)
  are refused with an :class:`EntryError` mapping field name to message;
- *unusual but possible* values (``warn_min``/``warn_max``, which a clinic may move
  through settings) are accepted and come back as warnings for the therapist to see.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

from plugins.treatment.domain.coerce import DEFAULT_TEXT_MAX as DEFAULT_TEXT_MAX
from plugins.treatment.domain.coerce import (
    InvalidValue,
    coerce,
    empty_value,
    fmt,
    is_empty,
)

FIELD_TYPES = frozenset(
    {"int", "float", "choice", "bool", "text", "region", "regions", "time", "skin_checks"}
)

# Keys the engine or a modality's own check computes; ignored when present in input
# (a stored entry fed back for prefill carries them) and recomputed every time.
DERIVED_KEYS = frozenset({"adverse_event"})

_KEY_RE = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class FieldSpec:
    """One input of a modality entry.

    ``min``/``max`` bound what is possible (outside is refused); for ``text`` they bound
    the length.  ``warn_min``/``warn_max`` bound what is usual (outside is accepted with
    a warning); ``warn_min_setting``/``warn_max_setting`` name settings that replace
    them, so a clinic can move the usual range without touching code.  ``default`` (or
    the setting named by ``setting_key``) is what a new entry is prefilled with;
    ``carry_over=False`` keeps a field out of the prefill from the previous session.
    """

    name: str
    label: str
    type: str
    choices: tuple[tuple[str, str], ...] = ()
    required: bool = True
    min: float | None = None
    max: float | None = None
    warn_min: float | None = None
    warn_max: float | None = None
    default: Any = None
    setting_key: str | None = None
    help: str = ""
    warn_min_setting: str | None = None
    warn_max_setting: str | None = None
    unit: str = ""
    # False for observations that must be made afresh each visit (ratings, skin checks,
    # the contraindication screen): they are never prefilled from the previous session.
    carry_over: bool = True


# check(values, settings, errors, warnings): a modality's own cross-field rules.  It
# sees the coerced values of the fields that were valid, may add messages to
# ``errors`` (refuse) or ``warnings`` (accept), and may set derived keys in ``values``.
EntryCheck = Callable[[dict[str, Any], Mapping[str, Any], dict[str, str], list[str]], None]


@dataclass(frozen=True)
class ModalitySpec:
    """A kind of treatment a therapist can plan and record.

    ``fields`` are the inputs of one session entry and must include ``minutes`` (an
    ``int`` field bounded 1..120).  ``plan_fields`` are the parameters a plan records
    for this modality.  ``applies_heat`` marks modalities whose region fields are
    checked against heat contraindications.  ``timed`` says whether the minutes are
    direct one-on-one time.  ``service_key`` is the ``BillableService.service`` the
    minutes are reported under.  ``check``/``plan_check`` add cross-field rules;
    ``sign_check`` lists what must be completed before the note is signed.
    ``patient_labels`` names the modality for patients, per handout language
    (``{"es": "Compresa caliente"}``); a language it lacks gets ``label``.
    """

    key: str
    label: str
    description: str
    fields: tuple[FieldSpec, ...]
    plan_fields: tuple[FieldSpec, ...] = ()
    applies_heat: bool = False
    timed: bool = True
    service_key: str = ""
    check: EntryCheck | None = None
    plan_check: EntryCheck | None = None
    # sign_check(values) -> problems that must be fixed before a note is signed (a
    # draft may still be saved with them), e.g. a skin reaction without its follow-up.
    sign_check: Callable[[Mapping[str, Any]], list[str]] | None = None
    # (``field`` below is a method of this class, hence the longer name.)
    patient_labels: Mapping[str, str] = dataclass_field(default_factory=dict)

    def patient_label(self, language: str) -> str:
        return self.patient_labels.get(language) or self.label

    def field(self, name: str, *, plan: bool = False) -> FieldSpec | None:
        for f in self.plan_fields if plan else self.fields:
            if f.name == name:
                return f
        return None


@dataclass(frozen=True)
class EntryResult:
    values: dict[str, Any]
    warnings: tuple[str, ...]


class EntryError(ValueError):
    """Refused entry; ``errors`` maps each offending field name to a message."""

    def __init__(self, errors: Mapping[str, str], warnings: Iterable[str] = ()):
        self.errors = dict(errors)
        self.warnings = tuple(warnings)
        super().__init__("; ".join(f"{k}: {v}" for k, v in self.errors.items()))


# -- settings ---------------------------------------------------------------------------


def setting_number(settings: Mapping[str, Any], key: str | None, fallback: float | None):
    """A numeric setting, accepting the strings an environment override produces."""
    if key is None or key not in settings or settings[key] in (None, ""):
        return fallback
    raw = settings[key]
    if isinstance(raw, bool):
        raise ValueError(f"Setting {key!r} must be a number, not {raw!r}")
    try:
        number = float(raw if isinstance(raw, int | float) else str(raw).strip())
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        raise ValueError(f"Setting {key!r} must be a number, not {raw!r}")
    if isinstance(raw, int | float):
        return raw
    return int(number) if number.is_integer() else number


def field_default(field: FieldSpec, settings: Mapping[str, Any] = {}) -> Any:  # noqa: B006 -- read-only
    """The value a new entry is prefilled with: the named setting, else the default."""
    if field.setting_key and settings.get(field.setting_key) not in (None, ""):
        value = settings[field.setting_key]
        if field.type in ("int", "float"):
            return setting_number(settings, field.setting_key, field.default)
        return value
    return field.default


def entry_defaults(
    spec: ModalitySpec,
    settings: Mapping[str, Any] = {},  # noqa: B006 -- read-only
    *,
    plan: bool = False,
) -> dict[str, Any]:
    """Prefill values for a new entry (fields without a default are left out)."""
    out: dict[str, Any] = {}
    for f in spec.plan_fields if plan else spec.fields:
        value = field_default(f, settings)
        if value is not None:
            out[f.name] = value
    return out


def _range_problems(field: FieldSpec, value: Any, settings: Mapping[str, Any]):
    """(refusal or None, warning or None) for a numeric value against its ranges."""
    unit = f" {field.unit}" if field.unit else ""
    if field.min is not None and value < field.min or field.max is not None and value > field.max:
        if field.min is not None and field.max is not None:
            span = f"between {fmt(field.min)} and {fmt(field.max)}{unit}"
        elif field.min is not None:
            span = f"at least {fmt(field.min)}{unit}"
        else:
            span = f"at most {fmt(field.max)}{unit}"
        return f"{field.label} must be {span}; {fmt(value)} is not possible.", None
    low = setting_number(settings, field.warn_min_setting, field.warn_min)
    high = setting_number(settings, field.warn_max_setting, field.warn_max)
    if low is not None and value < low or high is not None and value > high:
        if low is not None and high is not None:
            usual = f"the usual {fmt(low)}-{fmt(high)}{unit}"
        elif low is not None:
            usual = f"the usual minimum of {fmt(low)}{unit}"
        else:
            usual = f"the usual maximum of {fmt(high)}{unit}"
        return None, f"{field.label}: {fmt(value)}{unit} is outside {usual}. Check it is right."
    return None, None


def _raw_value(raw: Mapping[str, Any], field: FieldSpec) -> Any:
    # A form's multi-valued mapping (werkzeug MultiDict) returns only the first value
    # from .get(); a multi-select of regions needs all of them.
    getlist = getattr(raw, "getlist", None)
    if field.type == "regions" and callable(getlist):
        values = getlist(field.name)
        return values[0] if len(values) == 1 else values
    return raw.get(field.name)


def validate_entry(
    spec: ModalitySpec,
    raw: Mapping[str, Any],
    *,
    settings: Mapping[str, Any] = {},  # noqa: B006 -- read-only; the interface promises {}
    plan: bool = False,
) -> EntryResult:
    """Coerce and check one entry of ``spec`` (a session entry, or with ``plan=True``
    the modality's plan parameters).

    :param raw: field name -> value as posted (strings) or as stored (typed values).
    :param settings: the treatment plugin's settings; they move the usual ranges.
    :returns: typed values for every field (empty optional ones as None/""/[]/False)
        plus warnings about unusual values.
    :raises EntryError: mapping each refused field to a message; nothing is accepted.
    """
    if not isinstance(raw, Mapping):
        raise EntryError({"entry": f"{spec.label}: the entry is not a set of fields."})
    fields = spec.plan_fields if plan else spec.fields
    by_name = {f.name: f for f in fields}
    errors: dict[str, str] = {}
    warnings: list[str] = []
    values: dict[str, Any] = {}

    for name in raw:
        if name not in by_name and name not in DERIVED_KEYS:
            errors[str(name)] = f"{spec.label} has no field called {name!r}."

    for field in fields:
        given = _raw_value(raw, field)
        if is_empty(given) and field.type != "bool":
            if field.required:
                errors[field.name] = f"{field.label} is required."
            values[field.name] = empty_value(field)
            continue
        try:
            value = coerce(field, given)
        except InvalidValue as exc:
            errors[field.name] = f"{field.label}: {exc}"
            continue
        if field.type in ("regions", "skin_checks") and not value and field.required:
            errors[field.name] = f"{field.label} is required."
            continue
        if field.type in ("int", "float"):
            refusal, warning = _range_problems(field, value, settings)
            if refusal:
                errors[field.name] = refusal
                continue
            if warning:
                warnings.append(warning)
        values[field.name] = value

    _check_skin_check_minutes(by_name, values, errors)
    check = spec.plan_check if plan else spec.check
    if check is not None:
        check(values, settings, errors, warnings)
    if errors:
        raise EntryError(errors, warnings)
    return EntryResult(values=values, warnings=tuple(warnings))


def _check_skin_check_minutes(
    by_name: Mapping[str, FieldSpec], values: dict[str, Any], errors: dict[str, str]
) -> None:
    """Every skin check must fall within the application time (0..minutes)."""
    minutes = values.get("minutes")
    if not isinstance(minutes, int):
        return
    for name, field in by_name.items():
        if field.type != "skin_checks" or name in errors:
            continue
        late = [c["minute"] for c in values.get(name) or [] if c["minute"] > minutes]
        if late:
            errors[name] = (
                f"{field.label}: a check at minute {late[0]} is after the {minutes} minutes "
                "the pack was on."
            )


def prefill_entry(
    spec: ModalitySpec,
    *,
    previous: Mapping[str, Any] | None = None,
    plan_values: Mapping[str, Any] | None = None,
    settings: Mapping[str, Any] = {},  # noqa: B006 -- read-only
) -> dict[str, Any]:
    """Starting values for a session entry (a routine visit should take a minute to
    record; docs/clinical-rules.md, "Treatment gates and checks").

    Layered: field defaults (and settings), then the plan's parameters for this
    modality (minutes, hold, regions), then the previous session's entry of the same
    modality.  Fields marked ``carry_over=False`` (fresh observations such as
    tenderness ratings, skin checks and the contraindication screen) never come from
    the previous session, so nothing observed last time is silently re-recorded.
    """
    out = entry_defaults(spec, settings)
    by_name = {f.name: f for f in spec.fields}
    for name, value in (plan_values or {}).items():
        if value in (None, "", []):
            continue
        if name in by_name:  # same-named field: minutes, hold_seconds, regions
            out[name] = value
        elif name == "regions" and isinstance(value, list | tuple):
            # A plan lists areas; a single-region session field starts at the first.
            for f in spec.fields:
                if f.type == "region":
                    out[f.name] = value[0]
    for name, value in (previous or {}).items():
        field = by_name.get(name)
        if field is not None and field.carry_over and value not in (None, "", []):
            out[name] = value
    return out


# -- registry ---------------------------------------------------------------------------


def check_spec(spec: ModalitySpec) -> None:
    """Refuse a malformed modality (raises ValueError naming the modality and problem)."""
    if not isinstance(spec, ModalitySpec):
        raise ValueError(f"Not a ModalitySpec: {spec!r}")
    where = f"Modality {spec.key!r}"
    if not _KEY_RE.match(spec.key or ""):
        raise ValueError(f"{where}: key must be lower-case letters, digits and underscores")
    if not spec.label:
        raise ValueError(f"{where}: label is empty")
    labels = spec.patient_labels
    if not isinstance(labels, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) and v.strip() for k, v in labels.items()
    ):
        raise ValueError(f"{where}: patient_labels must map a language code to a name")
    for group, fields in (("fields", spec.fields), ("plan_fields", spec.plan_fields)):
        names = [f.name for f in fields]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"{where}: {group} repeat the name(s) {', '.join(dupes)}")
        for f in fields:
            if f.type not in FIELD_TYPES:
                raise ValueError(f"{where}: field {f.name!r} has unknown type {f.type!r}")
            if f.type == "choice" and not f.choices:
                raise ValueError(f"{where}: choice field {f.name!r} has no choices")
            if f.name in DERIVED_KEYS:
                raise ValueError(f"{where}: field name {f.name!r} is reserved")
            if not _KEY_RE.match(f.name):
                raise ValueError(f"{where}: field name {f.name!r} is not an identifier")
    minutes = spec.field("minutes")
    if (
        minutes is None
        or minutes.type != "int"
        or not minutes.required
        or minutes.min is None
        or minutes.min < 1
        or minutes.max is None
        or minutes.max > 120
    ):
        raise ValueError(f"{where}: needs a required 'minutes' int field bounded within 1..120")


def _field_from_mapping(where: str, data: FieldSpec | Mapping[str, Any]) -> FieldSpec:
    if isinstance(data, FieldSpec):
        return data
    values = dict(data)
    if "choices" in values:
        values["choices"] = tuple((str(v), str(label)) for v, label in values["choices"])
    try:
        return FieldSpec(**values)
    except TypeError as exc:
        raise ValueError(f"{where}: field {values.get('name')!r} is not valid ({exc})") from None


def spec_from_mapping(data: Mapping[str, Any]) -> ModalitySpec:
    """A :class:`ModalitySpec` from plain data: how another plugin describes a modality
    without importing this one.  Keys are the attribute names of :class:`ModalitySpec`;
    ``fields`` and ``plan_fields`` are lists of mappings keyed like :class:`FieldSpec`."""
    values = dict(data)
    where = f"modality {values.get('key')!r}"
    for name in ("fields", "plan_fields"):
        values[name] = tuple(_field_from_mapping(where, f) for f in values.get(name, ()))
    try:
        return ModalitySpec(**values)
    except TypeError as exc:
        raise ValueError(f"{where} is not valid ({exc})") from None


def registry(specs: Iterable[ModalitySpec | Mapping[str, Any]]) -> dict[str, ModalitySpec]:
    """Key -> spec for every modality; refuses malformed specs and duplicate keys.

    A spec may be given as plain data (see :func:`spec_from_mapping`)."""
    out: dict[str, ModalitySpec] = {}
    for given in specs:
        spec = spec_from_mapping(given) if isinstance(given, Mapping) else given
        check_spec(spec)
        if spec.key in out:
            first = out[spec.key]
            raise ValueError(
                f"Two modalities use the key {spec.key!r}: {first.label!r} and {spec.label!r}"
            )
        out[spec.key] = spec
    return out


def entry_regions(
    spec: ModalitySpec, values: Mapping[str, Any], *, plan: bool = False
) -> tuple[str, ...]:
    """Every body region named by an entry's region fields (order kept)."""
    found: list[str] = []
    for f in spec.plan_fields if plan else spec.fields:
        value = values.get(f.name)
        if f.type == "region" and value:
            found.append(value)
        elif f.type == "regions" and value:
            found.extend(value)
    return tuple(dict.fromkeys(found))
