"""Session-level rules and the safety gates.

:func:`check_session` looks at a whole note (times, pain scores, the sum of the
modality minutes); :func:`treatment_blockers`, :func:`heat_conflicts`,
:func:`local_conflicts` and :func:`sensation_test_needed` turn the safety flags other
plugins report (``SafetyFlag``, from the ``patient_safety_flags`` hook) into reasons to
stop.  Every rule here is written out for clinicians in docs/clinical-rules.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from clinic.api.pure import SafetyFlag, region_label
from plugins.treatment.domain.modalities import ModalitySpec

MAX_SESSION_MINUTES = 4 * 60
LONG_SESSION_MINUTES = 2 * 60
LATE_ENTRY_DAYS = 7
PAIN_RISE_WARNING = 2  # points; the NPRS minimal important change (docs/clinical-rules.md)


class NoteError(ValueError):
    """Refused note; ``errors`` maps each offending note field to a message."""

    def __init__(self, errors: dict[str, str]):
        self.errors = dict(errors)
        super().__init__("; ".join(f"{k}: {v}" for k, v in self.errors.items()))


@dataclass(frozen=True)
class SessionCheck:
    total_minutes: int
    timed_minutes: int
    warnings: tuple[str, ...]
    session_minutes: int = 0


def _as_date(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return value


def _as_time(value: Any) -> Any:
    if isinstance(value, str):
        try:
            parsed = dt.time.fromisoformat(value.strip())
        except ValueError:
            return None
        return parsed if parsed.tzinfo is None else None
    return value


def _minutes_between(start: dt.time, end: dt.time) -> int:
    return (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)


def pain_score(value: Any) -> int | None:
    """An NPRS score as an int 0..10 (None if absent); ValueError if impossible."""
    if value is None or isinstance(value, str) and not value.strip():
        return None
    if isinstance(value, bool):
        raise ValueError("Pain is a whole number from 0 to 10.")
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError("Pain is a whole number from 0 to 10.")
        value = int(value)
    if isinstance(value, str):
        text = value.strip()
        if not text.isdigit():
            raise ValueError("Pain is a whole number from 0 to 10.")
        value = int(text)
    if not isinstance(value, int) or not 0 <= value <= 10:
        raise ValueError("Pain is a whole number from 0 to 10.")
    return value


def check_session(
    *,
    date: dt.date,
    start: dt.time,
    end: dt.time,
    pain_before: int | None,
    pain_after: int | None,
    entries: list[tuple[ModalitySpec, dict]],
    today: dt.date,
) -> SessionCheck:
    """Check a session note as a whole.

    :param entries: (spec, validated values) for each modality entry; each values dict
        has an int ``minutes``.
    :param today: the clinic's current date (``clinic_today()``; not the machine's, which
        on a US evening is already tomorrow in UTC).
    ``date``/``start``/``end`` may also be ISO strings as a form posts them.
    :raises NoteError: end not after start, session over 4 hours, date in the future,
        pain not a whole number 0-10, modality minutes adding up to more than the session.
    """
    errors: dict[str, str] = {}
    warnings: list[str] = []
    date, start, end = _as_date(date), _as_time(start), _as_time(end)

    if not isinstance(date, dt.date) or isinstance(date, dt.datetime):
        errors["date"] = "Enter the date of the session."
    elif date > today:
        errors["date"] = "The session date is in the future."
    elif (today - date).days > LATE_ENTRY_DAYS:
        warnings.append(
            f"This note is for a session {(today - date).days} days ago: it will show as a "
            "late entry."
        )

    length = 0
    if not isinstance(start, dt.time) or not isinstance(end, dt.time):
        errors["end"] = "Enter the start and end time."
    else:
        length = _minutes_between(start, end)
        if length <= 0:
            errors["end"] = "The session must end after it starts."
        elif length > MAX_SESSION_MINUTES:
            errors["end"] = (
                f"A session of {length} minutes is longer than the {MAX_SESSION_MINUTES} "
                "minutes possible; check the times."
            )
        elif length > LONG_SESSION_MINUTES:
            warnings.append(f"The session lasted {length} minutes; check the times.")

    pains: dict[str, int | None] = {}
    for name, value in (("pain_before", pain_before), ("pain_after", pain_after)):
        try:
            pains[name] = pain_score(value)
        except ValueError as exc:
            errors[name] = str(exc)
    before, after = pains.get("pain_before"), pains.get("pain_after")
    if before is not None and after is not None and after - before >= PAIN_RISE_WARNING:
        warnings.append(
            f"Pain rose from {before} to {after} during the session: record why and what was done."
        )

    total = timed = 0
    for spec, values in entries:
        minutes = values.get("minutes")
        if not isinstance(minutes, int) or isinstance(minutes, bool):
            errors["entries"] = f"{spec.label}: minutes are missing."
            continue
        total += minutes
        if spec.timed:
            timed += minutes
    if length > 0 and total > length and "entries" not in errors:
        errors["entries"] = (
            f"The modalities add up to {total} minutes but the session lasted {length} minutes."
        )
    if not entries:
        warnings.append("No modality is recorded for this session.")

    if errors:
        raise NoteError(errors)
    return SessionCheck(
        total_minutes=total,
        timed_minutes=timed,
        warnings=tuple(warnings),
        session_minutes=length,
    )


def blocker_reason(flag: SafetyFlag) -> str:
    """Why one finding stops treatment, in the words the note and plan pages show.

    A finding with a title is named by it (the name the chart and the review page use;
    it already says whether it is an emergency or a red flag); the answer behind it is
    on the review page the note links to.
    """
    if flag.title:
        verb = "cleared" if flag.kind == "absolute" and not flag.emergency else "reviewed"
        return f"{flag.title} (not yet {verb} by a clinician)"
    if flag.emergency:
        return f"Emergency not yet reviewed by a clinician: {flag.message}"
    if flag.kind == "red_flag":
        return f"Red flag not yet reviewed by a clinician: {flag.message}"
    return f"Contraindication not yet cleared by a clinician: {flag.message}"


def treatment_blockers(flags: Iterable[SafetyFlag]) -> list[SafetyFlag]:
    """The findings that stop a session note from being signed and a plan from
    becoming active (docs/clinical-rules.md, "Treatment gates and checks").

    Only the finding itself lifts its block (``SafetyFlag.blocks_treatment``: an
    emergency or red flag once reviewed, an absolute contraindication once cleared);
    nothing written on a plan or a note does.  Precautions, relative, local, pressure
    and heat findings shape what is done, not whether to treat.
    """
    return [flag for flag in flags if flag.blocks_treatment]


def plan_activation_blockers(flags: Iterable[SafetyFlag]) -> list[str]:
    """Why a plan cannot become active yet (empty list: nothing stops it)."""
    return [blocker_reason(flag) for flag in treatment_blockers(flags)]


def _base(code: str) -> str:
    return code[:-2] if code.endswith(("_l", "_r")) else code


def _covers(flag_region: str, region: str) -> bool:
    """Whether a flag's region covers a treated region.  Sided codes ("lower_back_l")
    cover only that side; an unsided code ("lower_back") covers both sides, and an
    unsided treated region is covered by a flag on either side."""
    if flag_region == region:
        return True
    return _base(flag_region) == _base(region) and (
        _base(flag_region) == flag_region or _base(region) == region
    )


def _overlap(flag_regions: Iterable[str], regions: Iterable[str]) -> list[str]:
    """The treated regions that any of the flag's regions covers (order kept)."""
    flag_regions = list(flag_regions)
    hits = [r for r in regions if any(_covers(f, r) for f in flag_regions)]
    return list(dict.fromkeys(hits))


def _where(flag: SafetyFlag, regions: list[str]) -> str | None:
    """Where a region-bound finding meets the treated regions: "anywhere" for a
    finding with no region marked (it covers the whole body), the labels of the
    overlapping regions, or None when it does not apply."""
    if not flag.regions:
        return "anywhere"
    hits = _overlap(flag.regions, regions)
    return ", ".join(region_label(code) for code in hits) if hits else None


def heat_conflicts(flags: Iterable[SafetyFlag], regions: Iterable[str]) -> list[str]:
    """A message for every uncleared heat contraindication over the given regions.

    A flag with no regions covers the whole body.  Only a clinician's clearance of the
    finding lifts it; a therapist may override one with a written reason (see
    :func:`override_gate`), which the web layer audits.
    """
    regions = list(regions)
    messages: list[str] = []
    for flag in flags:
        if flag.kind != "heat" or flag.cleared:
            continue
        where = _where(flag, regions)
        if where == "anywhere":
            messages.append(f"No heat anywhere: {flag.message}")
        elif where:
            messages.append(f"No heat over {where}: {flag.message}")
    return messages


def local_conflicts(flags: Iterable[SafetyFlag], regions: Iterable[str]) -> list[str]:
    """A message for every uncleared local contraindication (recent surgery site, skin
    lesion, lump, radiotherapy field, acute inflammation, aneurysm) over the treated
    regions, whatever the modality.  A finding with no region marked covers the whole
    body, so it meets every entry until a clinician marks where it is or clears it."""
    regions = list(regions)
    messages: list[str] = []
    for flag in flags:
        if flag.kind != "local" or flag.cleared:
            continue
        where = _where(flag, regions)
        if where == "anywhere":
            messages.append(f"Local contraindication, no area marked: {flag.message}")
        elif where:
            messages.append(f"Avoid {where}: {flag.message}")
    return messages


def sensation_test_needed(
    flags: Iterable[SafetyFlag], regions: Iterable[str], *, documented: bool
) -> list[str]:
    """Why a hot pack needs a documented sensation test first (empty: it does not).

    A ``heat_check`` finding (diabetes, neuropathy) allows heat only once a sensation
    test over the area is on record: on this entry, or on an earlier signed hot pack
    (``documented``).  A finding with no region marked covers the whole body.
    """
    if documented:
        return []
    regions = list(regions)
    return [
        f"Test sensation before the first hot pack: {flag.message}"
        for flag in flags
        if flag.kind == "heat_check" and not flag.cleared and _where(flag, regions)
    ]


OVERRIDE_REASON_MIN_CHARS = 10  # default of the override_reason_min_chars setting


class OverrideNeeded(ValueError):
    """Treatment over a contraindicated region without a sufficient written reason."""

    def __init__(self, conflicts: list[str], min_chars: int):
        self.conflicts = list(conflicts)
        self.min_chars = min_chars
        super().__init__(
            "; ".join(self.conflicts)
            + f". Choose another region, or write why you are overriding (at least {min_chars}"
            " characters)."
        )


def override_gate(
    conflicts: list[str],
    override_reason: str = "",
    *,
    min_chars: int = OVERRIDE_REASON_MIN_CHARS,
) -> list[str]:
    """Refuse treatment over contraindicated regions unless the therapist writes a reason.

    :returns: the conflicts that were overridden (empty when there were none), for the
        web layer to audit together with the reason.
    :raises OverrideNeeded: conflicts exist and the reason is missing or shorter than
        ``min_chars`` characters (a reason, not "ok").
    """
    if conflicts and len((override_reason or "").strip()) < min_chars:
        raise OverrideNeeded(conflicts, min_chars)
    return list(conflicts)


DEEP_PRESSURE = 7  # patient-rated 0-10; anticoagulants: no deep pressure (docs/clinical-rules.md)


def pressure_warnings(flags: Iterable[SafetyFlag], pressure: int | None) -> list[str]:
    """A warning when a recorded pressure is deep (7/10 or more) while an uncleared
    pressure precaution (e.g. anticoagulants) is on file."""
    if pressure is None or pressure < DEEP_PRESSURE:
        return []
    return [
        f"Pressure {pressure}/10 is deep work, but: {flag.message}"
        for flag in flags
        if flag.kind == "pressure" and not flag.cleared
    ]


@dataclass(frozen=True)
class ServiceMinutes:
    """Minutes of one modality in one session, as reported to billing."""

    service: str
    label: str
    minutes: int
    timed: bool


def service_minutes(entries: Iterable[tuple[ModalitySpec, dict]]) -> list[ServiceMinutes]:
    """Minutes per modality for the ``billable_services`` hook.

    Entries of the same modality add up (two NMT entries of 10 and 15 minutes are one
    25-minute NMT service): unit rules such as the 8-minute rule work on the total per
    service.  Order follows the first entry of each modality.  This plugin knows
    nothing about CPT; a billing plugin maps ``service`` to codes.
    """
    totals: dict[str, ServiceMinutes] = {}
    for spec, values in entries:
        key = spec.service_key or f"treatment.{spec.key}"
        minutes = int(values.get("minutes") or 0)
        if key in totals:
            prev = totals[key]
            totals[key] = ServiceMinutes(key, prev.label, prev.minutes + minutes, prev.timed)
        else:
            totals[key] = ServiceMinutes(key, spec.label, minutes, spec.timed)
    return [t for t in totals.values() if t.minutes > 0]


def unsigned_overdue(*, started: dt.datetime, now: dt.datetime, hours: float = 24) -> bool:
    """Whether an unsigned note has waited longer than ``hours`` (the
    ``unsigned_note_hours`` setting) and belongs on the therapist's to-do list."""
    return now - started > dt.timedelta(hours=float(hours))


# Kinds that shape how a modality is given, shown beside that modality's entry on the
# plan and note forms (issue 11, point 3): heat findings only where heat is applied,
# area and pressure findings beside every hands-on entry.  Emergencies, red flags and
# absolute contraindications decide whether to treat at all; the sign and activation
# sections show them.
_HEAT_KINDS = ("heat", "heat_check")
_MANUAL_KINDS = ("local", "pressure", "relative", "precaution")


def flags_for_modality(flags: Iterable[SafetyFlag], *, applies_heat: bool) -> list[SafetyFlag]:
    """The findings that concern one modality entry, in the order they were given."""
    kinds = _HEAT_KINDS + ("local",) if applies_heat else _MANUAL_KINDS
    return [flag for flag in flags if flag.kind in kinds and not flag.cleared]
