"""Insurance plugin: coverage, authorizations, coding with the 8-minute rule, claims.

The front desk keeps each patient's payers, policies, benefits-verification calls and
authorizations; signed sessions (the ``billable_services`` hook) become proposed CPT
lines that the biller reviews and accepts as claims, tracked from draft to paid and
printed as superbills; therapists sign medical-necessity notes.  Nothing is ever
submitted electronically.
"""

from pathlib import Path

from clinic.api import BILLING, FRONT_DESK, THERAPIST, Permission, PluginManifest
from plugins.insurance import hooks
from plugins.insurance.services import SETTINGS_DEFAULTS
from plugins.insurance.views import bp

PERMISSIONS = (
    Permission(
        "insurance.coverage.view",
        "See payers, policies, verification calls and authorizations",
        (FRONT_DESK, BILLING),
    ),
    Permission(
        "insurance.coverage.edit",
        "Add payers, policies, verification calls and authorizations",
        (FRONT_DESK, BILLING),
    ),
    Permission(
        "insurance.authorizations.status",
        "See authorization status and alerts (visits used and left)",
        (FRONT_DESK, THERAPIST, BILLING),
    ),
    Permission(
        "insurance.billing",
        "Code visits, fee schedules, service mapping, claims and superbills",
        (BILLING,),
    ),
    Permission("insurance.necessity.view", "Read medical-necessity notes", (THERAPIST, BILLING)),
    Permission("insurance.necessity.write", "Write and sign medical-necessity notes", (THERAPIST,)),
)

manifest = PluginManifest(
    name="insurance",
    # Its chart panels, alerts and facts come from its tables, the user and the day.
    chart_cacheable=True,
    title="Insurance, coding and claims",
    version="0.1.0",
    core_requires=">=0.1,<1.0",
    blueprint=bp,
    hooks=hooks,
    models="plugins.insurance.models",
    permissions=PERMISSIONS,
    settings=dict(SETTINGS_DEFAULTS),
    migrations=Path(__file__).parent / "migrations" / "versions",
    description="Coverage, authorizations, CPT coding with the 8-minute rule, claims, superbills.",
)
