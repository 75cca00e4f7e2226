"""Turning session notes into form values and back, and the note's signed content."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import flash, url_for
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from clinic.api import collect, take_draft
from plugins.treatment import services
from plugins.treatment.domain.modalities import (
    EntryError,
    ModalitySpec,
    entry_regions,
    heat_regions,
    validate_entry,
)
from plugins.treatment.domain.rules import (
    NoteError,
    check_session,
    heat_conflicts,
    local_conflicts,
    pain_score,
    pressure_warnings,
)
from plugins.treatment.forms import (
    PALPATION_ROWS,
    choices,
    note_form_class,
    parse_time,
    prefix_for_entry,
)
from plugins.treatment.models import Note, NoteEntry

# check_session error keys -> note form fields
SESSION_FIELDS = {
    "date": "session_date",
    "session_date": "session_date",
    "start": "start_time",
    "end": "end_time",
    "pain_before": "pain_before",
    "pain_after": "pain_after",
}
DRAFT_VALUE_LIMIT = 20_000


def entry_specs(note: Note) -> list[tuple[NoteEntry, ModalitySpec]]:
    specs = services.modalities()
    return [(e, specs[e.modality_key]) for e in note.entries if e.modality_key in specs]


def build_form(note: Note, **kwargs):
    cls = note_form_class([(e.id, spec) for e, spec in entry_specs(note)])
    form = cls(**kwargs)
    handouts = collect(
        "handout_sections", patient=note.patient, context={"modalities": modality_keys(note)}
    )
    form.home_care.choices = choices((h.id, h.title) for h in handouts)
    return form


def modality_keys(note: Note) -> list[str]:
    return [e.modality_key for e in note.entries]


def jsonable(value: Any) -> Any:
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def _field_items(name: str, ftype: str, value: Any) -> list[tuple[str, str]]:
    if value is None or value == "":
        return []
    if ftype == "bool":
        return [(name, "y")] if value is True or value in ("y", "on", "true", "1") else []
    if ftype == "regions":
        return [(name, str(v)) for v in (value if isinstance(value, list) else [value])]
    if ftype == "skin_checks":
        if isinstance(value, list):
            lines = [f"{c.get('minute', '')}: {c.get('finding', '')}" for c in value]
            return [(name, "\n".join(lines))]
        return [(name, str(value))]
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return [(name, str(value))]


def stored_items(note: Note) -> list[tuple[str, str]]:
    """The note as saved, as (field name, value) pairs for a form, overlaid with autosave."""
    groups: dict[str, list[tuple[str, str]]] = {}
    static: list[tuple[str, str]] = [("session_date", note.session_date.isoformat())]
    if note.start_time:
        static.append(("start_time", note.start_time.strftime("%H:%M")))
    if note.end_time:
        static.append(("end_time", note.end_time.strftime("%H:%M")))
    for name in ("pain_before", "pain_after"):
        if getattr(note, name) is not None:
            static.append((name, str(getattr(note, name))))
    for name in ("subjective", "objective", "assessment", "plan_text"):
        static.append((name, getattr(note, name) or ""))
    for i, row in enumerate(note.palpation[:PALPATION_ROWS], start=1):
        static.append((f"palp{i}_region", row.get("region", "")))
        static.append((f"palp{i}_finding", row.get("finding", "")))
    static.extend(("home_care", h) for h in note.home_care)
    groups["static"] = static
    for entry, spec in entry_specs(note):
        prefix = prefix_for_entry(entry.id)
        items: list[tuple[str, str]] = []
        for f in spec.fields:
            items.extend(_field_items(prefix + f.name, f.type, entry.values.get(f.name)))
        if spec.applies_heat and entry.heat_override_reason:
            items.append((f"{prefix}heat_override", entry.heat_override_reason))
        groups[prefix] = items
    draft = note.draft_form or {}
    if draft:
        for group in groups:
            if group == "static":
                mine = {k: v for k, v in draft.items() if not k.startswith("e")}
            else:
                mine = {k: v for k, v in draft.items() if k.startswith(group)}
            if mine:
                groups[group] = [(k, v) for k, values in mine.items() for v in values]
    return [item for items in groups.values() for item in items]


def form_for(note: Note):
    """The edit form, started from a timed-out draft if the core kept one, else the note."""
    form = build_form(note)
    if not form.restored_from_draft:
        # An autosave that arrived after the idle timeout was kept by the core too.
        kept = take_draft(
            url_for("treatment.note_autosave", patient_id=note.patient_id, note_id=note.id)
        )
        if kept is not None:
            flash("Your session had timed out; what you typed has been put back.", "info")
        form.process(kept if kept is not None else MultiDict(stored_items(note)))
    form.version.data = str(note.version)
    return form


def draft_from_request(form, posted: MultiDict) -> dict[str, list[str]]:
    allowed = {name for name in form._fields if name not in ("csrf_token", "version")}
    return {
        key: [v.replace("\x00", "")[:DRAFT_VALUE_LIMIT] for v in posted.getlist(key)]
        for key in posted
        if key in allowed
    }


def conflict_rows(note: Note, posted: MultiDict) -> list[tuple[str, str, str]]:
    """(label, saved now, what you typed) for every field where they differ."""
    form = build_form(note, formdata=None)
    saved = MultiDict(stored_items(note))
    rows = []
    for name, field in form._fields.items():
        if name in ("csrf_token", "version"):
            continue
        a = "; ".join(saved.getlist(name))
        b = "; ".join(posted.getlist(name))
        if a != b:
            rows.append((str(field.label.text), a, b))
    return rows


def entry_raw(form, entry: NoteEntry, spec: ModalitySpec) -> dict[str, Any]:
    prefix = prefix_for_entry(entry.id)
    raw: dict[str, Any] = {}
    for f in spec.fields:
        raw[f.name] = form[prefix + f.name].data
    return raw


class Checked:
    """The outcome of validating a posted note: parsed values or errors on the form."""

    def __init__(self):
        self.general: list[str] = []
        self.warnings: list[str] = []
        self.static: dict[str, Any] = {}
        self.entries: list[tuple[NoteEntry, ModalitySpec, dict, tuple, str]] = []
        self.overrides: list[str] = []


def check_form(form, note: Note, flags) -> Checked:
    """Full validation of a posted note.  Errors go on the form's fields."""
    out = Checked()
    current = services.settings()
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

    entry_ok = True
    for entry, spec in entry_specs(note):
        prefix = prefix_for_entry(entry.id)
        try:
            result = validate_entry(spec, entry_raw(form, entry, spec), settings=current)
        except EntryError as exc:
            entry_ok = False
            for name, message in exc.errors.items():
                target = form._fields.get(prefix + name)
                if target is not None:
                    target.errors.append(message)
                else:
                    out.general.append(f"{spec.label}: {message}")
            continue
        override = ""
        if spec.applies_heat:
            conflicts = heat_conflicts(flags, heat_regions(spec, result.values))
            override = (form[f"{prefix}heat_override"].data or "").strip()
            if conflicts and not override:
                entry_ok = False
                form[f"{prefix}heat_override"].errors.extend(
                    [*conflicts, "Heat refused here; write a reason to override."]
                )
                continue
            if conflicts:
                out.overrides.append(f"{spec.label}: {'; '.join(conflicts)} — reason: {override}")
            else:
                override = ""
        out.warnings.extend(f"{spec.label}: {w}" for w in result.warnings)
        out.warnings.extend(local_conflicts(flags, entry_regions(spec, result.values)))
        pressure = result.values.get("pressure")
        if isinstance(pressure, int):
            out.warnings.extend(pressure_warnings(flags, pressure))
        out.entries.append((entry, spec, result.values, result.warnings, override))

    missing = False
    for name, label in (("start_time", "start"), ("end_time", "end")):
        if s[name] is None and not form[name].errors:
            form[name].errors.append(f"Enter the {label} time.")
            missing = True
    if not missing and not has_errors(form) and entry_ok:
        try:
            check = check_session(
                date=s["session_date"],
                start=s["start_time"],
                end=s["end_time"],
                pain_before=s["pain_before"],
                pain_after=s["pain_after"],
                entries=[(spec, values) for _e, spec, values, _w, _o in out.entries],
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
    return any(field.errors for field in form)


def apply(note: Note, checked: Checked) -> None:
    for key, value in checked.static.items():
        setattr(note, key, value)
    for entry, _spec, values, warnings, override in checked.entries:
        entry.values = jsonable(values)
        minutes = values.get("minutes")
        entry.minutes = int(minutes) if isinstance(minutes, int | float) else None
        entry.warnings = list(warnings)
        entry.heat_override_reason = override
    note.draft_form = None
    note.draft_saved_at = None


def content(note: Note, **override: Any) -> dict[str, Any]:
    """Everything a signature covers (``override`` supplies values about to be set)."""
    return jsonable(
        {
            "note_id": note.id,
            "patient_id": note.patient_id,
            "plan_id": note.plan_id,
            "therapist_id": note.therapist_id,
            "session_date": note.session_date,
            "start_time": note.start_time,
            "end_time": note.end_time,
            "pain_before": note.pain_before,
            "pain_after": note.pain_after,
            "subjective": note.subjective,
            "objective": note.objective,
            "assessment": note.assessment,
            "plan": note.plan_text,
            "palpation": note.palpation,
            "home_care": note.home_care,
            "entries": [
                {
                    "modality": e.modality_key,
                    "values": e.values,
                    "minutes": e.minutes,
                    "heat_override_reason": e.heat_override_reason,
                }
                for e in note.entries
            ],
            "signed_by_id": override.get("signed_by_id", note.signed_by_id),
            "signed_at": override.get("signed_at", note.signed_at),
        }
    )


def current_user_is_author(note: Note) -> bool:
    return current_user.is_authenticated and current_user.id == note.therapist_id
