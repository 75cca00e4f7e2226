"""Turning session notes into form values and back, and the note's signed content.

The rules a save or a signature must pass live in :mod:`plugins.treatment.assembly`.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from flask import flash, url_for
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from clinic.api import collect, take_draft, user_can
from plugins.treatment import services
from plugins.treatment.domain.modalities import ModalitySpec
from plugins.treatment.domain.temperature import shown_spec, shown_values, stored_values
from plugins.treatment.forms import PALPATION_ROWS, choices, note_form_class, prefix_for_entry
from plugins.treatment.models import Note, NoteEntry

DRAFT_VALUE_LIMIT = 20_000
ENTRY_KEY = re.compile(r"^e\d+-")


def entry_specs(note: Note) -> list[tuple[NoteEntry, ModalitySpec]]:
    """Each entry with its modality as the form shows it (temperatures in the clinic's
    unit); values in ``entry.values`` stay as stored (°C): see :func:`shown_entry_values`."""
    specs, unit, current = services.modalities(), services.temperature_unit(), services.settings()
    return [
        (e, shown_spec(specs[e.modality_key], unit, current))
        for e in note.entries
        if e.modality_key in specs
    ]


def shown_entry_values(entry: NoteEntry) -> dict[str, Any]:
    """An entry's stored values as the page shows them (temperatures converted)."""
    spec = services.modalities().get(entry.modality_key)
    if spec is None:
        return dict(entry.values or {})
    return shown_values(spec, entry.values, services.temperature_unit())


def values_to_store(entry: NoteEntry, values: dict[str, Any]) -> dict[str, Any]:
    """Values validated in the displayed unit, converted for storage (°C)."""
    spec = services.modalities()[entry.modality_key]
    return stored_values(spec, values, services.temperature_unit())


def build_form(note: Note, **kwargs):
    cls = note_form_class([(e.id, spec) for e, spec in entry_specs(note)])
    form = cls(**kwargs)
    handouts = collect(
        "handout_sections", patient=note.patient, context={"modalities": modality_keys(note)}
    )
    form.home_care.choices = choices((h.id, h.title) for h in handouts)
    return form


def home_care_titles(note: Note) -> list[str]:
    """The advice given, in the words the therapist ticked (the handouts plugin names
    its ids through the same hook); an id nobody names any more is shown as stored."""
    if not note.home_care:
        return []
    offered = collect(
        "handout_sections", patient=note.patient, context={"modalities": modality_keys(note)}
    )
    titles = {h.id: h.title for h in offered}
    return [titles.get(advice, advice) for advice in note.home_care]


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
        shown = shown_entry_values(entry)
        for f in spec.fields:
            items.extend(_field_items(prefix + f.name, f.type, shown.get(f.name)))
        if spec.applies_heat and entry.heat_override_reason:
            items.append((f"{prefix}heat_override", entry.heat_override_reason))
        if entry.local_override_reason:
            items.append((f"{prefix}local_override", entry.local_override_reason))
        groups[prefix] = items
    draft = note.draft_form or {}
    if draft:
        for group in groups:
            if group == "static":
                # Entry fields are "e<id>-name"; "end_time" starts with "e" too.
                mine = {k: v for k, v in draft.items() if not ENTRY_KEY.match(k)}
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
                    # Only when set, so notes signed before the field existed still match.
                    **(
                        {"local_override_reason": e.local_override_reason}
                        if e.local_override_reason
                        else {}
                    ),
                }
                for e in note.entries
            ],
            "signed_by_id": override.get("signed_by_id", note.signed_by_id),
            "signed_at": override.get("signed_at", note.signed_at),
        }
    )


def current_user_is_author(note: Note) -> bool:
    return current_user.is_authenticated and current_user.id == note.therapist_id


def current_user_may_mark_error(note: Note) -> bool:
    """The author withdraws their own note; a colleague's needs the supervisory permission.

    Anyone who writes notes may still add an addendum to a colleague's signed note.
    """
    return current_user_is_author(note) or user_can(current_user, "treatment.notes.correct_others")
