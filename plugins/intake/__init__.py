"""Intake: questionnaires on a tablet or entered by staff, scored on the spot, with
red flags and contraindications raised to the therapist before the first session."""

from pathlib import Path

from clinic.api import FRONT_DESK, THERAPIST, Permission, PluginManifest
from plugins.intake import hooks, hookspecs
from plugins.intake.views import bp

manifest = PluginManifest(
    name="intake",
    # Its chart panels, alerts and facts come from its tables, the user and the day.
    chart_cacheable=True,
    title="Intake questionnaires",
    version="0.1.0",
    core_requires=">=0.1,<1.0",
    blueprint=bp,
    hooks=hooks,
    hookspecs=hookspecs,
    models="plugins.intake.models",
    permissions=(
        Permission(
            "intake.view",
            "See intake packet status and safety alerts; open the intake page",
            (FRONT_DESK, THERAPIST),
        ),
        Permission(
            "intake.enter",
            "Start packets, enter paper forms, hand a tablet over, print packets",
            (FRONT_DESK, THERAPIST),
        ),
        Permission(
            "intake.history.view",
            "Read health-history answers, scores and response details",
            (THERAPIST,),
        ),
        Permission(
            "intake.alerts.review",
            "Record that a safety alert was reviewed or that clearance was received",
            (THERAPIST,),
        ),
        Permission("intake.manage", "Load wording packs and configure intake packets", ()),
    ),
    settings={
        "token_minutes": 30,
        "mcid_nprs": 2.0,
        "mcid_odi": 10.0,
        "mcid_rmdq": 5.0,
        "mcid_percent": 30.0,
        "red_flag_age_under": 20,
        "red_flag_age_over": 50,
        "surgery_clearance_weeks": 6,
        "pregnancy_supine_weeks": 20,
    },
    migrations=Path(__file__).parent / "migrations" / "versions",
    description="Intake questionnaires, tablet hand-over, scores and safety screening.",
)
