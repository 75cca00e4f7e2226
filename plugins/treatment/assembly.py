"""Assembling a session note or a plan's modalities: prefill, the safety gates, sign checks.

The one place where the treatment rules (``domain/rules.py``, ``domain/builtin.py``)
meet the forms; the plan and note views call it and stay thin.  Every gate and check
is written out for clinicians in docs/clinical-rules.md, "Treatment gates and checks".
Safety findings arrive only through the ``patient_safety_flags`` hook.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import request, url_for
from werkzeug.datastructures import MultiDict
from werkzeug.routing import BuildError

from clinic.api import Patient, clinic_today, icd10, record, verify_staff_password
from plugins.treatment import notes as note_forms
from plugins.treatment import services
from plugins.treatment.domain.modalities import (
    EntryError,
    ModalitySpec,
    entry_regions,
    prefill_entry,
    validate_entry,
)
from plugins.treatment.domain.rules import (
    NoteError,
    OverrideNeeded,
    blocker_reason,
    check_session,
    flags_for_modality,
    heat_conflicts,
    local_conflicts,
    override_gate,
    pain_score,
    pressure_warnings,
    sensation_test_needed,
    treatment_blockers,
)
from plugins.treatment.forms import PALPATION_ROWS, parse_time, prefix_for_entry
from plugins.treatment.models import Note, NoteEntry, Plan

# check_session error keys -> note form fields
SESSION_FIELDS = {
    "date": "session_date",
    "session_date": "session_date",
    "start": "start_time",
    "end": "end_time",
    "pain_before": "pain_before",
    "pain_after": "pain_after",
}
OVERRIDE_EVENTS = {"heat": "treatment.heat_override", "local": "treatment.local_override"}


# -- findings that stop treatment ---------------------------------------------------


@dataclass(frozen=True)
class Blocker:
    """A finding that stops signing, with the page where a clinician resolves it."""

    message: str
    url: str | None


def _review_url(flag) -> str | None:
    if not flag.link_endpoint:
        return None
    try:
        # ``back``: the review page offers a way back to this note or plan once the
        # review is recorded (pages that do not know it ignore the extra argument).  A
        # refused POST renders under an address that cannot be opened again: no way back.
        back = request.path if request.method == "GET" else None
        return url_for(flag.link_endpoint, **flag.link_values, back=back)
    except BuildError:
        return None


def modality_flags(flags):
    """For the forms: ``modality_flags(spec)`` lists the findings beside that entry."""
    flags = list(flags)
    return lambda spec: flags_for_modality(flags, applies_heat=spec.applies_heat)


def blockers(patient: Patient, flags=None) -> list[Blocker]:
    """Every finding that stops a note from being signed or a plan from starting."""
    flags = services.safety_flags(patient) if flags is None else flags
    return [Blocker(blocker_reason(f), _review_url(f)) for f in treatment_blockers(flags)]


def has_local_findings(flags) -> bool:
    return any(f.kind == "local" and not f.cleared for f in flags)


# -- the region gates, shared by plans and notes ---------------------------------------


@dataclass
class Gated:
    """Override reasons accepted for one entry, and the lines to audit."""

    heat_reason: str = ""
    local_reason: str = ""
    audit: list[tuple[str, str]] = field(default_factory=list)


def gate_entry(form, prefix: str, spec: ModalitySpec, values: dict, flags, *, plan: bool,
               sensation_on_file: bool = False) -> Gated | None:  # fmt: skip
    """Heat and local contraindications, and the sensation test, for one validated
    entry (a note's entry or a plan's modality).  Refusals go on the form's fields and
    the result is None; otherwise the accepted override reasons and audit lines."""
    regions = entry_regions(spec, values, plan=plan)
    min_chars = int(services.setting("override_reason_min_chars"))
    out, refused = Gated(), False
    checks = [("local", local_conflicts(flags, regions))]
    if spec.applies_heat:
        checks.insert(0, ("heat", heat_conflicts(flags, regions)))
    for kind, conflicts in checks:
        target = form[f"{prefix}{kind}_override"]
        reason = (target.data or "").strip()
        try:
            overridden = override_gate(conflicts, reason, min_chars=min_chars)
        except OverrideNeeded as exc:
            refused = True
            target.errors.extend(
                [
                    *exc.conflicts,
                    "Refused here: change the regions, or write why you are going ahead "
                    f"(at least {exc.min_chars} characters).",
                ]
            )
            continue
        if overridden:
            setattr(out, f"{kind}_reason", reason)
            line = f"{spec.label}: {'; '.join(overridden)} — reason: {reason}"
            out.audit.append((OVERRIDE_EVENTS[kind], line))
    if spec.applies_heat and not plan and spec.field("sensation_test") is not None:
        documented = sensation_on_file or bool((values.get("sensation_test") or "").strip())
        needed = sensation_test_needed(flags, regions, documented=documented)
        if needed:
            refused = True
            form[f"{prefix}sensation_test"].errors.extend(needed)
    return None if refused else out


def record_overrides(patient: Patient, object_type: str, object_id: int, audit) -> None:
    """Audit each written reason for treating over a contraindicated region."""
    for event, text in audit:
        record(event, patient_id=patient.id, object_type=object_type, object_id=object_id,
               detail=text)  # fmt: skip


def check_plan_modality(form, prefix: str, spec: ModalitySpec, flags) -> tuple | None:
    """One plan modality's parameters: (values, heat reason, local reason, audit) or
    None with the errors on the form."""
    raw = {f.name: form[prefix + f.name].data for f in spec.plan_fields}
    try:
        result = validate_entry(spec, raw, settings=services.settings(), plan=True)
    except EntryError as exc:
        for name, message in exc.errors.items():
            form._fields.get(prefix + name, form[f"{prefix}use"]).errors.append(message)
        return None
    gated = gate_entry(form, prefix, spec, result.values, flags, plan=True)
    if gated is None:
        return None
    return result.values, gated.heat_reason, gated.local_reason, gated.audit


def diagnosis_notes(raw: str | None) -> list[tuple[str, str]]:
    """(code, coding note) for each entered code the ICD-10 data file annotates."""
    found = [icd10.lookup(c) for c in (raw or "").replace(",", " ").split()]
    return [(d.code, n) for d in found if d is not None for n in d.notes]


# -- a new note --------------------------------------------------------------------


def previous_note(patient_id: int, plan_id: int | None) -> Note | None:
    """The last signed session (of the same plan, when there is one)."""
    notes = services.counted_notes(services.patient_notes(patient_id))
    if plan_id is not None:
        notes = [n for n in notes if n.plan_id == plan_id] or notes
    return notes[0] if notes else None


def prefill(note: Note, plan: Plan | None, previous: Note | None) -> None:
    """Start a note from the plan's modalities and the previous signed session.

    Each entry is layered by :func:`prefill_entry`: defaults and settings, the plan's
    parameters, then the technique of last time - never last time's observations
    (tenderness, trigger point, reduction, skin response, checks).
    """
    specs, current = services.modalities(), services.settings()
    if plan is not None:
        planned = [(pm.modality_key, pm.parameters) for pm in plan.modalities]
    elif previous is not None:
        planned = [(e.modality_key, {}) for e in previous.entries]
    else:
        planned = []
    before = {e.modality_key: e.values for e in previous.entries} if previous else {}
    for key, parameters in planned:
        spec = specs.get(key)
        if spec is None:
            continue
        values = prefill_entry(
            spec, previous=before.get(key), plan_values=parameters, settings=current
        )
        minutes = values.get("minutes")
        note.entries.append(
            NoteEntry(
                modality_key=key,
                values=note_forms.jsonable(values),
                minutes=minutes if isinstance(minutes, int) else None,
            )
        )
    if previous is not None:
        note.plan_text = previous.plan_text


# -- saving and signing a note ----------------------------------------------------------


class Checked:
    """The outcome of validating a posted note: parsed values or errors on the form."""

    def __init__(self):
        self.general: list[str] = []
        self.warnings: list[str] = []
        self.static: dict[str, Any] = {}
        # (entry, spec, values, warnings, heat reason, local reason)
        self.entries: list[tuple[NoteEntry, ModalitySpec, dict, tuple, str, str]] = []
        self.audit: list[tuple[str, str]] = []


def _sensation_on_file(note: Note) -> bool:
    """Whether an earlier signed hot pack for this patient records a sensation test."""
    for other in services.counted_notes(services.patient_notes(note.patient_id)):
        if other.id == note.id:
            continue
        if any((e.values or {}).get("sensation_test") for e in other.entries):
            return True
    return False


def _static_values(form, out: Checked) -> None:
    s = out.static
    s["session_date"] = form.session_date.data
    for name in ("start_time", "end_time"):
        try:
            s[name] = parse_time(form[name].data)
        except ValueError as exc:
            form[name].errors.append(str(exc))
            s[name] = None
    for name in ("pain_before", "pain_after"):
        try:
            s[name] = pain_score(form[name].data)
        except ValueError as exc:
            form[name].errors.append(str(exc))
            s[name] = None
    for name in ("subjective", "objective", "assessment", "plan_text"):
        s[name] = (form[name].data or "").strip()
    palpation = []
    for i in range(1, PALPATION_ROWS + 1):
        region = form[f"palp{i}_region"].data or ""
        finding = (form[f"palp{i}_finding"].data or "").strip()
        if finding and not region:
            form[f"palp{i}_region"].errors.append("Choose the region this finding is about.")
        if region or finding:
            palpation.append({"region": region, "finding": finding})
    s["palpation"] = palpation
    s["home_care"] = list(form.home_care.data or [])


def _check_entries(form, note: Note, flags, out: Checked) -> bool:
    current = services.settings()
    on_file = None
    ok = True
    for entry, spec in note_forms.entry_specs(note):
        prefix = prefix_for_entry(entry.id)
        raw = {f.name: form[prefix + f.name].data for f in spec.fields}
        try:
            result = validate_entry(spec, raw, settings=current)
        except EntryError as exc:
            ok = False
            for name, message in exc.errors.items():
                target = form._fields.get(prefix + name)
                if target is not None:
                    target.errors.append(message)
                else:
                    out.general.append(f"{spec.label}: {message}")
            continue
        if on_file is None and spec.applies_heat:
            on_file = _sensation_on_file(note)
        gated = gate_entry(
            form, prefix, spec, result.values, flags, plan=False, sensation_on_file=bool(on_file)
        )
        if gated is None:
            ok = False
            continue
        out.audit.extend(gated.audit)
        out.warnings.extend(f"{spec.label}: {w}" for w in result.warnings)
        pressure = result.values.get("pressure")
        if isinstance(pressure, int):
            out.warnings.extend(pressure_warnings(flags, pressure))
        # Checked in the unit the therapist typed; stored in °C.
        stored = note_forms.values_to_store(entry, result.values)
        out.entries.append(
            (entry, spec, stored, result.warnings, gated.heat_reason, gated.local_reason)
        )
    return ok


def check_note_form(form, note: Note, flags) -> Checked:
    """Full validation of a posted note.  Errors go on the form's fields."""
    out = Checked()
    _static_values(form, out)
    entries_ok = _check_entries(form, note, flags, out)
    s = out.static
    missing = False
    for name, label in (("start_time", "start"), ("end_time", "end")):
        if s[name] is None and not form[name].errors:
            form[name].errors.append(f"Enter the {label} time.")
            missing = True
    if missing or has_errors(form) or not entries_ok:
        return out
    try:
        check = check_session(
            date=s["session_date"],
            start=s["start_time"],
            end=s["end_time"],
            pain_before=s["pain_before"],
            pain_after=s["pain_after"],
            entries=[(spec, values) for _e, spec, values, *_rest in out.entries],
            today=clinic_today(),
        )
    except NoteError as exc:
        for key, message in exc.errors.items():
            target = form._fields.get(SESSION_FIELDS.get(key, key))
            if target is not None:
                target.errors.append(message)
            else:
                out.general.append(message)
    else:
        out.warnings.extend(check.warnings)
    return out


def has_errors(form) -> bool:
    return any(f.errors for f in form)


def apply(note: Note, checked: Checked) -> None:
    for key, value in checked.static.items():
        setattr(note, key, value)
    for entry, _spec, values, warnings, heat_reason, local_reason in checked.entries:
        entry.values = note_forms.jsonable(values)
        minutes = values.get("minutes")
        entry.minutes = int(minutes) if isinstance(minutes, int | float) else None
        entry.warnings = list(warnings)
        entry.heat_override_reason = heat_reason
        entry.local_override_reason = local_reason
    note.draft_form = None
    note.draft_saved_at = None


def sign_problems(note: Note, flags) -> list[str]:
    """What stops the saved note from being signed, besides unresolved findings: the
    same checks as a save, at least one entry, and each modality's sign checks (e.g. a
    hot-pack skin reaction needs its follow-up)."""
    form = note_forms.build_form(note, formdata=None)
    form.process(MultiDict(note_forms.stored_items(note)))
    # Not validated, so each field's errors is still WTForms' empty tuple; the checks
    # below append to it (a tuple there made signing an incomplete note a 500).
    for each in form:
        each.errors = list(each.errors)
    checked = check_note_form(form, note, flags)
    problems = [f"{f.label.text}: {e}" for f in form for e in f.errors] + checked.general
    if not note.entries:
        problems.append("Record at least one modality before signing.")
    for _entry, spec, values, *_rest in checked.entries:
        if spec.sign_check is not None:
            problems.extend(spec.sign_check(values))
    return problems


def password_check(user, password: str):
    """The signing password check: the core's, rate-limited and audited like sign-in.

    The result is falsy when the password is refused; its ``message`` says why (wrong
    password, or too many wrong passwords for now).
    """
    return verify_staff_password(user, password, "note signing")
