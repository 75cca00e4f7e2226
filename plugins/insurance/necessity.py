"""Drafting and sealing medical-necessity notes.  Pure (no Flask): the views gather the
plan, measures and services through hooks and hand them here."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from typing import Any

FIELDS = ("diagnoses", "limitations", "interventions", "response", "progress")
FUNCTION_MEASURES = ("odi", "rmdq")  # functional limits (domain brief 6.5)


def draft(*, plans, measures, proposals, titles: Mapping[str, str]) -> dict[str, str]:
    """Starting text for each field; the therapist edits every word before signing."""
    codes: list[str] = []
    for plan in plans:
        codes += [c for c in plan.diagnoses if c not in codes]
    diagnoses = "\n".join(f"{c} {titles.get(c, '')}".strip() for c in codes)

    limits = [plan.problems.strip() for plan in plans if plan.problems.strip()]
    functional = [m for m in measures if m.instrument in FUNCTION_MEASURES]
    for m in functional[-2:]:
        band = f" ({m.band})" if m.band else ""
        limits.append(f"{m.label} {m.taken_on.isoformat()}: {m.value:g}{m.unit}{band}")

    interventions = []
    for p in proposals:
        for line in p.lines:
            interventions.append(
                f"{p.service_date.isoformat()}: {line.code} {line.description} — "
                f"{line.minutes} min, {line.units} unit{'s' if line.units != 1 else ''}"
            )

    progress = [goal for plan in plans for goal in plan.goals]
    by_instrument: dict[str, list] = {}
    for m in measures:
        by_instrument.setdefault(m.instrument, []).append(m)
    for series in by_instrument.values():
        if len(series) >= 2:
            first, last = series[0], series[-1]
            progress.append(
                f"{last.label}: {first.value:g}{first.unit} on {first.taken_on.isoformat()} → "
                f"{last.value:g}{last.unit} on {last.taken_on.isoformat()}"
            )
    return {
        "diagnoses": diagnoses,
        "limitations": "\n".join(limits),
        "interventions": "\n".join(interventions),
        "response": "",
        "progress": "\n".join(progress),
    }


def content(note, *, signed_by_id: int | None, signed_at: dt.datetime | None) -> dict[str, Any]:
    body = {name: getattr(note, name) for name in FIELDS}
    body.update(
        patient_id=note.patient_id,
        period_start=note.period_start.isoformat(),
        period_end=note.period_end.isoformat(),
        author_id=note.author_id,
        signed_by_id=signed_by_id,
        signed_at=signed_at.isoformat() if signed_at else None,
    )
    return body


def content_hash(body: Mapping[str, Any]) -> str:
    """SHA-256 over canonical JSON (sorted keys, no whitespace)."""
    text = json.dumps(dict(body), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
