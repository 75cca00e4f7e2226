"""Treatment plugin: massage treatment plans and signed session notes.

Therapists plan a course of neuromuscular therapy, positional release and hot packs
for a patient's back pain, record each session in a structured SOAP note, sign it
(after which it never changes), and follow the patient's progress.  Modalities form
a registry (the ``treatment_modalities`` hook), so another plugin can add its own.
"""

from pathlib import Path

from clinic.api import BILLING, FRONT_DESK, THERAPIST, Permission, PluginManifest
from plugins.treatment import hooks, hookspecs
from plugins.treatment.domain.builtin import SETTINGS_DEFAULTS
from plugins.treatment.views import bp

PERMISSIONS = (
    Permission(
        "treatment.sessions.view",
        "See that a treatment session happened (date, therapist), not its content",
        (FRONT_DESK, THERAPIST, BILLING),
    ),
    Permission(
        "treatment.services.view",
        "See minutes and services per session, not note text",
        (THERAPIST, BILLING),
    ),
    Permission("treatment.notes.view", "Read treatment notes", (THERAPIST,)),
    Permission("treatment.notes.write", "Write, sign and amend treatment notes", (THERAPIST,)),
    # A note belongs to its author: only they save its draft, sign it or withdraw it.
    # Withdrawing a colleague's note (entered in error, with a reason) is a supervisory
    # act, held by administrators by default (docs/clinical-rules.md).
    Permission(
        "treatment.notes.correct_others",
        "Mark a colleague's note entered in error, giving a reason",
        (),
    ),
    Permission("treatment.plans.view", "Read treatment plans and progress", (THERAPIST,)),
    Permission("treatment.plans.write", "Create and change treatment plans", (THERAPIST,)),
)

manifest = PluginManifest(
    name="treatment",
    # Its chart panels, alerts and facts come from its tables, the user and the day.
    chart_cacheable=True,
    title="Treatment plans and session notes",
    version="0.1.0",
    core_requires=">=0.1,<1.0",
    blueprint=bp,
    hooks=hooks,
    hookspecs=hookspecs,
    models="plugins.treatment.models",
    permissions=PERMISSIONS,
    # temperature_unit: "C" or "F", how temperatures are shown and typed (stored in °C).
    settings={**SETTINGS_DEFAULTS, "temperature_unit": "C"},
    migrations=Path(__file__).parent / "migrations" / "versions",
    description="Massage treatment plans, structured SOAP session notes, signing and progress.",
)
